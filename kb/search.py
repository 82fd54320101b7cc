"""Search as the reader sees it: acronym expansion both ways, facets, "did you mean", suggestions.

The query text is rewritten here (pure string work, easy to test); ``kb.index`` parses and
runs it. Glossary knowledge (each term's expansions) is read from the index once per
generation and kept with the rewriting that uses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from . import facets
from .access import Reader, levels
from .index import OPERATORS, STOP_WORDS, Hit, ResultSet, SearchIndex

MAX_PER_PAGE = 50
MAX_PAGE = 200
MAX_VARIANTS = 8
# "Did you mean" is computed only when a query finds fewer results than this (less than a
# page), and offered only when the corrected query finds at least as many.
SUGGEST_BELOW = 10
_COMMON_WORDS = {"a", "an", "and", "as", "at", "be", "by", "for", "if", "in", "is", "it", "no", "of", "on", "or", "so", "the", "to", "up", "us", "we"}


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    chosen: tuple[tuple[str, str], ...] = ()  # facet filters from the form: (facet name, value)
    page: int = 1
    per_page: int = 10
    truncated: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str], per_page: int = 10, max_chars: int = 500) -> SearchRequest:
        """Build a request from query-string arguments; bad numbers fall back to defaults."""
        text = " ".join((args.get("q") or "").split())
        getlist = getattr(args, "getlist", lambda name: [args.get(name)])
        chosen = tuple(dict.fromkeys((f.name, value) for f in facets.FACETS for raw in getlist(f.name) if (value := (raw or "").strip())))
        return cls(
            q=text[:max_chars],
            truncated=len(text) > max_chars,
            chosen=chosen,
            page=clamp(args.get("page"), 1, 1, MAX_PAGE),
            per_page=clamp(args.get("per_page"), per_page, 1, MAX_PER_PAGE),
        )

    def value(self, name: str) -> str:
        """The form's value for facet ``name``, or ""."""
        return dict(self.chosen).get(name, "")

    @property
    def text(self) -> str:
        """The query without its field filters."""
        return split_filters(self.q)[0]

    @property
    def filters(self) -> tuple[tuple[str, str], ...]:
        """Filters from the form and from the query text (``area:fms``); either value of a facet, every facet."""
        return self.chosen + split_filters(self.q)[1]


_FILTER_NAMES = {**{f.name: f.name for f in facets.FACETS}, **facets.ALIASES}
_FILTER = re.compile(r"(?<!\S)(" + "|".join(_FILTER_NAMES) + r'):("[^"]*"|[^\s"]+)', re.IGNORECASE)


