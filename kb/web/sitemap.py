"""``/sitemap.xml``: every page the reader may see, so crawlers (an enterprise search) find them all."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for

from ..kinds import FILE_KINDS
from .context import directory, library

bp = Blueprint("sitemap", __name__)

LISTINGS = ("pages.home", "pages.areas", "paths.index", "pages.glossary", "people.people", "people.countries", "people.regions")

Entry = tuple[str, dict[str, str], str | None]  # endpoint, its URL arguments, lastmod (YYYY-MM-DD)


def _entries() -> list[Entry]:
    """The listings, each visible document, and the countries and commands that have someone or something."""
    entries: list[Entry] = [(endpoint, {}, None) for endpoint in LISTINGS]
    lib = library()
    for kind in FILE_KINDS:
        entries += [(kind.endpoint, {"doc_id": d.id}, d.updated.date().isoformat() if d.updated else None) for d in lib.documents(kind.name)]
    places = directory()
    countries = [c for _, group in places.country_list() for c in group]
    entries += [("people.country", {"slug": slug}, None) for _, slug, people, articles in countries if people or articles]
    entries += [("people.region", {"code": code}, None) for code, _, people, articles in places.region_list() if people or articles]
    return entries


@bp.get("/sitemap.xml")
def sitemap():
    # the entries depend on the access level only, never on the user; URLs are made per request
    # since host and prefix come from the request
    entries = library().cached("sitemap", _entries)
    urls = [(url_for(endpoint, _external=True, **args), lastmod) for endpoint, args, lastmod in entries]
    # what it lists depends on who asks (staff-only articles), so caches must not share it
    return Response(render_template("sitemap.xml", urls=urls), mimetype="application/xml", headers={"Vary": "Cookie, Authorization"})
