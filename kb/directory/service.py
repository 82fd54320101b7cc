"""The expertise directory: find the person who knows, by skill, place and language.

People rank by **evidence**, what their profile and the articles declare, before the
words of a bio. For a query the service works out

- its **places** (``kb.places``: a country, a command code or name, or a word of a command's
  area such as "Africa" or "Pacific", all read from ``regions.yml``),
- its **languages** (query words that are a language some profile lists),
- its **skill concepts**: the remaining words without intent words ("who", "knows",
  "expert", "speaker" …); an acronym and its glossary expansion are one concept
  (``EUM`` = "end-use monitoring"), matched in either form,

and scores every visible person (all arrays over document numbers, so 20,000 people cost
a few milliseconds)::

    score = 3.0 * expertise     best declared expertise value: share of the query's skill concepts
                                it contains + 0.5 * share of its own words the query asked for
          + 1.0 * area          same, against the titles and ids of the person's functional areas
          + 1.5 * articles      articles on the skill (BM25F, type article) that list the person as
                                expert: sum of their score / best article score, at most 1
          + 2.0 * place         1 when the person covers a country or command the query names,
                                0.25 when only the command of a named country
          + 2.0 * language      1 when the person lists a language the query names
          + 1.0 * text          BM25F of the query over people (bio, role, keywords) / best, in [0, 1]

So a declared skill (3 or more) always outweighs a bio that only mentions the word (at most
1), and a person matching skill *and* place beats one matching either. A person is a result
when any part is above 0. Filters (facets) are exact: folded values (``kb.places.fold``),
any of the chosen values within a facet, every facet at once; each facet's counts apply the
other facets' filters but not its own, so they say what choosing a value would give.
Contact data (email, phone, location) never enters a result.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np
from cachetools import LRUCache

from .. import facets
from ..access import Reader, levels
from ..contacts import CONTACT
from ..facets import fold, fold_all
from ..index import Doc, SearchIndex
from ..pages.library import NotFound
from ..places import Places
from ..queries import Acronyms, acronyms, glossary_variants
from .analysis import Analysis, analyse, concept_score, glossary_maps, stem, stems
from .model import (
    FACETS,
    DirectoryPage,
    DirectoryRequest,
    FacetValue,
    PersonHit,
    PlacePage,
    country_slug,
    filter_key,
    person_hit,
)
from .ordering import normalised, top_by_score

# --- the service ---------------------------------------------------------------------------

W_EXPERTISE, W_AREA, W_ARTICLES, W_PLACE, W_LANGUAGE, W_TEXT = 3.0, 1.0, 1.5, 2.0, 2.0, 1.0
_ARTICLE_DEPTH = 10  # best articles whose experts get credit
ASKED_PAGES = 2048  # "Ask an expert" answers kept per index state and thread (a few KB each)


def _pinned(method):
    """Run a public method on one index state (a commit mid-request would change array sizes)."""

    @functools.wraps(method)
    def wrapper(self: Directory, *args, **kwargs):
        with self.index.pinned():
            return method(self, *args, **kwargs)

    return wrapper


class Directory:
    """People search for one reader: ranking, filters, facets, and the pages built on them."""

    def __init__(self, index: SearchIndex, reader: Reader, places: Places) -> None:
        self.index = index
        self.reader = reader
        self.places = places
        self.access = levels(reader)

    # cached per index generation ---------------------------------------------------------
    def _generation(self, name: str, build):
        return self.index.per_generation(f"directory:{name}", build)

    def _glossary(self) -> dict[str, list[str]]:
        return glossary_variants(self.index)

    def _acronyms(self) -> Acronyms:
        return acronyms(self.index)

    def _area_stems(self) -> dict[str, frozenset[str]]:
        def build():
            areas = self.index.find(("public", "staff"), type="area")
            return {a.id: frozenset(stems(a.title) + stems(a.id)) for a in areas}

        return self._generation("area-stems", build)

    def _value_stems(self, name: str) -> tuple[tuple[frozenset[str], ...], dict[str, list[int]]]:
        """Stems of each value of a field, and stem -> positions of the values containing it."""

        def build():
            values = self.index.field_values(name).values
            value_stems = tuple(frozenset(stem(w) for w in v.split()) for v in values)
            by_stem: dict[str, list[int]] = {}
            for position, found in enumerate(value_stems):
                for s in found:
                    by_stem.setdefault(s, []).append(position)
            return value_stems, by_stem

        return self._generation(f"stems:{name}", build)

    # ranking ------------------------------------------------------------------------------
    def analyse(self, text: str) -> Analysis:
        maps = self._generation("glossary-maps", lambda: glossary_maps(self._glossary()))
        return analyse(text, self.places, self.index.field_values("languages").values, maps, self.index.field_values("countries").values)

    @_pinned
    def scores(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(score of every document number for the query, mask of visible people); see the docstring."""
        plain = CONTACT.sub(" ", text)  # contact data is never indexed: an address or number finds nobody
        analysis = self.analyse(plain)
        variants = self._acronyms().variants(analysis.text) if analysis.text else []
        bm25, visible = self.index.kind_scores(variants, self.access, "person")
        if not visible.any() or (plain.split() != text.split() and not analysis.text):  # nobody to rank
            return np.zeros(len(visible), dtype=np.float32), visible
        score = W_TEXT * normalised(bm25)
        if analysis.concepts:
            score += W_EXPERTISE * self._field_concepts("expertise", analysis.concepts)
            score += W_AREA * self._area_concepts(analysis.concepts)
            score += W_ARTICLES * self._article_evidence(analysis.skill_text)
        place = analysis.places
        if place:
            direct = self.index.values_mask("countries", place.countries) | self.index.values_mask("regions", place.commands)
            near = self.index.values_mask("regions", {self.places.command_of(c) or "" for c in place.countries})
            score += W_PLACE * np.where(direct, 1.0, np.where(near, 0.25, 0.0))
        if analysis.languages:
            score += W_LANGUAGE * self.index.values_mask("languages", analysis.languages)
        return (score * visible).astype(np.float32), visible

    def _field_concepts(self, name: str, concepts) -> np.ndarray:
        """Per document: the best ``concept_score`` of its values of field ``name``."""
        values = self.index.field_values(name)
        value_stems, by_stem = self._value_stems(name)
        wanted = {s for alternatives in concepts for alternative in alternatives for s in alternative}
        candidates = {p for s in wanted for p in by_stem.get(s, ())}
        best = np.zeros(self.index.n_docs(), dtype=np.float32)
        if not candidates:
            return best
        per_value = np.zeros(len(values.values), dtype=np.float32)
        for position in candidates:
            per_value[position] = concept_score(concepts, value_stems[position])
        pairs = per_value[values.ids]
        hit = pairs > 0
        np.maximum.at(best, values.docs[hit], pairs[hit])  # only the pairs whose value matched
        return best

    def _area_concepts(self, concepts) -> np.ndarray:
        best = np.zeros(self.index.n_docs(), dtype=np.float32)
        for area, area_stems in self._area_stems().items():
            found = concept_score(concepts, area_stems)
            if found:
                best = np.maximum(best, found * self.index.values_mask("areas", [area]))
        return best

    def _article_evidence(self, skill_text: str) -> np.ndarray:
        """People listed as experts on the articles that best match the skill words."""
        evidence = np.zeros(self.index.n_docs(), dtype=np.float32)
        if not skill_text:
            return evidence
        scores, _ = self.index.kind_scores(self._acronyms().variants(skill_text), self.access, "article")
        best = top_by_score(scores, np.arange(len(scores)), _ARTICLE_DEPTH, self.index.title_rank())
        best = best[scores[best] > 0]
        if not len(best):
            return evidence
        top = float(scores[best[0]])
        credit: dict[str, float] = {}
        for docnum, stored in zip(best.tolist(), self.index.stored(best.tolist()), strict=True):
            for person in stored.experts:
                credit[person] = credit.get(person, 0.0) + float(scores[docnum]) / top
        for person, value in credit.items():
            docnum = self.index.docnum(f"person:{person}")
            if docnum is not None:
                evidence[docnum] = min(1.0, value)
        return evidence

    # the directory page ---------------------------------------------------------------------
    @_pinned
    def search(self, request: DirectoryRequest) -> DirectoryPage:
        """Ranked (or by name), filtered, faceted and paginated people."""
        if request.q:
            scores, visible = self.scores(request.q)
            base = scores > 0
        else:
            _, visible = self.index.kind_scores([], self.access, "person")
            scores, base = np.zeros(len(visible), dtype=np.float32), visible
        chosen = {name: self.index.values_mask(_field(name), {filter_key(name, v, self.places) for v in values}) for name, values in request.filters}
        facets = {}
        for facet in FACETS:
            others = base.copy()
            for name, mask in chosen.items():
                if name != facet.name:
                    others &= mask
            counts = self.index.field_values(facet.field).counts(others)
            facets[facet.name] = self._facet_values(facet, counts, request)
        selected = base.copy()
        for mask in chosen.values():
            selected &= mask
        docs = np.flatnonzero(selected)
        start = (request.page - 1) * request.per_page
        ranked = top_by_score(scores if request.q else None, docs, start + request.per_page, self.index.title_rank())
        shown = ranked[start : start + request.per_page]
        hits = tuple(person_hit(stored, scores[d]) for d, stored in zip(shown.tolist(), self.index.stored(shown.tolist()), strict=True))
        return DirectoryPage(request, len(docs), hits, facets, "relevance" if request.q else "name")

    def _facet_values(self, facet: facets.Facet, counts: dict[str, int], request: DirectoryRequest) -> tuple[FacetValue, ...]:
        picked = {filter_key(facet.name, v, self.places) for v in request.chosen(facet.name)} - {""}
        labels = self.labels(facet.field, set(counts) | picked)
        values = [FacetValue(v, labels.get(v, v), counts.get(v, 0), v in picked) for v in set(counts) | picked]
        return tuple(sorted(values, key=lambda v: (not v.selected, -v.count, v.label.casefold())))

    @_pinned
    def labels(self, name: str, values: Iterable[str]) -> dict[str, str]:
        """Display labels of index values: area titles, commands and countries from the table, else a profile's spelling."""
        if name == "areas":
            titles = self._generation("area-titles", lambda: {a.id: a.title for a in self.index.find(("public", "staff"), type="area")})
            return {v: titles.get(v, v) for v in values}
        if name == "regions":
            return {v: self.places.label(v) for v in values}
        cache: dict[str, str] = self._generation(f"labels:{name}", dict)
        missing = [v for v in values if v not in cache]
        if missing:
            table = self.index.field_values(name)
            first = {}
            for position in np.unique(table.ids, return_index=True)[1]:  # a document per value
                first[table.values[table.ids[position]]] = int(table.docs[position])
            for value in missing:
                label = self.places.country_names.get(value) if name == "countries" else None
                if label is None and value in first:
                    stored = self.index.stored([first[value]])[0]
                    label = next((d for d in _display(stored, name) if fold(d) == value), None)
                if label is not None or value in first:  # only indexed values: typed ones cost no memory
                    cache[value] = label or value
        return {v: cache.get(v, v) for v in values}

    # single people and pages built on the ranking ---------------------------------------------
    @_pinned
    def ask_an_expert(
        self, areas: Iterable[str], tags: Iterable[str], title: str, listed: Iterable[str] = (), limit: int = 5, exclude_areas: Iterable[str] = ()
    ) -> list[PersonHit]:
        """The best-ranked people for a page's areas, tags and title, other than its listed experts
        (``listed`` ids, or everyone in ``exclude_areas`` for an area page that lists them all).

        The answer depends on the page and the access levels only (never on who reads), so it is
        kept per index state: an article view ranks its experts once, not on every view.
        """
        key = (self.access, tuple(areas), tuple(tags), title, tuple(listed), limit, tuple(exclude_areas))
        answers = self._generation("asked", lambda: LRUCache(ASKED_PAGES))
        if key not in answers:
            answers[key] = tuple(self._rank_for_page(*key[1:]))
        return list(answers[key])

    def _rank_for_page(
        self, areas: Iterable[str], tags: Iterable[str], title: str, listed: Iterable[str], limit: int, exclude_areas: Iterable[str]
    ) -> list[PersonHit]:
        areas = [a for a in areas if a]
        text = " ".join([title, *(t.replace("-", " ") for t in tags)])
        scores, visible = self.scores(text) if text.strip() else (None, None)
        if scores is None:
            _, visible = self.index.kind_scores([], self.access, "person")
            scores = np.zeros(len(visible), dtype=np.float32)
        if areas:
            scores = scores + W_AREA * (self.index.values_mask("areas", areas) & visible)
        for person in listed:
            docnum = self.index.docnum(f"person:{person}")
            if docnum is not None:
                scores[docnum] = 0
        exclude_areas = [a for a in exclude_areas if a]
        if exclude_areas:
            scores[self.index.values_mask("areas", exclude_areas)] = 0
        best = top_by_score(scores, np.flatnonzero(scores > 0), limit, self.index.title_rank())
        best = [d for d in best.tolist() if scores[d] > 0]
        return [person_hit(s, scores[d]) for d, s in zip(best, self.index.stored(best), strict=True)]

    def _having(self, kind: str, name: str, values: Iterable[str]) -> list[Doc]:
        _, visible = self.index.kind_scores([], self.access, kind)
        docs = np.flatnonzero(visible & self.index.values_mask(name, values))
        docs = docs[np.argsort(self.index.title_rank()[docs], kind="stable")]
        return self.index.stored(docs.tolist())

    # partner country and command pages ---------------------------------------------------------
    @_pinned
    def country(self, name: str) -> PlacePage:
        """People who cover a country, articles about it, and the Security Cooperation Offices named."""
        key = fold(name)
        people = self._having("person", "countries", [key])
        articles = self._having("article", "countries", [key])
        if not key or (key not in self.places.country_names and not people and not articles):
            raise NotFound(f"country {name!r}")
        command = self.places.command_of(key)
        return PlacePage(
            kind="country",
            key=key,
            label=self.labels("countries", [key])[key],
            name="",
            command=self.places.label(command) if command else None,
            people=tuple(person_hit(s) for s in people),
            articles=tuple(articles),
            offices=_offices(people),
            countries=(),
        )

    @_pinned
    def region(self, name: str) -> PlacePage:
        """People and articles of a command (directly, or through one of its countries)."""
        code = self.places.resolve_region(name)
        people = self._having("person", "regions", [code])
        articles = self._having("article", "regions", [code])
        command = self.places.by_code.get(code)
        if not code or (command is None and not people and not articles):
            raise NotFound(f"combatant command {name!r}")
        people_per_country = self.counts("person", "countries")
        in_table = fold_all(command.countries) if command else ()
        covered = in_table + tuple(c for c in people_per_country if c not in in_table and self.places.command_of(c) == code)
        labels = self.labels("countries", covered)
        countries = tuple((labels[c], country_slug(labels[c]), people_per_country.get(c, 0)) for c in covered)
        return PlacePage(
            kind="region",
            key=code,
            label=self.places.label(code),
            name=command.name if command else "",
            command=None,
            people=tuple(person_hit(s) for s in people),
            articles=tuple(articles),
            offices=_offices(people),
            countries=countries,
        )

    @_pinned
    def country_list(self) -> list[tuple[str, list[tuple[str, str, int, int]]]]:
        """Countries by command: (command label, [(country, slug, people, articles)])."""
        people = self.counts("person", "countries")
        articles = self.counts("article", "countries")
        keys = list(self.places.country_names) + [k for k in {**people, **articles} if k not in self.places.country_names]
        labels = self.labels("countries", keys)
        groups: dict[str, list[tuple[str, str, int, int]]] = {}
        for key in keys:
            command = self.places.command_of(key)
            group = self.places.label(command) if command else "Other"
            groups.setdefault(group, []).append((labels[key], country_slug(labels[key]), people.get(key, 0), articles.get(key, 0)))
        order = [self.places.label(fold(c.command)) for c in self.places.commands] + ["Other"]
        return [(g, sorted(groups[g], key=lambda c: fold(c[0]))) for g in order if g in groups]

    @_pinned
    def region_list(self) -> list[tuple[str, str, int, int]]:
        """Commands: (code, name, people, articles), the table's first, then any a profile names."""
        people = self.counts("person", "regions")
        articles = self.counts("article", "regions")
        codes = list(self.places.by_code) + sorted(k for k in {**people, **articles} if k not in self.places.by_code)
        return [
            (self.places.label(c), self.places.by_code[c].name if c in self.places.by_code else "", people.get(c, 0), articles.get(c, 0))
            for c in codes
        ]

    @_pinned
    def counts(self, kind: str, name: str) -> dict[str, int]:
        """How many visible documents of ``kind`` have each value of field ``name``."""
        _, visible = self.index.kind_scores([], self.access, kind)
        return self.index.field_values(name).counts(visible)


def _offices(people: list[Doc]) -> tuple[tuple[str, tuple[PersonHit, ...]], ...]:
    offices: dict[str, list[PersonHit]] = {}
    for doc in people:
        if doc.page.sco:
            offices.setdefault(doc.page.sco, []).append(person_hit(doc))
    return tuple((office, tuple(hits)) for office, hits in sorted(offices.items()))


def _field(name: str) -> str:
    return next(f.field for f in FACETS if f.name == name)


def _display(doc: Doc, name: str) -> list[str]:
    """A person's or article's display values of a facet field."""
    value = getattr(doc.page, name, ())
    if name == "languages":
        return [language.name for language in value]
    return [value] if isinstance(value, str) else list(value)
