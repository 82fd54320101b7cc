"""The relational side of the knowledge base: users, their sessions, sign-in failures, progress.

Everything per user lives here, never in the search index or its caches. The schema is
created and changed only by the migrations in ``migrations/`` (``flask kb db upgrade``).
"""

from __future__ import annotations

import datetime as dt

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def utcnow() -> dt.datetime:
    """Naive UTC: SQLite and PostgreSQL then compare alike."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored in lower case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="reader")
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)  # None: single sign-on only
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    # flask-login protocol; the id kept in the cookie is the session token, not the user id
    session_token = None  # set per instance by kb.accounts.service (not a column)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token


class UserSession(db.Model):
    """One signed-in browser. Signing out deletes the row, so a copied cookie stops working."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LoginFailure(db.Model):
    """A failed sign-in, by account and by client address: all workers count the same rows."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


class StepDone(db.Model):
    """A user marked a step of an onboarding path done. Kept when the content changes."""

    __tablename__ = "steps_done"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    path_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    slug: Mapped[str] = mapped_column(String(500), primary_key=True)
    done_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AccountLink(db.Model):
    """An admin's decision about which directory person an account is (``kb.directory.accounts``).

    Only decisions made by hand are stored: a row with a ``person_id`` links the account to that
    person, a row without one keeps it unlinked. An account without a row is linked by email,
    worked out from the directory as it is now (so it follows the content repository).
    """

    __tablename__ = "account_links"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)  # None: unlinked by hand
    set_by: Mapped[str] = mapped_column(String(254))  # the admin's email, or "command line"
    set_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PathStart(db.Model):
    """A user started an onboarding path ("Start this path"): its date, and the reader's active path."""

    __tablename__ = "path_starts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    path_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CheckAttempt(db.Model):
    """One submission of a path's knowledge check: its score; the best one counts."""

    __tablename__ = "check_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path_id: Mapped[str] = mapped_column(String(200))
    score: Mapped[int] = mapped_column(Integer)  # percent
    passed: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PathCompletion(db.Model):
    """A user completed a path (every step done, its check passed). It stands when the path changes."""

    __tablename__ = "path_completions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    path_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    completed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Supervision(db.Model):
    """An admin recorded that ``supervisor_id`` supervises ``user_id``: they see that user's progress and may assign paths."""

    __tablename__ = "supervisions"

    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    set_by: Mapped[str] = mapped_column(String(254))  # the admin's email, or "command line"
    set_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PathAssignment(db.Model):
    """A path assigned to a user, with an optional due date; assigning again updates the date."""

    __tablename__ = "path_assignments"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    path_id: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
    due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    assigned_by: Mapped[str] = mapped_column(String(254))  # the assigner's email, or "command line"
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
