"""The background round (``flask kb notify``, and after each ``kb watch`` round): turn new commits and
the freshness rules into events, send the mail that is due, delete what is past retention.

Bounded work: a burst of commits (a pull of 1,000 files) is one event per file and commit, each
delivered once per watcher, and at most one message per user per round."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from ..accounts.models import db, utcnow
from ..index import SearchIndex
from .changes import published_changes
from .delivery import prune
from .mail import send_pending
from .models import Mark
from .sources import review_reminders


@dataclass(frozen=True)
class Round:
    changes: int
    reminders: int
    messages: int
    pruned: int

    def summary(self) -> str:
        told = f"{self.changes} changes, {self.reminders} review reminders"
        return f"notifications: {told}, {self.messages} emails sent, {self.pruned} old events deleted"


REMINDERS_EVERY = dt.timedelta(hours=1)  # the review rules read every article: not at each kb watch round
LAST_REMINDERS = "last-reminders"


def _reminders_due(now: dt.datetime) -> bool:
    """Whether the review reminders' hour has come (and note that it has)."""
    mark = db.session.get(Mark, LAST_REMINDERS)
    if mark is not None and now - dt.datetime.fromisoformat(mark.value) < REMINDERS_EVERY:
        return False
    db.session.merge(Mark(name=LAST_REMINDERS, value=now.isoformat()))
    return True


def run(app: Flask, index: SearchIndex, now: dt.datetime | None = None) -> Round:
    """One round, in the app's context."""
    now = now or utcnow()
    cfg = app.config
    changes = published_changes(index, Path(cfg["CONTENT_DIR"]))
    reminders = review_reminders(index, now.date(), cfg["STALE_AFTER_DAYS"]) if _reminders_due(now) else 0
    messages = send_pending(app, index, now)
    pruned = prune(cfg["NOTIFICATIONS_KEEP_DAYS"], now)
    return Round(changes, reminders, messages, pruned)
