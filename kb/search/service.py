"""The site search as a reader sees it: documents, people and "who knows" questions, one
spelling step ("did you mean"), and suggestions as you type.

One strategy answers a request: a search for people only (``type=person``) and a "who knows"
question go to the directory's evidence ranking (``kb.directory``), so a person ranks the same on
every page; everything else goes to the documents in the index. The spelling step comes first:
when a word of the query is in no document the reader may see, the corrected query is offered
("did you mean"), and when it scores clearly better its results are shown instead ("showing
results for"), unless the reader asked for the words as typed. The query text is rewritten by
``kb.queries``; ``kb.index`` parses and runs it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .. import facets
from ..access import Reader, levels
from ..directory import Directory, people_results
from ..index import OPERATORS, STOP_WORDS, Hit, ResultSet, SearchIndex
from ..queries import SORTS, Expansion, SearchRequest, acronyms, expert_topic, glossary_matches, glossary_variants, quote_contacts

# At most this many unknown words of one query are corrected (each costs a search); the rest stay as typed.
MAX_CORRECTIONS = 3
# The corrected query's results are shown first when its best score is at least this many times the
# original's. The words the reader spelled right score the same in both, and the unknown words score
# nothing, so the ratio measures what the corrected words add: a quarter again, at least.
CLEARLY_BETTER = 1.25

Filters = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SearchPage:
    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None  # the query with its unknown words corrected
    corrected: bool = False  # the results are those of ``suggestion`` (the reader's own query is a link away)
    expansions: tuple[Expansion, ...] = ()
    expert_topic: str | None = None  # set when only people are shown, for a "who knows about" query
    sort: str = SORTS[0]  # the order these results are in (the request's, where it applies)
    sortable: bool = True  # False where the directory ranks people: its order is evidence, whatever was asked
    typed_total: int | None = None  # with ``corrected``: what the query as typed finds (for the search log)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    @property
    def shown_query(self) -> str:
        """The query whose results these are."""
        return self.suggestion if self.corrected and self.suggestion else self.request.q


# --- did you mean --------------------------------------------------------------------


def _plain_words(text: str) -> list[str]:
    return [w for w in re.findall(r"(?<![\w:*])[^\W\d_]{3,}(?![\w:*])", text) if w.casefold() not in OPERATORS | STOP_WORDS]


def spelling_suggestion(index: SearchIndex, text: str, glossary: Mapping[str, list[str]], access: tuple[str, ...]) -> str | None:
    """The query with unknown words corrected, or None.

    Only a word that occurs in no document of the reader's access levels is corrected, from
    the words of those documents alone, and only to a word that finds on its own something
    the reader may see (so never to a word of a staff-only article, even one just made
    staff-only); glossary terms never are. At most ``MAX_CORRECTIONS`` words are corrected.
    """
    known_terms = {t.casefold() for t in glossary}
    corrected, count = text, 0
    for word in dict.fromkeys(_plain_words(text)):  # a word said again is looked up once
        if count == MAX_CORRECTIONS:
            break
        if word.casefold() in known_terms:
            continue
        better = index.correct(word, access)
        if better and better != word.casefold() and index.search([better], access, (), 1, 1, facets=()).total:
            corrected = re.sub(r"(?<!\w)" + re.escape(word) + r"(?!\w)", better, corrected)
            count += 1
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

    def answer(self) -> tuple[ResultSet, str | None, bool]:
        """The results, the expert topic shown with them and whether the request's sort applies
        (not to people ranked by evidence), from the one strategy that fits."""
        topic = expert_topic(self.text)
        if topic is not None and "type" not in dict(self.request.filters):
            found = self.who_knows(topic)
            return (found, topic, False) if found else (self.documents(), None, True)
        if _people_only(self.request.filters):
            found = self.people()
            if found is not None:
                return found, topic, False
        return self.documents(), topic, True

    def best(self, text: str) -> tuple[float, int]:
        """The score of the best document for ``text`` under the request's filters (0 when none),
        and how many it finds (the same one-hit search: the count costs nothing more)."""
        variants = acronyms(self.index).variants(text)
        best = self.index.search(variants, self.access, self.request.filters, 1, 1, facets=())
        return (best.hits[0].score if best.hits else 0.0), best.total

    def spelling(self) -> _Correction | None:
        """The query with its unknown words corrected, when that finds something; of a "who knows"
        question, only the topic is spelled. Its results come first when it scores clearly better."""
        spelled = expert_topic(self.text) or self.text
        corrected = spelling_suggestion(self.index, spelled, glossary_variants(self.index), self.access)
        if not corrected:
            return None
        text = self.text.replace(spelled, corrected)
        better = self.best(text)[0]
        if not better:
            return None
        query = self.request.q.replace(self.text, text) if self.text in self.request.q else text
        if self.request.exact:
            return _Correction(text, query, False)
        typed_score, typed_total = self.best(self.text)
        return _Correction(text, query, better >= CLEARLY_BETTER * typed_score, typed_total)


@dataclass(frozen=True)
class _Correction:
    text: str  # the corrected text, as searched
    query: str  # the corrected query as the reader would type it (filters kept): the suggestion
    first: bool  # its results are shown instead of the original's
    typed_total: int | None = None  # what the query as typed finds, when that was counted


def search(index: SearchIndex, reader: Reader, request: SearchRequest, directory: Directory | None = None) -> SearchPage:
    """Results for the reader. With the ``directory`` (the web layer passes it), people are ranked
    by its evidence and a search for people only may be filters alone, as the directory's is;
    without it (tools, tests of this module) people are ranked like any document."""
    if not request.q and not (directory is not None and _people_only(request.filters)):
        return SearchPage(request, 0, (), {name: {} for name in facets.SEARCH_FACETS})
    asked = _Asked(index, levels(reader), directory, quote_contacts(request.text), request)
    correction = asked.spelling()
    if correction and correction.first:
        asked = dataclasses.replace(asked, text=correction.text)
    found, topic, sortable = asked.answer()
    return SearchPage(
        request=request,
        total=found.total,
        hits=found.hits,
        facets=found.facets,
        suggestion=correction.query if correction else None,
        corrected=bool(correction and correction.first),
        expansions=glossary_matches(asked.text, glossary_variants(index)),
        expert_topic=topic,
        sort=request.sort if sortable else SORTS[0],
        sortable=sortable,
        typed_total=correction.typed_total if correction and correction.first else None,
    )
