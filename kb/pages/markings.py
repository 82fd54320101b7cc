"""Handling markings (``marking: CUI``) and staff-only access: what a document carries, for banners and result labels.

A marked article is always staff-only (``kb.content`` makes it so when it parses the file);
the list of markings a site allows is ``KB_MARKINGS``, and ``kb check`` reports others.
"""

from __future__ import annotations

from ..index import SearchIndex

EVERY_LEVEL = ("public", "staff")


def marking_of(index: SearchIndex, kind: str, doc_id: str) -> str | None:
    """The marking of a document the reader already sees (a result, a list entry), or None."""
    if kind != "article":
        return None
    table = index.per_generation("markings", lambda: {d.id: d.page.marking for d in index.find(EVERY_LEVEL, type="article") if d.page.marking})
    return table.get(doc_id)


def access_of(index: SearchIndex, kind: str, doc_id: str) -> str:
    """``staff`` for a staff-only document the reader already sees (labelled "Staff only", so
    signed-in readers know what not to share outside), else ``public``."""
    table = index.per_generation("staff-only", lambda: frozenset((d.type, d.id) for d in index.find(("staff",))))
    return "staff" if (kind, doc_id) in table else "public"
