"""Reading pages: home, areas, articles, people, paths, glossary."""
from __future__ import annotations

from flask import Blueprint, render_template

from .context import library

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    lib = library()
    return render_template("home.html", **lib.home(), area_titles=lib.area_titles())


@bp.get("/areas/<doc_id>")
def area(doc_id: str):
    return render_template("area.html", page=library().area(doc_id))


@bp.get("/articles/<path:doc_id>")
def article(doc_id: str):
    return render_template("article.html", page=library().article(doc_id))


@bp.get("/people/<doc_id>")
def person(doc_id: str):
    return render_template("person.html", page=library().person(doc_id))


@bp.get("/paths/<doc_id>")
def path(doc_id: str):
    return render_template("path.html", page=library().path(doc_id))


@bp.get("/glossary")
def glossary():
    return render_template("glossary.html", groups=library().glossary())


@bp.get("/accessibility")
def accessibility():
    return render_template("accessibility.html")
