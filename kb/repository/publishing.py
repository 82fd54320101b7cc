"""Published commits sent to the central repository: push, and when refused, fetch, merge and push again.

The content folder may be a clone of a central repository. Commits made here (browser saves,
renames, deletions) are pushed to its remote branch; a push is never forced. When the remote
moved, its commits are fetched and merged (never rebased: local commits keep their ids, so
open edit forms stay valid) and the push is tried once more. When that fails too (the
network, a conflicting change, a refusal), the local commits stay, and the state is kept in
``push-status.json`` in the index folder for ``/healthz`` and the editors: counts and a
message without remote addresses. The next save or ``kb sync`` tries again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from .. import git, gitbranches

STATE_FILE = "push-status.json"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PushState:
    ok: bool
    unpushed: int  # local commits the remote does not have
    error: str | None = None  # git's message, remote addresses removed
    merged: git.PullResult | None = None  # the remote's commits merged on the way, to index


def send(content_dir: Path, index_dir: Path, committer: git.Identity) -> PushState | None:
    """Push the local commits (callers hold the updater's lock); None when there is no remote."""
    target = git.upstream(content_dir)
    if target is None:
        return None
    merged = None
    try:
        try:
            git.push(content_dir, target)
        except git.GitError as first:
            log.warning("publishing: push refused or failed (%s); fetching and merging", first)
            merged = git.fetch_and_merge(content_dir, target, committer)
            git.push(content_dir, target)
        _send_proposals(content_dir, target.remote)
        state = PushState(True, 0, merged=merged)
    except git.GitError as exc:
        log.error("publishing: local commits kept, not pushed: %s", exc)
        state = PushState(False, git.unpushed(content_dir, target), str(exc), merged)
    write_state(index_dir, state)
    return state


def _send_proposals(content_dir: Path, remote: str) -> None:
    """Push the proposal branches, so reviewers on GitLab see them; when refused, take up the remote's
    revisions of them (commits added there) and push once more."""
    try:
        gitbranches.push_proposals(content_dir, remote)
    except git.GitError as first:
        log.warning("publishing: proposal branches refused or not sent (%s); fetching them", first)
        gitbranches.receive_proposals(content_dir, remote)
        gitbranches.push_proposals(content_dir, remote)


def receive(content_dir: Path, index_dir: Path) -> tuple[str, ...]:
    """Take up the remote's proposal branches (callers hold the updater's lock), so that this server reviews
    proposals made on another one; the diverged ones are reported as a failed push is. Raises GitError
    when the remote cannot be reached; () when there is no remote."""
    target = git.upstream(content_dir)
    if target is None:
        return ()
    diverged = gitbranches.receive_proposals(content_dir, target.remote)
    if diverged:
        error = f"proposal branches diverged from the remote, kept as they are here: {', '.join(diverged)}"
        log.error("publishing: %s", error)
        write_state(index_dir, PushState(False, git.unpushed(content_dir, target), error))
    return diverged


def retire(content_dir: Path, branch: str) -> None:
    """Delete a merged proposal's branch here, and on the remote once the merge reached it (a failure is only logged)."""
    target = git.upstream(content_dir)
    merge_sent = target is not None and git.unpushed(content_dir, target) == 0
    try:
        gitbranches.retire_branch(content_dir, branch, target.remote if target is not None and merge_sent else None)
    except git.GitError as exc:
        log.warning("publishing: merged proposal branch %s not deleted: %s", branch, exc)


def write_state(index_dir: Path, state: PushState) -> None:
    record = {"ok": state.ok, "unpushed": state.unpushed, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "error": state.error}
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f"{STATE_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(record))
    os.replace(tmp, index_dir / STATE_FILE)


def read_state(index_dir: Path | str) -> dict | None:
    """The last push's outcome, or None when nothing was ever pushed from here."""
    try:
        return json.loads((Path(index_dir) / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None


def public_state(index_dir: Path | str) -> dict | None:
    """What ``/healthz`` shows (it is public): whether the last push went through, and a count."""
    state = read_state(index_dir)
    return None if state is None else {"ok": bool(state.get("ok")), "unpushed": int(state.get("unpushed") or 0), "at": state.get("at")}
