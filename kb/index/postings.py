"""Posting lists of a Whoosh segment as numpy arrays, read block by block."""

from __future__ import annotations

import numpy as np
from whoosh.reading import TermNotFound

from ..ranking import Postings


def read_postings(leaf, name: str, text: str) -> Postings:
    """(document numbers in the segment, term frequencies) of one term; deleted documents are masked later."""
    try:
        matcher = leaf.postings(name, text)
    except TermNotFound:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    while hasattr(matcher, "child"):  # a deletion filter: deleted documents are masked by the caller
        matcher = matcher.child
    if not hasattr(matcher, "_read_data"):  # not Whoosh's own segment format: one posting at a time
        docs, weights = [], []
        while matcher.is_active():
            docs.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(docs, dtype=np.int64), np.array(weights, dtype=np.float32)
    doc_blocks, weight_blocks = [], []
    while matcher.is_active():  # whole blocks, decoded with numpy instead of posting by posting
        matcher._read_data()
        raw_docs, raw_weights = matcher._data[0], matcher._data[1]
        count = matcher._blocklength
        docs = np.fromiter(raw_docs, dtype=np.int64, count=count)
        doc_blocks.append(docs if matcher._byteids else np.cumsum(docs))  # stored as gaps
        if raw_weights is None or isinstance(raw_weights, float):
            weight_blocks.append(np.full(count, raw_weights or 1.0, dtype=np.float32))
        else:
            weight_blocks.append(np.fromiter(raw_weights, dtype=np.float32, count=count))
        matcher._next_block()
    if not doc_blocks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(doc_blocks), np.concatenate(weight_blocks)
