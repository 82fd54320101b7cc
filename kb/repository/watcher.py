"""``flask kb watch``: one long-running updater that keeps the parse cache and the manifest in
memory and indexes each change as it happens, instead of a fresh process loading both each time.

It wakes up for two things: a content file (``.md``, ``.yml``) that changed, was added or
deleted, which it indexes at once (after ``DEBOUNCE_MS`` of quiet); and a new token in
``SYNC.request`` (the webhook's ``request_update``), for which it pulls and indexes what the
pull changed, as ``kb sync`` does. While it runs it holds ``WATCH.lock`` in the index folder,
which is how the webhook knows not to start a ``kb sync`` of its own. Every write still takes
the same locks as ``kb index`` and ``kb sync``, so those can run beside it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..index import SearchIndex
from ..locks import file_lock, is_locked
from .sync import Memory, SyncReport, sync
from .updater import REQUEST_FILE, Outcome, update

WATCH_LOCK = "WATCH.lock"
DEBOUNCE_MS = 50  # quiet time before a burst of changes (an editor's save, a pull) is indexed
IDLE_MS = 500  # with no change, the watch loop wakes this often (to notice a stop)
CONTENT_SUFFIXES = (".md", ".yml")

log = logging.getLogger(__name__)


class WatcherRunning(Exception):
    """Another ``kb watch`` already serves this index."""


def watcher_running(index_dir: Path | str) -> bool:
    """Whether a ``kb watch`` process serves the index in ``index_dir`` (it holds the watch lock)."""
    return is_locked(Path(index_dir) / WATCH_LOCK)


@contextmanager
def _only_watcher(index: SearchIndex) -> Iterator[None]:
    with file_lock(index.directory / WATCH_LOCK, wait=False) as alone:
        if not alone:
            raise WatcherRunning(f"another 'kb watch' serves {index.directory}")
        yield


def watch(
    content_dir: Path | str,
    index: SearchIndex,
    *,
    max_bytes: int = 2_000_000,
    report: Callable[[Outcome | SyncReport, tuple[str, ...]], None] = lambda result, paths: None,
    stop: threading.Event | None = None,
    ready: Callable[[], None] = lambda: None,
) -> None:
    """Bring the index up to date, then index every change until ``stop`` is set.

    ``report(result, paths)`` is called after each round with the changed paths (empty for
    a pull); ``ready()`` once the first round is done and changes are being watched.
    """
    from watchfiles import watch as watch_files  # only this command needs it

    content_dir = Path(content_dir).resolve()
    index.directory.mkdir(parents=True, exist_ok=True)
    requests = (index.directory / REQUEST_FILE).resolve()
    memory = Memory()
    with _only_watcher(index):
        watched = watch_files(
            content_dir,
            index.directory,
            watch_filter=lambda change, path: _wanted(Path(path), content_dir, requests),
            debounce=DEBOUNCE_MS,
            step=DEBOUNCE_MS,
            stop_event=stop,
            rust_timeout=IDLE_MS,
            yield_on_timeout=True,  # the first (empty) yield says the watch is on: nothing is missed after it
        )
        started = False
        pulled: dict[str, FileState] = {}
        for changes in watched:
            if not started:
                pulled = _pull(content_dir, index, max_bytes, memory, report)
                ready()
                started = True
            changed = {Path(path) for _, path in changes}
            paths = tuple(sorted(path.relative_to(content_dir).as_posix() for path in changed - {requests}))
            paths = tuple(path for path in paths if pulled.get(path, UNKNOWN) != _state(content_dir / path))
            if requests in changed:  # the webhook: pull, and index what the pull changed
                pulled = _pull(content_dir, index, max_bytes, memory, report)
            if paths:
                report(sync(content_dir, index, max_bytes=max_bytes, changed=paths, memory=memory), paths)


FileState = tuple[int, int] | None  # (mtime in ns, size); None: no such file
UNKNOWN = (-1, -1)


def _state(path: Path) -> FileState:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _pull(
    content_dir: Path, index: SearchIndex, max_bytes: int, memory: Memory, report: Callable[[Outcome, tuple[str, ...]], None]
) -> dict[str, FileState]:
    """Pull and index what changed; returns the state of the files it indexed, whose own change
    events (the merge wrote them) need no second indexing while they stay as the pull left them."""
    outcome = update(content_dir, index, max_bytes=max_bytes, memory=memory)
    report(outcome, ())
    return {path: _state(content_dir / path) for path in outcome.changed or ()}


def _wanted(path: Path, content_dir: Path, requests: Path) -> bool:
    """Content files (not in hidden folders such as ``.git``) and the webhook's request file."""
    if path == requests:
        return True
    try:
        parts = path.relative_to(content_dir).parts
    except ValueError:
        return False
    return path.name.endswith(CONTENT_SUFFIXES) and not any(part.startswith(".") for part in parts)
