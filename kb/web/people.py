"""The expertise directory: ``/people``, ``/api/people``, partner country and command pages."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from ..access import CONTACT_FIELDS, can_see_contact
from ..directory import FACET_LIMIT, FACETS, DirectoryRequest, country_slug
from .context import current_reader, directory, document_url, library, site_links

bp = Blueprint("people", __name__)


def _request() -> DirectoryRequest:
    cfg = current_app.config
    return DirectoryRequest.from_args(request.args, max_chars=cfg["MAX_QUERY_CHARS"])


def country_url(name: str) -> str:
    return url_for("people.country", slug=country_slug(name))


def region_url(code: str) -> str:
    return url_for("people.region", code=code)


@bp.get("/people")
def people():
    service = directory()
    return render_template("people.html", result=service.search(_request()), facets=FACETS, facet_limit=FACET_LIMIT)


@bp.get("/api/people")
def api_people():
    result = directory().search(_request())
    req = result.request
    return jsonify(
        {
            "total": result.total,
            "page": req.page,
            "per_page": req.per_page,
            "results": [hit.as_json(document_url("person", hit.id)) for hit in result.hits],
            "facets": result.facet_counts(),
        }
    )


@bp.get("/api/people/<doc_id>")
def api_person(doc_id: str):
    page = library().person(doc_id)  # contact fields already emptied for anonymous readers
    facts = page.facts
    data = {
        "id": page.doc.id,
        "name": page.doc.title,
        "title": facts.position,
        "organization": facts.organization,
        "areas": [a.id for a in page.areas],
        "regions": list(facts.regions),
        "countries": list(facts.countries),
        "languages": [language.name for language in facts.languages],
        "language_levels": {language.name: language.level for language in facts.languages if language.level},
        "expertise": list(facts.expertise),
        "certification": facts.certification,
        "sco": facts.sco,
        "bio_html": str(site_links(facts.html)),
        "articles": [a.id for a in page.articles],
        "paths": [p.id for p in page.paths],
        "url": document_url("person", page.doc.id),
    }
    if can_see_contact(current_reader()):
        data.update({key: getattr(facts, key) for key in CONTACT_FIELDS})
    return jsonify(data)


@bp.get("/countries")
def countries():
    return render_template("countries.html", groups=directory().country_list())


@bp.get("/countries/<slug>")
def country(slug: str):
    return render_template("place.html", place=directory().country(slug))


@bp.get("/regions")
def regions():
    return render_template("regions.html", regions=directory().region_list())


@bp.get("/regions/<code>")
def region(code: str):
    return render_template("place.html", place=directory().region(code))