def split_filters(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``"type:person spanish"`` -> ``("spanish", (("type", "person"),))``."""
    filters = tuple((_FILTER_NAMES[m.group(1).lower()], m.group(2).strip('"').strip().lower()) for m in _FILTER.finditer(text))
    return " ".join(_FILTER.sub(" ", text).split()), tuple((k, v) for k, v in filters if v)


def clamp(value: str | None, default: int, low: int, high: int) -> int:
    """A whole-number query parameter within [low, high]; missing or not a number gives ``default``."""
    try:
        return min(max(int(value), low), high) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class Expansion:
    term: str
    expansions: tuple[str, ...]


@dataclass(frozen=True)
class SearchPage:
    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    expansions: tuple[Expansion, ...] = ()
    expert_topic: str | None = None  # set when only people are shown, for a "who knows about" query

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


# --- acronyms ------------------------------------------------------------------------


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[-‐–/]", " ", text.casefold()).split())


class Acronyms:
    """Rewrites a query with the glossary: each acronym by its expansions, each expansion by its acronym.

    Built once per index generation: one regex for all terms, one for all expansions.
    """

    def __init__(self, glossary: Mapping[str, list[str]]) -> None:
        self.glossary = glossary
        loose = [t for t in glossary if len(t) >= 3 and t.casefold() not in _COMMON_WORDS]
        strict = [t for t in glossary if t not in set(loose)]
        self._by_fold = {t.casefold(): t for t in loose}
        self._terms = [_alternation(loose, r"(?<![\w:])", r"(?![\w:])", re.IGNORECASE), _alternation(strict, r"(?<![\w:])", r"(?![\w:])", 0)]
        self._by_expansion: dict[str, list[str]] = {}
        for term, expansions in glossary.items():
            for expansion in expansions:
                if len(_normal(expansion)) > 3:
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

# An email address or a phone number is never indexed (contact data is personal), so a query
# naming one is searched as an exact phrase, which finds nothing, instead of as its words
# ("maria", "delgado" …), which would find the person it belongs to.
CONTACT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\+?\(?\d[\d\s().-]{5,}\d")


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


# --- did you mean --------------------------------------------------------------------


def _plain_words(text: str) -> list[str]:
    return [w for w in re.findall(r"(?<![\w:*])[^\W\d_]{3,}(?![\w:*])", text) if w.casefold() not in OPERATORS | STOP_WORDS]


def spelling_suggestion(index: SearchIndex, text: str, glossary: Mapping[str, list[str]]) -> str | None:
    """The query with unknown words corrected, or None.

    Only a word that occurs in no document is corrected (one dictionary lookup per word) and
    glossary terms never are; ``search`` asks only when the query found little. A word said
    again is looked up once (``sekurity`` 55 times cost 55 look-ups).
    """
    known_terms = {t.casefold() for t in glossary}
    corrected = text
    for word in dict.fromkeys(_plain_words(text)):
        if word.casefold() in known_terms:
            continue
        better = index.correct(word)
        if better and better != word.casefold():
            corrected = re.sub(r"(?<!\w)" + re.escape(word) + r"(?!\w)", better, corrected)
    return corrected if corrected != text else None


# --- the service -----------------------------------------------------------------------


def glossary_variants(index: SearchIndex) -> dict[str, list[str]]:
    """Every glossary term with its expansions (read from the index once per generation)."""
    return index.per_generation("glossary", lambda: {doc.id: list(doc.page.expansions) for doc in index.find(("public",), type="glossary")})


# People are ranked by the directory's evidence (kb.directory), which the web layer passes in:
# (text, filters other than the type, page, per page) -> results, or None for a filter it
# does not know. Without it (tools, tests of this module) people are ranked like any document.
PeopleSearch = Callable[[str, tuple[tuple[str, str], ...], int, int], ResultSet | None]


def _people_only(filters: tuple[tuple[str, str], ...]) -> bool:
    return {value for name, value in filters if name == "type"} == {"person"}


def search(index: SearchIndex, reader: Reader, request: SearchRequest, people: PeopleSearch | None = None) -> SearchPage:
    """Results for the reader; a search for people only (``type=person``, or a "who knows"
    question) is answered by ``people`` and may then be filters alone, as the directory's is."""
    people_only = people is not None and _people_only(request.filters)
    if not request.q and not people_only:
        return SearchPage(request, 0, (), {name: {} for name in facets.SEARCH_FACETS})
    access = levels(reader)
    glossary = glossary_variants(index)
    acronyms: Acronyms = index.per_generation("acronyms", lambda: Acronyms(glossary))
    text = quote_contacts(request.text)
    variants = acronyms.variants(text) if text else []
    asked = expert_topic(text)  # "who knows about …": its topic
    question = asked is not None and "type" not in dict(request.filters)  # answered with people, if any
    topic, results = asked, None
    if people and (people_only or question):
        results = people(text, tuple(f for f in request.filters if f[0] != "type"), request.page, request.per_page)
    if question:
        if results is None:
            results = index.search(acronyms.variants(asked), access, request.filters + (("type", "person"),), request.page, request.per_page)
        if not results.total:
            results = topic = None
    if results is None:  # also a "who knows" question that already filters by type
        results = index.search(variants, access, request.filters, request.page, request.per_page)
    suggestion = None
    spelled = asked or text  # of a "who knows" question, only the topic is spelled
    candidate = spelling_suggestion(index, spelled, glossary) if results.total < SUGGEST_BELOW else None
    candidate = text.replace(spelled, candidate) if candidate else None
    if candidate:
        better = index.search(acronyms.variants(candidate), access, request.filters, 1, 1, facets=())  # only its total counts
        if better.total >= max(results.total, 1):
            suggestion = request.q.replace(text, candidate) if text in request.q else candidate
    return SearchPage(
        request=request,
        total=results.total,
        hits=results.hits,
        facets=results.facets,
        suggestion=suggestion,
        expansions=glossary_matches(text, glossary),
        expert_topic=topic,
    )


def suggest(index: SearchIndex, reader: Reader, text: str, limit: int = 10) -> list[dict[str, str]]:
    """Search-as-you-type: documents whose title or aliases start with the typed words."""
    found = index.complete(text[:100], levels(reader), limit)
    return [{"title": d.title, "type": d.type, "id": d.id} for d in found]
