"""Reports for editors: ``/reports/freshness`` and ``/reports/search`` (404 for everyone else)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, render_template, request

from ..health import searchreport
from ..health.freshness import report
from .context import current_reader, library

bp = Blueprint("reports", __name__, url_prefix="/reports")
FORMATS = {"csv": "text/csv", "json": "application/json"}


@bp.before_request
def editors_only() -> None:
    if not current_reader().has_role("editor"):
        abort(404)  # not 403: the page's existence is nobody else's business


@bp.get("/freshness")
def freshness():
    lib = library()
    found = report(lib.documents("article"), dt.date.today(), current_app.config["STALE_AFTER_DAYS"])
    return render_template("report_freshness.html", report=found, area_titles=lib.area_titles())


@bp.get("/search")
def search_gaps():
    """Per ISO week and functional area: frequent queries, queries that found nothing, results nobody opened."""
    current_app.extensions["kb.searchlog"].flush()  # this worker's waiting entries; the others write theirs every few seconds
    area_titles = library().area_titles()
    area = request.args.get("area", "")
    found = searchreport.report(request.args.get("week"), area if area in area_titles else None, dt.datetime.now(dt.UTC).date())
    fmt = request.args.get("format", "")
    if fmt in FORMATS:
        return Response(searchreport.format_report(found, fmt), mimetype=FORMATS[fmt])
    return render_template("report_search.html", report=found, area_titles=area_titles)
