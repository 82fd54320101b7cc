"""The content repository's git facts: history per file, one commit's diff, pull and what it changed;
and the browser editor's writes: one file committed, two edits of a text merged.

The one module that runs ``git``. Every call is one batched command with fixed arguments:
commit ids are checked as hex and paths are passed after ``--``, so nothing a request
sends can become an option or a revision range. ``git`` missing, or a folder that is not
a repository, reads as "no git facts" (``None``), never as an error page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_SHA = re.compile(r"[0-9a-f]{7,40}")
_FIELD, _RECORD = "\x1f", "\x00"
LOG_FORMAT = "%x00" + "%x1f".join(("%H", "%ct", "%an", "%ae", "%s"))  # git writes the bytes
PATHS_PER_CALL = 500  # beyond this many paths one pass over the whole log is cheaper than a pathspec
TIMEOUT = 120
MERGE_CONFLICTS_MAX = 127  # git merge-file exits with the number of conflicts (capped), above that: an error


class GitError(Exception):
    """A git command failed; the message is git's own (first lines of stderr)."""


@dataclass(frozen=True)
class Commit:
    sha: str
    date: dt.datetime  # UTC, naive
    author: str
    email: str
    subject: str

    def as_dict(self) -> dict[str, str]:
        """The form stored in page data (JSON-friendly)."""
        return {"sha": self.sha, "date": self.date.isoformat(), "author": self.author, "email": self.email, "subject": self.subject}


@dataclass(frozen=True)
class PullResult:
    old: str | None
    new: str | None
    pulled: bool  # False when there is no remote to pull from


def is_sha(value: str) -> bool:
    """A commit id as the pages use it: 7 to 40 lower-case hex digits, nothing else."""
    return bool(_SHA.fullmatch(value or ""))


def _env() -> dict[str, str]:
    # never prompt for credentials in a web worker or cron; fixed English messages
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}


def _git(content_dir: Path | str, *args: str, timeout: float = TIMEOUT, extra_env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(content_dir), "--literal-pathspecs", "-c", "core.quotepath=off", *args],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            env={**_env(), **(extra_env or {})},
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"git {args[0]}: {exc}") from exc
    if done.returncode != 0:
        message = " ".join(done.stderr.strip().splitlines()[:3]) or f"exit status {done.returncode}"
        raise GitError(f"git {args[0]}: {message}")
    return done.stdout


def is_repository(content_dir: Path | str) -> bool:
    """True when ``content_dir`` is inside a git work tree (and git is installed)."""
    try:
        return _git(content_dir, "rev-parse", "--is-inside-work-tree", timeout=10).strip() == "true"
    except GitError:
        return False


def head(content_dir: Path | str) -> str | None:
    try:
        return _git(content_dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", timeout=10).strip() or None
    except GitError:
        return None


def _parse_log(log: str) -> dict[str, list[Commit]]:
    histories: dict[str, list[Commit]] = {}
    commit: Commit | None = None
    for line in log.split("\n"):
        if line.startswith(_RECORD):
            sha, stamp, author, email, subject = (line[1:].split(_FIELD) + [""] * 5)[:5]
            when = dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC).replace(tzinfo=None)
            commit = Commit(sha, when, author, email, subject)
        elif line and commit is not None:
            histories.setdefault(line, []).append(commit)
    return histories


def histories(content_dir: Path | str, paths: Iterable[str] | None = None) -> dict[str, list[Commit]] | None:
    """Path (relative to ``content_dir``) -> the commits that touched it, newest first.

    One ``git log`` pass for the whole folder, or for just ``paths`` when there are few.
    None when the folder is not a git repository. Renames are not followed: a moved file's
    history starts at the move.
    """
    if not is_repository(content_dir):
        return None
    wanted = sorted(set(paths)) if paths is not None else None
    spec = wanted if wanted is not None and len(wanted) <= PATHS_PER_CALL else ["."]
    if wanted == []:
        return {}
    try:
        log = _git(content_dir, "log", f"--format={LOG_FORMAT}", "--name-only", "--relative", "--no-renames", "--", *spec)
    except GitError:  # e.g. a repository without commits yet
        return {}
    found = _parse_log(log)
    return found if wanted is None else {p: found[p] for p in wanted if p in found}


def file_facts(commits: list[Commit] | None, in_repository: bool) -> dict:
    """What an article page shows about its history (stored in the page data as ``git``)."""
    if not in_repository:
        return {
            "tracked": False,
            "reason": "The content folder is not a git repository, so this page has no history: no edit dates, authors or changes are recorded.",
        }
    if not commits:
        return {"tracked": False, "reason": "This file has not been committed to the content repository yet."}
    authors = list(dict.fromkeys(c.author for c in commits))
    return {
        "tracked": True,
        "updated": commits[0].date.isoformat(),
        "author": commits[0].author,
        "authors": authors,
        "commits": [c.as_dict() for c in commits],
    }


