"""What each page shows, assembled from the index for one reader.

Every lookup passes the reader's access levels, so a staff-only article vanishes from
lists, backlinks, related articles, paths and counts for anonymous readers alike.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any

from .access import Reader, can_see_contact, levels
from .git import most_changed_by_person
from .index import SearchIndex

CONTACT_FIELDS = ("email", "phone", "location")


class NotFound(LookupError):
    """No such document, or not one this reader may see."""


@dataclass(frozen=True)
class Page:
    """A document's stored fields plus what the page links to."""

    doc: dict[str, Any]
    links: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:  # templates read fields as attributes
        try:
            return self.links[name] if name in self.links else self.doc[name]
        except KeyError:
            raise AttributeError(name) from None


def glossary_anchor(term: str) -> str:
    return "term-" + (re.sub(r"[^a-z0-9]+", "-", term.casefold()).strip("-") or "x")


class Library:
    """The read side of the knowledge base for one reader."""

    def __init__(self, index: SearchIndex, reader: Reader) -> None:
        self.index = index
        self.reader = reader
        self.access = levels(reader)

    def _get(self, kind: str, doc_id: str) -> dict[str, Any]:
        doc = self.index.get(f"{kind}:{doc_id}", self.access)
        if doc is None:
            raise NotFound(f"{kind} {doc_id!r}")
        return doc

    def _find(self, sort: str = "title", limit: int | None = None, **terms: str) -> list[dict[str, Any]]:
        return self.index.find(self.access, sort=sort, limit=limit, **terms)

    def _many(self, kind: str, ids) -> list[dict[str, Any]]:
        found = (self.index.get(f"{kind}:{i}", self.access) for i in ids)
        return [doc for doc in found if doc is not None]

    def _cached(self, name: str, build):
        """Built once per index generation and access level (pages that list everything)."""
        return self.index.per_generation(f"{name}:{','.join(self.access)}", build)

    def area_titles(self) -> dict[str, str]:
        return self._cached("area-titles", lambda: {a["id"]: a["title"] for a in self._find(type="area")})

    def document_count(self) -> int:
        return self.index.document_count(self.access)

    def home(self) -> dict[str, Any]:
        return {
            "areas": self._find(sort="order", type="area"),
            "paths": self._find(type="path"),
            "recent": self._find(sort="-updated", limit=8, type="article"),
        }

    def area(self, area_id: str) -> Page:
        doc = self._get("area", area_id)
        return Page(doc, {
            "articles": self._find(type="article", areas=area_id),
            "people": self._find(type="person", areas=area_id),
        })

    def article(self, slug: str) -> Page:
        doc = self._get("article", slug)
        return Page(doc, {
            "area_list": self._many("area", _split(doc.get("areas"))),
            "expert_list": self._many("person", _split(doc.get("experts"))),
            "related": self._many("article", doc["page"].get("related", [])),
            "backlinks": [d for d in self._find(links=slug) if d["key"] != doc["key"] and d["type"] != "glossary"],
        })

    def person(self, person_id: str) -> Page:
        doc = self._get("person", person_id)
        facts = dict(doc["page"]["person"])
        if not can_see_contact(self.reader):
            facts = {k: v for k, v in facts.items() if k not in CONTACT_FIELDS}
        return Page(doc, {
            "facts": facts,
            "contact_hidden": not can_see_contact(self.reader),
            "area_list": self._many("area", _split(doc.get("areas"))),
            "articles": self._find(type="article", experts=person_id),
            "most_changed": self.most_changed(person_id),
        })

    def path(self, path_id: str) -> Page:
        doc = self._get("path", path_id)
        steps = []
        for step in doc["page"]["steps"]:
            article = self.index.get(f"article:{step['article']}", self.access)
            if article is not None:
                steps.append({"article": article, "note": step["note"]})
        return Page(doc, {"steps": steps, "minutes": sum(s["article"]["page"]["minutes"] for s in steps)})

    def glossary(self) -> list[tuple[str, list[dict[str, Any]]]]:
        return self._cached("glossary-page", self._glossary)

    # -- feeds, freshness report and person history (the git workflow) --------------
    def recent_articles(self, limit: int, area: str | None = None) -> list[dict[str, Any]]:
        """The articles changed last, newest first (optionally of one area), as this reader may see them."""
        return self._find(sort="-updated", limit=limit, type="article", **({"areas": area} if area else {}))

    def articles(self) -> list[dict[str, Any]]:
        return self._find(type="article")

    def area_doc(self, area_id: str) -> dict[str, Any]:
        return self._get("area", area_id)

    def most_changed(self, person_id: str, limit: int = 5) -> list[tuple[dict[str, Any], int]]:
        """The articles a person changed most (commit author email = profile email), with counts."""
        ranked = self._cached("most-changed", self._most_changed_table).get(person_id, [])[:limit]
        found = {a["id"]: a for a in self._many("article", [slug for slug, _ in ranked])}
        return [(found[slug], n) for slug, n in ranked if slug in found]

    def _most_changed_table(self) -> dict[str, list[tuple[str, int]]]:
        emails = {p["id"]: p["page"]["person"].get("email", "") for p in self._find(type="person")}
        histories = {a["id"]: (a["page"].get("git") or {}).get("commits", []) for a in self.articles()}
        return most_changed_by_person(histories, emails, limit=20)

    def _glossary(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Terms grouped A–Z (digits and symbols under '#'), each sense's article resolved."""
        articles = {a["id"]: {"id": a["id"], "title": a["title"]} for a in self._find(type="article")}
        groups: dict[str, list[dict[str, Any]]] = {}
        for term in self._find(type="glossary"):
            senses = [{**sense, "see": articles.get(sense["see"])} for sense in term["page"]["senses"]]
            letter = term["title"][:1].upper()
            groups.setdefault(letter if letter in string.ascii_uppercase else "#", []).append(
                {"term": term["title"], "anchor": glossary_anchor(term["title"]), "senses": senses})
        return sorted(groups.items())


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]
