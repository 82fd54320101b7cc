"""Posting lists of a Whoosh segment as numpy arrays, read block by block."""

from __future__ import annotations

import numpy as np

from ..ranking import Postings
from .whoosh_internals import block_docs, block_weights, decodes_blocks, next_block, raw_postings


def read_postings(leaf, name: str, text: str) -> Postings:
    """(document numbers in the segment, term frequencies) of one term; deleted documents are masked later."""
    matcher = raw_postings(leaf, name, text)
    if matcher is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if not decodes_blocks(matcher):  # not Whoosh's own segment format: one posting at a time
        docs, weights = [], []
        while matcher.is_active():
            docs.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(docs, dtype=np.int64), np.array(weights, dtype=np.float32)
    doc_blocks, weight_blocks = [], []
    while matcher.is_active():  # whole blocks, decoded with numpy instead of posting by posting
        doc_blocks.append(block_docs(matcher))
        weight_blocks.append(block_weights(matcher))
        next_block(matcher)
    if not doc_blocks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(doc_blocks), np.concatenate(weight_blocks)
