"""Who may see what: the one place that decides.

Search turns ``levels(reader)`` into a filter inside the query, so counts, facets,
suggestions and pages never reveal a document the reader may not see.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTACT_FIELDS = ("email", "phone", "location")  # personal data of people: signed-in readers only
ROLES = ("reader", "editor", "admin")  # each role can do what the ones before it can


@dataclass(frozen=True)
class Reader:
    """Who is reading: anonymous, or a signed-in staff member with a role."""

    name: str | None = None
    staff: bool = False
    role: str | None = None  # one of ROLES when signed in
    user_id: int | None = None
    hide_contacts: bool = False  # a staff reader without people's contact data (a staff bundle that does not ask for it)

    def has_role(self, role: str) -> bool:
        """``reader.has_role("editor")`` is true for editors and admins."""
        return self.role in ROLES and ROLES.index(self.role) >= ROLES.index(role)


ANONYMOUS = Reader()


def levels(reader: Reader) -> tuple[str, ...]:
    """The ``access`` values of the documents this reader may see."""
    return ("public", "staff") if reader.staff else ("public",)


def can_see_contact(reader: Reader) -> bool:
    """Email, phone and location of people are for signed-in staff only."""
    return reader.staff and not reader.hide_contacts
