"""Every value of one keyword field with its documents, as arrays: facet counts and masks
for the directory without a cached mask per value (so typed filter values cost no memory)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .schema import term_text


@dataclass(frozen=True)
class FieldValues:
    values: tuple[str, ...]
    docs: np.ndarray  # document numbers, one per (document, value) pair, grouped by value
    ids: np.ndarray  # position of the value in ``values``, one per pair
    starts: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))  # value i: docs[starts[i]:starts[i+1]]

    @cached_property
    def positions(self) -> dict[str, int]:
        return {value: n for n, value in enumerate(self.values)}

    def mask(self, values: Iterable[str], size: int) -> np.ndarray:
        """Documents having any of ``values`` (unknown values match nothing; nothing is cached)."""
        found = np.zeros(size, dtype=bool)
        for value in values:
            n = self.positions.get(value)
            if n is not None:
                found[self.docs[self.starts[n] : self.starts[n + 1]]] = True
        return found

    def counts(self, selected: np.ndarray) -> dict[str, int]:
        """How many ``selected`` documents have each value (values with none left out)."""
        if not len(self.docs):
            return {}
        found = np.bincount(self.ids[selected[self.docs]], minlength=len(self.values))
        return {self.values[i]: int(found[i]) for i in np.flatnonzero(found)}


def build_field_values(searcher, name: str) -> FieldValues:
    """The table of field ``name`` over one searcher's segments (deleted documents may be in it:
    callers select with masks that exclude them)."""
    values, docs, ids = [], [], []
    for raw in searcher.whoosh.lexicon(name):
        value = term_text(raw)
        found = [d + offset for leaf, offset in searcher.leaves for d in [searcher.segments.postings(leaf, name, value)[0]] if len(d)]
        if found:
            found = np.concatenate(found)
            docs.append(found)
            ids.append(np.full(len(found), len(values), dtype=np.int64))
            values.append(value)
    empty = np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
    return FieldValues(tuple(values), np.concatenate(docs) if docs else empty, np.concatenate(ids) if ids else empty, starts)
