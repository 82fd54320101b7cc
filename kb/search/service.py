"""The site search as a reader sees it: documents, people and "who knows" questions, one
spelling step ("did you mean"), and suggestions as you type.

One strategy answers a request: a search for people only (``type=person``) and a "who knows"
question go to the directory's evidence ranking (``kb.directory``), so a person ranks the same on
every page; everything else goes to the documents in the index. The spelling step then searches
once more, with the corrected words, only when the answer found little. The query text is
rewritten by ``kb.queries``; ``kb.index`` parses and runs it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .. import facets
from ..access import Reader, levels
from ..directory import Directory, people_results
from ..index import OPERATORS, STOP_WORDS, Hit, ResultSet, SearchIndex
from ..queries import Expansion, SearchRequest, acronyms, expert_topic, glossary_matches, glossary_variants, quote_contacts

# "Did you mean" is computed only when a query finds fewer results than this (less than a
# page), and offered only when the corrected query finds at least as many.
SUGGEST_BELOW = 10

Filters = tuple[tuple[str, str], ...]


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


# --- did you mean --------------------------------------------------------------------


def _plain_words(text: str) -> list[str]:
    return [w for w in re.findall(r"(?<![\w:*])[^\W\d_]{3,}(?![\w:*])", text) if w.casefold() not in OPERATORS | STOP_WORDS]


def spelling_suggestion(index: SearchIndex, text: str, glossary: Mapping[str, list[str]], access: tuple[str, ...]) -> str | None:
    """The query with unknown words corrected, or None.

    Only a word that occurs in no document of the reader's access levels is corrected, from
    the words of those documents alone, and only to a word that finds on its own something
    the reader may see (so never to a word of a staff-only article, even one just made
    staff-only); glossary terms never are. ``search`` asks only when the query found little.
    """
    known_terms = {t.casefold() for t in glossary}
    corrected = text
    for word in dict.fromkeys(_plain_words(text)):  # a word said again is looked up once
        if word.casefold() in known_terms:
            continue
        better = index.correct(word, access)
        if better and better != word.casefold() and index.search([better], access, (), 1, 1, facets=()).total:
            corrected = re.sub(r"(?<!\w)" + re.escape(word) + r"(?!\w)", better, corrected)
    return corrected if corrected != text else None


# --- the strategies -------------------------------------------------------------------


def _people_only(filters: Filters) -> bool:
    return {value for name, value in filters if name == "type"} == {"person"}


@dataclass(frozen=True)
class _Asked:
    """One request as the strategies see it: the index, the reader's levels, the directory, the rewritten text."""

    index: SearchIndex
    access: tuple[str, ...]
    directory: Directory | None
    text: str
    request: SearchRequest

    def people(self) -> ResultSet | None:
        """The directory's ranking; None without one, or for a filter that is not one of the directory's."""
        if self.directory is None:
            return None
        request = self.request
        return people_results(self.directory, self.text, tuple(f for f in request.filters if f[0] != "type"), request.page, request.per_page)

    def who_knows(self, topic: str) -> ResultSet | None:
        """People for a "who knows about …" question; None when nobody matches (then documents answer)."""
        found = self.people()
        if found is None:  # no directory, or a filter it does not know: people among the documents
            request = self.request
            found = self.index.search(
                acronyms(self.index).variants(topic), self.access, request.filters + (("type", "person"),), request.page, request.per_page
            )
        return found if found.total else None

    def documents(self) -> ResultSet:
        variants = acronyms(self.index).variants(self.text) if self.text else []
        return self.index.search(variants, self.access, self.request.filters, self.request.page, self.request.per_page, sort=self.request.sort)

    def answer(self) -> tuple[ResultSet, str | None]:
        """The results and the expert topic shown with them, from the one strategy that fits."""
        topic = expert_topic(self.text)
        if topic is not None and "type" not in dict(self.request.filters):
            found = self.who_knows(topic)
            return (found, topic) if found else (self.documents(), None)
        if _people_only(self.request.filters):
            found = self.people()
            if found is not None:
                return found, topic
        return self.documents(), topic

    def spelling(self, found: ResultSet) -> str | None:
        """The whole query corrected, when the answer found little and the correction finds more.
        Of a "who knows" question, only the topic is spelled."""
        if found.total >= SUGGEST_BELOW:
            return None
        spelled = expert_topic(self.text) or self.text
        corrected = spelling_suggestion(self.index, spelled, glossary_variants(self.index), self.access)
        if not corrected:
            return None
        candidate = self.text.replace(spelled, corrected)
        better = self.index.search(acronyms(self.index).variants(candidate), self.access, self.request.filters, 1, 1, facets=())  # its total counts
        if better.total < max(found.total, 1):
            return None
        return self.request.q.replace(self.text, candidate) if self.text in self.request.q else candidate


def search(index: SearchIndex, reader: Reader, request: SearchRequest, directory: Directory | None = None) -> SearchPage:
    """Results for the reader. With the ``directory`` (the web layer passes it), people are ranked
    by its evidence and a search for people only may be filters alone, as the directory's is;
    without it (tools, tests of this module) people are ranked like any document."""
    if not request.q and not (directory is not None and _people_only(request.filters)):
        return SearchPage(request, 0, (), {name: {} for name in facets.SEARCH_FACETS})
    asked = _Asked(index, levels(reader), directory, quote_contacts(request.text), request)
    found, topic = asked.answer()
    return SearchPage(
        request=request,
        total=found.total,
        hits=found.hits,
        facets=found.facets,
        suggestion=asked.spelling(found),
        expansions=glossary_matches(asked.text, glossary_variants(index)),
        expert_topic=topic,
    )
