"""The expertise directory: ``/people``, ``/api/people``, partner country and command pages."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from ..access import can_see_contact
from ..directory import FACETS, Directory, DirectoryRequest, country_slug
from ..places import places_in
from .context import current_index, current_reader, document_url, library

bp = Blueprint("people", __name__)


def directory() -> Directory:
    """The directory for this request's reader, with the content folder's place table."""
    return Directory(current_index(), current_reader(), places_in(current_app.config["CONTENT_DIR"]))


def _request() -> DirectoryRequest:
    cfg = current_app.config
    return DirectoryRequest.from_args(request.args, max_chars=int(cfg["MAX_QUERY_CHARS"]))


def country_url(name: str) -> str:
    return url_for("people.country", slug=country_slug(name))


def region_url(code: str) -> str:
    return url_for("people.region", code=code)


@bp.get("/people")
def people():
    service = directory()
    return render_template("people.html", result=service.search(_request()), facets=FACETS)


@bp.get("/api/people")
def api_people():
    result = directory().search(_request())
    req = result.request
    return jsonify({
        "total": result.total, "page": req.page, "per_page": req.per_page,
        "results": [hit.as_json(document_url("person", hit.id)) for hit in result.hits],
        "facets": result.facet_counts(),
    })


@bp.get("/api/people/<doc_id>")
def api_person(doc_id: str):
    page = library().person(doc_id)  # contact fields already removed for anonymous readers
    facts = page.facts
    data = {
        "id": page.id, "name": page.title, "title": facts.get("title", ""),
        "organization": facts.get("organization", ""), "areas": [a["id"] for a in page.area_list],
        "regions": list(page.page.get("regions", facts.get("regions", ()))),
        "countries": list(facts.get("countries", ())),
        "languages": [item["name"] for item in facts.get("languages", ())],
        "language_levels": {item["name"]: item["level"] for item in facts.get("languages", ()) if item["level"]},
        "expertise": list(facts.get("expertise", ())), "certification": facts.get("certification", ""),
        "sco": facts.get("sco", ""), "bio_html": page.page["html"],
        "articles": [a["id"] for a in page.articles], "paths": [p["id"] for p in page.paths],
        "url": document_url("person", page.id),
    }
    if can_see_contact(current_reader()):
        data.update({key: facts.get(key, "") for key in ("email", "phone", "location")})
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
