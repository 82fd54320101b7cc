"""People as the site search shows them: ``/search?type=person`` and ``/api/search?type=person``
are answered by the directory's evidence ranking, so a person ranks the same on every page."""

from __future__ import annotations

from ..index import Hit, ResultSet
from ..pagedata import role
from .model import FACET_NAMES, DirectoryRequest
from .service import Directory


def people_results(directory: Directory, text: str, filters: tuple[tuple[str, str], ...], page: int, per_page: int) -> ResultSet | None:
    """The directory's page as search results; None when a filter is not one of the directory's
    (``tag``, ``expertise``), which the site search then applies itself."""
    chosen: dict[str, list[str]] = {}
    for name, value in filters:
        if name not in FACET_NAMES:
            return None
        chosen.setdefault(name, []).append(value)
    found = directory.search(DirectoryRequest(text, tuple((name, tuple(values)) for name, values in chosen.items()), page, per_page))
    hits = tuple(Hit("person", h.id, h.name, role(h.title, h.organization), h.areas, h.score, "") for h in found.hits)
    counts = {name: {v.value if name == "area" else v.label: v.count for v in values if v.count} for name, values in found.facets.items()}
    return ResultSet(found.total, page, per_page, hits, {"type": {"person": found.total} if found.total else {}, **counts})
