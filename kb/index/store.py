"""The index on disk: generations, the writer lock, the manifest, updates and rebuilds.

Layout of ``KB_INDEX_DIR``: ``CURRENT`` names the live generation folder (``gen-*``), which
holds the Whoosh segments and ``manifest.json`` (each document's digest, title and links,
so an update can tell what changed without reading stored fields) and ``files.json`` (each
data file's digest, ``kb.index.integrity``). A rebuild fills a new generation and switches
``CURRENT`` atomically; searchers notice and reopen. Writers take ``SYNC.lock`` (``fcntl``), so
one process writes at a time. A rebuild that failed leaves ``REBUILD.failed`` (when, why, how
many times in a row), so web workers wait longer before they ask for the next one.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from ..locks import claim, file_lock, inherited_lock
from . import integrity
from .building import RecordsOf, build_segments, manifest_entry
from .schema import Record, build_schema, index_fields

MERGE_FROM = 100  # an update of at least this many documents also merges small segments
REBUILD_FAILED = "REBUILD.failed"
TABLES = "tables.json"  # in a generation: content tables the pages need beside the documents (the place table)
Tables = dict[str, list[dict[str, Any]]]


def _analysis(schema) -> dict[str, Any]:
    """Each field's analyzer (None for fields without one): what a stored schema must still match."""
    return {name: getattr(schema[name], "analyzer", None) for name in schema.names()}


class IndexUnavailable(Exception):
    """There is no readable index; it has to be built from the content."""


class IndexBusy(Exception):
    """Another process is updating the index."""


