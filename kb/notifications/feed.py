"""A private Atom feed per user: a secret token in its URL (only its hash is stored), revocable
and regenerable, listing what that user may see now (``kb.notifications.delivery``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select

from ..accounts.models import User, db
from ..index import SearchIndex
from ..pages.feeds import FeedEntry, atom
from .delivery import notices
from .events import KINDS
from .mail import preference
from .models import Preference
from .urls import event_url

FEED_SIZE = 50
MAX_TOKEN_CHARS = 100  # a longer one is no token of ours (not even hashed)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(user_id: int) -> str:
    """A new secret for the user's feed (the old address stops working); shown once."""
    token = secrets.token_urlsafe(32)
    pref = preference(user_id)
    pref.feed_token_hash = _hash(token)
    db.session.add(pref)
    db.session.commit()
    return token


def revoke(user_id: int) -> None:
    pref = preference(user_id)
    pref.feed_token_hash = None
    db.session.add(pref)
    db.session.commit()


def owner(token: str) -> User | None:
    """The active user whose feed this token opens; None for a wrong, revoked or too long one."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    user = db.session.scalar(select(User).join(Preference, Preference.user_id == User.id).where(Preference.feed_token_hash == _hash(token)))
    return user if user is not None and user.active else None


def feed(index: SearchIndex, user: User, title: str, feed_url: str, site_url: str) -> bytes:
    """The Atom document of the user's newest notifications."""
    entries = []
    for notice in notices(index, user, limit=FEED_SIZE):
        event, url = notice.event, event_url(notice.event, external=True)
        when = event.created_at.replace(tzinfo=dt.UTC)
        summary = event.text or notice.doc.title
        entries.append(FeedEntry(f"{feed_url}#n{notice.delivery.id}", f"{KINDS[event.kind]}: {notice.doc.title}", url, summary, when, None))
    return atom(title, feed_url, site_url, entries)
