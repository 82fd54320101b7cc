"""Reports for editors: ``/reports`` lists ``/reports/freshness``, ``/reports/search`` and
``/reports/content-errors`` (404 for everyone else); and the banner that tells editors when content
files have errors."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.feedback import review_reasons
from ..accounts.models import db
from ..health import searchreport
from ..health.freshness import report
from ..health.problems import PROBLEMS_TABLE, ordered, problems_from_rows
from ..index import IndexUnavailable
from ..repository.publishing import read_state
from .context import current_index, current_reader, library

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
    ("reports.content_errors", "Content errors", "Content files the last index could not read as written, with file, line and message."),
    ("feedback_queue.queue", "Feedback", "Problem reports readers sent, by area and article, and how helpful readers found each article."),
    ("progress.index", "Path progress", "Per onboarding path: who started, steps done, check score, completed, due and overdue; assign a path."),
)


@bp.get("")
def index():
    """The one page the header's "Reports" link opens, so a new report needs no new header link."""
    return render_template("reports.html", reports=REPORTS)


def readers_reasons() -> dict:
    """Open problem reports and low helpful ratios per article; none when the database is down (logged)."""
    try:
        return review_reasons()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.error("freshness report: the feedback database is unavailable")
        return {}


@bp.get("/freshness")
def freshness():
    lib = library()
    found = report(lib.documents("article"), dt.date.today(), current_app.config["STALE_AFTER_DAYS"], readers_reasons())
    experts = lib.people_by_id({person for e in found.entries for person in e.experts})
    return render_template("report_freshness.html", report=found, area_titles=lib.area_titles(), experts=experts)


@bp.get("/search")
def search_gaps():
    """Per ISO week and functional area: frequent queries, queries that found nothing, results nobody opened.

    A bad ``week`` or ``area`` is a 400 that says what to choose, with the default report below it
    (as ``kb report search`` exits 2): a silently different report would be read as the asked one."""
    current_app.extensions["kb.searchlog"].flush()  # this worker's waiting entries; the others write theirs every few seconds
    area_titles = library().area_titles()
    today = dt.datetime.now(dt.UTC).date()
    problem = _bad_report_arguments(request.args.get("week", ""), request.args.get("area", ""), area_titles, today)
    week, area = (None, None) if problem else (request.args.get("week"), request.args.get("area") or None)
    found = searchreport.report(week, area, today)
    fmt = request.args.get("format", "")
    if fmt in FORMATS:
        if problem:
            return Response(problem + "\n", status=400, mimetype="text/plain")
        return Response(searchreport.format_report(found, fmt), mimetype=FORMATS[fmt])
    return render_template("report_search.html", report=found, area_titles=area_titles, problem=problem), 400 if problem else 200


def _bad_report_arguments(week: str, area: str, area_titles: dict[str, str], today: dt.date) -> str | None:
    """What is wrong with the asked week or area, with the valid choices; None when both are fine."""
    if week and searchreport.week_start(week) is None:
        return f"'{week}' is not an ISO week: write YYYY-Www, e.g. {', '.join(searchreport.recent_weeks(today, 3))}."
    if area and area not in area_titles:
        return f"'{area}' is not a functional area. Choose from: {', '.join(sorted(area_titles)) or '(none indexed)'}."
    return None


def content_problems() -> list:
    """The content problems the last index or sync recorded (the same on every server), in file order."""
    return ordered(problems_from_rows(current_index().table(PROBLEMS_TABLE)))


def files_with_errors() -> int:
    """How many content files have errors, for the editors' banner (0 when there is no index)."""
    try:
        return len({p.path for p in content_problems() if p.severity == "error"})
    except IndexUnavailable:
        return 0


@bp.app_context_processor
def content_errors_context() -> dict:
    """Templates ask for the count only when an editor reads (it names no file)."""
    return {"content_files_with_errors": files_with_errors, "content_push_failure": push_failure}


def push_failure() -> dict | None:
    """The last push to the central repository, when it failed (editors see why; ``/healthz`` shows only a count)."""
    state = read_state(current_app.config["INDEX_DIR"])
    return state if state and not state.get("ok") else None


@bp.get("/content-errors")
def content_errors():
    """Every problem the last index recorded, with file, line and message: what an editor asks an author to fix."""
    problems = content_problems()
    return render_template("report_content_errors.html", problems=problems, files=files_with_errors())
