"""The progress report of one onboarding path: who started it or was assigned it, steps done,
best check score, completion and due dates, overdue; as text, CSV and JSON.

``scope`` limits the people: None for editors and admins (everyone), a supervisor's people
otherwise (``kb.accounts.assignments.progress_scope``). Nothing here reaches a public page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import asdict, dataclass

from sqlalchemy import func, select

from ..accounts.assignments import assignments_to
from ..accounts.models import CheckAttempt, PathCompletion, PathStart, StepDone, User, db
from ..csvfile import csv_text
from .onboarding import OnboardingPath

COLUMNS = ("name", "email", "started", "steps_done", "steps", "best_score", "check_passed", "completed", "due", "overdue")


@dataclass(frozen=True)
class ProgressRow:
    name: str
    email: str
    started: dt.date | None
    steps_done: int
    steps: int
    best_score: int | None
    check_passed: bool
    completed: dt.date | None
    due: dt.date | None
    overdue: bool

    def cells(self) -> list:
        return [_iso(value) if isinstance(value, dt.date) else value for value in asdict(self).values()]


@dataclass(frozen=True)
class PathReport:
    path_id: str
    title: str
    steps: int
    today: dt.date
    rows: tuple[ProgressRow, ...]

    def counts(self) -> dict[str, int]:
        rows = self.rows
        started = sum(1 for r in rows if r.started)
        done = sum(1 for r in rows if r.completed)
        return {"people": len(rows), "started": started, "completed": done, "overdue": sum(1 for r in rows if r.overdue)}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _by_user(query) -> dict:
    return {row[0]: row[1] for row in db.session.execute(query)}


def path_report(path: OnboardingPath, scope: Collection[int] | None, today: dt.date) -> PathReport:
    """Everyone in ``scope`` (None: everyone) who started or was assigned ``path``, by name."""
    starts = _by_user(select(PathStart.user_id, PathStart.started_at).where(PathStart.path_id == path.id))
    assigned = assignments_to(path.id)
    people = (set(starts) | set(assigned)) if scope is None else (set(starts) | set(assigned)) & set(scope)
    users = db.session.scalars(select(User).where(User.id.in_(people)).order_by(User.name, User.email)) if people else []
    completed = _by_user(select(PathCompletion.user_id, PathCompletion.completed_at).where(PathCompletion.path_id == path.id))
    best = _by_user(select(CheckAttempt.user_id, func.max(CheckAttempt.score)).where(CheckAttempt.path_id == path.id).group_by(CheckAttempt.user_id))
    passed = set(db.session.scalars(select(CheckAttempt.user_id).where(CheckAttempt.path_id == path.id, CheckAttempt.passed.is_(True))))
    slugs = {s.slug for s in path.available_steps}
    done: dict[int, int] = {}
    for user_id, slug in db.session.execute(select(StepDone.user_id, StepDone.slug).where(StepDone.path_id == path.id)):
        done[user_id] = done.get(user_id, 0) + (slug in slugs)
    rows = []
    for user in users:
        due = assigned[user.id].due if user.id in assigned else None
        finished = completed[user.id].date() if user.id in completed else None
        started = starts[user.id].date() if user.id in starts else None
        overdue = due is not None and finished is None and due < today
        score = best.get(user.id)
        rows.append(ProgressRow(user.name, user.email, started, done.get(user.id, 0), path.total, score, user.id in passed, finished, due, overdue))
    return PathReport(path.id, path.title, path.total, today, tuple(rows))


def _as_dict(report: PathReport) -> dict:
    people = [dict(zip(COLUMNS, row.cells(), strict=True)) for row in report.rows]
    head = {"path": report.path_id, "title": report.title, "steps": report.steps, "today": report.today.isoformat()}
    return {**head, "counts": report.counts(), "people": people}


def format_report(report: PathReport, fmt: str) -> str:
    """One path's report as ``text`` (one line per person, then counts), ``csv`` (cells made safe) or ``json``."""
    if fmt == "json":
        return json.dumps(_as_dict(report), indent=2) + "\n"
    return format_reports([report], fmt)


def format_reports(reports: list[PathReport], fmt: str) -> str:
    """Several paths' reports: ``json`` as ``{"paths": [...]}``, ``csv`` under one header, ``text`` one after another."""
    if fmt == "json":
        return json.dumps({"paths": [_as_dict(report) for report in reports]}, indent=2) + "\n"
    if fmt == "csv":
        return csv_text(["path", *COLUMNS], ([report.path_id, *row.cells()] for report in reports for row in report.rows))
    lines = []
    for report in reports:
        c = report.counts()
        lines += [_text_line(report.path_id, row) for row in report.rows]
        lines.append(f"{report.path_id}: {c['people']} people, {c['started']} started, {c['completed']} completed, {c['overdue']} overdue")
    return "\n".join(lines) + "\n"


def _text_line(path_id: str, row: ProgressRow) -> str:
    score = "-" if row.best_score is None else f"{row.best_score}%{'' if row.check_passed else ' (not passed)'}"
    state = f"completed {_iso(row.completed)}" if row.completed else ("started " + _iso(row.started) if row.started else "not started")
    due = f"due {_iso(row.due)}{' OVERDUE' if row.overdue else ''}" if row.due else "no due date"
    return f"{path_id}\t{row.name} <{row.email}>\t{row.steps_done}/{row.steps} steps\tbest {score}\t{state}\t{due}"
