"""BM25F over posting arrays: the ranking of word and phrase queries.

Whoosh scores each field with its own BM25 and adds them up, visiting every match in
Python. Here the term frequencies of all fields are first combined with their weights and
length normalisation, then saturated once (Robertson and Zaragoza's BM25F), in numpy over
whole posting lists. ``kb.index`` supplies the arrays; this module knows nothing of Whoosh.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

K1 = 1.2  # term-frequency saturation
B = 0.75  # length normalisation of a field...
FIELD_B = {"title": 0.5, "aliases": 0.5}  # ...and of short fields (titles), which are normalised less


@dataclass(frozen=True)
class FieldStats:
    lengths: np.ndarray  # length of the field in every document (by document number)
    average: float
    weight: float
    b: float


Postings = tuple[np.ndarray, np.ndarray]  # document numbers, term frequencies


def term_scores(postings: dict[str, Postings], fields: dict[str, FieldStats], n_docs: int, visible: np.ndarray | None = None) -> np.ndarray:
    """BM25F score of one term in every document (0 where it does not occur).

    With ``visible`` (a mask over the documents) only those documents count, as if the others
    were not there: a score, and so an order, must not reveal a document the reader may not
    see (the fields' average lengths in ``fields`` must be of the same documents).
    """
    pseudo_tf = np.zeros(n_docs, dtype=np.float32)
    for name, (docs, tf) in postings.items():
        if visible is not None:
            keep = visible[docs]
            docs, tf = docs[keep], tf[keep]
        stats = fields[name]
        norm = (1.0 - stats.b) + stats.b * stats.lengths[docs] / max(stats.average, 1e-9)
        pseudo_tf[docs] += stats.weight * tf / norm
    df = int(np.count_nonzero(pseudo_tf))
    if not df:
        return pseudo_tf
    population = n_docs if visible is None else int(np.count_nonzero(visible))
    idf = np.log(1.0 + (population - df + 0.5) / (df + 0.5))
    return (idf * pseudo_tf * (K1 + 1.0) / (K1 + pseudo_tf)).astype(np.float32)


def restricted(fields: dict[str, FieldStats], visible: np.ndarray) -> dict[str, FieldStats]:
    """The fields' statistics as if only the ``visible`` documents were there (their average lengths)."""
    count = max(int(np.count_nonzero(visible)), 1)
    return {name: dataclasses.replace(s, average=float(s.lengths[visible].sum()) / count) for name, s in fields.items()}


def top(scores: np.ndarray, mask: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, scores) of the ``count`` best documents allowed by ``mask``, best first."""
    candidates = np.flatnonzero(mask & (scores > 0))
    if count < len(candidates):
        candidates = candidates[np.argpartition(-scores[candidates], count - 1)[:count]]
    order = np.lexsort((candidates, -scores[candidates]))  # ties: lower document number first
    best = candidates[order]
    return best, scores[best]
