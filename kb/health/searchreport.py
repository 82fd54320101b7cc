"""The search-gap report: per ISO week and functional area, what readers looked for and did not find.

Three lists over the search log (``kb.health.searchlog``): the most frequent queries, the queries that
found nothing, and the queries that found results nobody opened: the articles to write next.
Queries are grouped by their normalised text (filters aside). A search counts once: further
result pages of it are not new searches, but a result opened from any page is an opening.

**The area rule.** A search belongs to a functional area when it was filtered by it (the form's
area filter or ``area:fms`` in the text), or when a result opened from it belongs to it (the
opened document's first area; an area page belongs to itself). A search with neither belongs to
no area and appears only under "all areas".
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass

from sqlalchemy import case, exists, func, or_, select

from ..accounts.models import db
from ..csvfile import csv_text
from .searchlog import SearchClick, SearchEntry

LIMIT = 25  # rows per list
WEEKS = 8  # weeks offered to choose from
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class QueryRow:
    query: str
    searches: int  # first pages only
    empty: int  # searches whose query as typed found nothing
    opened: int  # searches from which a result was opened
    results: int  # the most results the query as typed found
    corrected: int = 0  # searches shown with a corrected query's results ("Showing results for …")


@dataclass(frozen=True)
class SearchReport:
    week: str  # "2026-W49"
    start: dt.date  # its Monday
    area: str | None
    searches: int
    top: list[QueryRow]
    empty: list[QueryRow]  # found nothing, every time
    unopened: list[QueryRow]  # found something, and nothing was ever opened
    weeks: list[str]  # recent weeks to choose from, newest first

    def as_dict(self) -> dict:
        return {
            "week": self.week,
            "start": self.start.isoformat(),
            "area": self.area,
            "searches": self.searches,
            "top": [asdict(r) for r in self.top],
            "zero_results": [asdict(r) for r in self.empty],
            "not_opened": [asdict(r) for r in self.unopened],
        }


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> dt.date | None:
    """``"2026-W49"`` -> its Monday; None when it is no ISO week."""
    match = _WEEK.match(week or "")
    if not match:
        return None
    try:
        return dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def recent_weeks(today: dt.date, count: int = WEEKS) -> list[str]:
    return [iso_week(today - dt.timedelta(weeks=n)) for n in range(count)]


def latest_week(today: dt.date) -> str:
    """The newest week with a logged search (this week when the log is empty)."""
    newest = db.session.scalar(select(func.max(SearchEntry.at)))
    return iso_week(newest.date() if newest else today)


def query_rows(start: dt.datetime, end: dt.datetime, area: str | None = None) -> list[QueryRow]:
    """Every query searched in [start, end), in ``area`` if given, with its counts (one SQL query)."""
    opened = exists().where(SearchClick.search_id == SearchEntry.id)
    conditions = [SearchEntry.at >= start, SearchEntry.at < end]
    if area:
        conditions.append(or_(SearchEntry.area == area, exists().where(SearchClick.search_id == SearchEntry.id, SearchClick.area == area)))
    first_page = SearchEntry.page == 1
    as_typed = func.coalesce(SearchEntry.typed_results, SearchEntry.results)  # a corrected misspelling found nothing itself
    statement = (
        select(
            SearchEntry.query,
            func.sum(case((first_page, 1), else_=0)),
            func.sum(case((first_page & (as_typed == 0), 1), else_=0)),
            func.sum(case((opened, 1), else_=0)),
            func.max(as_typed),
            func.sum(case((first_page & SearchEntry.typed_results.is_not(None), 1), else_=0)),
        )
        .where(*conditions)
        .group_by(SearchEntry.query)
    )
    return [QueryRow(q, int(s or 0), int(e or 0), int(o or 0), int(r or 0), int(c or 0)) for q, s, e, o, r, c in db.session.execute(statement)]


def build(rows: list[QueryRow], week: str, area: str | None, today: dt.date, limit: int = LIMIT) -> SearchReport:
    """The three lists from the grouped rows (pure)."""
    counted = [r for r in rows if r.searches]
    by_count = sorted(counted, key=lambda r: (-r.searches, r.query))
    weeks = recent_weeks(today)
    return SearchReport(
        week=week,
        start=week_start(week) or today,
        area=area,
        searches=sum(r.searches for r in counted),
        top=by_count[:limit],
        empty=[r for r in by_count if r.results == 0][:limit],
        unopened=[r for r in by_count if r.results > 0 and r.opened == 0][:limit],
        weeks=weeks if week in weeks else [week, *weeks],
    )


def report(week: str | None, area: str | None, today: dt.date) -> SearchReport:
    """The report of ``week`` (default: the newest week with searches) and ``area`` (default: all)."""
    week = week if week_start(week or "") else latest_week(today)
    start = dt.datetime.combine(week_start(week), dt.time())
    return build(query_rows(start, start + dt.timedelta(weeks=1), area or None), week, area or None, today)


def format_report(found: SearchReport, fmt: str) -> str:
    """``json``, ``csv`` (one row per query and list) or ``text``."""
    if fmt == "json":
        return json.dumps(found.as_dict(), indent=2) + "\n"
    lists = (("top", found.top), ("zero-results", found.empty), ("not-opened", found.unopened))
    if fmt == "csv":
        cells = (
            [found.week, found.area or "", name, r.query, r.searches, r.empty, r.opened, r.results, r.corrected] for name, rows in lists for r in rows
        )
        return csv_text(["week", "area", "list", "query", "searches", "zero_results", "opened", "results", "corrected"], cells)
    lines = [f"Searches in {found.week}{' in area ' + found.area if found.area else ''}: {found.searches}"]
    for name, rows in lists:
        lines.append(f"{name}:")
        lines.extend(f"  {r.searches}\t{r.query}" for r in rows)
        if not rows:
            lines.append("  (none)")
    return "\n".join(lines) + "\n"