class Store:
    def __init__(self, directory: Path | str, writer_timeout: float = 30.0) -> None:
        self.directory = Path(directory)
        self.writer_timeout = writer_timeout

    def generation(self) -> str | None:
        """The live generation's folder name, or None when there is none."""
        try:
            name = (self.directory / "CURRENT").read_text().strip()
        except OSError:
            return None
        return name if name and (self.directory / name).is_dir() else None

    def exists(self) -> bool:
        generation = self.generation()
        return generation is not None and whoosh_index.exists_in(self.directory / generation)

    def outdated(self) -> bool:
        """The live generation has other fields, or analyses text otherwise, than this release
        writes: it must be rebuilt (an incremental update would fail on the first new field, or
        index new documents with the old analyzers Whoosh keeps in the index)."""
        generation = self.generation()
        if generation is None:
            return False
        try:
            return _analysis(self.open(generation).schema) != _analysis(build_schema())
        except Exception:  # noqa: BLE001 - whatever Whoosh raises on unreadable files: rebuild
            return True

    def open(self, generation: str):
        return whoosh_index.open_dir(str(self.directory / generation))

    def lock(self, wait: bool = True, fd: int | None = None):
        """Serialise whole index updates between processes; yields False if not waiting and busy.

        ``fd``: the lock was ``claim``-ed for this process by the one that started it.
        """
        return inherited_lock(fd) if fd is not None else file_lock(self.directory / "SYNC.lock", wait)

    def claim(self) -> int | None:
        """The index lock, taken for a process about to be started (``kb.locks.claim``); None when busy."""
        return claim(self.directory / "SYNC.lock")

    def rebuild_failure(self) -> dict[str, Any] | None:
        """The last rebuilds' failure: ``{"at": epoch seconds, "failures": in a row, "error"}``; None after a success."""
        try:
            failure = json.loads((self.directory / REBUILD_FAILED).read_text())
        except (OSError, ValueError):
            return None
        return failure if isinstance(failure, dict) else None

    def manifest(self) -> dict[str, dict[str, Any]] | None:
        """Each document's digest, title and links as of the last update, or None."""
        generation = self.generation()
        if generation is None:
            return None
        try:
            return json.loads((self.directory / generation / "manifest.json").read_text())
        except (OSError, ValueError):
            return None

    def table(self, name: str) -> list[dict[str, Any]]:
        """The rows of a content table stored with the live generation (``[]`` when there is none)."""
        generation = self.generation()
        try:
            tables = json.loads((self.directory / generation / TABLES).read_text()) if generation else {}
        except (OSError, ValueError):
            return []
        return tables.get(name, []) if isinstance(tables, dict) else []

    def manifest_stamp(self) -> tuple | None:
        """(generation, the manifest file's modification time and size): changes with every update."""
        generation = self.generation()
        if generation is None:
            return None
        try:
            info = (self.directory / generation / "manifest.json").stat()
        except OSError:
            return None
        return generation, info.st_mtime_ns, info.st_size

    def update(
        self, records: list[Record], deleted: list[str], manifest: dict[str, dict[str, Any]] | None = None, tables: Tables | None = None
    ) -> dict[str, dict[str, Any]]:
        """Apply changes to the live generation (callers hold ``lock()``); returns the new manifest.

        ``manifest``, when the caller has the current one in memory, is used instead of
        reading the file (it is left as it was; the file is written either way). ``tables``
        replace the stored ones before the commit, so a searcher opened after it reads them.
        """
        generation = self.generation()
        manifest = self.manifest() if manifest is None else dict(manifest)
        if generation is None or manifest is None:
            raise IndexUnavailable("nothing to update: build the index first")
        for key in deleted:
            manifest.pop(key, None)
        manifest.update(manifest_entry(r) for r in records)
        if tables is not None:
            _write_json(self.directory / generation / TABLES, tables)
        writer = self.open(generation).writer(timeout=self.writer_timeout, compound=False)
        try:
            for key in deleted:
                writer.delete_by_term("key", key)
            for record in records:
                writer.update_document(**index_fields(record))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=len(records) + len(deleted) >= MERGE_FROM)
        _write_json(self.directory / generation / "manifest.json", manifest)
        integrity.record(self.directory / generation)
        return manifest

    def rebuild(self, records_of: RecordsOf, parts: int = 1, processes: int = 1, tables: Tables | None = None) -> int:
        """Build a new generation from scratch and switch to it atomically; returns the count.

        ``records_of(part)`` gives the records of each of ``parts`` parts, written by
        ``processes`` processes into one segment each (``kb.index.building``).
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.time_ns()}"
        target = self.directory / name
        target.mkdir()
        try:  # a failure, a full disk included, leaves no half-written generation behind
            whoosh_index.create_in(str(target), build_schema())
            manifest = build_segments(target, records_of, parts, processes)
            _write_json(target / "manifest.json", manifest)
            _write_json(target / TABLES, tables or {})
            integrity.record(target)
        except BaseException as error:
            _discard(target)
            if isinstance(error, Exception):
                self._record_failure(error)
            raise
        (self.directory / REBUILD_FAILED).unlink(missing_ok=True)
        previous = self.generation()
        tmp = self.directory / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.directory / "CURRENT")
        self._remove_old_generations(keep={name, previous})
        return len(manifest)

    def optimize(self) -> None:
        """Merge all segments into one (a nightly job; callers hold ``lock()``)."""
        generation = self.generation()
        if generation is None:
            raise IndexUnavailable("nothing to optimize: build the index first")
        self.open(generation).optimize()
        integrity.record(self.directory / generation)

    def _record_failure(self, error: Exception) -> None:
        """Count the failed rebuild (best effort: on a full disk even this may not fit)."""
        failures = (self.rebuild_failure() or {}).get("failures", 0) + 1
        with contextlib.suppress(OSError):
            _write_json(self.directory / REBUILD_FAILED, {"at": time.time(), "failures": failures, "error": describe(error)})

    def _remove_old_generations(self, keep: set[str | None]) -> None:
        """Delete generations older than the previous one (open searchers keep their files on Linux)."""
        for path in self.directory.glob("gen-*"):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)


def describe(error: Exception) -> str:
    """A write error as an operator reads it."""
    if isinstance(error, OSError):
        return "the disk is full" if error.errno == errno.ENOSPC else (error.strerror or str(error))
    return str(error) or type(error).__name__


def _discard(target: Path) -> None:
    """Remove a failed generation; writing processes may still be finishing files in it."""
    for _ in range(50):
        shutil.rmtree(target, ignore_errors=True)
        if not target.exists():
            return
        time.sleep(0.1)


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)
