"""Who watches what: a user's explicit choices, and the experts of an article, who watch it
without asking (until they turn it off: a stored ``Watch`` row with ``on`` false).

An article's watchers are also the watchers of its functional areas; a person's, a path's and
an area's are the users who chose to watch them.
"""

from __future__ import annotations

from sqlalchemy import select

from ..accounts.models import db, utcnow
from ..directory.accounts import EVERY_LEVEL, expert_accounts
from ..index import SearchIndex
from .models import SUBJECT_KINDS, Watch


class WatchError(ValueError):
    """A watch that cannot be: an unknown kind of subject."""


def set_watch(user_id: int, subject_kind: str, subject_id: str, on: bool) -> None:
    """Watch (``on``) or stop watching a subject; an expert's "stop" is kept so it sticks."""
    if subject_kind not in SUBJECT_KINDS:
        raise WatchError(f"cannot watch a {subject_kind!r}")
    row = db.session.get(Watch, (user_id, subject_kind, subject_id))
    if row is None:
        row = Watch(user_id=user_id, subject_kind=subject_kind, subject_id=subject_id)
        db.session.add(row)
    row.on, row.created_at = on, utcnow()
    db.session.commit()


def _choices(subject_kind: str, subject_ids: list[str]) -> dict[int, bool]:
    """user id -> their stored choice (watch or not) about any of these subjects; "watch" wins."""
    rows = db.session.execute(select(Watch.user_id, Watch.on).where(Watch.subject_kind == subject_kind, Watch.subject_id.in_(subject_ids)))
    found: dict[int, bool] = {}
    for user_id, on in rows:
        found[user_id] = found.get(user_id, False) or bool(on)
    return found


def experts_of(index: SearchIndex, subject_kind: str, subject_id: str) -> set[int]:
    """The accounts that watch an article because they are its experts (none for other kinds)."""
    return {user.id for user in expert_accounts(index, subject_id)} if subject_kind == "article" else set()


def is_watching(index: SearchIndex, user_id: int, subject_kind: str, subject_id: str) -> bool:
    """Does this user watch this subject (chosen, or as the article's expert and not turned off)?"""
    choice = _choices(subject_kind, [subject_id]).get(user_id)
    if choice is not None:
        return choice
    return user_id in experts_of(index, subject_kind, subject_id)


def watchers(index: SearchIndex, subject_kind: str, subject_id: str) -> set[int]:
    """Every user who watches this subject, directly, as an expert, or through an article's areas."""
    choices = _choices(subject_kind, [subject_id])
    found = {user_id for user_id, on in choices.items() if on}
    found |= {user_id for user_id in experts_of(index, subject_kind, subject_id) if choices.get(user_id, True)}
    if subject_kind == "article":
        article = index.get(f"article:{subject_id}", EVERY_LEVEL)
        areas = list(article.areas) if article is not None else []
        found |= {user_id for user_id, on in _choices("area", areas).items() if on} if areas else set()
    return found


def watched_by(user_id: int) -> list[Watch]:
    """What a user chose to watch (for their settings page), in the order they chose."""
    query = select(Watch).where(Watch.user_id == user_id, Watch.on).order_by(Watch.created_at)
    return list(db.session.scalars(query))
