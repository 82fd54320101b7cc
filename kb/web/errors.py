"""Helpful error pages (HTML) and JSON errors (API)."""

from __future__ import annotations

import time
from http import HTTPStatus

from flask import Blueprint, Flask, Response, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from ..index import IndexUnavailable, QueryTooCostly
from ..pages.library import Moved, NotFound
from .context import document_url, start_kb_command
from .editor_forms import EDITOR_BLUEPRINTS, request_limit

bp = Blueprint("errors", __name__)
REBUILD_EVERY = 5.0  # seconds between rebuild requests from one worker, and the first back-off
REBUILD_BACKOFF_MAX = 300.0  # seconds: the longest wait after rebuilds that failed in a row


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/hooks/")) or request.path == "/healthz"


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
    if error.code == HTTPStatus.NOT_FOUND:
        return _respond(404, "Page not found", "There is no page at this address. Try searching for what you need.")
    return _respond(error.code or 500, error.name, error.description or "")


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A body over ``KB_MAX_CONTENT_LENGTH``: refused before it is read, so it never fills a worker's memory."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.blueprint in EDITOR_BLUEPRINTS:  # the editor's form: its text could not be read, so say where it still is
        limit = request_limit()
        return _respond(
            413,
            "The file is too large: nothing was saved",
            f"The form with the file was larger than {limit:,} bytes, so the server could not read it. Go back in your browser: "
            "your text is still in the form there. Choose a smaller file, or save the text first.",
            limit=limit,
        )
    return _respond(413, "Request too large", f"This site accepts requests of at most {limit:,} bytes; this one is larger.", limit=limit)


@bp.app_errorhandler(CSRFError)
def form_refused(error: CSRFError):
    """A form whose CSRF token is missing, wrong or older than ``KB_CSRF_HOURS``: say which, and what to do."""
    if "expired" in (error.description or ""):  # Flask-WTF says so only in the text: "The CSRF token has expired."
        hours = current_app.config["CSRF_HOURS"]
        return _respond(
            400,
            "This form has expired",
            f"The page was loaded more than {hours} hours ago, and forms stay valid that long. Go back, reload the page and send the form again.",
        )
    return _respond(400, "This form was not accepted", f"{error.description} Go back, reload the page and send the form again.")


@bp.app_errorhandler(QueryTooCostly)
def query_too_costly(error: QueryTooCostly):
    """A search that would cost more than any search may: 400, saying what to change, with the search box."""
    return _respond(400, "Please narrow your search", str(error), search=True)


@bp.app_errorhandler(IndexUnavailable)
def index_unavailable(error: IndexUnavailable):
    """Say so clearly, and ask ``flask kb index`` to rebuild it in a process of its own."""
    current_app.logger.error("search index unavailable: %s", error)
    app = current_app._get_current_object()
    request_rebuild(app)
    failure = app.extensions["kb.index"].rebuild_failure()
    extra = {"rebuild_failed": {**failure, "retry_in": round(retry_in(failure))}} if failure else {}
    response = _respond(
        503,
        "The search index is being built",
        "The knowledge base is reading its content and building the search index. This page will be ready in a moment.",
        reason=str(error),
        retry=True,
        **extra,
    )
    response.headers["Retry-After"] = "5"
    return response


def request_rebuild(app: Flask) -> None:
    """Start ``flask kb index --rebuild --if-unreadable`` as a separate process, unless one runs.

    Web workers never write the index and never fork from a request thread: the command runs
    in a fresh interpreter, holding the index lock this worker took for it, so at most one
    rebuild (or update) runs across all processes and workers; ``--if-unreadable`` makes it
    do nothing when the index reads well again. After a failed rebuild (a full disk) the next
    one waits (``retry_in``). One worker asks at most every few seconds.
    """
    index = app.extensions["kb.index"]
    now = time.monotonic()
    if now - app.extensions.get("kb.rebuild_requested", -REBUILD_EVERY) < REBUILD_EVERY or retry_in(index.rebuild_failure()) > 0:
        return
    app.extensions["kb.rebuild_requested"] = now
    try:
        lock_fd = index.claim()
    except OSError as error:  # the index folder cannot be created: no rebuild could write it either
        app.logger.error("cannot start a rebuild of the search index in %s: %s", index.directory, error)
        return
    if lock_fd is not None:
        app.extensions["kb.rebuild"] = start_kb_command(app, "index", "--rebuild", "--if-unreadable", lock_fd=lock_fd)


def retry_in(failure: dict | None) -> float:
    """Seconds before the next automatic rebuild after ``failures`` failed ones in a row:
    ``REBUILD_EVERY`` doubled for each, at most ``REBUILD_BACKOFF_MAX``."""
    if not failure:
        return 0.0
    doublings = min(int(failure.get("failures", 1)) - 1, 16)
    wait = min(REBUILD_EVERY * 2**doublings, REBUILD_BACKOFF_MAX)
    return max(0.0, float(failure.get("at", 0)) + wait - time.time())


@bp.app_errorhandler(InternalServerError)
def server_error(error: InternalServerError):
    """A bug: a friendly page that shows no internals.

    Flask calls this only when it does not propagate the exception (``TESTING`` and debug
    propagate it, so tests fail on bugs) and has already logged it with its traceback
    (``error.original_exception``)."""
    return _respond(500, "Something went wrong", "The error has been logged. Please try again or search for the page.")
