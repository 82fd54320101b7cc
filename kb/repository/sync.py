"""Content folder -> catalog -> index records -> the index, updating only what changed.

A document is re-rendered when its file, the glossary, or the title of an article it
links to changed; everything else keeps its stored rendering.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing
import os
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from ..content import ParseCache, Problem, load_content
from ..health.freshness import load_sources
from ..health.problems import PROBLEMS_TABLE, problem_rows, tally
from ..index import IndexBusy, IndexUnavailable, Record, SearchIndex, Tables
from ..index.building import PART_DOCUMENTS
from ..media import MEDIA_TABLE, usage_rows
from ..places import place_rows
from .records import Pending, Recorder, pending_of, stale_keys

PARSE_CACHE = "parse-cache-4.sqlite"  # in the index folder; a new name when parsing changes (3: access and marking read strictly; 4: SQLite)
EARLIER_CACHES = ("parse-cache-3.pickle",)  # deleted by the next update (70 MB at 30,000 documents)


@dataclass(frozen=True)
class SyncReport:
    added: int
    updated: int
    deleted: int
    unchanged: int
    rebuilt: bool
    seconds: float
    problems: tuple[Problem, ...]

    def summary(self) -> str:
        action = "rebuilt" if self.rebuilt else "updated"
        return (
            f"index {action} in {self.seconds:.2f} s: {self.added} added, {self.updated} changed, "
            f"{self.deleted} deleted, {self.unchanged} unchanged; {tally(self.problems)}"
        )

    @property
    def errors(self) -> int:
        """Content errors (warnings aside): ``kb index`` and ``kb sync`` exit 1 when there are any."""
        return sum(p.severity == "error" for p in self.problems)


@dataclass
class Memory:
    """What a long-running updater (``kb watch``) keeps between runs, so a run does not reload it.

    Valid while nobody else wrote the index: ``stamp`` is the generation and the manifest
    file's time and size after our own last run; anything else means reading them again.
    """

    cache: ParseCache | None = None
    manifest: dict[str, Any] | None = None
    stamp: tuple | None = None

    def recall(self, index: SearchIndex) -> tuple[ParseCache | None, dict[str, Any] | None]:
        if self.stamp is None or self.stamp != index.manifest_stamp():
            return None, None
        return self.cache, self.manifest

    def keep(self, index: SearchIndex, cache: ParseCache, manifest: dict[str, Any] | None) -> None:
        self.cache, self.manifest, self.stamp = cache.carried(), manifest, index.manifest_stamp()


def sync(  # noqa: PLR0913 - keyword-only options of kb index, kb sync and kb watch
    content_dir: Path | str,
    index: SearchIndex,
    *,
    rebuild: bool = False,
    max_bytes: int = 2_000_000,
    wait: bool = True,
    changed: Collection[str] | None = None,
    memory: Memory | None = None,
    only_if_unreadable: bool = False,
    lock_fd: int | None = None,
) -> SyncReport | None:
    """Bring the index up to date with the content folder (one process at a time).

    With ``wait=False`` it raises ``IndexBusy`` at once when another update holds the lock.
    With ``changed`` (paths relative to the folder, e.g. from ``git diff`` after a pull) only
    those files are read and they are re-rendered even when their text is the same (their
    history grew); without it, or without a previous run, every file's stamp is compared.
    With ``memory`` the parse cache and manifest of the previous run stay in memory.
    With ``only_if_unreadable`` it does nothing and returns None when, once it holds the lock,
    the live index reads well: the rebuild a web worker asked for is done already.
    ``lock_fd`` is the index lock that web worker claimed for this process (``kb.locks.claim``).
    """
    started = time.perf_counter()
    content_dir = Path(content_dir)
    changed = set(changed) if changed is not None else None
    with index.lock(wait, lock_fd) as locked:
        if not locked:
            raise IndexBusy(f"another index update is running in {index.directory}")
        if only_if_unreadable and _readable(index):
            return None
        report = _update(index, content_dir, changed, memory, rebuild=rebuild, max_bytes=max_bytes)
    return dataclasses.replace(report, seconds=time.perf_counter() - started)


def _update(index: SearchIndex, content_dir: Path, changed: set[str] | None, memory: Memory | None, *, rebuild: bool, max_bytes: int) -> SyncReport:
    """What ``sync`` does once it holds the lock; the report's ``seconds`` are filled in by ``sync``."""
    kept_cache, kept_manifest = memory.recall(index) if memory and not rebuild else (None, None)
    with _collector_relaxed():
        cache = ParseCache() if rebuild else kept_cache or ParseCache.load(index.directory / PARSE_CACHE)
        content = load_content(content_dir, max_bytes, cache, changed=None if rebuild else changed)
        catalog = Catalog(content)
        cited = load_sources(content_dir)[0]
        sources = pending_of(catalog, cited)
        manifest = None if rebuild or not index.exists() or index.outdated() else kept_manifest or index.manifest()
        changed_keys = stale_keys(sources, manifest) if manifest is not None else set()
    recorder = Recorder(catalog, content_dir, cited)
    tables = _tables(catalog)
    if manifest is None:
        added = _rebuild(index, recorder, sources, tables)
        _save(cache, index)
        if memory:
            memory.keep(index, cache, index.manifest())
        return SyncReport(added, 0, 0, 0, True, 0.0, content.problems)
    stale = [s for s in sources if s.key in changed_keys or (changed and s.doc and s.doc.path in changed)]
    recorder.paths = [s.doc.path for s in stale if s.doc is not None]
    with _records(recorder, stale) as records:
        records = list(records)
    deleted = sorted(manifest.keys() - {s.key for s in sources})
    added = sum(1 for r in records if r.key not in manifest)
    if records or deleted or any(index.table(name) != tables[name] for name in (PROBLEMS_TABLE, MEDIA_TABLE)):
        manifest = index.update(records, deleted, manifest, tables)
    _save(cache, index)
    if memory:
        memory.keep(index, cache, manifest)
    unchanged = len(sources) - len(records)
    return SyncReport(added, len(records) - added, len(deleted), unchanged, False, 0.0, content.problems)


