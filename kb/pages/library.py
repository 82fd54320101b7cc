"""What each page shows, assembled from the index for one reader.

Every lookup passes the reader's access levels, so a staff-only article vanishes from
lists, backlinks, related articles, paths and counts for anonymous readers alike. Each
page is a declared dataclass of documents (``kb.index.Doc``) and lists, never strings to split.
"""

from __future__ import annotations

import dataclasses
import re
import string
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..access import CONTACT_FIELDS, Reader, can_see_contact, levels
from ..git import most_changed_by_person
from ..index import Doc, SearchIndex
from ..pagedata import PersonData


class NotFound(LookupError):
    """No such document, or not one this reader may see."""


class Moved(NotFound):
    """An article's earlier slug (its ``redirect_from``): the address now redirects to ``doc``."""

    def __init__(self, doc: Doc) -> None:
        super().__init__(f"article {doc.id!r}")
        self.doc = doc


@dataclass(frozen=True)
class AreaPage:
    doc: Doc
    articles: list[Doc]
    people: list[Doc]


BACKLINKS_SHOWN = 8  # "Pages that link here" listed before "Show all N"


@dataclass(frozen=True)
class ArticlePage:
    doc: Doc
    areas: list[Doc]
    experts: list[Doc]
    related: list[Doc]
    backlinks: list[Doc]  # pages that link here, except those already listed as related

    @property
    def first_backlinks(self) -> list[Doc]:
        return self.backlinks[:BACKLINKS_SHOWN]

    @property
    def more_backlinks(self) -> list[Doc]:
        """The rest, behind "Show all N" so a much-linked article keeps a short side column."""
        return self.backlinks[BACKLINKS_SHOWN:]


@dataclass(frozen=True)
class PersonPage:
    doc: Doc
    facts: PersonData  # the profile, contact fields emptied for anonymous readers
    contact_hidden: bool
    areas: list[Doc]
    articles: list[Doc]
    paths: list[Doc]  # onboarding paths through the articles they are an expert on
    most_changed: list[tuple[Doc, int]]  # the articles they changed most (git), with counts


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    anchor: str
    senses: list[dict[str, Any]]  # expansion, definition, see (the article Doc or None)

    @cached_property
    def searchable(self) -> str:
        """The term, its expansions and definitions, folded: what the glossary's filter looks in."""
        parts = [self.term, *(s[key] or "" for s in self.senses for key in ("expansion", "definition"))]
        return " ".join(" ".join(parts).split()).casefold()


def glossary_anchor(term: str) -> str:
    return "term-" + (re.sub(r"[^a-z0-9]+", "-", term.casefold()).strip("-") or "x")


