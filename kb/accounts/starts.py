"""When each user started each onboarding path: "Start this path", and the reader's active path."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .models import PathStart, db


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