def versions(content_dir: Path | str, sha: str, path: str) -> tuple[str | None, str | None]:
    """(the file before commit ``sha``, the file after it) as text; None where it did not exist.

    ``sha`` must be hex (``is_sha``) and ``path`` a known content path: callers check both.
    Before a repository's first commit, or when git cannot read it, a side is None too.
    """
    if not is_sha(sha) or path.startswith("-") or ".." in Path(path).parts or Path(path).is_absolute():
        raise GitError("refused: not a commit id and a content path")
    # "./": the path is taken from the content folder, which may be a folder inside the repository
    return _blob(content_dir, f"{sha}^:./{path}"), _blob(content_dir, f"{sha}:./{path}")


def _blob(content_dir: Path | str, name: str) -> str | None:
    try:
        return _git(content_dir, "cat-file", "blob", "--end-of-options", name)
    except GitError:
        return None


def has_remote(content_dir: Path | str) -> bool:
    try:
        return bool(_git(content_dir, "remote", timeout=10).strip())
    except GitError:
        return False


def pull(content_dir: Path | str, timeout: float = TIMEOUT) -> PullResult:
    """``git pull --ff-only`` when the repository has a remote; raises GitError when it fails.

    A fast-forward either applies completely or not at all, so on failure the work tree
    is what it was and the current index keeps serving.
    """
    old = head(content_dir)
    if not has_remote(content_dir):
        return PullResult(old, old, pulled=False)
    _git(content_dir, "pull", "--ff-only", "--quiet", timeout=timeout)
    return PullResult(old, head(content_dir), pulled=True)


def changed_paths(content_dir: Path | str, old: str, new: str) -> list[tuple[str, str]] | None:
    """(status letter, path) for each file that differs between two commits; None if unknown.

    Renames come out as a deletion and an addition (``--no-renames``). Paths are relative to
    ``content_dir``.
    """
    if not (is_sha(old) and is_sha(new)):
        return None
    try:
        out = _git(content_dir, "diff", "--name-status", "--no-renames", "--relative", old, new, "--")
    except GitError:
        return None
    changes = []
    for line in out.splitlines():
        status, _, path = line.partition("\t")
        if path:
            changes.append((status[:1], path))
    return changes


def touched_paths(content_dir: Path | str, old: str, new: str) -> set[str]:
    """Files that any commit between ``old`` and ``new`` touched (their history grew)."""
    if not (is_sha(old) and is_sha(new)):
        return set()
    try:
        out = _git(content_dir, "log", "--format=", "--name-only", "--relative", "--no-renames", f"{old}..{new}", "--")
    except GitError:
        return set()
    return {line for line in out.splitlines() if line}


def most_changed_by_person(article_histories: dict[str, list[dict]], emails: dict[str, str], limit: int = 5) -> dict[str, list[tuple[str, int]]]:
    """Person id -> their most-changed articles as (slug, commits), most first.

    :param article_histories: slug -> the stored commit dicts of that article (page data ``git.commits``)
    :param emails: person id -> the ``email`` of their profile (compared case-insensitively)
    """
    person_of = {email.strip().casefold(): person for person, email in emails.items() if email}
    counts: dict[str, dict[str, int]] = {}
    for slug, commits in article_histories.items():
        for commit in commits:
            person = person_of.get(str(commit.get("email", "")).strip().casefold())
            if person:
                counts.setdefault(person, {}).setdefault(slug, 0)
                counts[person][slug] += 1
    return {person: sorted(per.items(), key=lambda item: (-item[1], item[0]))[:limit] for person, per in counts.items()}


def modified_time(path: Path) -> dt.datetime | None:
    """A file's modification time (UTC, naive): the "updated" date where git knows nothing."""
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Identity:
    """A name and email as git records them (an author, or the server as committer)."""

    name: str
    email: str

    def env(self, role: str) -> dict[str, str]:
        """``GIT_AUTHOR_*`` or ``GIT_COMMITTER_*`` variables (``role``: "AUTHOR" or "COMMITTER")."""
        return {f"GIT_{role}_NAME": self.name, f"GIT_{role}_EMAIL": self.email}


def file_at(content_dir: Path | str, sha: str, path: str) -> str | None:
    """The text of ``path`` (relative to ``content_dir``) at commit ``sha``; None where it did not exist."""
    if not is_sha(sha) or path.startswith("-") or ".." in Path(path).parts or Path(path).is_absolute():
        return None
    return _blob(content_dir, f"{sha}:./{path}")


def commit_file(content_dir: Path | str, path: str, message: str, author: Identity, committer: Identity) -> str:
    """Commit exactly ``path`` as it is in the work tree (other staged changes stay staged); the new sha.

    The message is read from a temporary file (``-F``), so no text of it becomes an option.
    Hooks are skipped: the caller has run ``kb check`` on the file already.
    """
    env = {**author.env("AUTHOR"), **committer.env("COMMITTER")}
    _git(content_dir, "add", "--", path)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as handle:
        handle.write(message)
    try:
        _git(content_dir, "commit", "--quiet", "--no-verify", "--only", "-F", handle.name, "--", path, extra_env=env)
    finally:
        os.unlink(handle.name)
    return head(content_dir) or ""


