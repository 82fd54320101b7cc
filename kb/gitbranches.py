"""Proposal branches (``kb.editing.proposals``): a branch per proposal, committed and merged
with git plumbing, so the checked-out branch and its work tree are never touched until approval.
Beside ``kb.git`` (which runs every git command) to keep each module small."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from .git import GitError, Identity, _git, _remote, head, is_sha

_PROPOSAL_BRANCH = re.compile(r"proposals/[0-9]{1,12}-[a-z0-9]+(-[a-z0-9]+)*")
MAX_BRANCH_CHARS = 200
PROPOSAL_REFS = "refs/heads/proposals/*"


def _proposal_ref(branch: str) -> str:
    """``refs/heads/<branch>`` for a proposal's branch, refused when it is not ``proposals/<id>-<slug>``."""
    if not _PROPOSAL_BRANCH.fullmatch(branch or "") or len(branch) > MAX_BRANCH_CHARS:
        raise GitError(f"refused: {branch!r} is not a proposal branch")
    return f"refs/heads/{branch}"


def branch_head(content_dir: Path | str, branch: str) -> str | None:
    """The commit a proposal branch points at; None when it does not exist."""
    try:
        return _verified(content_dir, _proposal_ref(branch))
    except GitError:
        return None


def merge_base(content_dir: Path | str, one: str, other: str) -> str | None:
    if not (is_sha(one) and is_sha(other)):
        return None
    try:
        return _git(content_dir, "merge-base", one, other).strip() or None
    except GitError:
        return None


def commit_to_branch(
    content_dir: Path | str, branch: str, parent: str, files: dict[str, str | bytes], message: str, who: tuple[Identity, Identity]
) -> str:
    """Commit ``files`` (path relative to ``content_dir`` -> text, or bytes for media) on top of ``parent`` to ``branch``
    (created or moved on); the new sha. ``who``: (author, committer).

    Plumbing only (a temporary index, ``commit-tree``, ``update-ref`` with the expected old
    value): the checked-out branch and its work tree are never touched.
    """
    ref = _proposal_ref(branch)
    if not is_sha(parent) or not all(_safe_path(path) for path in files):
        raise GitError("refused: not a commit id and content paths")
    old = branch_head(content_dir, branch) or "0" * 40
    prefix = _git(content_dir, "rev-parse", "--show-prefix").strip()
    with tempfile.TemporaryDirectory(prefix="kb-proposal-") as folder:
        index_env = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
        _git(content_dir, "read-tree", parent, extra_env=index_env)
        for number, (path, text) in enumerate(files.items()):
            if isinstance(text, bytes):  # a media file
                (Path(folder) / str(number)).write_bytes(text)
            else:
                (Path(folder) / str(number)).write_text(text, encoding="utf-8", newline="")
            blob = _git(content_dir, "hash-object", "-w", "--no-filters", "--", str(Path(folder) / str(number))).strip()
            _git(content_dir, "update-index", "--add", "--cacheinfo", f"100644,{blob},{prefix}{path}", extra_env=index_env)
        tree = _git(content_dir, "write-tree", extra_env=index_env).strip()
        (Path(folder) / "message").write_text(message, encoding="utf-8")
        env = {**who[0].env("AUTHOR"), **who[1].env("COMMITTER")}
        sha = _git(content_dir, "commit-tree", tree, "-p", parent, "-F", str(Path(folder) / "message"), extra_env=env).strip()
    _git(content_dir, "update-ref", "-m", "kb proposal", ref, sha, old)
    return sha


def _safe_path(path: str) -> bool:
    return bool(path) and not path.startswith("-") and ".." not in Path(path).parts and not Path(path).is_absolute()


def merge_branch(content_dir: Path | str, branch: str, message: str, who: tuple[Identity, Identity]) -> str | None:
    """Merge a proposal branch into the checked-out branch with a merge commit; its sha, or None on a
    conflict (the merge is then aborted and the work tree is as it was)."""
    ref = _proposal_ref(branch)
    env = {**who[0].env("AUTHOR"), **who[1].env("COMMITTER")}
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as handle:
        handle.write(message)
    try:
        _git(content_dir, "merge", "--no-ff", "--no-verify", "--quiet", "-F", handle.name, ref, extra_env=env)
    except GitError:
        with contextlib.suppress(GitError):  # nothing started (e.g. the branch is gone): nothing to undo
            _git(content_dir, "merge", "--abort")
        return None
    finally:
        os.unlink(handle.name)
    return head(content_dir)


