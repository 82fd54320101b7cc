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


def near_prefixes(word: str, candidates: Sequence[str], limit: int) -> list[str]:
    """Up to ``limit`` ``candidates`` that start with ``word`` typed with one typo (a letter
    wrong, missing, extra, or two swapped), for suggestions as you type: ``forign`` -> ``foreign``.

    A candidate is cut to the word's length and one letter either side, so a word still being
    typed matches the longer word it begins.
    """
    found: dict[str, None] = {}
    for length in (len(word), len(word) + 1, len(word) - 1):
        cut = list(dict.fromkeys(c[:length] for c in candidates))
        for prefix, _, _ in process.extract(word, cut, scorer=OSA.distance, score_cutoff=1, limit=None):
            found.update(dict.fromkeys(c for c in candidates if c.startswith(prefix)))
            if len(found) >= limit:
                return list(found)[:limit]
    return list(found)
