"""A query rewritten for the index: acronyms both ways from the glossary, contact data quoted,
the topic of a "who knows" question, and the glossary entries a query *is*.

The glossary knowledge (each term's expansions) is read from the index once per generation
and kept with the rewriting that uses it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..contacts import CONTACT
from ..index import SearchIndex

MAX_VARIANTS = 8
# Glossary terms this long or longer match in any case ("eum"); shorter ones only as written ("TCN", not "tcn").
MIN_LOOSE_TERM = 3
MIN_EXPANSION = 4  # shorter expansions are not rewritten to their term (too many false matches)
_COMMON_WORDS = {"a", "an", "and", "as", "at", "be", "by", "for", "if", "in", "is", "it", "no", "of", "on", "or", "so", "the", "to", "up", "us", "we"}


@dataclass(frozen=True)
class Expansion:
    term: str
    expansions: tuple[str, ...]


# --- acronyms ------------------------------------------------------------------------


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[-‐–/]", " ", text.casefold()).split())


class Acronyms:
    """Rewrites a query with the glossary: each acronym by its expansions, each expansion by its acronym.

    Built once per index generation: one regex for all terms, one for all expansions.
    """

    def __init__(self, glossary: Mapping[str, list[str]]) -> None:
        self.glossary = glossary
        loose = [t for t in glossary if len(t) >= MIN_LOOSE_TERM and t.casefold() not in _COMMON_WORDS]
        strict = [t for t in glossary if t not in set(loose)]
        self._by_fold = {t.casefold(): t for t in loose}
        self._terms = [_alternation(loose, r"(?<![\w:])", r"(?![\w:])", re.IGNORECASE), _alternation(strict, r"(?<![\w:])", r"(?![\w:])", 0)]
        self._by_expansion: dict[str, list[str]] = {}
        for term, expansions in glossary.items():
            for expansion in expansions:
                if len(_normal(expansion)) >= MIN_EXPANSION:
                    self._by_expansion.setdefault(_normal(expansion), []).append(term)
        self._expansions = _alternation(list(self._by_expansion), r"(?<!\w)", r"(?!\w)", 0)

    def variants(self, text: str) -> list[str]:
        """The query first, then its rewrites (at most ``MAX_VARIANTS``)."""
        variants = [text]
        for pattern in self._terms:
            for match in pattern.finditer(text) if pattern else ():
                term = self._by_fold.get(match.group().casefold(), match.group())
                for expansion in self.glossary.get(term, []):
                    variants.append(text[: match.start()] + '"' + expansion.replace('"', " ") + '"' + text[match.end() :])
        normal = _normal(text)
        for match in self._expansions.finditer(normal) if self._expansions else ():
            for term in self._by_expansion[match.group()]:
                variants.append(normal[: match.start()] + term + normal[match.end() :])
        return list(dict.fromkeys(variants))[: MAX_VARIANTS + 1]


def _alternation(words: list[str], before: str, after: str, flags: int) -> re.Pattern[str] | None:
    if not words:
        return None
    longest_first = sorted(map(re.escape, words), key=len, reverse=True)
    return re.compile(before + "(?:" + "|".join(longest_first) + ")" + after, flags)


def glossary_matches(text: str, glossary: Mapping[str, list[str]]) -> tuple[Expansion, ...]:
    """The glossary entries a query *is* (``EUM``, ``tcn``), to show their expansions."""
    wanted = text.strip().strip('"').casefold()
    return tuple(Expansion(term, tuple(expansions)) for term, expansions in glossary.items() if term.casefold() == wanted and expansions)


# --- contact data in queries -----------------------------------------------------------

# An email address or a phone number is never indexed in people's text (contact data is
# personal, ``kb.contacts``), so a query naming one is searched as an exact phrase, which finds
# no one, instead of as its words ("maria", "delgado" …), which would find the person it belongs to.


def quote_contacts(text: str) -> str:
    """``"maria.delgado@example.mil"`` -> ``'"maria.delgado@example.mil"'`` (an exact phrase)."""
    return CONTACT.sub(lambda m: '"' + m.group().replace('"', " ") + '"', text)


# --- expert finding -------------------------------------------------------------------

_EXPERT_INTENT = re.compile(
    r"^\s*(?:who(?:m)?\s+(?:knows?|can\s+help|could\s+help|is\s+(?:the|an)\s+expert|are\s+the\s+experts|"
    r"(?:do|should|can)\s+i\s+(?:ask|contact|call|talk\s+to))|(?:find\s+)?(?:an?\s+)?experts?|"
    r"people\s+who\s+know)\s+(?:about|on|in|for|with|of)?\s*(?:the\s+|an?\s+)?",
    re.IGNORECASE,
)


def expert_topic(text: str) -> str | None:
    """``"who knows about CLSSA?"`` -> ``"CLSSA"``: the reader wants a person, not a page."""
    match = _EXPERT_INTENT.match(text)
    if not match:
        return None
    topic = text[match.end() :].strip(" ?.!")
    return topic or None


def glossary_variants(index: SearchIndex) -> dict[str, list[str]]:
    """Every glossary term with its expansions (read from the index once per generation)."""
    return index.per_generation("glossary", lambda: {doc.id: list(doc.page.expansions) for doc in index.find(("public",), type="glossary")})


def acronyms(index: SearchIndex) -> Acronyms:
    """The glossary's rewriting for this index generation (built once per generation)."""
    return index.per_generation("acronyms", lambda: Acronyms(glossary_variants(index)))