def merge_texts(ours: str, base: str, theirs: str, labels: tuple[str, str, str]) -> tuple[str, bool]:
    """Three-way merge of texts with ``git merge-file``: (the result, whether it has conflicts).

    ``labels`` name ours, base and theirs in the conflict markers.
    """
    with tempfile.TemporaryDirectory(prefix="kb-merge-") as folder:
        files = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            (Path(folder) / name).write_text(text, encoding="utf-8")
            files.append(str(Path(folder) / name))
        label_args = [arg for label in labels for arg in ("-L", label)]
        try:
            done = subprocess.run(
                ["git", "merge-file", "-p", *label_args, *files],
                capture_output=True,
                timeout=TIMEOUT,
                env=_env(),
                stdin=subprocess.DEVNULL,
                cwd=folder,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise GitError(f"git merge-file: {exc}") from exc
    if done.returncode < 0 or done.returncode > MERGE_CONFLICTS_MAX:
        raise GitError(f"git merge-file: {done.stderr.decode('utf-8', 'replace').strip() or done.returncode}")
    return done.stdout.decode("utf-8", "replace"), done.returncode > 0


# Renames and deletions (browser editing): a set of paths in one commit.
def _as(author: Identity, committer: Identity) -> dict[str, str]:
    return {**author.env("AUTHOR"), **committer.env("COMMITTER")}


def commit_paths(content_dir: Path | str, paths: list[str], message: str, author: Identity, committer: Identity) -> str:
    """Commit ``paths`` as the work tree has them (a move is what ``git mv`` records); on failure they are unstaged."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as handle:
        handle.write(message)
    options = ("--quiet", "--no-verify", "-F", handle.name)
    try:
        _git(content_dir, "add", "-A", "--", *paths)
        _git(content_dir, "commit", *options, "--", *paths, extra_env=_as(author, committer))
    except GitError:
        with contextlib.suppress(GitError):  # nothing was staged
            _git(content_dir, "reset", "--quiet", "--", *paths)
        raise
    finally:
        os.unlink(handle.name)
    return head(content_dir) or ""


_URL = re.compile(r"\S+://\S+|\S+@\S+:\S+")  # remote addresses may carry credentials: never shown


def _remote(content_dir: Path | str, *args: str) -> None:
    """A git command that talks to the remote: its errors without addresses (which may hold a user name or token)."""
    try:
        _git(content_dir, *args)
    except GitError as exc:
        raise GitError(_URL.sub("<remote>", str(exc))) from exc


@dataclass(frozen=True)
class Upstream:
    remote: str
    branch: str

    @property
    def tracking(self) -> str:
        return f"refs/remotes/{self.remote}/{self.branch}"


def upstream(content_dir: Path | str) -> Upstream | None:
    """The remote branch the content folder follows: its upstream, else ``origin`` and the same branch name."""
    try:
        remote, _, branch = _git(content_dir, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}", timeout=10).strip().partition("/")
    except GitError:
        remote, branch = "origin", ""
    try:
        if not branch and "origin" in _git(content_dir, "remote", timeout=10).split():
            branch = _git(content_dir, "symbolic-ref", "--quiet", "--short", "HEAD", timeout=10).strip()
    except GitError:
        return None
    return Upstream(remote, branch) if branch else None


def unpushed(content_dir: Path | str, target: Upstream) -> int:
    """How many local commits (of HEAD and the proposal branches) no remote branch (as last fetched) has."""
    try:
        return int(_git(content_dir, "rev-list", "--count", "HEAD", "--branches=proposals/*", "--not", "--remotes", timeout=10).strip() or 0)
    except (GitError, ValueError):
        return 0


def push(content_dir: Path | str, target: Upstream) -> None:
    """Push HEAD to the remote branch, never forced; GitError when refused or unreachable."""
    _remote(content_dir, "push", "--quiet", target.remote, f"HEAD:refs/heads/{target.branch}")
    _git(content_dir, "update-ref", target.tracking, "HEAD")


def fetch_and_merge(content_dir: Path | str, target: Upstream, committer: Identity) -> PullResult:
    """Fetch the remote branch and merge it (a fast-forward when there are no local commits).

    Local commits are never dropped or rewritten: a conflicting merge is aborted, the work tree
    stays as it was, and GitError says so.
    """
    old = head(content_dir)
    _remote(content_dir, "fetch", "--quiet", target.remote, f"+refs/heads/{target.branch}:{target.tracking}")
    try:
        _git(content_dir, "merge", "--quiet", "--no-edit", "--no-verify", target.tracking, extra_env=_as(committer, committer))
    except GitError as exc:
        with contextlib.suppress(GitError):  # no merge under way
            _git(content_dir, "merge", "--abort")
        raise GitError(f"pull: the remote's changes conflict with local commits, which were kept ({exc})") from exc
    return PullResult(old, head(content_dir), pulled=True)
