"""Ordering candidates with numpy: the best k by score (ties by title), scores scaled to the best."""

from __future__ import annotations

import numpy as np


def top_by_score(scores: np.ndarray | None, docs: np.ndarray, k: int, rank: np.ndarray) -> np.ndarray:
    """The first ``k`` of ``docs`` by score (highest first), ties and no scores by title.

    Sorts only the candidates at or above the k-th score (``argpartition``), not every match.
    """
    if k <= 0 or not len(docs):
        return docs[:0]
    if scores is None:
        keys = rank[docs]
        if len(docs) > k:
            keep = np.argpartition(keys, k - 1)[:k]
            docs, keys = docs[keep], keys[keep]
        return docs[np.argsort(keys, kind="stable")][:k]
    values = scores[docs]
    if len(docs) > k:
        threshold = np.partition(values, len(values) - k)[len(values) - k]
        keep = values >= threshold  # ties at the threshold stay, so title order decides among them
        docs, values = docs[keep], values[keep]
    return docs[np.lexsort((rank[docs], -values))][:k]


def normalised(scores: np.ndarray) -> np.ndarray:
    """Scores scaled so the best is 1 (all zeros stay zeros)."""
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else scores
