"""Reading pages: home, areas, articles, people, paths, glossary."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template, request, send_from_directory

from ..health.freshness import flags
from ..pages.history import edit_url
from .context import directory, library
from .paths import assigned_to_me, reading_bar, resume

bp = Blueprint("pages", __name__)

GLOSSARY_FILTER_CHARS = 100  # longer filters are cut: no term is that long


@bp.get("/")
def home():
    lib = library()
    return render_template("home.html", **lib.home(), area_titles=lib.area_titles(), resume=resume(), assigned=assigned_to_me())


@bp.get("/areas")
def areas():
    return render_template("areas.html", areas=library().areas())


@bp.get("/areas/<doc_id>")
def area(doc_id: str):
    page = library().area(doc_id)
    ask = directory().ask_an_expert([doc_id], [], page.doc.title, exclude_areas=[doc_id])  # "Ask an expert" (kb.directory)
    return render_template("area.html", page=page, ask=ask)


@bp.get("/articles/<path:doc_id>")
def article(doc_id: str):
    page = library().article(doc_id)
    ask = directory().ask_an_expert(page.doc.areas, page.doc.tags, page.doc.title, [p.id for p in page.experts])
    cfg = current_app.config
    notices = flags(page.doc.page, page.doc.updated, dt.date.today(), cfg["STALE_AFTER_DAYS"])
    edit_link = edit_url(cfg.get("EDIT_URL"), page.doc.page.path)
    return render_template("article.html", page=page, ask=ask, notices=notices, edit_link=edit_link, bar=reading_bar(page.doc.id))


@bp.get("/people/<doc_id>")
def person(doc_id: str):
    return render_template("person.html", page=library().person(doc_id))


@bp.get("/glossary")
def glossary():
    """The glossary, filtered by ``q`` (cut to ``GLOSSARY_FILTER_CHARS``) when one is given."""
    text = " ".join(request.args.get("q", "").split())[:GLOSSARY_FILTER_CHARS]
    groups = library().glossary(text)
    return render_template("glossary.html", groups=groups, filter_text=text, matches=sum(len(terms) for _, terms in groups))


@bp.get("/accessibility")
def accessibility():
    return render_template("accessibility.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever a page links (``static/favicon.ico``, kept a day)."""
    return send_from_directory(current_app.static_folder or "static", "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=24 * 3600)
