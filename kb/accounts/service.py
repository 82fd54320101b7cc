"""Accounts as operations: users, sessions, sign-in with lockout, and path progress.

Views and CLI commands call these; they raise ``AccountError`` for what a person did wrong
and let SQLAlchemy's errors through when the database itself fails (the web layer answers 503).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..access import ROLES
from .models import LoginFailure, StepDone, User, UserSession, db, utcnow
from .passwords import Passwords, password_problem


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why, for the person asking."""


def sentence(message: str) -> str:
    """An ``AccountError`` message as a sentence on a page: capital first letter, full stop."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


MAX_EMAIL_CHARS = 254  # the longest address SMTP allows (RFC 5321 path limit)


def normal_email(email: str) -> str:
    return email.strip().lower()


# --- users ---------------------------------------------------------------------------


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normal_email(email)))


def get_user(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise AccountError(f"no user {normal_email(email)!r}")
    return user


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
    return role


def add_user(passwords: Passwords, email: str, name: str, role: str, password: str | None) -> User:
    """A new user; ``password=None`` makes an account that only single sign-on can use."""
    email = normal_email(email)
    if "@" not in email or len(email) > MAX_EMAIL_CHARS or any(c.isspace() for c in email):
        raise AccountError(f"{email!r} is not an email address")
    if not name.strip():
        raise AccountError("the display name is empty")
    if password is not None and (problem := password_problem(password)):
        raise AccountError(problem)
    user = User(
        email=email,
        name=name.strip()[:200],
        role=_check_role(role),
        password_hash=passwords.hash(password) if password is not None else None,
        active=True,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(f"a user {email!r} exists already") from None
    return user


def _keep_an_admin(user: User) -> None:
    """Refuse to demote or disable the last active admin: nobody could manage users any more."""
    if user.role == "admin" and user.active and count_admins() <= 1:
        raise AccountError(f"{user.email} is the last active admin; make another user admin first")


def set_role(email: str, role: str) -> User:
    user = get_user(email)
    if _check_role(role) != "admin":
        _keep_an_admin(user)
    user.role = role
    db.session.commit()
    return user


def set_active(email: str, active: bool) -> User:
    """Disable (and sign out everywhere) or enable a user."""
    user = get_user(email)
    if not active:
        _keep_an_admin(user)
    user.active = active
    if not active:
        db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.commit()
    return user


def set_password(passwords: Passwords, email: str, password: str) -> User:
    """A new password also ends every session of the user."""
    if problem := password_problem(password):
        raise AccountError(problem)
    user = get_user(email)
    user.password_hash = passwords.hash(password)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.commit()
    return user


def change_own_password(passwords: Passwords, user: User, password: str, keep_token: str | None) -> None:
    """A user's new password (checked by the caller's re-authentication): every other session of
    theirs ends, so a thief's copy of an old sign-in stops working; the one in use (``keep_token``) stays."""
    if user.password_hash is None:
        raise AccountError("this account signs in through single sign-on only: its password is managed there")
    if problem := password_problem(password):
        raise AccountError(problem)
    user.password_hash = passwords.hash(password)
    others = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        others = others.where(UserSession.token_hash != _token_hash(keep_token))
    db.session.execute(others)
    db.session.commit()


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))


def count_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active)) or 0


# --- sessions ------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new server-side session for ``user``; the returned token goes into the signed cookie."""
    token = secrets.token_urlsafe(32)
    db.session.execute(
        delete(UserSession).where(  # the user's expired sessions go
            UserSession.user_id == user.id, UserSession.created_at < utcnow() - dt.timedelta(days=SESSION_DAYS)
        )
    )
    db.session.add(UserSession(token_hash=_token_hash(token), user_id=user.id))
    user.last_login_at = utcnow()
    db.session.commit()
    user.session_token = token
    return token


SESSION_DAYS = 30  # a sign-in lasts at most this long, however often it is used


