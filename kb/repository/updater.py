"""Staying current with the content repository: fetch and merge, then index exactly what that changed.

``flask kb sync`` (cron, or the webhook's child process) calls ``update``. One updater runs
at a time across all processes (a lock file in the index folder, which the webhook takes for
the process it starts: ``claim_updater``). A request that arrives while one runs is not lost:
``request_update`` writes a fresh token to ``SYNC.request`` first, and the running updater
goes round once more when the token changed under it, however many requests came.

The outcome of the last pull is kept in ``content-sync.json`` in the index folder, which
``/healthz`` reports; a failed pull leaves the work tree and the index as they were.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import git
from ..index import SearchIndex
from ..locks import claim, file_lock, inherited_lock
from .publishing import receive, send
from .sync import Memory, SyncReport, sync

STATUS_FILE = "content-sync.json"
REQUEST_FILE = "SYNC.request"
LOCK_FILE = "PULL.lock"
SYNC_COMMITTER = git.Identity("SC Knowledge Base", "kb@localhost")  # merges the remote's commits into local ones
MAX_ROUNDS = 5  # requests arriving during an update are served by at most this many extra rounds

log = logging.getLogger(__name__)


class UpdaterBusy(Exception):
    """Another process is pulling and indexing right now (it will see the latest request)."""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    pulled: bool
    old: str | None
    new: str | None
    changed: tuple[str, ...] | None  # None: a full update (no diff available)
    report: SyncReport | None
    error: str = ""

    def summary(self) -> str:
        if not self.ok:
            return f"content sync failed: {self.error}; the current content and index keep serving"
        where = (
            f"pulled {_short(self.old)}..{_short(self.new)}"
            if self.pulled and self.old != self.new
            else "already up to date"
            if self.pulled
            else "no remote to pull from"
        )
        what = f"{len(self.changed)} changed files" if self.changed is not None else "full update"
        return f"{where}; {what}; " + (self.report.summary() if self.report else "index unchanged")


def _short(sha: str | None) -> str:
    return sha[:10] if sha else "(none)"


def _exclusive(directory: Path, wait: bool, lock_fd: int | None = None):
    return inherited_lock(lock_fd) if lock_fd is not None else file_lock(directory / LOCK_FILE, wait)


def claim_updater(index_dir: Path | str) -> int | None:
    """The updater lock, taken for an updater process about to be started; None when one runs."""
    return claim(Path(index_dir) / LOCK_FILE)


def request_update(index_dir: Path | str) -> None:
    """Note that an update is wanted (before starting an updater that may find the lock taken)."""
    directory = Path(index_dir)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f"{REQUEST_FILE}.{os.getpid()}.tmp"
    tmp.write_text(secrets.token_hex(8))
    os.replace(tmp, directory / REQUEST_FILE)


def _request_token(directory: Path) -> str:
    try:
        return (directory / REQUEST_FILE).read_text()
    except OSError:
        return ""


def update(
    content_dir: Path | str,
    index: SearchIndex,
    *,
    max_bytes: int = 2_000_000,
    wait: bool = True,
    memory: Memory | None = None,
    lock_fd: int | None = None,
) -> Outcome:
    """Pull (fetch and merge, local commits pushed) and index what changed; repeat while new requests arrived.

    Raises ``UpdaterBusy`` when ``wait`` is false and another updater holds the lock.
    ``memory`` is ``kb watch``'s state between runs (see ``kb.repository.sync.Memory``). ``lock_fd``
    is the lock the starting process claimed for this one: the first round holds it.
    """
    outcome = None
    for _ in range(MAX_ROUNDS):
        token = _request_token(index.directory)
        with _exclusive(index.directory, wait, lock_fd) as locked:
            lock_fd = None  # let go after this round: the token is read again after that
            if not locked:
                raise UpdaterBusy(f"another content sync is running in {index.directory}")
            outcome = _update_once(Path(content_dir), index, max_bytes, memory)
        if _request_token(index.directory) == token:
            break
    return outcome


def _update_once(content_dir: Path, index: SearchIndex, max_bytes: int, memory: Memory | None) -> Outcome:
    pulled, old, new = False, None, None
    if git.is_repository(content_dir):
        try:
            result = _pull(content_dir, index.directory)
        except git.GitError as exc:
            log.error("content sync: pull failed in %s: %s", content_dir, exc)
            outcome = Outcome(False, True, git.head(content_dir), None, None, None, str(exc))
            write_status(index.directory, outcome)
            return outcome
        pulled, old, new = result.pulled, result.old, result.new
    changed: set[str] | None = None
    if pulled and old and new and index.exists():
        diff = git.changed_paths(content_dir, old, new)
        if diff is not None:
            changed = {path for _, path in diff} | (git.touched_paths(content_dir, old, new) if old != new else set())
    report = sync(content_dir, index, max_bytes=max_bytes, changed=changed, memory=memory)
    outcome = Outcome(True, pulled, old, new, tuple(sorted(changed)) if changed is not None else None, report)
    log.info("content sync: %s", outcome.summary())
    write_status(index.directory, outcome)
    return outcome


def _pull(content_dir: Path, index_dir: Path) -> git.PullResult:
    """Fetch and merge the remote (a fast-forward unless browser saves made local commits), then push those.

    Never ``--ff-only`` where the remote is known: local commits would make every later pull fail.
    """
    target = git.upstream(content_dir)
    if target is None:
        return git.pull(content_dir)
    result = git.fetch_and_merge(content_dir, target, SYNC_COMMITTER)
    _receive_proposals(content_dir, index_dir)
    if git.unpushed(content_dir, target):
        send(content_dir, index_dir, SYNC_COMMITTER)
    return git.PullResult(result.old, git.head(content_dir), pulled=True)


def _receive_proposals(content_dir: Path, index_dir: Path) -> None:
    """The proposal branches made or revised on other servers or on GitLab; a failure leaves them as they
    were and does not fail the pull (the review actions fetch a missing branch again)."""
    try:
        receive(content_dir, index_dir)
    except git.GitError as exc:
        log.warning("content sync: proposal branches not fetched: %s", exc)


def write_status(index_dir: Path, outcome: Outcome) -> None:
    """Keep the last outcome for ``/healthz``: a failure stays visible until a pull succeeds."""
    status: dict[str, Any] = {"ok": outcome.ok, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "commit": outcome.new or outcome.old}
    if not outcome.ok:
        status["error"] = outcome.error
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f"{STATUS_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(status))
    os.replace(tmp, index_dir / STATUS_FILE)


def read_status(index_dir: Path | str) -> dict[str, Any] | None:
    """The last content sync's outcome, or None when ``kb sync`` never ran."""
    try:
        return json.loads((Path(index_dir) / STATUS_FILE).read_text())
    except (OSError, ValueError):
        return None
