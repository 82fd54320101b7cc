"""Reading pages: home, areas, articles, people, paths, glossary."""
from __future__ import annotations

from flask import Blueprint, render_template

from .context import library
from .paths import resume

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    lib = library()
    return render_template("home.html", **lib.home(), area_titles=lib.area_titles(), resume=resume())


@bp.get("/areas/<doc_id>")
def area(doc_id: str):
    return render_template("area.html", page=library().area(doc_id))


@bp.get("/articles/<path:doc_id>")
def article(doc_id: str):
    return render_template("article.html", page=library().article(doc_id))


@bp.get("/people/<doc_id>")
def person(doc_id: str):
    return render_template("person.html", page=library().person(doc_id))


@bp.get("/glossary")
def glossary():
    return render_template("glossary.html", groups=library().glossary())
