"""Onboarding per user: when they started and completed each path, and their knowledge check attempts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .models import CheckAttempt, PathCompletion, PathStart, db


def start_path(user_id: int, path_id: str) -> None:
    """Record the start date once; starting again (another tab, a replayed form) keeps the first date."""
    if db.session.get(PathStart, (user_id, path_id)) is not None:
        return
    db.session.add(PathStart(user_id=user_id, path_id=path_id))
    try:
        db.session.commit()
    except IntegrityError:  # another tab started it a moment earlier: started either way
        db.session.rollback()


def path_starts(user_id: int) -> dict[str, dt.datetime]:
    """Path id -> when the user started it, the most recent first."""
    rows = db.session.execute(
        select(PathStart.path_id, PathStart.started_at).where(PathStart.user_id == user_id).order_by(PathStart.started_at.desc())
    )
    return {row.path_id: row.started_at for row in rows}


def record_attempt(user_id: int, path_id: str, score: int, passed: bool) -> None:
    db.session.add(CheckAttempt(user_id=user_id, path_id=path_id, score=score, passed=passed))
    db.session.commit()


def best_score(user_id: int, path_id: str) -> tuple[int, bool] | None:
    """(best score, passed) over the user's attempts at a path's check; None before the first."""
    query = select(func.max(CheckAttempt.score), func.count()).where(CheckAttempt.user_id == user_id, CheckAttempt.path_id == path_id)
    best, attempts = db.session.execute(query).one()
    if not attempts:
        return None
    passed = db.session.execute(
        select(func.count()).where(CheckAttempt.user_id == user_id, CheckAttempt.path_id == path_id, CheckAttempt.passed.is_(True))
    ).scalar()
    return best, bool(passed)


def complete_path(user_id: int, path_id: str) -> None:
    """Record the completion date once; a later change to the path does not undo it."""
    if db.session.get(PathCompletion, (user_id, path_id)) is not None:
        return
    db.session.add(PathCompletion(user_id=user_id, path_id=path_id))
    try:
        db.session.commit()
    except IntegrityError:  # completed in another tab a moment earlier
        db.session.rollback()


def completed_at(user_id: int, path_id: str) -> dt.datetime | None:
    found = db.session.get(PathCompletion, (user_id, path_id))
    return found.completed_at if found else None


def completions(user_id: int) -> dict[str, dt.datetime]:
    """Path id -> when the user completed it."""
    rows = db.session.execute(select(PathCompletion.path_id, PathCompletion.completed_at).where(PathCompletion.user_id == user_id))
    return {row.path_id: row.completed_at for row in rows}
