"""Every use of Whoosh's private parts, one function each: the only module of ``kb`` that has any.

The search scores with numpy over Whoosh's own storage: a posting list is decoded a block at a
time instead of a posting at a time, the word positions of a block are unpickled in one call,
caches live as long as a segment does, and a full build writes its segments in parallel. Whoosh's
public API offers none of this, so these functions rely on how Whoosh 2.7.4 (pinned in
requirements.txt) stores and writes an index; each docstring says on what. A change of Whoosh
fails ``tests/test_index_whoosh_internals.py``, which pins the version and checks each format
relied on here against a real index, instead of corrupting results.

The rest of ``kb.index`` calls these functions and Whoosh's public API only (the same test
checks that). They work at the level of a posting list or a block of postings, never per
posting, so the wrapping costs nothing measurable.
"""

from __future__ import annotations

import bisect
import pickle
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from whoosh.reading import TermNotFound
from whoosh.writing import SegmentWriter

WRITE_LOCK = "MAIN_WRITELOCK"  # the file Whoosh locks with ``fcntl`` to let one writer in (index name "MAIN")


# -- segments ----------------------------------------------------------------------------


def segment_key(leaf) -> str:
    """The identity of one segment's postings, field lengths and words, to cache them by.

    Relies on Whoosh never rewriting a segment's files: a commit that deletes documents keeps
    the segment and its id (the deleted documents stay in its postings, ``is_deleted`` says
    which: callers mask them); a merge writes a new segment with a new id.
    """
    return leaf.segment().segment_id()


def unchanging(name: str) -> bool:
    """Whether a file of an index folder stays exactly as Whoosh wrote it (``kb.index.integrity``).

    Relies on Whoosh writing each segment file and each table of contents once: deletions are
    kept in the table of contents, which every commit writes anew under a new name. Only the
    write lock (``WRITE_LOCK``) is opened again in place.
    """
    return name != WRITE_LOCK


# -- prefixes: the words of a field that start with some letters --------------------------

KEY_SAMPLE = 64  # every 64th key of a segment's term table is kept in memory


def term_key_sample(leaf) -> list[bytes] | None:
    """Every ``KEY_SAMPLE``-th key of the segment's sorted term table (None: another format),
    so that finding a prefix reads about 6 keys from the file, not the 17 of a whole binary search.

    Relies on Whoosh 2.7.4's W3 codec: ``leaf._terms._tindex`` is an ``OrderedHashReader`` whose
    index array (``indexbase``, ``indexlen``, ``indexsize``, ``_get_pos``) holds the positions of
    its keys in sorted order, a key being the field's number (2 bytes) then the word's bytes.
    """
    table = getattr(getattr(leaf, "_terms", None), "_tindex", None)
    if not hasattr(table, "indexbase"):
        return None
    return [_key(table, i) for i in range(0, table.indexlen, KEY_SAMPLE)]


def _key(table, number: int) -> bytes:
    return table.key_at(table._get_pos(table.indexbase + number * table.indexsize))


def prefix_words(leaf, name: str, prefix: str, sample: list[bytes]) -> Iterator[bytes]:
    """The words of text field ``name`` starting with ``prefix``, in order: what Whoosh's
    ``expand_prefix`` yields, its binary search narrowed by ``sample`` (``term_key_sample``)."""
    table = leaf._terms._tindex
    wanted = leaf._terms._keycoder(name, prefix.encode("utf-8"))
    above = bisect.bisect_left(sample, wanted)  # sample[above - 1] < wanted <= sample[above]
    low, high = max(0, (above - 1) * KEY_SAMPLE + 1), min(above * KEY_SAMPLE, table.indexlen)
    while low < high:
        middle = (low + high) // 2
        low, high = (middle + 1, high) if _key(table, middle) < wanted else (low, middle)
    if low == table.indexlen:
        return
    for keypos, keylen, _, _ in table._ranges(pos=table._get_pos(table.indexbase + low * table.indexsize)):
        key = table.dbfile.get(keypos, keylen)
        if not key.startswith(wanted):
            return
        yield key[2:]


# -- posting lists, a block at a time ----------------------------------------------------


def raw_postings(leaf, name: str, text: str):
    """The matcher over one term's postings as the segment stores them, deleted documents
    included; None when the segment does not have the term.

    Relies on a segment with deletions wrapping its matcher in a filter (a matcher with a
    ``child``) and on nothing else wrapping it.
    """
    try:
        matcher = leaf.postings(name, text)
    except TermNotFound:
        return None
    while hasattr(matcher, "child"):
        matcher = matcher.child
    return matcher


