"""Who may see what: the one place that decides.

Search turns ``levels(reader)`` into a filter inside the query, so counts, facets,
suggestions and pages never reveal a document the reader may not see.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reader:
    name: str | None = None
    staff: bool = False


ANONYMOUS = Reader()


def levels(reader: Reader) -> tuple[str, ...]:
    """The ``access`` values of the documents this reader may see."""
    return ("public", "staff") if reader.staff else ("public",)


def can_see_contact(reader: Reader) -> bool:
    """Email, phone and location of people are for signed-in staff only."""
    return reader.staff
