"""The search results page."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..search import SearchRequest, search
from . import current_index, current_reader, library

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    cfg = current_app.config
    query = SearchRequest.from_args(request.args, int(cfg["PER_PAGE"]), int(cfg["MAX_QUERY_CHARS"]))
    page = search(current_index(), current_reader(), query)
    return render_template("search.html", result=page, area_titles=library().area_titles())
