"""The loaded content with its cross-references resolved and checked.

The catalog answers "does this area, person or article exist?" for the renderer and the
checker; it never touches the disk or the index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from .content import Content, Document, GlossaryEntry, Problem
from .kinds import FILE_KINDS
from .places import Places, fold
from .render import Rendered, Renderer


@dataclass(frozen=True)
class Catalog:
    content: Content

    @cached_property
    def _by_kind(self) -> dict[str, dict[str, Document]]:
        table: dict[str, dict[str, Document]] = {kind.name: {} for kind in FILE_KINDS}
        for doc in self.content.documents:
            table[doc.kind][doc.id] = doc
        return table

    def ids(self, kind: str) -> set[str]:
        return set(self._by_kind[kind])

    def article_title(self, slug: str) -> str | None:
        """The renderer's resolver: a slug's title (an earlier slug's too, which redirects), or None."""
        doc = self.article(slug)
        return doc.title if doc else None

    @cached_property
    def moved(self) -> dict[str, str]:
        """Earlier slug -> the article that names it in ``redirect_from`` (existing slugs never move)."""
        articles, moved = self._by_kind["article"], {}
        for doc in articles.values():
            for old in doc.get("redirect_from", ()):
                if old not in articles:
                    moved.setdefault(old, doc.id)  # the first claimant, as ``redirect_problems`` reports
        return moved

    def article(self, slug: str) -> Document | None:
        """The article a link to ``slug`` reaches: its own, or the one an earlier slug redirects to."""
        articles = self._by_kind["article"]
        return articles.get(slug) or articles.get(self.moved.get(slug, ""))

    def staff_only(self, slug: str) -> bool:
        doc = self.article(slug)
        return doc is not None and not doc.public

    def areas_of(self, doc: Document) -> tuple[str, ...]:
        """An article's areas: as written, else the first folder when it names an area."""
        written = doc.get("areas")
        if written:
            return written
        folder = doc.id.split("/", 1)[0] if doc.kind == "article" and "/" in doc.id else None
        return (folder,) if folder in self._by_kind["area"] else ()

    @cached_property
    def _experts_of(self) -> dict[str, list[Document]]:
        table: dict[str, list[Document]] = {}
        for doc in self._by_kind["article"].values():
            if doc.public:
                for person in doc.get("experts", ()):
                    table.setdefault(person, []).append(doc)
        return table

    def expert_evidence(self, doc: Document) -> tuple[str, ...]:
        """For a person: titles and aliases of the public articles that name them as expert.

        Indexed with the person, so "who knows about CLSSA" finds the people behind the
        CLSSA article; staff-only articles are left out so their words never lead anywhere.
        """
        return self._evidence.get(doc.id, ()) if doc.kind == "person" else ()

    @cached_property
    def _evidence(self) -> dict[str, tuple[str, ...]]:
        """Person id -> ``expert_evidence``, worked out once (an update asks it of every person)."""
        return {
            person: tuple(text for a in sorted(articles, key=lambda a: a.id) for text in (a.title, *a.get("aliases", ())))
            for person, articles in self._experts_of.items()
        }

    @cached_property
    def glossary_expansions(self) -> dict[str, str]:
        """Term -> expansions joined with '; ' (a term may have several), for tooltips."""
        merged: dict[str, list[str]] = {}
        for entry in self.content.glossary:
            if entry.expansion and entry.expansion not in merged.setdefault(entry.term, []):
                merged[entry.term].append(entry.expansion)
        return {term: "; ".join(expansions) for term, expansions in merged.items() if expansions}

    def glossary_terms(self) -> dict[str, list[GlossaryEntry]]:
        grouped: dict[str, list[GlossaryEntry]] = {}
        for entry in self.content.glossary:
            grouped.setdefault(entry.term, []).append(entry)
        return grouped

    @cached_property
    def _renderer(self) -> Renderer:
        return Renderer(self.article_title, self.glossary_expansions, self.staff_only)

    def render(self, doc: Document) -> Rendered:
        return self._renderer.render(doc.body, doc.path, public=doc.public)


def _unknown(doc: Document, key: str, values, known: set[str], what: str) -> list[Problem]:
    return [Problem(doc.path, doc.line_of(key), "error", f"unknown {what} '{value}' in '{key}'") for value in values if value not in known]


def reference_problems(catalog: Catalog, today: dt.date, markings: tuple[str, ...] = ("CUI",)) -> list[Problem]:
    """Problems between files: unknown areas, people, slugs and markings, overdue reviews."""
    areas, people, articles = catalog.ids("area"), catalog.ids("person"), catalog.ids("article")
    articles = articles | set(catalog.moved)  # an earlier slug (``redirect_from``) still reaches its article
    problems: list[Problem] = []
    for doc in catalog.content.documents:
        problems += _unknown(doc, "areas", doc.get("areas", ()), areas, "area")
        if doc.kind == "article":
            problems += _unknown(doc, "experts", doc.get("experts", ()), people, "person")
            problems += _unknown(doc, "related", doc.get("related", ()), articles, "article")
            if doc.get("marking") and doc.get("marking").upper() not in {m.upper() for m in markings}:
                problems.append(
                    Problem(
                        doc.path,
                        doc.line_of("marking"),
                        "error",
                        f"unknown marking '{doc.get('marking')}' (allowed: {', '.join(markings) or 'none'}; KB_MARKINGS)",
                    )
                )
            review_by = doc.get("review_by")
            if review_by and review_by < today:
                problems.append(Problem(doc.path, doc.line_of("review_by"), "warning", f"review date {review_by.isoformat()} has passed"))
        for step in doc.get("steps", ()):
            if step.article not in articles:
                problems.append(Problem(doc.path, step.line, "error", f"step names unknown article '{step.article}'"))
    problems += place_problems(catalog) + redirect_problems(catalog)
    for entry in catalog.content.glossary:
        if entry.see and entry.see not in articles:
            problems.append(Problem("glossary.yml", entry.line, "error", f"'{entry.term}' sees unknown article '{entry.see}'"))
        if not entry.expansion and not entry.definition:
            problems.append(Problem("glossary.yml", entry.line, "warning", f"'{entry.term}' has neither expansion nor definition"))
    return problems


def redirect_problems(catalog: Catalog) -> list[Problem]:
    """A ``redirect_from`` slug that is still an article, or that two articles claim."""
    articles, claimed, problems = catalog.ids("article"), {}, []
    for doc in catalog.content.of_kind("article"):
        for old in doc.get("redirect_from", ()):
            if old in articles:
                problems.append(Problem(doc.path, doc.line_of("redirect_from"), "error", f"'redirect_from' names '{old}', which is an article"))
            elif claimed.setdefault(old, doc.id) != doc.id:
                problems.append(
                    Problem(
                        doc.path, doc.line_of("redirect_from"), "error", f"'redirect_from' names '{old}', which '{claimed[old]}' redirects already"
                    )
                )
    return problems


def place_problems(catalog: Catalog) -> list[Problem]:
    """Warnings for commands and countries the place table (``regions.yml``) does not know."""
    places = Places(catalog.content.regions)
    if not places.commands:
        return []
    problems = []
    for doc in catalog.content.documents:
        for value in doc.get("regions", ()):
            if fold(value) not in places.by_code:
                problems.append(Problem(doc.path, doc.line_of("regions"), "warning", f"combatant command '{value}' is not in regions.yml"))
        for value in doc.get("countries", ()):
            if places.command_of(value) is None:
                problems.append(
                    Problem(doc.path, doc.line_of("countries"), "warning", f"country '{value}' is not in regions.yml, so it counts for no command")
                )
    return problems
