"""The stored half of linking accounts to directory people: the choices admins made by hand.

The directory lives in the content repository, so which person an account is *by email* is
worked out from the index when asked (``kb.directory.accounts``); only an admin's decision
(link to this person, or keep unlinked) is a row here, and it wins over the email until an
admin returns the account to linking by email. This module knows nothing of the directory:
callers check that a person id exists before they store it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .models import AccountLink, User, db, utcnow
from .service import get_user, normal_email

MAX_PERSON_ID_CHARS = 200


def hand_links(user_ids: Iterable[int]) -> dict[int, AccountLink]:
    """The choices made by hand for these accounts, by user id (accounts linked by email have none)."""
    ids = list(user_ids)
    if not ids:
        return {}
    return {row.user_id: row for row in db.session.scalars(select(AccountLink).where(AccountLink.user_id.in_(ids)))}


def _store(email: str, person_id: str | None, by: str) -> User:
    user = get_user(email)
    row = db.session.get(AccountLink, user.id) or AccountLink(user_id=user.id)
    row.person_id, row.set_by, row.set_at = person_id, by[:254], utcnow()
    db.session.add(row)
    db.session.commit()
    return user


def _choose(email: str, person_id: str | None, by: str) -> User:
    try:
        return _store(email, person_id, by)
    except IntegrityError:  # another admin stored a decision for this account at the same moment: this one replaces it
        db.session.rollback()
        return _store(email, person_id, by)


def link_by_hand(email: str, person_id: str, by: str) -> User:
    """Link the account ``email`` to ``person_id`` (an id the caller checked), whatever the emails say."""
    return _choose(email, person_id, by)


def unlink_by_hand(email: str, by: str) -> User:
    """Keep the account ``email`` unlinked, even when a person with its email is in the directory."""
    return _choose(email, None, by)


def link_by_email(email: str) -> User:
    """Forget the choice made by hand: the account is linked by its email again."""
    user = get_user(email)
    db.session.execute(delete(AccountLink).where(AccountLink.user_id == user.id))
    db.session.commit()
    return user


def accounts_linked(person_id: str, person_email: str | None) -> list[User]:
    """The active accounts that are ``person_id``: linked to it by hand, or by ``person_email``
    (the person's email when no other person has it) unless an admin decided otherwise."""
    by_hand = select(AccountLink.user_id).where(AccountLink.person_id == person_id)
    decided = select(AccountLink.user_id)
    query = select(User).where(User.active, User.id.in_(by_hand))
    if person_email:
        query = select(User).where(User.active, (User.id.in_(by_hand)) | ((User.email == normal_email(person_email)) & User.id.not_in(decided)))
    return list(db.session.scalars(query.order_by(User.email)))
