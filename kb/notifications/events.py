"""Events and their fan-out into per-user deliveries.

Every source of notifications calls one function, ``notify``::

    notify(index, "assigned", "path", "new-case-managers",
           text="Ada Admin assigned this path to you", actor_id=ada.id, recipients=[rita.id])

- ``kind``: one of ``KINDS`` (add a label there for a new one; it is also the unit a reader
  unsubscribes from by email);
- ``subject_kind``/``subject_id``: what it is about, an article slug, an area, path or person id;
- ``recipients``: the user ids to tell; None tells the subject's watchers (``kb.notifications.watching``);
- ``commit``: the commit it concerns (a change, a fix), linked to its diff page;
- ``key``: a text that makes the event unique: a second ``notify`` with the same key does nothing
  (the background command's review reminders use it so a due review is told once).

The actor is never told about their own action. Inactive users and users who may not see the
subject get no delivery; whether they may see it is checked again whenever a delivery is shown,
fed or mailed (``kb.notifications.delivery``). Mail is never sent here: the ``kb notify`` command
and the ``kb watch`` loop send what is pending.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User, db
from ..index import SearchIndex
from .delivery import may_see
from .models import MAX_TEXT_CHARS, Delivery, Event
from .watching import watchers

KINDS = {
    "changed": "Published change",
    "proposal": "Proposed change awaiting your review",
    "report": "Problem report",
    "rating": "Rated not helpful",
    "resolved": "Your problem report",
    "due": "Review due",
    "source": "Cited source changed",
    "assigned": "Assigned to you",
}


def _clean(text: str) -> str:
    kept = "".join(c for c in text if c in "\n\t" or c.isprintable())
    return kept.strip()[:MAX_TEXT_CHARS]


def _record(event: Event) -> Event | None:
    """Store the event; None when its ``key`` was stored before (told already)."""
    if event.key is not None and db.session.scalar(select(Event.id).where(Event.key == event.key)) is not None:
        return None
    db.session.add(event)
    try:
        db.session.flush()
    except IntegrityError:  # another process stored the same key meanwhile
        db.session.rollback()
        return None
    return event


def fan_out(index: SearchIndex, event: Event, user_ids: Iterable[int]) -> int:
    """One delivery per active user who may see the subject (the actor excepted); how many."""
    wanted = set(user_ids) - {event.actor_id}
    if not wanted:
        return 0
    users = db.session.scalars(select(User).where(User.id.in_(wanted), User.active))
    told = [user.id for user in users if may_see(index, user, event)]
    db.session.add_all(Delivery(event_id=event.id, user_id=user_id) for user_id in told)
    return len(told)


def notify(  # noqa: PLR0913 - keyword-only options, each source gives the ones it knows
    index: SearchIndex,
    kind: str,
    subject_kind: str,
    subject_id: str,
    *,
    text: str = "",
    commit: str | None = None,
    actor_id: int | None = None,
    recipients: Iterable[int] | None = None,
    key: str | None = None,
    commit_now: bool = True,
) -> Event | None:
    """Record an event and deliver it (see the module's docstring); None when ``key`` was told already."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    event = _record(Event(kind=kind, subject_kind=subject_kind, subject_id=subject_id, text=_clean(text), commit=commit, actor_id=actor_id, key=key))
    if event is None:
        return None
    fan_out(index, event, watchers(index, subject_kind, subject_id) if recipients is None else recipients)
    if commit_now:
        db.session.commit()
    return event
