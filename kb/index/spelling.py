""" "Did you mean": the closest word of the corpus to a word that is not in it.

Candidates share the word's first letter (typos rarely hit it) and are at most two edits
away (optimal string alignment: a swap of two letters is one edit), compared in C by
rapidfuzz over the words of that letter. The fewest edits win, then the most documents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

MAX_EDITS = 2


def closest(word: str, candidates: Sequence[str], documents: Callable[[str], int]) -> str | None:
    """The best correction of ``word`` among ``candidates``; ``documents(w)`` counts w's documents."""
    matches = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=None)
    if not matches:
        return None
    fewest = min(distance for _, distance, _ in matches)
    return min((word for word, distance, _ in matches if distance == fewest), key=lambda w: (-documents(w), w))
