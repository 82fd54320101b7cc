"""``/reports/paths``: progress reports per onboarding path and the form that assigns a path.

Editors and admins see everyone who started or was assigned a path; a supervisor sees the people
they supervise, and nobody else does (404, as for the other reports: the page's existence is
nobody else's business). Every answer is private (``keep_private``).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from ..accounts.assignments import assign_path, assignable_users, progress_scope
from ..accounts.models import User, db
from ..accounts.service import AccountError, sentence
from ..pages.progress_report import format_report, path_report
from .caching import keep_private
from .context import current_reader
from .paths import onboarding

bp = Blueprint("progress", __name__, url_prefix="/reports/paths")
FORMATS = {"csv": "text/csv", "json": "application/json"}


def viewer() -> User | None:
    """The signed-in user reading, once per request."""
    if "progress_viewer" not in g:
        user_id = current_reader().user_id
        g.progress_viewer = db.session.get(User, user_id) if user_id is not None else None
    return g.progress_viewer


def may_report() -> bool:
    """Editors, admins and supervisors (of at least one person) see path reports and assign paths."""
    user = viewer()
    if user is None:
        return False
    scope = progress_scope(user)
    return scope is None or bool(scope)


@bp.app_context_processor
def progress_context() -> dict:
    return {"may_report_paths": may_report}


@bp.before_request
def reporters_only() -> None:
    if not may_report():
        abort(404)
    keep_private()


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@bp.get("")
def index():
    """Every path with its counts for the people this reader may see."""
    scope = progress_scope(viewer())
    reports = [path_report(path, scope, today()) for path in onboarding().paths()]
    return render_template("progress/index.html", reports=reports, supervisor=scope is not None)


@bp.get("/<doc_id>")
def report(doc_id: str):
    fmt = request.args.get("format", "")
    if fmt and fmt not in FORMATS:
        return Response(f"'{fmt}' is not a format: choose csv or json.\n", status=400, mimetype="text/plain")
    found = path_report(onboarding().path(doc_id), progress_scope(viewer()), today())
    if fmt:
        response = Response(format_report(found, fmt), mimetype=FORMATS[fmt])
        response.headers["Content-Disposition"] = f'attachment; filename="progress-{doc_id}.{fmt}"'
        return response
    return _report_page(found)


def _report_page(found, problem: str | None = None, status: int = 200):
    people = assignable_users(viewer())
    page = {"report": found, "people": people, "problem": problem, "supervisor": progress_scope(viewer()) is not None}
    return render_template("progress/report.html", **page), status


@bp.post("/<doc_id>/assign")
def assign(doc_id: str):
    """Assign the path to the chosen people (``user`` repeated, ids), due on ``due`` (YYYY-MM-DD) or not."""
    path = onboarding().path(doc_id)  # 404 for a path id that is not one
    try:
        due = dt.date.fromisoformat(request.form["due"]) if request.form.get("due") else None
        user_ids = [int(value) for value in request.form.getlist("user")]
    except ValueError:
        problem = "Write the due date as YYYY-MM-DD (or leave it empty), and choose people from the list."
        return _report_page(path_report(path, progress_scope(viewer()), today()), problem, 400)
    try:
        assigned = assign_path(viewer(), path.id, user_ids, due)
    except AccountError as exc:
        return _report_page(path_report(path, progress_scope(viewer()), today()), sentence(str(exc)), 400)
    names = ", ".join(user.name for user in assigned)
    flash(f"Assigned “{path.title}” to {names}{f', due {due.isoformat()}' if due else ''}.", "success")
    return redirect(url_for("progress.report", doc_id=path.id), 303)
