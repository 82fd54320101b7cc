"""A user's deliveries as they may see them now: the notifications page, the header count, the feed, mail.

Access is checked here, each time, with the reader the account is today (``kb.accounts.reader_of``):
an article made staff-only, or an account deactivated, after the event was made shows nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from ..access import levels
from ..accounts import reader_of
from ..accounts.models import User, db, utcnow
from ..index import Doc, SearchIndex
from .models import Delivery, Event

PAGE_SIZE = 50
COUNT_CAP = 99  # the header shows "99+" above this


@dataclass(frozen=True)
class Notice:
    """One delivery with its event and the subject's document, as the user may see it."""

    delivery: Delivery
    event: Event
    doc: Doc

    @property
    def unread(self) -> bool:
        return self.delivery.read_at is None


def subject_doc(index: SearchIndex, user: User, event: Event) -> Doc | None:
    """The event's subject as this user may see it now; None when they may not (or it is gone)."""
    if not user.active:
        return None
    return index.get(f"{event.subject_kind}:{event.subject_id}", levels(reader_of(user)))


def may_see(index: SearchIndex, user: User, event: Event) -> bool:
    return subject_doc(index, user, event) is not None


def _visible(index: SearchIndex, user: User, rows) -> list[Notice]:
    found = []
    for delivery, event in rows:
        doc = subject_doc(index, user, event)
        if doc is not None:
            found.append(Notice(delivery, event, doc))
    return found


def _query(user_id: int):
    return select(Delivery, Event).join(Event, Delivery.event_id == Event.id).where(Delivery.user_id == user_id)


def notices(index: SearchIndex, user: User, unread: bool | None = None, limit: int = PAGE_SIZE) -> list[Notice]:
    """The newest deliveries of a user that they may see; ``unread`` True/False picks one kind."""
    query = _query(user.id).order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit)
    if unread is not None:
        query = query.where(Delivery.read_at.is_(None) if unread else Delivery.read_at.is_not(None))
    return _visible(index, user, db.session.execute(query))


def unread_count(index: SearchIndex, user: User) -> int:
    """Unread deliveries the user may see, up to ``COUNT_CAP + 1`` (the header needs no more)."""
    query = _query(user.id).where(Delivery.read_at.is_(None)).order_by(Delivery.id.desc()).limit(COUNT_CAP + 1)
    return len(_visible(index, user, db.session.execute(query)))


def mark_read(user_id: int, delivery_id: int | None = None) -> int:
    """Mark one delivery (or, with None, all) of this user read; how many changed."""
    query = update(Delivery).where(Delivery.user_id == user_id, Delivery.read_at.is_(None)).values(read_at=utcnow())
    if delivery_id is not None:
        query = query.where(Delivery.id == delivery_id)
    changed = db.session.execute(query).rowcount
    db.session.commit()
    return changed


def prune(keep_days: int, now: dt.datetime | None = None) -> int:
    """Delete events (and so their deliveries) older than ``keep_days``; how many events went."""
    before = (now or utcnow()) - dt.timedelta(days=keep_days)
    old = select(Event.id).where(Event.created_at < before)
    db.session.execute(delete(Delivery).where(Delivery.event_id.in_(old)))
    gone = db.session.execute(delete(Event).where(Event.created_at < before)).rowcount
    db.session.commit()
    return gone
