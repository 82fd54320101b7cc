"""The web layer: thin blueprints over ``kb.pages`` and ``kb.search``."""
from __future__ import annotations

from urllib.parse import quote

from flask import Flask, current_app, url_for

from ..access import ANONYMOUS, Reader
from ..index import SearchIndex
from ..pages import Library, glossary_anchor


def current_index() -> SearchIndex:
    return current_app.extensions["kb.index"]


def current_reader() -> Reader:
    """Accounts come later; until then everyone reads as an anonymous member of the public."""
    return ANONYMOUS


def library() -> Library:
    return Library(current_index(), current_reader())


def document_url(kind: str, doc_id: str) -> str:
    """The page of any indexed document."""
    if kind == "glossary":
        return url_for("pages.glossary") + "#" + glossary_anchor(doc_id)
    endpoint = {"article": "pages.article", "person": "pages.person", "area": "pages.area", "path": "pages.path"}[kind]
    return url_for(endpoint, doc_id=doc_id)


def register(app: Flask) -> None:
    from . import api, errors, pages, search

    for module in (pages, search, api, errors):
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(document_url=document_url, site_name=app.config["SITE_NAME"])
    app.jinja_env.filters["urlquote"] = quote
