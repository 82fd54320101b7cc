"""The search results page."""

from __future__ import annotations

from flask import Blueprint, render_template

from .context import library, run_search

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    return render_template("search.html", result=run_search(), area_titles=library().area_titles())
