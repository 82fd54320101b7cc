"""Reports for editors: ``/reports`` lists ``/reports/freshness`` and ``/reports/search`` (404 for everyone else)."""

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


# Each report the index page lists: endpoint, name, what it answers.
REPORTS = (
    ("reports.freshness", "Freshness", "Articles overdue for review, due soon, or whose sources changed, by area and by expert."),
    ("reports.search_gaps", "Search gaps", "Per week and area: frequent queries, queries that found nothing, results nobody opened."),
)


@bp.get("")
def index():
    """The one page the header's "Reports" link opens, so a new report needs no new header link."""
    return render_template("reports.html", reports=REPORTS)


@bp.get("/freshness")
def freshness():
    lib = library()
    found = report(lib.documents("article"), dt.date.today(), current_app.config["STALE_AFTER_DAYS"])
    experts = lib.people_by_id({person for e in found.entries for person in e.experts})
    return render_template("report_freshness.html", report=found, area_titles=lib.area_titles(), experts=experts)


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
