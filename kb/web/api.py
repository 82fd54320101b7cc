"""JSON API for integrations and tests."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from markupsafe import escape

from ..directory import country_slug
from ..pages.markings import access_of
from ..repository.publishing import public_state
from ..repository.updater import read_status
from ..search import Suggestion, suggest
from .context import current_index, current_reader, document_url, library, places, run_search, site_links
from .reports import content_problems
from .search import log_search

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def api_search():
    page = run_search()
    query = page.request
    search_id = log_search(page, "api")
    return jsonify(
        {
            "query": query.q,
            "search_id": search_id,
            "total": page.total,
            "page": query.page,
            "per_page": query.per_page,
            "sort": page.sort,  # the order used: "relevance" where people are ranked by evidence, whatever was asked
            "sortable": page.sortable,
            "results": [
                {
                    "type": h.type,
                    "id": h.id,
                    "title": h.title,
                    "url": document_url(h.type, h.id),
                    "snippet": h.snippet or str(escape(h.summary)),  # HTML, and the summary is text
                    "score": h.score,
                    "areas": list(h.areas),
                    "updated": h.updated.isoformat() if h.updated else None,
                    "access": access_of(current_index(), h.type, h.id),  # "staff": not to be shared outside
                }
                for h in page.hits
            ],
            "facets": page.facets,
            "suggestion": page.suggestion,
            "corrected": page.corrected,  # the results are the suggestion's; exact=1 searches the words as typed
            "expansions": [{"term": e.term, "expansions": list(e.expansions)} for e in page.expansions],
        }
    )


def suggestion_url(item: Suggestion) -> str:
    """The page of a suggested document, country or combatant command."""
    if item.type == "country":
        return url_for("people.country", slug=country_slug(item.id))
    if item.type == "command":
        return url_for("people.region", code=item.id)
    return document_url(item.type, item.id)


@bp.get("/api/suggest")
def api_suggest():
    found = suggest(current_index(), current_reader(), request.args.get("q", ""), places())
    return jsonify([{"title": s.title, "url": suggestion_url(s), "type": s.type, "label": s.label} for s in found])


@bp.get("/api/articles/<path:slug>")
def api_article(slug: str):
    page = library().article(slug)
    doc, data = page.doc, page.doc.page
    return jsonify(
        {
            "slug": doc.id,
            "title": doc.title,
            "summary": doc.summary,
            "areas": [a.id for a in page.areas],
            "tags": list(doc.tags),
            "experts": [p.id for p in page.experts],
            "related": [r.id for r in page.related],
            "aliases": list(data.aliases),
            "review_by": data.review_by.isoformat() if data.review_by else None,
            "updated": doc.updated.isoformat() if doc.updated else None,
            "url": document_url("article", doc.id),
            "html": str(site_links(data.html)),
        }
    )


@bp.get("/healthz")
def healthz():
    current_index().verify()  # a fresh look at the files: a corrupt index answers 503 with the reason
    body = {"status": "ok", "documents": library().document_count(), "content_problems": content_problem_counts()}
    content_sync = read_status(current_app.config["INDEX_DIR"])  # written by `kb sync`; absent until it runs
    if content_sync is not None:
        body["content_sync"] = content_sync
    push = public_state(current_app.config["INDEX_DIR"])  # written when published commits are pushed
    if push is not None:
        body["content_push"] = push
    return jsonify(body)


def content_problem_counts() -> dict[str, int]:
    """What the last index recorded, as counts only: /healthz is public, file names are not."""
    problems = content_problems()
    errors = [p for p in problems if p.severity == "error"]
    return {"errors": len(errors), "warnings": len(problems) - len(errors), "files_with_errors": len({p.path for p in errors})}
