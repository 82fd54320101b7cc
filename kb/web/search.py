"""The search results page, and the link through which a result is opened (the search log)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request

from .. import kinds
from ..health.searchlog import Click, Search, click_of, search_of
from ..queries import clamp
from ..search import SearchPage
from .context import document_url, library, run_search

bp = Blueprint("search", __name__)


def log(item: Search | Click | None) -> None:
    """Queue an entry of the search log; a problem is logged and the search goes on."""
    if item is None or request.method != "GET":  # HEAD: a monitor or a link checker, not a reader
        return
    try:
        current_app.extensions["kb.searchlog"].record(item)
    except Exception as exc:  # noqa: BLE001 - the log never fails a search
        current_app.logger.warning("search log: entry dropped: %s", exc)


def log_search(page: SearchPage, source: str) -> str | None:
    """Log this search; returns its id for the result links (None when it is not logged)."""
    if not current_app.extensions["kb.searchlog"].enabled:
        return None
    entry = search_of(page, source)
    log(entry)
    return entry.id if entry else None


@bp.get("/search")
def results():
    result = run_search()
    return render_template("search.html", result=result, log_id=log_search(result, "page"), area_titles=library().area_titles())


@bp.get("/search/open")
def open_result():
    """Count the opening of a result (``?sid=<search id>&rank=3``), then 302 to the document itself.

    Only ever to a document of this site that the reader may see (``type`` and ``id``, never a URL).
    """
    kind, doc_id = request.args.get("type", ""), request.args.get("id", "")
    if kind not in kinds.BY_NAME or not doc_id:
        abort(404)
    doc = library().document(kind, doc_id)
    log(click_of(request.args.get("sid", ""), clamp(request.args.get("rank"), 0, 0, 10_000), doc))
    response = redirect(document_url(doc.type, doc.id))
    response.headers["Cache-Control"] = "no-store"  # every opening reaches the server
    return response
