"""JSON API for integrations and tests."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from markupsafe import escape

from ..repository.updater import read_status
from ..search import suggest
from .context import current_index, current_reader, document_url, library, run_search, site_links
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
            "results": [
                {
                    "type": h.type,
                    "id": h.id,
                    "title": h.title,
                    "url": document_url(h.type, h.id),
                    "snippet": h.snippet or str(escape(h.summary)),  # HTML, and the summary is text
                    "score": h.score,
                    "areas": list(h.areas),
                }
                for h in page.hits
            ],
            "facets": page.facets,
            "suggestion": page.suggestion,
            "corrected": page.corrected,  # the results are the suggestion's; exact=1 searches the words as typed
            "expansions": [{"term": e.term, "expansions": list(e.expansions)} for e in page.expansions],
        }
    )


@bp.get("/api/suggest")
def api_suggest():
    found = suggest(current_index(), current_reader(), request.args.get("q", ""))
    return jsonify([{"title": d["title"], "url": document_url(d["type"], d["id"]), "type": d["type"]} for d in found])


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
    body = {"status": "ok", "documents": library().document_count()}
    content_sync = read_status(current_app.config["INDEX_DIR"])  # written by `kb sync`; absent until it runs
    if content_sync is not None:
        body["content_sync"] = content_sync
    return jsonify(body)
