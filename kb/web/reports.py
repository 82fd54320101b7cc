"""Reports for editors: ``/reports/freshness`` (404 for everyone else)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, render_template

from ..freshness import report
from .context import current_reader, library

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.before_request
def editors_only() -> None:
    if not current_reader().has_role("editor"):
        abort(404)  # not 403: the page's existence is nobody else's business


@bp.get("/freshness")
def freshness():
    lib = library()
    found = report(lib.articles(), dt.date.today(), int(current_app.config["STALE_AFTER_DAYS"]))
    return render_template("report_freshness.html", report=found, area_titles=lib.area_titles())
