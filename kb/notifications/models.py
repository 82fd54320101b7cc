"""The notification tables: events, watches, per-user deliveries, per-user settings, marks.

An ``Event`` says what happened once (its kind, what it is about, the commit, who did it); a
``Delivery`` is that event for one user, read or unread, mailed or not. Whether the user may
see the event's subject is decided again each time a delivery is shown, fed or mailed
(``kb.notifications.delivery.visible``), never only when it is made.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import db, utcnow

MAX_TEXT_CHARS = 1000
SUBJECT_KINDS = ("article", "area", "path", "person")
EMAIL_MODES = {"immediate": "At once (several together in one message)", "daily": "A daily digest", "off": "No email"}
DEFAULT_EMAIL_MODE = "immediate"


class Event(db.Model):
    """Something that happened to a subject (an article, area, path or person)."""

    __tablename__ = "notification_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(500))
    commit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    text: Mapped[str] = mapped_column(String(MAX_TEXT_CHARS), default="")
    key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)  # deduplicates repeated sources
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Watch(db.Model):
    """A user's choice about a subject: watched (``on``) or, for an article's expert, turned off."""

    __tablename__ = "notification_watches"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(500), primary_key=True)
    on: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Delivery(db.Model):
    """One event for one user: read or not, mailed or not."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "user_id", name="uq_notification_deliveries_event_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("notification_events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    mail: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending, sent, skipped
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Preference(db.Model):
    """A user's notification settings: how email comes, which kinds they unsubscribed from, the feed token."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_mode: Mapped[str] = mapped_column(String(10), default=DEFAULT_EMAIL_MODE)
    muted_kinds: Mapped[str] = mapped_column(String(500), default="")  # space-separated event kinds not mailed
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)  # sha256 of the secret
    last_digest_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def muted(self) -> set[str]:
        return set(self.muted_kinds.split())


class Mark(db.Model):
    """A named position the background command keeps between runs (the last commit it read)."""

    __tablename__ = "notification_marks"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