class Library:
    """The read side of the knowledge base for one reader."""

    def __init__(self, index: SearchIndex, reader: Reader) -> None:
        self.index = index
        self.reader = reader
        self.access = levels(reader)

    def _get(self, kind: str, doc_id: str) -> Doc:
        doc = self.index.get(f"{kind}:{doc_id}", self.access)
        if doc is None:
            raise NotFound(f"{kind} {doc_id!r}")
        return doc

    def _find(self, sort: str = "title", limit: int | None = None, **terms: str) -> list[Doc]:
        return self.index.find(self.access, sort=sort, limit=limit, **terms)

    def _many(self, kind: str, ids) -> list[Doc]:
        found = (self.index.get(f"{kind}:{i}", self.access) for i in ids)
        return [doc for doc in found if doc is not None]

    def cached(self, name: str, build):
        """Built once per index generation and access level (pages that list everything)."""
        return self.index.per_generation(f"{name}:{','.join(self.access)}", build)

    def document(self, kind: str, doc_id: str) -> Doc:
        """Any document this reader may see, by kind and id (``NotFound`` otherwise)."""
        return self._get(kind, doc_id)

    def area_titles(self) -> dict[str, str]:
        return self.cached("area-titles", lambda: {a.id: a.title for a in self._find(type="area")})

    def document_count(self) -> int:
        return self.index.document_count(self.access)

    def home(self) -> dict[str, list[Doc]]:
        return {
            "areas": self._find(sort="order", type="area"),
            "paths": self._find(type="path"),
            "recent": self._find(sort="-updated", limit=8, type="article"),
        }

    def areas(self) -> list[tuple[Doc, int]]:
        """Every functional area in the home page's order, with the number of its articles this reader may see."""

        def build() -> list[tuple[Doc, int]]:
            counts: dict[str, int] = {}
            for article in self._find(type="article"):
                for area_id in article.areas:
                    counts[area_id] = counts.get(area_id, 0) + 1
            return [(area, counts.get(area.id, 0)) for area in self._find(sort="order", type="area")]

        return self.cached("areas-page", build)

    def area(self, area_id: str) -> AreaPage:
        doc = self._get("area", area_id)
        return AreaPage(doc, self._find(type="article", areas=area_id), self._find(type="person", areas=area_id))

    def article(self, slug: str) -> ArticlePage:
        doc = self.index.get(f"article:{slug}", self.access)
        if doc is None:
            moved = self._find(type="article", moved_from=slug, limit=1)
            raise Moved(moved[0]) if moved else NotFound(f"article {slug!r}")
        related = self._many("article", doc.page.related)
        listed = {doc.key} | {d.key for d in related}  # each article once in the side column
        backlinks = [d for d in self._find(links=slug) if d.key not in listed and d.type != "glossary"]
        return ArticlePage(doc, self._many("area", doc.areas), self._many("person", doc.experts), related, backlinks)

    def linking_to(self, slug: str) -> list[Doc]:
        """Every page this reader may see that links to the article (glossary terms and related articles too)."""
        return self._find(links=slug)

    def person(self, person_id: str) -> PersonPage:
        doc = self._get("person", person_id)
        facts = self._profile(doc.page)
        articles = self._find(type="article", experts=person_id)
        paths = {p.id: p for a in articles for p in self._find(type="path", links=a.id)}  # paths through them
        return PersonPage(
            doc,
            facts,
            not can_see_contact(self.reader),
            self._many("area", doc.areas),
            articles,
            sorted(paths.values(), key=lambda p: p.title.casefold()),
            self.most_changed(person_id),
        )

    def _profile(self, person: PersonData) -> PersonData:
        """The profile as this reader may see it: with the bio as written (contact data included)
        for signed-in staff; without the contact fields and that bio for anyone else."""
        if can_see_contact(self.reader):
            return dataclasses.replace(person, html=person.contact_html or person.html)
        return dataclasses.replace(person, **dict.fromkeys((*CONTACT_FIELDS, "contact_html"), ""))

    def glossary(self, text: str = "") -> list[tuple[str, list[GlossaryTerm]]]:
        """The terms A–Z; with ``text``, only those whose term, expansions or definitions have a word
        starting with it (``loa`` finds "LOA" and "loan", not "payload")."""
        groups = self.cached("glossary-page", self._glossary)
        needle = " ".join(text.split()).casefold()
        if not needle:
            return groups
        starts = re.compile(r"(?<!\w)" + re.escape(needle))
        found = [(letter, [t for t in terms if starts.search(t.searchable)]) for letter, terms in groups]
        return [(letter, terms) for letter, terms in found if terms]

    # -- feeds, freshness report and person history (the git workflow) --------------
    def recent_articles(self, limit: int, area: str | None = None) -> list[Doc]:
        """The articles changed last, newest first (optionally of one area), as this reader may see them."""
        return self._find(sort="-updated", limit=limit, type="article", **({"areas": area} if area else {}))

    def article_slugs(self) -> frozenset[str]:
        """The slugs, current and earlier (``redirect_from``), of every article this reader may see."""
        return self.cached("article-slugs", lambda: frozenset(s for a in self.documents("article") for s in (a.id, *a.values.get("moved_from", ()))))

    def documents(self, kind: str) -> list[Doc]:
        """Every document of ``kind`` this reader may see, by title (the sitemap, the freshness report)."""
        return self._find(type=kind)

    def people_by_id(self, ids) -> dict[str, Doc]:
        """The profiles of ``ids`` this reader may see (the freshness report names experts by them)."""
        return {p.id: p for p in self._many("person", ids)}

    def area_doc(self, area_id: str) -> Doc:
        return self._get("area", area_id)

    def most_changed(self, person_id: str, limit: int = 5) -> list[tuple[Doc, int]]:
        """The articles a person changed most (commit author email = profile email), with counts."""
        ranked = self.cached("most-changed", self._most_changed_table).get(person_id, [])[:limit]
        found = {a.id: a for a in self._many("article", [slug for slug, _ in ranked])}
        return [(found[slug], n) for slug, n in ranked if slug in found]

    def _most_changed_table(self) -> dict[str, list[tuple[str, int]]]:
        emails = {p.id: p.page.email for p in self._find(type="person")}
        histories = {a.id: a.page.git.get("commits", []) for a in self.documents("article")}
        return most_changed_by_person(histories, emails, limit=20)

    def _glossary(self) -> list[tuple[str, list[GlossaryTerm]]]:
        """Terms grouped A–Z (digits and symbols under '#'), each sense's article resolved."""
        articles = {a.id: a for a in self._find(type="article")}
        groups: dict[str, list[GlossaryTerm]] = {}
        for term in self._find(type="glossary"):
            senses = [{"expansion": s.expansion, "definition": s.definition, "see": articles.get(s.see)} for s in term.page.senses]
            letter = term.title[:1].upper()
            groups.setdefault(letter if letter in string.ascii_uppercase else "#", []).append(
                GlossaryTerm(term.title, glossary_anchor(term.title), senses)
            )
        return sorted(groups.items())
