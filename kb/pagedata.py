"""The page data of each kind: what the sync step renders once and the index stores as it is.

Pages and templates read these declared fields; nothing is comma-joined or nested in
dictionaries. Changing a class here means bumping ``kb.repository.records.RENDER_VERSION``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .render import Heading


@dataclass(frozen=True)
class Body:
    """Every file kind: its rendered Markdown and its history."""

    html: str
    path: str  # the file, relative to the content folder
    headings: tuple[Heading, ...]
    minutes: int  # reading time
    # From git (kb.git.file_facts): {"tracked": False, "reason"} or {"tracked": True, "updated" (ISO),
    # "author", "authors", "commits": [{"sha", "date", "author", "email", "subject"}, ...] newest first}
    git: dict[str, Any]


@dataclass(frozen=True)
class ArticleData(Body):
    review_by: dt.date | None
    related: tuple[str, ...]
    aliases: tuple[str, ...]
    countries: tuple[str, ...]  # as written
    regions: tuple[str, ...]  # command codes: as written, then those of its countries
    marking: str | None  # a handling marking such as CUI (the article is then staff-only)
    sources: tuple[dict[str, Any], ...]  # the authorities it rests on: {"id", "changed" (ISO or None), "note"}
    reviewed: dt.date | None  # when an expert last confirmed it


@dataclass(frozen=True)
class Language:
    name: str
    level: str  # e.g. "ILR 3"; "" when not given


@dataclass(frozen=True)
class PersonData(Body):
    """A profile. ``email``, ``phone``, ``location`` and ``contact_html`` are personal data:
    signed-in readers only (``kb.pages.library.Library.person`` empties them for anyone else)."""

    contact_html: str  # the bio as written, with the contact data ``html`` hides; "" when it has none
    position: str
    organization: str
    sco: str  # the Security Cooperation Office they serve in, if any
    email: str
    phone: str
    location: str
    expertise: tuple[str, ...]
    regions: tuple[str, ...]  # command codes: declared, then those of their countries
    countries: tuple[str, ...]
    languages: tuple[Language, ...]
    certification: str


def role(position: str, organization: str) -> str:
    """``"Country Case Manager, USASAC"``: a person's summary in results and lists."""
    return ", ".join(x for x in (position, organization) if x)


@dataclass(frozen=True)
class PathStep:
    article: str  # slug
    note: str


@dataclass(frozen=True)
class PathData(Body):
    audience: str
    steps: tuple[PathStep, ...]


@dataclass(frozen=True)
class AreaData(Body):
    pass


@dataclass(frozen=True)
class Sense:
    expansion: str
    definition: str
    see: str | None  # slug of the article that explains it


@dataclass(frozen=True)
class GlossaryData:
    senses: tuple[Sense, ...]

    @property
    def expansions(self) -> tuple[str, ...]:
        return tuple(s.expansion for s in self.senses if s.expansion)
