"""What a directory query says: its places, languages and skill concepts (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..facets import fold
from ..places import PlaceMatch, Places

_INTENT = frozenset(
    """
who whom whose knows know knowing knowledge expert experts expertise specialist specialists speaker
speakers speaking speaks speak fluent someone somebody anyone person people find need looking
contact ask talk help about on in for with and or the a an of to me i is are can could should do
does any our my at from who's experienced experience skills skill skilled good best""".split()
)

# --- query analysis ------------------------------------------------------------------------

MIN_STEM = 4  # letters a word keeps when a suffix is cut, so "ment" or "ers" never stem to a stub
_SUFFIXES = ("ations", "ation", "ements", "ement", "ments", "ment", "ings", "ing", "ers", "er", "ies", "es", "ed", "s", "e")


def stem(word: str) -> str:
    """A crude suffix stripper, the same on both sides: ``licensing`` and ``license`` -> ``licens``."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in fold(text).split() if w not in _INTENT)


@dataclass(frozen=True)
class Analysis:
    places: PlaceMatch
    languages: frozenset[str]  # folded language values
    concepts: tuple[tuple[tuple[str, ...], ...], ...]  # each: alternative stem tuples, any one matches
    skill_text: str  # the query's skill words (for BM25 over articles)
    text: str  # the query without intent words (for BM25 over people)


def analyse(text: str, places: Places, languages: Iterable[str], glossary: GlossaryMaps, countries: Iterable[str] = ()) -> Analysis:
    """Split a query into places, languages and skill concepts (see the module docstring)."""
    words = fold(text).split()
    match = places.match(text, countries)
    known_languages = set(languages)
    found_languages, used = set(), set(match.used)
    for position, _word in enumerate(words):
        for size in (3, 2, 1):
            phrase = " ".join(words[position : position + size])
            if position not in used and len(words) >= position + size and phrase in known_languages:
                found_languages.add(phrase)
                used.update(range(position, position + size))
                break
    terms, by_expansion = glossary
    concepts, skill_words = [], []
    position = 0
    while position < len(words):
        if position in used or words[position] in _INTENT:
            position += 1
            continue
        for size in range(min(6, len(words) - position), 1, -1):  # an expansion written out
            span = tuple(words[position : position + size])
            if span in by_expansion and not used.intersection(range(position, position + size)):
                concepts.append(_alternatives([" ".join(span), by_expansion[span]]))
                skill_words += span
                position += size
                break
        else:
            word = words[position]
            concepts.append(_alternatives(terms.get(word, [word])))
            skill_words.append(word)
            position += 1
    concepts = [c for c in dict.fromkeys(concepts) if c]
    kept = [w for i, w in enumerate(words) if w not in _INTENT]
    return Analysis(match, frozenset(found_languages), tuple(concepts), " ".join(skill_words), " ".join(kept))


GlossaryMaps = tuple[dict[str, list[str]], dict[tuple[str, ...], str]]


def glossary_maps(glossary: Mapping[str, list[str]]) -> GlossaryMaps:
    """(folded term -> term and expansions, folded expansion words -> term)."""
    terms = {fold(t): [t, *expansions] for t, expansions in glossary.items()}
    by_expansion: dict[tuple[str, ...], str] = {}
    for term, expansions in glossary.items():
        for expansion in expansions:
            by_expansion.setdefault(tuple(fold(expansion).split()), term)
    return terms, by_expansion


def _alternatives(texts: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(dict.fromkeys(s for s in (stems(t) for t in texts) if s))


def concept_score(concepts: tuple, value_stems: frozenset[str]) -> float:
    """How well one declared value answers the query's skill concepts (0 when not at all)."""
    if not concepts or not value_stems:
        return 0.0
    matched_concepts, matched_stems = 0, set()
    for alternatives in concepts:
        for alternative in alternatives:
            if value_stems.issuperset(alternative):
                matched_concepts += 1
                matched_stems.update(alternative)
                break
    if not matched_concepts:
        return 0.0
    return matched_concepts / len(concepts) + 0.5 * len(matched_stems) / len(value_stems)