RELAXED_COLLECTOR = (100_000, 50, 100)  # gc thresholds while loading: young cycles still collected, rarely a full pass


@contextlib.contextmanager
def _collector_relaxed() -> Iterator[None]:
    """Python's cycle collector run rarely while an update loads the cache, the manifest and the catalog.

    Those are tens of thousands of small objects without cycles, and with the default thresholds
    each burst of allocations walks them all again (profiled at 30,000 documents: more than half
    the time of unpickling them). The parsers' own cycles are still collected, in larger batches.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(*RELAXED_COLLECTOR)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _save(cache: ParseCache, index: SearchIndex) -> None:
    """The parse cache's new rows; an earlier release's cache file goes."""
    cache.save(index.directory / PARSE_CACHE)
    for name in EARLIER_CACHES:
        (index.directory / name).unlink(missing_ok=True)


def _tables(catalog: Catalog) -> Tables:
    """The content tables pages need beside the documents, stored with them: the place table, and
    the content's problems (what editors are told to fix, the same on every server), and which media
    files public documents use (``kb.media``: who may fetch each)."""
    return {
        "regions": place_rows(catalog.content.regions),
        PROBLEMS_TABLE: problem_rows(catalog.content.problems),
        MEDIA_TABLE: usage_rows(catalog.content.documents),
    }


def _readable(index: SearchIndex) -> bool:
    try:
        index.verify(thorough=True)
    except IndexUnavailable:
        return False
    return True


PARALLEL_FROM = 64  # below this many documents a process pool costs more than it saves


def _parallel(count: int) -> int:
    """How many processes to render (and, for a rebuild, index) ``count`` documents in."""
    workers = os.cpu_count() or 1
    return workers if count >= PARALLEL_FROM and "fork" in multiprocessing.get_all_start_methods() else 1


def _rebuild(index: SearchIndex, recorder: Recorder, sources: list[Pending], tables: Tables) -> int:
    """A new generation: every n-th document of each part rendered and indexed into a segment of its own.

    At least one part per process, and parts small enough to sort in memory (``PART_DOCUMENTS``).
    """
    processes = _parallel(len(sources))
    parts = max(processes, -(-len(sources) // PART_DOCUMENTS))
    if processes > 1:
        recorder.history  # noqa: B018 - read the git history once, before the fork
    with _frozen_heap():
        return index.rebuild(lambda part: map(recorder.record, sources[part::parts]), parts, processes, tables)


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """What the parent holds (every document, the catalog) moved out of the cycle collector's sight
    before it forks: each forked process would otherwise walk all of it at every full collection,
    and, touching those pages, copy them."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _records(recorder: Recorder, sources: list[Pending]) -> Iterator[Iterator[Record]]:
    """Render records, in a pool of forked processes (one per core) when there are many.

    The pool's results stream back in order, so the index writer works while they render.
    """
    workers = _parallel(len(sources))
    if workers == 1:
        yield map(recorder.record, sources)
        return
    recorder.history  # noqa: B018 - read the git history once, before the fork
    with _frozen_heap(), multiprocessing.get_context("fork").Pool(workers, initializer=_adopt, initargs=(recorder,)) as pool:
        yield pool.imap(_record_in_worker, sources, chunksize=8)


_worker_recorder: Recorder | None = None  # set in each pool process by _adopt (inherited through fork)


def _adopt(recorder: Recorder) -> None:
    global _worker_recorder
    _worker_recorder = recorder


def _record_in_worker(source: Pending) -> Record:
    return _worker_recorder.record(source)
