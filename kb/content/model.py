"""What a content folder holds, as typed records: documents, glossary entries, commands, problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..kinds import FILE_KINDS

KINDS = {kind.folder: kind.name for kind in FILE_KINDS}  # content folder -> kind
GLOSSARY_FILE = "glossary.yml"
REGIONS_FILE = "regions.yml"
ACCESS_LEVELS = ("public", "staff")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    severity: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Step:
    article: str
    note: str
    line: int


@dataclass(frozen=True)
class Document:
    """An area, article, person or path. ``title`` is a person's name."""

    kind: str
    id: str
    path: str
    title: str
    body: str
    body_line: int
    digest: str
    meta: dict[str, Any] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.meta.get(key, default)

    def line_of(self, key: str) -> int:
        return self.meta_lines.get(key, 1)

    @property
    def access(self) -> str:
        """``public`` or ``staff`` (the loader has applied markings and unreadable frontmatter)."""
        return self.get("access", "public")

    @property
    def public(self) -> bool:
        return self.access == "public"


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    expansion: str
    definition: str
    see: str | None
    line: int


@dataclass(frozen=True)
class Command:
    """One combatant command of ``regions.yml``: the words that name its area, and its countries."""

    command: str
    name: str
    words: tuple[str, ...]
    countries: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Content:
    documents: tuple[Document, ...]
    glossary: tuple[GlossaryEntry, ...]
    glossary_digest: str
    problems: tuple[Problem, ...]
    regions: tuple[Command, ...] = ()
    regions_digest: str = ""

    def of_kind(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind]
