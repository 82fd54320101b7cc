"""The web layer: thin blueprints over ``kb.pages`` and ``kb.search``."""
from __future__ import annotations

import time
from urllib.parse import quote

from flask import Flask, Response, current_app, g, request, url_for

from ..access import ANONYMOUS, Reader
from ..index import SearchIndex
from ..pages import Library, glossary_anchor
from ..search import SearchPage, SearchRequest
from ..search import search as search_service  # "search" is also the name of the blueprint module


def current_index() -> SearchIndex:
    return current_app.extensions["kb.index"]


def current_reader() -> Reader:
    """Accounts come later; until then everyone reads as an anonymous member of the public."""
    return ANONYMOUS


def library() -> Library:
    return Library(current_index(), current_reader())


def run_search() -> SearchPage:
    """The search the request's query string asks for, as this reader (HTML page and API alike)."""
    cfg = current_app.config
    query = SearchRequest.from_args(request.args, int(cfg["PER_PAGE"]), int(cfg["MAX_QUERY_CHARS"]))
    return search_service(current_index(), current_reader(), query)


def document_url(kind: str, doc_id: str) -> str:
    """The page of any indexed document."""
    if kind == "glossary":
        return url_for("pages.glossary") + "#" + glossary_anchor(doc_id)
    endpoint = {"article": "pages.article", "person": "pages.person", "area": "pages.area", "path": "pages.path"}[kind]
    return url_for(endpoint, doc_id=doc_id)


def _start_timer() -> None:
    g.started = time.perf_counter()


def _server_timing(response: Response) -> Response:
    """``Server-Timing: app;dur=<ms>``: how long the app took, for browsers' dev tools and bench/."""
    if "started" in g:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.started) * 1000:.2f}"
    return response


def register(app: Flask) -> None:
    from . import api, errors, pages, search

    for module in (pages, search, api, errors):
        app.register_blueprint(module.bp)
    app.before_request(_start_timer)
    app.after_request(_server_timing)
    app.jinja_env.globals.update(document_url=document_url, site_name=app.config["SITE_NAME"])
    app.jinja_env.filters["urlquote"] = quote
