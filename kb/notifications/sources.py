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

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..accounts import assignments, feedback
from ..accounts.models import User, db
from ..directory.accounts import EVERY_LEVEL, expert_accounts
from ..health.freshness import flags
from ..index import SearchIndex
from .events import notify

log = logging.getLogger(__name__)


def key_of(*parts: object) -> str:
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
    key = key_of("rating", vote.id, vote.at)
    notify(index, "rating", "article", vote.slug, text=text, actor_id=vote.user_id, recipients=_experts(index, vote.slug), key=key)


@_safely
def on_state(sender, report: feedback.Report, **_) -> None:
    """A report's new state: told to the reader who made it, with the fixing commit."""
    if report.user_id is None:
        return
    text = f"Your report ({report.kind_label}) is now {report.describe_state()}."
    notify(_index(), "resolved", "article", report.slug, text=text, commit=report.fix_commit, actor_id=report.handler_id, recipients=[report.user_id])


@_safely
def proposal_waiting(sender, proposal, area: str | None = None, **_) -> None:
    """A proposed change (or its revision) waiting for review: told to the article's experts and the editors.
    A proposed new article (``area``) has no page and no experts yet: it is about its area, told to the editors."""
    index = _index()
    editors = set(db.session.scalars(select(User.id).where(User.role.in_(("editor", "admin")), User.active)))
    text = f"Proposal {proposal.id}: {proposal.message}"
    if area is not None:
        notify(index, "proposal", "area", area, text=text, actor_id=proposal.proposer_id, recipients=editors)
        return
    recipients = {*_experts(index, proposal.slug), *editors}
    notify(index, "proposal", "article", proposal.slug, text=text, actor_id=proposal.proposer_id, recipients=recipients)


@_safely
def on_assigned(sender, path_id: str, assignments: list, assigner: User, **_) -> None:
    """A path assigned (or its due date changed): told to each assignee, once per path and due date."""
    for assignment in assignments:
        due = f", due {assignment.due:%-d %B %Y}" if assignment.due else ""
        text = f"{assigner.name} assigned this path to you{due}."
        key = key_of("assigned", path_id, assignment.user_id, assignment.due)
        notify(_index(), "assigned", "path", path_id, text=text, actor_id=assigner.id, recipients=[assignment.user_id], key=key)


def connect() -> None:
    """Listen to the feedback store's signals (once per process)."""
    feedback.reported.connect(on_report)
    feedback.voted.connect(on_vote)
    feedback.state_changed.connect(on_state)
    assignments.path_assigned.connect(on_assigned)


def review_reminders(index: SearchIndex, today: dt.date, stale_after_days: int) -> int:
    """Tell an article's experts once when its review falls due and when a cited source changed."""
    told = 0
    for doc in index.find(EVERY_LEVEL, type="article"):
        for flag in flags(doc.page, doc.updated, today, stale_after_days):
            kind = "source" if flag.status == "source-changed" else "due"
            key = key_of(kind, doc.id, flag.date, flag.message)
            recipients = _experts(index, doc.id)
            if recipients:
                told += notify(index, kind, "article", doc.id, text=flag.message, recipients=recipients, key=key, commit_now=False) is not None
    db.session.commit()
    return told
