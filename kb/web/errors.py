"""Helpful error pages (HTML) and JSON errors (API), and the missing-index recovery."""
from __future__ import annotations

import threading

from flask import Blueprint, Response, current_app, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from ..index import IndexUnavailable
from ..pages import NotFound
from ..sync import sync

bp = Blueprint("errors", __name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _respond(status: int, title: str, message: str, **extra) -> Response:
    if _wants_json():
        body = jsonify({"error": title, "message": message, **extra})
    else:
        body = render_template("error.html", status=status, title=title, message=message,
                               query=request.args.get("q", ""), **extra)
    return make_response(body, status)


@bp.app_errorhandler(NotFound)
def not_found_document(error: NotFound):
    return _respond(404, "Page not found", f"There is no page for {error}. Try searching for it.")


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code == 404:
        return _respond(404, "Page not found", "There is no page at this address. Try searching for what you need.")
    return _respond(error.code or 500, error.name, error.description or "")


@bp.app_errorhandler(IndexUnavailable)
def index_unavailable(error: IndexUnavailable):
    """Say so clearly, and rebuild from the content in the background (once per process)."""
    _start_rebuild(current_app._get_current_object())
    response = _respond(503, "The search index is being built",
                        "The knowledge base is reading its content and building the search index. "
                        "This page will be ready in a moment.", retry=True)
    response.headers["Retry-After"] = "5"
    return response


def _start_rebuild(app) -> None:
    guard: threading.Lock = app.extensions.setdefault("kb.rebuild_guard", threading.Lock())
    if not guard.acquire(blocking=False):
        return

    def rebuild() -> None:
        try:
            with app.app_context():
                app.logger.warning("search index missing or unreadable: rebuilding from %s", app.config["CONTENT_DIR"])
                sync(app.config["CONTENT_DIR"], app.extensions["kb.index"], rebuild=True,
                     max_bytes=int(app.config["MAX_FILE_BYTES"]))
        except Exception:
            app.logger.exception("rebuilding the search index failed")
        finally:
            guard.release()

    threading.Thread(target=rebuild, name="kb-rebuild", daemon=True).start()


@bp.app_errorhandler(Exception)
def server_error(error: Exception):
    current_app.logger.exception("unhandled error")
    return _respond(500, "Something went wrong", "The error has been logged. Please try again or search for the page.")
