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
    """Push every proposal branch to ``remote`` under the same name, never forced; GitError when one is refused."""
    if _local_proposals(content_dir):
        _remote(content_dir, "push", "--quiet", remote, f"{PROPOSAL_REFS}:{PROPOSAL_REFS}")


def adopt_remote_revisions(content_dir: Path | str, remote: str) -> None:
    """Fetch the remote's proposal branches and move ours on to theirs where theirs only adds commits (a
    revision pushed to the merge request on GitLab, say); a branch that diverged stays as it is."""
    _remote(content_dir, "fetch", "--quiet", remote, f"+{PROPOSAL_REFS}:refs/remotes/{remote}/proposals/*")
    for ref, ours in _local_proposals(content_dir).items():
        theirs = _verified(content_dir, f"refs/remotes/{remote}/{ref.removeprefix('refs/heads/')}")
        if theirs and theirs != ours and merge_base(content_dir, ours, theirs) == ours:
            _git(content_dir, "update-ref", "-m", "kb proposal: the remote's revision", ref, theirs, ours)


def retire_branch(content_dir: Path | str, branch: str, remote: str | None) -> None:
    """Delete a merged proposal branch here and, when given, on ``remote`` (its commits live on in the merge)."""
    ref = _proposal_ref(branch)
    _git(content_dir, "update-ref", "-d", ref)
    if remote is not None and _verified(content_dir, f"refs/remotes/{remote}/{branch}"):
        _remote(content_dir, "push", "--quiet", remote, f":{ref}")


def _local_proposals(content_dir: Path | str) -> dict[str, str]:
    listing = _git(content_dir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/proposals/", timeout=10)
    return dict(line.split(" ", 1) for line in listing.splitlines() if line.strip())


def _verified(content_dir: Path | str, ref: str) -> str | None:
    try:
        return _git(content_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", timeout=10).strip() or None
    except GitError:
        return None
