"""Readers' feedback on articles: "Was this page helpful?" votes and problem reports.

Stored in the accounts database, never in the content repository or the search index: the free
text may hold contact data, which is for the editors and experts who handle it only.
A report's state changes in one place, ``change_state``. Each write sends a blinker signal
(``reported``, ``voted``, ``state_changed``) once stored: ``kb.notifications.sources`` listens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from blinker import Namespace
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .models import db, utcnow

MAX_COMMENT_CHARS = 1000
MAX_REPORT_CHARS = 2000
MAX_NOTE_CHARS = 500
MAX_SLUG_CHARS = 500
KINDS = {
    "outdated": "Outdated",
    "wrong": "Wrong",
    "unclear": "Unclear",
    "broken": "Broken link or image",
    "other": "Other",
}
STATES = ("open", "acknowledged", "fixed", "declined")
LOW_RATIO = 0.5  # below this share of "yes" (with at least LOW_RATIO_VOTES votes) an article needs a look
LOW_RATIO_VOTES = 5
_signals = Namespace()
reported = _signals.signal("feedback-reported")  # sent with report=Report
voted = _signals.signal("feedback-voted")  # sent with vote=Vote
state_changed = _signals.signal("feedback-state-changed")  # sent with report=Report


class FeedbackError(ValueError):
    """Refused input, said in words a reader understands."""


class Vote(db.Model):
    """One "Was this page helpful?" answer. ``voter`` is ``u:<user id>`` for a signed-in reader
    (changeable), or ``b:<keyed hash of a browser id and the day>`` for an anonymous one: one per
    browser per article per day, and no address is stored."""

    __tablename__ = "feedback_votes"
    __table_args__ = (UniqueConstraint("slug", "voter", name="uq_feedback_votes_slug_voter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(MAX_SLUG_CHARS), index=True)
    voter: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(String(MAX_COMMENT_CHARS), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Report(db.Model):
    """A reader's "Report a problem", with the commit of the article they read and how it was handled."""

    __tablename__ = "feedback_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(MAX_SLUG_CHARS), index=True)
    read_commit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(MAX_REPORT_CHARS), default="")
    state: Mapped[str] = mapped_column(String(20), default="open", index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    note: Mapped[str] = mapped_column(String(MAX_NOTE_CHARS), default="")
    fix_commit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def describe_state(self) -> str:
        """The state in a sentence's words: "fixed by commit abc1234", "declined: duplicate"."""
        if self.state == "fixed":
            return f"fixed by commit {self.fix_commit[:7]}" if self.fix_commit else "fixed"
        if self.state == "declined":
            return f"declined: {self.note}" if self.note else "declined"
        return self.state


@dataclass(frozen=True)
class Ratio:
    """The helpful votes of one article."""

    slug: str
    yes: int
    no: int

    @property
    def total(self) -> int:
        return self.yes + self.no

    @property
    def share(self) -> float:
        return self.yes / self.total if self.total else 0.0

    @property
    def low(self) -> bool:
        return self.total >= LOW_RATIO_VOTES and self.share < LOW_RATIO


def clean(text: str | None, limit: int) -> str:
    """Text as stored: control characters out, whitespace kept readable, at most ``limit`` characters."""
    kept = "".join(c for c in (text or "") if c in "\n\t" or c.isprintable())
    return kept.strip()[:limit]


def vote(slug: str, voter: str, user_id: int | None, helpful: bool, comment: str = "") -> Vote:
    """Record a vote; the same voter on the same article changes their vote (and comment) instead of adding one."""
    row = db.session.execute(select(Vote).where(Vote.slug == slug, Vote.voter == voter)).scalar_one_or_none()
    if row is None:
        row = Vote(slug=slug, voter=voter, user_id=user_id)
        db.session.add(row)
    row.helpful, row.comment, row.at = helpful, clean(comment, MAX_COMMENT_CHARS), utcnow()
    db.session.commit()
    voted.send(None, vote=row)
    return row


def add_comment(vote_id: int, voter: str, comment: str) -> None:
    """The optional comment sent after the vote, by the same voter only."""
    row = db.session.get(Vote, vote_id)
    if row is None or row.voter != voter:
        raise FeedbackError("That answer is not yours to comment on.")
    row.comment = clean(comment, MAX_COMMENT_CHARS)
    db.session.commit()


def report(slug: str, kind: str, text: str, read_commit: str | None, user_id: int | None) -> Report:
    """Record a problem report (open)."""
    if kind not in KINDS:
        raise FeedbackError("Choose what kind of problem it is.")
    row = Report(slug=slug, kind=kind, text=clean(text, MAX_REPORT_CHARS), read_commit=read_commit, user_id=user_id)
    db.session.add(row)
    db.session.commit()
    reported.send(None, report=row)
    return row


def change_state(row: Report, state: str, handler_id: int, note: str = "", fix_commit: str | None = None) -> Report:
    """The one place a report's state changes (``state_changed`` tells its reader)."""
    if state not in STATES[1:]:
        raise FeedbackError("Choose acknowledge, fixed or declined.")
    if state == "fixed" and not fix_commit:
        raise FeedbackError("Give the commit that fixed it (7 to 40 hexadecimal digits).")
    if state == "declined" and not clean(note, MAX_NOTE_CHARS):
        raise FeedbackError("Give the reason for declining it.")
    row.state, row.handler_id, row.changed_at = state, handler_id, utcnow()
    row.note = clean(note, MAX_NOTE_CHARS)
    row.fix_commit = fix_commit if state == "fixed" else None
    db.session.commit()
    state_changed.send(None, report=row)
    return row


def find_report(report_id: int) -> Report | None:
    return db.session.get(Report, report_id)


def reports_on(slugs: Iterable[str] | None, states: Iterable[str] = STATES) -> list[Report]:
    """Reports on these articles (every article when None), newest first."""
    query = select(Report).where(Report.state.in_(list(states))).order_by(Report.created_at.desc(), Report.id.desc())
    if slugs is not None:
        query = query.where(Report.slug.in_(list(slugs)))
    return list(db.session.execute(query).scalars())


def reports_by(user_id: int) -> list[Report]:
    """The reports one reader made, newest first (their /me)."""
    query = select(Report).where(Report.user_id == user_id).order_by(Report.created_at.desc(), Report.id.desc())
    return list(db.session.execute(query).scalars())


def open_reports(slug: str) -> int:
    return db.session.execute(select(func.count()).select_from(Report).where(Report.slug == slug, Report.state == "open")).scalar_one()


def review_reasons() -> dict[str, tuple[int, Ratio | None]]:
    """Per article with any: (open problem reports, its helpful votes when their ratio is low), for the freshness report."""
    query = select(Report.slug, func.count()).where(Report.state == "open").group_by(Report.slug)
    reasons: dict[str, tuple[int, Ratio | None]] = {slug: (count, None) for slug, count in db.session.execute(query)}
    for slug, ratio in ratios().items():
        if ratio.low:
            reasons[slug] = (reasons.get(slug, (0, None))[0], ratio)
    return reasons


def ratios(slugs: Iterable[str] | None = None) -> dict[str, Ratio]:
    """Helpful votes per article (every article with votes when ``slugs`` is None)."""
    query = select(Vote.slug, Vote.helpful, func.count()).group_by(Vote.slug, Vote.helpful)
    if slugs is not None:
        query = query.where(Vote.slug.in_(list(slugs)))
    counts: dict[str, dict[bool, int]] = {}
    for slug, helpful, count in db.session.execute(query):
        counts.setdefault(slug, {})[bool(helpful)] = count
    return {slug: Ratio(slug, c.get(True, 0), c.get(False, 0)) for slug, c in counts.items()}


def comments(slugs: Iterable[str] | None) -> list[Vote]:
    """Votes that carry a comment, newest first (for the queue)."""
    query = select(Vote).where(Vote.comment != "").order_by(Vote.at.desc()).limit(200)
    if slugs is not None:
        query = query.where(Vote.slug.in_(list(slugs)))
    return list(db.session.execute(query).scalars())
