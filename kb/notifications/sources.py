"""Where events come from: feedback (reports, "not helpful" votes, a report's new state), proposals
waiting for review, the commits published to the content repository, and the freshness rules.

Feedback sends blinker signals (``kb.accounts.feedback``), connected here when the app is built, so
the feedback store does not depend on notifications. The commits and the freshness rules are read
by the background command (``kb notify``, and each round of ``kb watch``), never in a request.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .. import git
from ..accounts import feedback
from ..accounts.models import User, db
from ..directory.accounts import EVERY_LEVEL, expert_accounts
from ..health.freshness import flags
from ..index import SearchIndex
from .events import notify
from .models import Mark

FOLDERS = {"articles": "article", "areas": "area", "paths": "path", "people": "person"}
LAST_COMMIT = "last-commit"
COMMITS_PER_RUN = 200  # a larger jump (a first sync of a big history) tells about the newest only
log = logging.getLogger(__name__)


def _key(*parts: object) -> str:
    """A dedup key of any length, in the column's 200 characters."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def _safely(receiver):
    """The feedback is stored already: a failed notification is logged, never the reader's error."""

    @functools.wraps(receiver)
    def run(sender, **kwargs) -> None:
        try:
            receiver(sender, **kwargs)
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("notification not recorded")

    return run


def _index() -> SearchIndex:
    return current_app.extensions["kb.index"]


def _experts(index: SearchIndex, slug: str) -> list[int]:
    return [user.id for user in expert_accounts(index, slug)]


@_safely
def on_report(sender, report: feedback.Report, **_) -> None:
    """A problem report: told to the article's experts."""
    index = _index()
    text = f"{report.kind_label}: {report.text}" if report.text else report.kind_label
    notify(index, "report", "article", report.slug, text=text, actor_id=report.user_id, recipients=_experts(index, report.slug))


@_safely
def on_vote(sender, vote: feedback.Vote, **_) -> None:
    """A "not helpful" answer: told to the article's experts, once per answer."""
    if vote.helpful:
        return
    index = _index()
    text = f"Not helpful: {vote.comment}" if vote.comment else "Not helpful"
    key = _key("rating", vote.id, vote.at)
    notify(index, "rating", "article", vote.slug, text=text, actor_id=vote.user_id, recipients=_experts(index, vote.slug), key=key)


@_safely
def on_state(sender, report: feedback.Report, **_) -> None:
    """A report's new state: told to the reader who made it, with the fixing commit."""
    if report.user_id is None:
        return
    text = f"Your report ({report.kind_label}) is now {report.describe_state()}."
    notify(_index(), "resolved", "article", report.slug, text=text, commit=report.fix_commit, actor_id=report.handler_id, recipients=[report.user_id])


@_safely
def proposal_waiting(sender, proposal, **_) -> None:
    """A proposed change (or its revision) waiting for review: told to the article's experts and the editors."""
    index = _index()
    editors = db.session.scalars(select(User.id).where(User.role.in_(("editor", "admin")), User.active))
    recipients = {*_experts(index, proposal.slug), *editors}
    text = f"Proposal {proposal.id}: {proposal.message}"
    notify(index, "proposal", "article", proposal.slug, text=text, actor_id=proposal.proposer_id, recipients=recipients)


def connect() -> None:
    """Listen to the feedback store's signals (once per process)."""
    feedback.reported.connect(on_report)
    feedback.voted.connect(on_vote)
    feedback.state_changed.connect(on_state)


def subject_of(path: str) -> tuple[str, str] | None:
    """The document a content file is: ``articles/fms/x.md`` -> ("article", "fms/x")."""
    folder, _, rest = path.partition("/")
    kind = FOLDERS.get(folder)
    if kind is None or not rest.endswith((".md", ".yml")):
        return None
    return kind, rest.rsplit(".", 1)[0]


def _mark(name: str) -> Mark | None:
    return db.session.get(Mark, name)


def _set_mark(name: str, value: str) -> None:
    row = _mark(name) or Mark(name=name, value=value)
    row.value = value
    db.session.add(row)


def _author_ids(commits) -> dict[str, int]:
    emails = {c.email.lower() for c, _ in commits}
    return dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all()) if emails else {}


def published_changes(index: SearchIndex, content_dir: Path) -> int:
    """Tell watchers about every commit since the last run (saves, approved proposals, pulls); how many events.

    The first run only notes where the repository is: the history before it is not news."""
    head = git.head(content_dir)
    mark = _mark(LAST_COMMIT)
    if head is None or (mark is not None and mark.value == head):
        return 0
    commits = git.commits_since(content_dir, mark.value, head, COMMITS_PER_RUN) if mark is not None else []
    authors = _author_ids(commits)
    told = 0
    for commit, paths in commits:
        for kind, subject_id in filter(None, map(subject_of, paths)):
            key = _key("changed", commit.sha, kind, subject_id)
            actor = authors.get(commit.email.lower())
            event = notify(index, "changed", kind, subject_id, text=commit.subject, commit=commit.sha, actor_id=actor, key=key, commit_now=False)
            told += event is not None
    _set_mark(LAST_COMMIT, head)
    db.session.commit()
    return told


def review_reminders(index: SearchIndex, today: dt.date, stale_after_days: int) -> int:
    """Tell an article's experts once when its review falls due and when a cited source changed."""
    told = 0
    for doc in index.find(EVERY_LEVEL, type="article"):
        for flag in flags(doc.page, doc.updated, today, stale_after_days):
            kind = "source" if flag.status == "source-changed" else "due"
            key = _key(kind, doc.id, flag.date, flag.message)
            recipients = _experts(index, doc.id)
            if recipients:
                told += notify(index, kind, "article", doc.id, text=flag.message, recipients=recipients, key=key, commit_now=False) is not None
    db.session.commit()
    return told
