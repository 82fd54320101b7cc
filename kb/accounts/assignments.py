"""Supervisors and assigned paths: who supervises whom, who may assign a path to whom, and who
may see whose progress (themselves, their supervisors, editors and admins: nobody else)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from blinker import Namespace
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .models import PathAssignment, Supervision, User, db, utcnow
from .service import AccountError, get_user

path_assigned = Namespace().signal("path-assigned")  # sent with path_id, assignments=[PathAssignment], assigner=User


def supervise(supervisor_email: str, user_email: str, by: str) -> tuple[User, User]:
    """Record that the first user supervises the second; recording it again changes nothing."""
    supervisor, user = get_user(supervisor_email), get_user(user_email)
    if supervisor.id == user.id:
        raise AccountError(f"{user.email} cannot supervise themselves")
    if db.session.get(Supervision, (supervisor.id, user.id)) is None:
        db.session.add(Supervision(supervisor_id=supervisor.id, user_id=user.id, set_by=by[:254]))
        try:
            db.session.commit()
        except IntegrityError:  # recorded a moment earlier by another admin: recorded either way
            db.session.rollback()
    return supervisor, user


def unsupervise(supervisor_email: str, user_email: str) -> tuple[User, User]:
    supervisor, user = get_user(supervisor_email), get_user(user_email)
    if db.session.get(Supervision, (supervisor.id, user.id)) is None:
        raise AccountError(f"{supervisor.email} does not supervise {user.email}")
    db.session.execute(delete(Supervision).where(Supervision.supervisor_id == supervisor.id, Supervision.user_id == user.id))
    db.session.commit()
    return supervisor, user


def supervisions() -> list[tuple[User, User]]:
    """Every (supervisor, supervised user), by the supervisor's then the user's email."""
    supervisor, user = aliased(User), aliased(User)
    query = (
        select(supervisor, user)
        .join(Supervision, Supervision.supervisor_id == supervisor.id)
        .join(user, Supervision.user_id == user.id)
        .order_by(supervisor.email, user.email)
    )
    return [(row[0], row[1]) for row in db.session.execute(query)]


def supervised(supervisor_id: int) -> set[int]:
    """The ids of the users this user supervises."""
    return set(db.session.scalars(select(Supervision.user_id).where(Supervision.supervisor_id == supervisor_id)))


def progress_scope(viewer: User) -> set[int] | None:
    """Whose progress ``viewer`` may see besides their own: None means everyone (editors and admins)."""
    return None if viewer.role in ("editor", "admin") else supervised(viewer.id)


def may_see_progress(viewer: User, user_id: int) -> bool:
    scope = progress_scope(viewer)
    return viewer.id == user_id or scope is None or user_id in scope


def assignable_users(assigner: User) -> list[User]:
    """The active users ``assigner`` may assign a path to: everyone for editors and admins, else their people."""
    scope = progress_scope(assigner)
    query = select(User).where(User.active).order_by(User.name, User.email)
    if scope is not None:
        query = query.where(User.id.in_(scope))
    return list(db.session.scalars(query))


def assign_path(assigner: User, path_id: str, user_ids: Iterable[int], due: dt.date | None) -> list[User]:
    """Assign the path ``path_id`` (the caller checked it exists for the assigner) to each user, with
    an optional due date: the one place an assignment is made, from the web and anywhere else.

    Once stored, ``path_assigned`` is sent (``kb.notifications`` tells each assignee).
    """
    allowed = {user.id: user for user in assignable_users(assigner)}
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        raise AccountError("choose at least one person to assign the path to")
    if any(user_id not in allowed for user_id in wanted):
        raise AccountError("you may assign paths only to active people you supervise (editors and admins: to anyone active)")
    if due is not None and due < utcnow().date():
        raise AccountError(f"the due date {due.isoformat()} is in the past")
    for attempt in range(2):  # a second try when another tab assigned the same path a moment earlier
        for user_id in wanted:
            _upsert(user_id, path_id, due, assigner.email)
        try:
            db.session.commit()
            break
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
    stored = [db.session.get(PathAssignment, (user_id, path_id)) for user_id in wanted]
    path_assigned.send(assign_path, path_id=path_id, assignments=stored, assigner=assigner)
    return [allowed[user_id] for user_id in wanted]


def _upsert(user_id: int, path_id: str, due: dt.date | None, by: str) -> None:
    found = db.session.get(PathAssignment, (user_id, path_id))
    if found is None:
        db.session.add(PathAssignment(user_id=user_id, path_id=path_id, due=due, assigned_by=by[:254]))
    else:
        found.due, found.assigned_by, found.assigned_at = due, by[:254], utcnow()


def assignments_of(user_id: int) -> list[PathAssignment]:
    """The user's assigned paths, the soonest due first (those without a date last)."""
    rows = db.session.scalars(select(PathAssignment).where(PathAssignment.user_id == user_id))
    return sorted(rows, key=lambda a: (a.due is None, a.due or dt.date.max, a.path_id))


def assignments_to(path_id: str) -> dict[int, PathAssignment]:
    """User id -> their assignment of the path."""
    return {a.user_id: a for a in db.session.scalars(select(PathAssignment).where(PathAssignment.path_id == path_id))}
