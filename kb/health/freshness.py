"""Is an article still current? Review dates, age, and the authorities it rests on.

An article is **overdue** when its ``review_by`` date has passed, or, without one, when it
has not changed for ``stale_after`` days; **due-soon** when that date is within
``SOON_DAYS``; **source-changed** when a source it cites (``sources:``) changed, per
``sources.yml``, after the article was last reviewed (``reviewed:``, else its last change);
**reports** when readers' problem reports on it are open, and **low-rating** when few readers
found it helpful (``kb.accounts.feedback``, given to ``report`` by its caller).

Pure: the functions take the article's stored page data and today's date, so the answer
is always as of the request, never as of the last index update.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..accounts.feedback import Ratio
from ..content import Problem, load_yaml_list
from ..csvfile import csv_text
from ..index import Doc
from ..pagedata import ArticleData

SOURCES_FILE = "sources.yml"
SOON_DAYS = 30
STATUSES = ("overdue", "due-soon", "source-changed", "reports", "low-rating")


@dataclass(frozen=True)
class Source:
    """An authority articles rest on (a SAMM chapter, a statute section) and when it last changed."""

    id: str
    changed: dt.date | None
    note: str
    line: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "changed": self.changed.isoformat() if self.changed else None, "note": self.note}


@dataclass(frozen=True)
class Flag:
    """One reason an article needs attention."""

    status: str  # one of STATUSES
    date: dt.date  # due date, or the date the source changed
    message: str


def parse_sources(relpath: str, raw: bytes) -> tuple[list[Source], list[Problem]]:
    """Parse ``sources.yml``: a list of {id, changed, note}; problems carry file and line."""
    _, items, problems = load_yaml_list(relpath, raw, "sources.yml")
    if items is None:
        return [], problems
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for item in items:
        line = item.get("__line__", 1) if isinstance(item, dict) else 1
        if not isinstance(item, dict) or not str(item.get("id") or "").strip():
            problems.append(Problem(relpath, line, "error", "entry without an 'id', skipped"))
            continue
        source_id = str(item["id"]).strip()
        unknown = sorted(set(item) - {"id", "changed", "note", "__line__"})
        if unknown:
            problems.append(Problem(relpath, line, "warning", "unknown keys ignored: " + ", ".join(unknown)))
        changed = item.get("changed")
        if isinstance(changed, dt.datetime):
            changed = changed.date()
        elif changed is not None and not isinstance(changed, dt.date):
            try:
                changed = dt.date.fromisoformat(str(changed).strip())
            except ValueError:
                problems.append(Problem(relpath, line, "error", f"'{source_id}': 'changed' must be a date as YYYY-MM-DD"))
                changed = None
        if source_id in seen:
            problems.append(Problem(relpath, line, "error", f"source '{source_id}' is listed twice (first on line {seen[source_id]})"))
            continue
        seen[source_id] = line
        sources.append(Source(source_id, changed, str(item.get("note") or "").strip(), line))
    return sources, problems


def load_sources(content_dir: Path | str) -> tuple[dict[str, Source], list[Problem], str]:
    """(id -> Source, problems, digest) from ``sources.yml``; an absent file is no sources."""
    path = Path(content_dir) / SOURCES_FILE
    if path.is_symlink():  # as everywhere in the content folder (kb.content.folder)
        return {}, [Problem(SOURCES_FILE, 1, "error", "symlink, skipped: the content folder may hold no symlinks (to files or folders)")], ""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, [], ""
    except OSError as exc:
        return {}, [Problem(SOURCES_FILE, 1, "error", f"cannot read file: {exc.strerror or exc}")], ""
    sources, problems = parse_sources(SOURCES_FILE, raw)
    return {s.id: s for s in sources}, problems, hashlib.sha256(raw).hexdigest()


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(str(value)).date()
    except ValueError:
        return None


@dataclass(frozen=True)
class ReviewFacts:
    """What the review rules look at, from the page data (site) or from the files (checker)."""

    review_by: dt.date | None
    reviewed: dt.date | None  # the explicit ``reviewed:``
    changed: Any  # the last change: from git (ISO text or a date), else the file's time
    sources: tuple[dict[str, Any], ...]

    @classmethod
    def of(cls, page: ArticleData, updated: Any) -> ReviewFacts:
        return cls(page.review_by, page.reviewed, page.git.get("updated") or updated, page.sources)


def flags(facts: ReviewFacts | ArticleData, updated: Any, today: dt.date, stale_after_days: int = 365) -> list[Flag]:
    """Why an article needs review as of ``today`` (empty when it is current).

    :param facts: the article's page data, or its ``ReviewFacts``
    :param updated: the record's ``updated`` time (used when git knows nothing)
    """
    if isinstance(facts, ArticleData):
        facts = ReviewFacts.of(facts, updated)
    found: list[Flag] = []
    review_by = _date(facts.review_by)
    reviewed = _date(facts.reviewed) or _date(facts.changed) or _date(updated)
    due = review_by or (reviewed + dt.timedelta(days=stale_after_days) if reviewed else None)
    if due is not None:
        why = "review date" if review_by else f"no change for {stale_after_days} days"
        if due < today:
            found.append(Flag("overdue", due, f"Due for review since {due.isoformat()} ({why})"))
        elif due <= today + dt.timedelta(days=SOON_DAYS):
            found.append(Flag("due-soon", due, f"Due for review on {due.isoformat()} ({why})"))
    for source in facts.sources:
        changed = _date(source.get("changed"))
        if changed and reviewed and changed > reviewed and changed <= today:
            note = f": {source['note']}" if source.get("note") else ""
            found.append(Flag("source-changed", changed, f"Source changed since last review: {source['id']} changed on {changed.isoformat()}{note}"))
    return found


@dataclass(frozen=True)
class Entry:
    """One line of the freshness report."""

    slug: str
    title: str
    status: str
    date: dt.date
    message: str
    experts: tuple[str, ...]
    areas: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "status": self.status,
            "date": self.date.isoformat(),
            "message": self.message,
            "experts": list(self.experts),
            "areas": list(self.areas),
        }


@dataclass(frozen=True)
class Report:
    today: dt.date
    entries: tuple[Entry, ...]

    def counts(self) -> dict[str, int]:
        return {status: sum(e.status == status for e in self.entries) for status in STATUSES}

    def grouped(self, by: str) -> list[tuple[str, list[Entry]]]:
        """Entries per area (``by="areas"``) or per expert (``by="experts"``); '' for none."""
        groups: dict[str, list[Entry]] = {}
        for entry in self.entries:
            for key in getattr(entry, by) or ("",):
                groups.setdefault(key, []).append(entry)
        return sorted(groups.items(), key=lambda item: (item[0] == "", item[0]))


def feedback_flags(said: tuple[int, Ratio | None] | None, today: dt.date) -> list[Flag]:
    """Readers' reasons for a review: (open problem reports, helpful votes) of one article."""
    open_reports, ratio = said or (0, None)
    found = [Flag("reports", today, f"{open_reports} open problem report{'s' if open_reports != 1 else ''}")] if open_reports else []
    if ratio is not None and ratio.low:
        found.append(Flag("low-rating", today, f"Only {ratio.yes} of {ratio.total} readers found it helpful"))
    return found


