"""Atom feeds: ``/feed.atom`` and ``/areas/<id>/feed.atom``, as the reader may see them."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, url_for

from ..pages.feeds import FEED_SIZE, atom, entries_for
from .context import library

bp = Blueprint("feeds", __name__)


def _article_url(slug: str) -> str:
    return url_for("pages.article", doc_id=slug, _external=True)


def _atom(body: bytes) -> Response:
    # what a feed holds depends on who asks (staff-only articles), so caches must not share it
    return Response(body, mimetype="application/atom+xml", headers={"Vary": "Cookie, Authorization"})


@bp.get("/feed.atom")
def site():
    docs = library().recent_articles(FEED_SIZE)
    title = f"{current_app.config['SITE_NAME']}: recently changed articles"
    return _atom(atom(title, url_for("feeds.site", _external=True), url_for("pages.home", _external=True), entries_for(docs, _article_url)))


@bp.get("/areas/<doc_id>/feed.atom")
def area(doc_id: str):
    lib = library()
    title = lib.area_doc(doc_id).title  # NotFound (404) for an unknown area
    docs = lib.recent_articles(FEED_SIZE, area=doc_id)
    return _atom(
        atom(
            f"{current_app.config['SITE_NAME']}: {title}",
            url_for("feeds.area", doc_id=doc_id, _external=True),
            url_for("pages.area", doc_id=doc_id, _external=True),
            entries_for(docs, _article_url),
        )
    )
