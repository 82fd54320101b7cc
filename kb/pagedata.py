"""The page data of each kind: what the sync step renders once and the index stores as it is.

Pages and templates read these declared fields; nothing is comma-joined or nested in
dictionaries. Changing a class here means bumping ``kb.sync.RENDER_VERSION``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .render import Heading


@dataclass(frozen=True)
class Body:
    """Every file kind: its rendered Markdown."""

    html: str
    path: str  # the file, relative to the content folder
    headings: tuple[Heading, ...]
    minutes: int  # reading time


@dataclass(frozen=True)
class ArticleData(Body):
    review_by: dt.date | None
    related: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class PersonData(Body):
    position: str
    organization: str
    email: str
    phone: str
    location: str
    expertise: tuple[str, ...]
    regions: tuple[str, ...]
    countries: tuple[str, ...]
    languages: tuple[str, ...]
    certification: str


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
