"""Which directory person an account is, and which accounts the experts of an article are.

Design: the link is **worked out when asked**, not stored. An account is the person whose
profile (``people/<id>.md``, field ``email``) has the account's email, compared without
regard to case; only an admin's decision is stored (``kb.accounts.links``: link by hand to a
person, or keep unlinked), and it wins until the admin returns the account to its email.

Why not a stored ``users.person_id`` kept up to date: people are content, changed through git
(``kb sync``, ``kb watch``, ``kb index``, the webhook, a people import, browser edits), in other
processes than the web workers. A stored link would need every one of those to reconcile the
accounts, and would be wrong in between (a person added, renamed or whose email changed).
Reading the directory instead follows each change as soon as it is indexed, costs one pass
over the people per index generation (cached), and a manual unlink still sticks because it
is a stored decision, not a derived one.

People are read at every access level: who an account is does not depend on who asks.
An email that two profiles share links nobody by itself (an admin links such accounts by hand).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..accounts.links import MAX_PERSON_ID_CHARS, accounts_linked, hand_links, link_by_hand
from ..accounts.models import User
from ..accounts.service import AccountError, normal_email
from ..index import Doc, SearchIndex

EVERY_LEVEL = ("public", "staff")  # linking is about identity, not about what a reader may see


@dataclass(frozen=True)
class AccountPerson:
    """The directory person of an account, and how that was decided."""

    person: Doc | None  # None: not linked (or linked by hand to a person no longer in the directory)
    person_id: str | None
    how: str  # "email" (worked out), "admin" (linked by hand), "unlinked" (kept unlinked by hand), "none"
    set_by: str | None = None  # who decided, when by hand

    @property
    def linked(self) -> bool:
        return self.person is not None

    def describe(self) -> str:
        """One line for admins: the person and how the link was made."""
        if self.how == "unlinked":
            return f"not linked (kept unlinked by {self.set_by})"
        if self.person is None:
            return f"not linked (linked by {self.set_by} to {self.person_id!r}, not in the directory)" if self.person_id else "not linked"
        how = "by email" if self.how == "email" else f"by {self.set_by}"
        return f"{self.person.title} ({self.person.id}), linked {how}"


def _emails(index: SearchIndex) -> dict[str, str]:
    """Normalised email -> the id of the one person who has it, once per index generation."""

    def build() -> dict[str, str]:
        owners: dict[str, set[str]] = {}
        for person in index.find(EVERY_LEVEL, type="person"):
            if person.page.email.strip():
                owners.setdefault(normal_email(person.page.email), set()).add(person.id)
        return {email: next(iter(ids)) for email, ids in owners.items() if len(ids) == 1}

    return index.per_generation("account-emails", build)


def find_person(index: SearchIndex, person_id: str) -> Doc | None:
    return index.get(f"person:{person_id}", EVERY_LEVEL)


def people_of_accounts(index: SearchIndex, users: list[User]) -> dict[int, AccountPerson]:
    """``person_of_account`` for many accounts at once (one database query): the admin page."""
    decided = hand_links(u.id for u in users)
    emails = _emails(index)
    found = {}
    for user in users:
        row = decided.get(user.id)
        if row is not None:
            how, person_id = ("admin", row.person_id) if row.person_id else ("unlinked", None)
        else:
            person_id = emails.get(normal_email(user.email))
            how = "email" if person_id else "none"
        person = find_person(index, person_id) if person_id else None
        found[user.id] = AccountPerson(person, person_id, how, row.set_by if row is not None else None)
    return found


def person_of_account(index: SearchIndex, user: User) -> AccountPerson:
    """Which directory person is this account? (``.person`` is None when none.)"""
    return people_of_accounts(index, [user])[user.id]


def accounts_of_person(index: SearchIndex, person_id: str) -> list[User]:
    """The active accounts that are the person ``person_id`` (usually one; none when not linked)."""
    person = find_person(index, person_id)
    email = normal_email(person.page.email) if person is not None and person.page.email.strip() else None
    if email is not None and _emails(index).get(email) != person_id:
        email = None  # shared with another profile: no automatic link
    return accounts_linked(person_id, email)


def expert_accounts(index: SearchIndex, article_slug: str) -> list[User]:
    """Which accounts are the experts of this article? The active accounts linked to the people
    its ``experts:`` lists, in that order, each once; [] for an unknown article."""
    article = index.get(f"article:{article_slug}", EVERY_LEVEL)
    if article is None:
        return []
    found: dict[int, User] = {}
    for person_id in article.experts:
        for user in accounts_of_person(index, person_id):
            found.setdefault(user.id, user)
    return list(found.values())


def link_account(index: SearchIndex, email: str, person_id: str, by: str) -> User:
    """Link an account to a person by hand; ``AccountError`` when no such person is in the directory."""
    person_id = person_id.strip()
    if not person_id or len(person_id) > MAX_PERSON_ID_CHARS or find_person(index, person_id) is None:
        raise AccountError(f"no person {person_id!r} in the directory (the id is the file name in people/, without .md)")
    return link_by_hand(email, person_id, by)
