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

import numpy as np

from .whoosh_internals import block_docs, block_values, decodes_blocks, next_block, position_gaps, raw_postings


def segment_matches(leaf, name: str, words: tuple[str, ...], docs: dict[str, np.ndarray], known: dict[str, np.ndarray]) -> np.ndarray:
    """Document numbers in one segment where ``words`` stand next to each other in field ``name``;
    ``docs`` has each word's document numbers in the segment (ascending, from the posting cache),
    ``known`` the places of some words in all their documents (read ahead by ``kb.index.searchers``)."""
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
    matcher = raw_postings(leaf, name, word)  # deleted documents included: dropped afterwards
    if matcher is None:
        return np.zeros(0, dtype=np.int64)
    if decodes_blocks(matcher):
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
            deltas.append([b - a for a, b in zip([0, *positions], positions, strict=False)])
    return docs, deltas


def _block_deltas(matcher, candidates: np.ndarray) -> tuple[list[int], list[list[int]]]:
    """(candidate documents that have the word, their position gaps), block by block.

    Blocks holding no candidate are never decompressed; the gaps of all the block's
    candidates are unpickled in one call (``whoosh_internals.position_gaps``).
    """
    docs: list[int] = []
    deltas: list[list[int]] = []
    wanted = 0  # index of the next candidate not yet passed
    while matcher.is_active() and wanted < len(candidates):
        if matcher.block_max_id() >= candidates[wanted]:
            found = block_docs(matcher)
            nearest = candidates[np.minimum(np.searchsorted(candidates, found), len(candidates) - 1)]
            chosen = np.flatnonzero(nearest == found).tolist()
            if chosen:
                values = block_values(matcher)
                docs += found[chosen].tolist()
                deltas += position_gaps(values[i] for i in chosen)
            wanted = int(np.searchsorted(candidates, found[-1], side="right"))
        next_block(matcher)
    return docs, deltas