def report(
    articles: Iterable[Doc], today: dt.date, stale_after_days: int = 365, feedback: Mapping[str, tuple[int, Ratio | None]] | None = None
) -> Report:
    """The freshness report over stored article documents (as ``SearchIndex.find`` returns them),
    with readers' reasons when ``feedback`` (``kb.accounts.feedback.review_reasons``) is given."""
    entries = []
    for doc in articles:
        for flag in flags(doc.page, doc.updated, today, stale_after_days) + feedback_flags((feedback or {}).get(doc.id), today):
            entries.append(Entry(doc.id, doc.title, flag.status, flag.date, flag.message, doc.experts, doc.areas))
    order = {status: n for n, status in enumerate(STATUSES)}
    return Report(today, tuple(sorted(entries, key=lambda e: (order[e.status], e.date, e.slug))))


def format_report(found: Report, fmt: str) -> str:
    """The report as ``text`` (one line per entry, then counts), ``csv`` or ``json``."""
    if fmt == "json":
        return (
            json.dumps({"today": found.today.isoformat(), "counts": found.counts(), "entries": [e.as_dict() for e in found.entries]}, indent=2) + "\n"
        )
    if fmt == "csv":
        rows = ([e.slug, e.status, e.date.isoformat(), " ".join(e.experts), " ".join(e.areas), e.title, e.message] for e in found.entries)
        return csv_text(["slug", "status", "date", "experts", "areas", "title", "message"], rows)
    lines = [f"{e.slug}\t{e.status}\t{e.date.isoformat()}\t{','.join(e.experts) or '-'}\t{e.message}" for e in found.entries]
    counts = found.counts()
    lines.append(
        f"{counts['overdue']} overdue, {counts['due-soon']} due soon, {counts['source-changed']} source changed, "
        f"{counts['reports']} with open problem reports, {counts['low-rating']} rated low (as of {found.today.isoformat()})"
    )
    return "\n".join(lines) + "\n"
