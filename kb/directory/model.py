"""What the directory is asked and what it answers: requests, hits, facet values, pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import facets
from ..facets import fold
from ..index import Doc
from ..pagedata import PersonData
from ..places import Places
from ..queries import clamp

MAX_PER_PAGE = 50
MAX_PAGE = 1000
DEFAULT_PER_PAGE = 20
FACET_LIMIT = 5  # values shown per facet on the page (the chosen ones always); the rest under "N more"


FACETS = tuple(facets.BY_NAME[name] for name in facets.DIRECTORY_FACETS)
FACET_NAMES = tuple(f.name for f in FACETS)


# --- the request --------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryRequest:
    q: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (facet name, chosen values as typed)
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    truncated: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, Any], per_page: int = DEFAULT_PER_PAGE, max_chars: int = 500) -> DirectoryRequest:
        """From query-string arguments (repeated facet parameters allowed); bad numbers fall back."""
        text = " ".join(str(args.get("q") or "").split())
        getlist = getattr(args, "getlist", None)
        filters = []
        for name in FACET_NAMES:
            raw = getlist(name) if getlist else [args.get(name)]
            values = tuple(dict.fromkeys(" ".join(str(v).split()) for v in raw if v and str(v).strip()))
            if values:
                filters.append((name, values))
        return cls(
            q=text[:max_chars],
            truncated=len(text) > max_chars,
            filters=tuple(filters),
            page=clamp(args.get("page"), 1, 1, MAX_PAGE),
            per_page=clamp(args.get("per_page"), per_page, 1, MAX_PER_PAGE),
        )

    def chosen(self, name: str) -> tuple[str, ...]:
        return dict(self.filters).get(name, ())

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments of this request with some changed (for links)."""
        found: dict[str, Any] = {"q": self.q} if self.q else {}
        for name, values in self.filters:
            found[name] = list(values)
        found.update(changes)
        return {k: v for k, v in found.items() if v not in (None, "", [], ())}

    def args_without_filters(self) -> dict[str, Any]:
        return {"q": self.q} if self.q else {}


def filter_key(name: str, value: str, places: Places) -> str:
    """A chosen filter value as the index holds it: area ids as written, the rest folded."""
    if name == "area":
        return value.strip().lower()
    if name == "region":
        return places.resolve_region(value)
    return fold(value)


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonHit:
    """A person as results show them: never contact data."""

    id: str
    name: str
    title: str
    organization: str
    areas: tuple[str, ...]
    regions: tuple[str, ...]
    countries: tuple[str, ...]
    languages: tuple[str, ...]
    expertise: tuple[str, ...]
    score: float

    def as_json(self, url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "organization": self.organization,
            "areas": list(self.areas),
            "regions": list(self.regions),
            "countries": list(self.countries),
            "languages": list(self.languages),
            "expertise": list(self.expertise),
            "url": url,
            "score": self.score,
        }


@dataclass(frozen=True)
class FacetValue:
    value: str  # as the filter takes it (folded, or the area id)
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class DirectoryPage:
    request: DirectoryRequest
    total: int
    hits: tuple[PersonHit, ...]
    facets: dict[str, tuple[FacetValue, ...]]
    sort: str  # "relevance" when there is text, else "name"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    def facet_counts(self) -> dict[str, dict[str, int]]:
        return {name: {v.label: v.count for v in values} for name, values in self.facets.items()}


def person_hit(doc: Doc, score: float = 0.0) -> PersonHit:
    person: PersonData = doc.page
    return PersonHit(
        id=doc.id,
        name=doc.title,
        title=person.position,
        organization=person.organization,
        areas=doc.areas,
        regions=person.regions,
        countries=person.countries,
        languages=tuple(x.name for x in person.languages),
        expertise=person.expertise,
        score=round(float(score), 4),
    )


@dataclass(frozen=True)
class PlacePage:
    """A partner country or a combatant command with its people, articles and offices."""

    kind: str  # "country" or "region"
    key: str  # folded
    label: str
    name: str  # a command's full name
    command: str | None  # a country's command
    people: tuple[PersonHit, ...]
    articles: tuple[Doc, ...]
    offices: tuple[tuple[str, tuple[PersonHit, ...]], ...]  # (office, its people)
    countries: tuple[tuple[str, str, int], ...]  # a command's countries: (name, slug, people)


def country_slug(name: str) -> str:
    """``Côte d'Ivoire`` -> ``cote-d-ivoire`` (``fold`` of the slug gives the index value back)."""
    return fold(name).replace(" ", "-")