def decodes_blocks(matcher) -> bool:
    """Whether ``matcher`` reads Whoosh's on-disk posting blocks (``W3LeafMatcher``), so the
    block functions below apply; otherwise (postings kept in the term's entry, or another codec)
    the caller reads one posting at a time through the public API."""
    return hasattr(matcher, "_read_data")


def _block_data(matcher) -> tuple:
    if matcher._data is None:
        matcher._read_data()
    return matcher._data


def block_docs(matcher) -> np.ndarray:
    """The document numbers of the matcher's current block (ascending, deleted ones included).

    Relies on the block's data being the unpickled tuple (document numbers, weights, values),
    the numbers stored as gaps from the previous one (unless the postings are a vector's, keyed
    by term), ``_blocklength`` of them.
    """
    docs = np.fromiter(_block_data(matcher)[0], dtype=np.int64, count=matcher._blocklength)
    return docs if matcher._byteids else np.cumsum(docs)


def block_weights(matcher) -> np.ndarray:
    """The weights (term frequencies) of the current block's postings.

    Relies on the second item of the block's data: None when every weight is 1, one float when
    all weights are equal, else one weight per posting.
    """
    weights = _block_data(matcher)[1]
    if weights is None or isinstance(weights, float):
        return np.full(matcher._blocklength, weights or 1.0, dtype=np.float32)
    return np.fromiter(weights, dtype=np.float32, count=matcher._blocklength)


def block_values(matcher) -> list[bytes]:
    """The encoded values of the current block's postings (for a ``Positions`` field, see
    ``position_gaps``). Relies on the third item of the block's data: one bytes per posting."""
    return _block_data(matcher)[2]


def next_block(matcher) -> None:
    """Move to the matcher's next block (``is_active()`` is False after the last one)."""
    matcher._next_block()


def position_gaps(values: Iterable[bytes]) -> list[list[int]]:
    """The position gaps of ``Positions`` values, all unpickled in one call: one list of gaps
    (the first from 0) per value, as ``Positions.decode_positions`` reads them one by one.

    Relies on the value's encoding: a 4-byte count, then the pickled list of gaps (protocol 2),
    with or without its final STOP. The pickles are spliced between a MARK and a LIST, so the
    unpickler builds the list of all of them.
    """
    spliced = b"".join(value[4:-1] if value.endswith(b".") else value[4:] for value in values)
    return pickle.loads(b"\x80\x02(" + spliced + b"l.")  # noqa: S301 - Whoosh's own index data


# -- a query Whoosh compiles itself ------------------------------------------------------


def numeric_range_parts(query, searcher) -> Any:
    """What a ``NumericRange`` (a number or date range) stands for in ``searcher`` (Whoosh's):
    the ranges and terms of its coarser and finer encoded values, as Whoosh's own matcher runs
    it (``_compile_query``; the public ``simplify`` would expand every range into its terms)."""
    return query._compile_query(searcher.reader())


# -- writing segments in parallel --------------------------------------------------------
# The same private methods of ``SegmentWriter`` that Whoosh's ``MpWriter`` uses with
# ``multisegment=True``: sub-writers finish segments, the parent lists them in its table of contents.


def part_writer(ix, limitmb: int) -> SegmentWriter:
    """A writer of one segment that does not take the index's lock (the parent's writer holds
    it), writing separate files rather than a compound one (``_lk=False``, ``compound=False``)."""
    return SegmentWriter(ix, _lk=False, limitmb=limitmb, compound=False)


def finish_segment(writer: SegmentWriter):
    """Write out the documents added to ``writer`` as a segment and return it (picklable: the
    table of contents pickles it, and a forked process sends it to the parent)."""
    return writer._finalize_segment()


def close_segment(writer: SegmentWriter) -> None:
    """Close ``writer``'s segment files without making a segment (no document was added)."""
    writer._close_segment()


def commit_segments(writer: SegmentWriter, segments: list) -> None:
    """Make ``segments`` the index's segments: ``writer`` (which added nothing) closes its own
    files and writes a new table of contents listing them; files of no segment are removed."""
    writer._close_segment()
    writer._commit_toc(segments)


def release(writer: SegmentWriter) -> None:
    """After ``commit_segments``: remove the writers' temporary files and release the lock."""
    writer._finish()
