"""Helpful error pages (HTML) and JSON errors (API)."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, current_app, jsonify, make_response, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..index import IndexUnavailable, QueryTooCostly
from ..pages import Moved, NotFound
from .context import document_url, start_kb_command

bp = Blueprint("errors", __name__)
REBUILD_EVERY = 5.0  # seconds between rebuild requests from one worker


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _respond(status: int, title: str, message: str, search: bool = False, **extra) -> Response:
    """``search``: the HTML page offers the search box with the query to change it."""
    if _wants_json():
        body = jsonify({"error": title, "message": message, **extra})
    else:
        body = render_template("error.html", status=status, title=title, message=message, query=request.args.get("q", ""), search=search, **extra)
    return make_response(body, status)


@bp.app_errorhandler(Moved)
def moved_article(error: Moved):
    """An earlier slug of a moved or merged article: a permanent redirect, so links and bookmarks still work."""
    target = url_for("api.api_article", slug=error.doc.id) if _wants_json() else document_url("article", error.doc.id)
    return redirect(target, 301)


@bp.app_errorhandler(NotFound)
def not_found_document(error: NotFound):
    return _respond(404, "Page not found", f"There is no page for {error}. Try searching for it.")


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code == 404:
        return _respond(404, "Page not found", "There is no page at this address. Try searching for what you need.")
    return _respond(error.code or 500, error.name, error.description or "")


@bp.app_errorhandler(QueryTooCostly)
def query_too_costly(error: QueryTooCostly):
    """A search that would cost more than any search may: 400, saying what to change, with the search box."""
    return _respond(400, "Please narrow your search", str(error), search=True)


@bp.app_errorhandler(IndexUnavailable)
def index_unavailable(error: IndexUnavailable):
    """Say so clearly, and ask ``flask kb index`` to rebuild it in a process of its own."""
    current_app.logger.error("search index unavailable: %s", error)
    request_rebuild(current_app._get_current_object())
    response = _respond(
        503,
        "The search index is being built",
        "The knowledge base is reading its content and building the search index. This page will be ready in a moment.",
        reason=str(error),
        retry=True,
    )
    response.headers["Retry-After"] = "5"
    return response


def request_rebuild(app: Flask) -> None:
    """Start ``flask kb index --rebuild --if-idle --if-unreadable`` as a separate process, at most every few seconds.

    Web workers never write the index and never fork from a request thread: the command
    runs in a fresh interpreter; ``--if-idle`` makes it exit at once when another update
    holds the index lock, so at most one rebuild runs across all processes, and
    ``--if-unreadable`` when the index reads well again (another worker's rebuild is done).
    """
    running = app.extensions.get("kb.rebuild")
    if running is not None and running.poll() is None:
        return
    now = time.monotonic()
    if now - app.extensions.get("kb.rebuild_requested", -REBUILD_EVERY) < REBUILD_EVERY:
        return
    app.extensions["kb.rebuild_requested"] = now
    app.extensions["kb.rebuild"] = start_kb_command(app, "index", "--rebuild", "--if-idle", "--if-unreadable")


@bp.app_errorhandler(Exception)
def server_error(error: Exception):
    current_app.logger.exception("unhandled error")
    return _respond(500, "Something went wrong", "The error has been logged. Please try again or search for the page.")
