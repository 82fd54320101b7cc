"""Phrase matching from positions, read only for the documents that contain every word.

Whoosh's own ``Phrase`` walks the intersection of the words' postings in Python and builds
spans for every candidate (about 60 µs each; thousands of candidates for two common words).
Here the candidates come from a numpy intersection of the cached posting arrays, and only
their positions are decoded, block by block, skipping blocks that hold none of them; the
check itself is an intersection of sorted arrays. The most frequent words' places in all their
documents are read ahead once per worker, so phrases of common words decode nothing. The rule is Whoosh's (slop 1): word ``i``
stands at position ``start + i`` for some ``start``.
"""

from __future__ import annotations

import functools
import itertools
import pickle

import numpy as np
from whoosh.reading import TermNotFound


def segment_matches(leaf, name: str, words: tuple[str, ...], docs: dict[str, np.ndarray], known: dict[str, np.ndarray]) -> np.ndarray:
    """Document numbers in one segment where ``words`` stand next to each other in field ``name``;
    ``docs`` has each word's document numbers in the segment (ascending, from the posting cache),
    ``known`` the places of some words in all their documents (read ahead by ``kb.index.readers``)."""
    distinct = tuple(dict.fromkeys(words))
    candidates = functools.reduce(_intersect, [docs[word] for word in distinct])
    if not len(candidates):
        return candidates
    places = {word: known[word] if word in known else places_of(leaf, name, word, candidates) for word in distinct}
    starts = functools.reduce(_intersect, [places[word] - offset for offset, word in enumerate(words)])
    found = np.unique(starts >> _POSITION_BITS)
    if leaf.has_deletions():
        found = np.array([doc for doc in found.tolist() if not leaf.is_deleted(doc)], dtype=np.int64)
    return found


def _intersect(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.intersect1d(first, second, assume_unique=True)  # sorted arrays without repeats


_POSITION_BITS = 32  # a place is (document number << 32) + position: one sorted int64 per occurrence


def places_of(leaf, name: str, word: str, candidates: np.ndarray) -> np.ndarray:
    """Where ``word`` stands in field ``name`` of the candidate documents, as sorted places."""
    try:
        matcher = leaf.postings(name, word)
    except TermNotFound:
        return np.zeros(0, dtype=np.int64)
    while hasattr(matcher, "child"):  # a deletion filter: deleted documents are dropped afterwards
        matcher = matcher.child
    if hasattr(matcher, "_read_data"):
        docs, deltas = _block_deltas(matcher, candidates)
    else:  # not Whoosh's own segment format: one posting at a time
        docs, deltas = _posting_deltas(matcher, candidates)
    lengths = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    flat = np.fromiter(itertools.chain.from_iterable(deltas), dtype=np.int64, count=int(lengths.sum()))
    positions = np.cumsum(flat)  # the deltas restart at every document: subtract what came before it
    before = np.repeat(np.concatenate([[0], positions[np.cumsum(lengths)[:-1] - 1]]) if len(lengths) else lengths, lengths)
    return (np.repeat(np.array(docs, dtype=np.int64), lengths) << _POSITION_BITS) + positions - before


def _posting_deltas(matcher, candidates: np.ndarray) -> tuple[list[int], list[list[int]]]:
    docs, deltas = [], []
    for doc in candidates.tolist():
        matcher.skip_to(doc)
        if not matcher.is_active():
            break
        if matcher.id() == doc:
            positions = matcher.value_as("positions")
            docs.append(doc)
            deltas.append([b - a for a, b in zip([0, *positions], positions)])
    return docs, deltas


def _block_deltas(matcher, candidates: np.ndarray) -> tuple[list[int], list[list[int]]]:
    """(candidate documents that have the word, their position gaps), block by block.

    Blocks holding no candidate are never decompressed. Each posting's value is Whoosh's
    ``Positions`` encoding: a 4-byte count, then a pickled list of gaps; the gaps of all the
    block's candidates are unpickled in one call, as one list of lists.
    """
    docs: list[int] = []
    deltas: list[list[int]] = []
    wanted = 0  # index of the next candidate not yet passed
    while matcher.is_active() and wanted < len(candidates):
        if matcher.block_max_id() >= candidates[wanted]:
            matcher._read_data()
            raw_docs = np.fromiter(matcher._data[0], dtype=np.int64, count=matcher._blocklength)
            block_docs = raw_docs if matcher._byteids else np.cumsum(raw_docs)  # stored as gaps
            nearest = candidates[np.minimum(np.searchsorted(candidates, block_docs), len(candidates) - 1)]
            chosen = np.flatnonzero(nearest == block_docs).tolist()
            if chosen:
                values = matcher._data[2]
                docs += block_docs[chosen].tolist()
                deltas += pickle.loads(b"\x80\x02(" + b"".join(_pickled(values[i]) for i in chosen) + b"l.")  # noqa: S301 - Whoosh's own index data
            wanted = int(np.searchsorted(candidates, block_docs[-1], side="right"))
        matcher._next_block()
    return docs, deltas


def _pickled(value: bytes) -> bytes:
    """The pickled gaps of one ``Positions`` value, without the count and the final STOP."""
    return value[4:-1] if value.endswith(b".") else value[4:]
