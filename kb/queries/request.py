"""A search request as the form and the API give it: the text, facet filters, page and page size.

Bad numbers fall back to defaults and filters written in the text (``area:fms``) are read out,
so nothing a reader types can fail here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .. import facets

MAX_PER_PAGE = 50
MAX_PAGE = 200
SORTS = ("relevance", "updated")  # the first is the default: best match first; "updated": last updated first


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    chosen: tuple[tuple[str, str], ...] = ()  # facet filters from the form: (facet name, value)
    page: int = 1
    per_page: int = 10
    truncated: bool = False
    sort: str = SORTS[0]
    exact: bool = False  # the words as typed: no spelling correction shown first (``exact=1``)

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
            sort=choice(args.get("sort"), SORTS),
            exact=args.get("exact") == "1",
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


def choice(value: str | None, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (folded), or the first (the default) for anything else."""
    folded = (value or "").strip().casefold()
    return folded if folded in allowed else allowed[0]