def load_session(token: str) -> User | None:
    """The active user of a session token, or None (signed out, expired, disabled, unknown)."""
    row = db.session.get(UserSession, _token_hash(token))
    if row is None or row.created_at < utcnow() - dt.timedelta(days=SESSION_DAYS):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    user.session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))
        db.session.commit()


def single_sign_on_user(identity: str) -> User | None:
    """The user the proxy vouches for, created as a ``reader`` on the first visit; None if disabled."""
    email = normal_email(identity)[:254]
    user = find_user(email)
    if user is None:
        user = User(email=email, name=email.split("@")[0] or email, role="reader", password_hash=None, active=True)
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:  # another worker created it at the same moment
            db.session.rollback()
            user = find_user(email)
    return user if user is not None and user.active else None


# --- signing in ----------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    """``max_failures`` failed sign-ins within ``minutes`` lock an account, and a client address."""

    max_failures: int = 5
    minutes: float = 15.0


@dataclass(frozen=True)
class SignIn:
    user: User | None
    locked: bool = False


def _recent_failures(email: str, address: str, since: dt.datetime) -> tuple[int, int]:
    def count(column, value) -> int:
        return db.session.scalar(select(func.count()).select_from(LoginFailure).where(column == value, LoginFailure.at >= since)) or 0

    return count(LoginFailure.email, email), count(LoginFailure.address, address)


def sign_in(passwords: Passwords, email: str, password: str, address: str, policy: Lockout) -> SignIn:
    """Check a password, counting failures per account and per address in the database.

    A locked account or address is refused before any hashing, so a flood of sign-ins costs
    a lookup each, not an argon2 verification. Otherwise every path verifies one hash (a dummy
    one for unknown accounts), so the answer takes as long whether or not the account exists.
    A failure answers at once (no sleep holds the worker): the lock is what slows a guesser.
    """
    email = normal_email(email)[:254]
    now = utcnow()
    since = now - dt.timedelta(minutes=policy.minutes)
    failures = max(_recent_failures(email, address, since))
    if failures >= policy.max_failures:
        return SignIn(None, locked=True)
    user = find_user(email)
    ok = passwords.verify(user.password_hash if user is not None else None, password)
    if ok and user is not None and user.active:
        if passwords.needs_rehash(user.password_hash or ""):
            user.password_hash = passwords.hash(password)
        db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
        db.session.commit()
        return SignIn(user)
    db.session.add(LoginFailure(at=now, email=email, address=address[:64]))
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    db.session.commit()
    return SignIn(None, locked=failures + 1 >= policy.max_failures)


def clear_failures(email: str | None = None) -> None:
    """Lift a lockout: of one account, or all (``flask kb users unlock``)."""
    query = delete(LoginFailure)
    if email:
        query = query.where(LoginFailure.email == normal_email(email))
    db.session.execute(query)
    db.session.commit()


# --- onboarding progress ---------------------------------------------------------------


def steps_done(user_id: int) -> dict[str, set[str]]:
    """Path id -> slugs the user marked done (also of steps no longer in the path)."""
    done: dict[str, set[str]] = {}
    for row in db.session.execute(select(StepDone.path_id, StepDone.slug).where(StepDone.user_id == user_id)):
        done.setdefault(row.path_id, set()).add(row.slug)
    return done


def mark_step(user_id: int, path_id: str, slug: str, done: bool) -> None:
    """Mark a step done or not done; doing it twice is harmless."""
    if done:
        if db.session.get(StepDone, (user_id, path_id, slug)) is None:
            db.session.add(StepDone(user_id=user_id, path_id=path_id, slug=slug))
            try:
                db.session.commit()
            except IntegrityError:  # a second click won the race: it is done either way
                db.session.rollback()
    else:
        db.session.execute(delete(StepDone).where(StepDone.user_id == user_id, StepDone.path_id == path_id, StepDone.slug == slug))
        db.session.commit()
