"""A full build in parallel: each forked process renders its share of the documents and
writes them into a Whoosh segment of its own; the parent then lists all segments in one TOC.

Why not Whoosh's ``MpWriter``: it pickles every document to a temporary file for its
sub-writers, after the render pool has already pickled every record back to the parent;
here nothing but the finished segment and the manifest entries crosses processes, and
each core renders and indexes without waiting for the other.

This takes private methods of Whoosh's ``SegmentWriter``, the same ones ``MpWriter`` uses
with ``multisegment=True``, through ``kb.index.whoosh_internals``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from .schema import Record, index_fields
from .whoosh_internals import close_segment, commit_segments, finish_segment, part_writer, release

LIMIT_MB = 768  # per writing process: postings held in memory before Whoosh spills sorted runs to disk (slow)
PART_DOCUMENTS = 8_000  # documents per segment at most: a part this size fits in LIMIT_MB without a spill

RecordsOf = Callable[[int], Iterable[Record]]  # part number -> the records of that part
ManifestEntry = tuple[str, dict[str, Any]]


def manifest_entry(record: Record) -> ManifestEntry:
    return record.key, {
        "digest": record.digest,
        "title": record.title,
        "access": record.access,
        "moved_from": list(record.moved_from),
        "links": list(record.links),
    }


def build_segments(folder: Path, records_of: RecordsOf, parts: int, processes: int) -> dict[str, dict[str, Any]]:
    """Fill the empty index in ``folder`` with ``parts`` segments; returns the manifest.

    With ``processes`` > 1 that many forked processes write the parts (``records_of`` is
    inherited, not pickled), a fresh process for each part, so each part's memory is returned.
    """
    ix = whoosh_index.open_dir(str(folder))
    writer = ix.writer()  # the parent's writer holds Whoosh's lock and writes the TOC
    try:
        if processes == 1:
            results = [_write_part(folder, records_of, part) for part in range(parts)]
        else:
            with multiprocessing.get_context("fork").Pool(processes, initializer=_adopt, initargs=(folder, records_of), maxtasksperchild=1) as pool:
                results = pool.map(_write_part_in_worker, range(parts), chunksize=1)
        commit_segments(writer, [segment for segment, _ in results if segment is not None])
    except BaseException:
        writer.cancel()
        raise
    release(writer)
    return {key: entry for _, entries in results for key, entry in entries}


def _write_part(folder: Path, records_of: RecordsOf, part: int) -> tuple[Any, list[ManifestEntry]]:
    """One segment with the records of ``part`` (None when there are none), and their manifest entries."""
    writer = part_writer(whoosh_index.open_dir(str(folder)), LIMIT_MB)
    entries = []
    try:
        for record in records_of(part):
            writer.add_document(**index_fields(record))
            entries.append(manifest_entry(record))
        if entries:
            segment = finish_segment(writer)
        else:
            segment = None
            close_segment(writer)
    except BaseException:
        writer.cancel()
        raise
    return segment, entries  # the parent's writer removes the temporary files


_inherited: tuple[Path, RecordsOf] | None = None  # set in each pool process by _adopt (through fork)


def _adopt(folder: Path, records_of: RecordsOf) -> None:
    global _inherited
    _inherited = (folder, records_of)


def _write_part_in_worker(part: int) -> tuple[Any, list[ManifestEntry]]:
    folder, records_of = _inherited
    return _write_part(folder, records_of, part)