def push_proposals(content_dir: Path | str, remote: str) -> None:
    """Push every proposal branch to ``remote`` under the same name, never forced; GitError when one is refused.
    Those the main branch has merged are left out: approved on another server, whose deletion there must last."""
    main = head(content_dir) or ""
    refs = [ref for ref, tip in _local_proposals(content_dir).items() if not (main and _merged(content_dir, tip, main))]
    if refs:
        _remote(content_dir, "push", "--quiet", remote, *(f"{ref}:{ref}" for ref in refs))


def receive_proposals(content_dir: Path | str, remote: str) -> tuple[str, ...]:
    """Fetch the remote's proposal branches (those deleted there are forgotten as remote branches here) and take
    each up where nothing is lost: one this clone lacks is created (unless the main branch has it merged), one
    the remote only added commits to is moved on (a revision pushed to the merge request, or made on another
    server); one with commits the remote lacks stays, and the next push sends them. Returns the diverged ones."""
    _remote(content_dir, "fetch", "--quiet", "--prune", remote, f"+{PROPOSAL_REFS}:refs/remotes/{remote}/proposals/*")
    ours, main, diverged = _local_proposals(content_dir), head(content_dir) or "", []
    for ref, theirs in _proposals_of(content_dir, f"refs/remotes/{remote}/proposals/").items():
        local = ours.get(ref)
        if local is None and _PROPOSAL_BRANCH.fullmatch(ref.removeprefix("refs/heads/")) and not _merged(content_dir, theirs, main):
            _git(content_dir, "update-ref", "-m", "kb proposal: from the remote", ref, theirs, "0" * 40)
        elif local is not None and local != theirs and _merged(content_dir, local, theirs):
            _git(content_dir, "update-ref", "-m", "kb proposal: the remote's revision", ref, theirs, local)
        elif local is not None and not _merged(content_dir, theirs, local):
            diverged.append(ref.removeprefix("refs/heads/"))
    return tuple(diverged)


def merged_proposals(content_dir: Path | str, remote: str | None) -> set[str]:
    """The proposal branches, here or on ``remote`` as last fetched, that the main branch has merged
    (their tips are its ancestors): approved on another server, or merged on GitLab."""
    main = head(content_dir) or ""
    branches = _local_proposals(content_dir)
    if remote is not None:
        branches |= _proposals_of(content_dir, f"refs/remotes/{remote}/proposals/")
    return {ref.removeprefix("refs/heads/") for ref, tip in branches.items() if main and _merged(content_dir, tip, main)}


def _merged(content_dir: Path | str, tip: str, into: str) -> bool:
    return merge_base(content_dir, tip, into) == tip


def retire_branch(content_dir: Path | str, branch: str, remote: str | None) -> None:
    """Delete a merged proposal branch here and, when given, on ``remote`` (its commits live on in the merge)."""
    ref = _proposal_ref(branch)
    _git(content_dir, "update-ref", "-d", ref)
    if remote is not None and _verified(content_dir, f"refs/remotes/{remote}/{branch}"):
        _remote(content_dir, "push", "--quiet", remote, f":{ref}")


def _local_proposals(content_dir: Path | str) -> dict[str, str]:
    return _proposals_of(content_dir, "refs/heads/proposals/")


def _proposals_of(content_dir: Path | str, prefix: str) -> dict[str, str]:
    """``refs/heads/proposals/<name>`` -> tip, for the branches under ``prefix`` (here, or a remote's)."""
    listing = _git(content_dir, "for-each-ref", "--format=%(refname) %(objectname)", prefix, timeout=10)
    pairs = (line.split(" ", 1) for line in listing.splitlines() if line.strip())
    return {f"refs/heads/proposals/{ref.removeprefix(prefix)}": tip for ref, tip in pairs}


def _verified(content_dir: Path | str, ref: str) -> str | None:
    try:
        return _git(content_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", timeout=10).strip() or None
    except GitError:
        return None
