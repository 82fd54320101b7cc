"""One way to show a date on every page: "1 December 2026" in a ``<time datetime="2026-12-01">``.

The ``date_tag`` filter takes a date, a datetime or an ISO string (git's dates are stored as
strings); with ``with_time``, the time of day follows in UTC (a last sign-in).
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from markupsafe import Markup, escape

_ISO_DATE = re.compile(r"\b\d{4}-\d\d-\d\d\b")


def _as_date(value: dt.date | dt.datetime | str) -> dt.date | dt.datetime:
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def long_date(value: dt.date | dt.datetime | str) -> str:
    """The date in words, day first: "1 December 2026"."""
    day = _as_date(value)
    return f"{day.day} {day:%B %Y}"


def date_tag(value: dt.date | dt.datetime | str | None, with_time: bool = False) -> Markup:
    """``<time datetime="2026-12-01">1 December 2026</time>``; nothing for no date."""
    if value is None or value == "":
        return Markup("")
    day = _as_date(value)
    shown = long_date(day)
    machine = day.date().isoformat() if isinstance(day, dt.datetime) else day.isoformat()
    if with_time and isinstance(day, dt.datetime):
        utc = day.astimezone(dt.UTC) if day.tzinfo else day
        shown, machine = f"{shown}, {utc:%H:%M} UTC", utc.strftime("%Y-%m-%dT%H:%MZ")
    return Markup('<time datetime="{}">{}</time>').format(machine, shown)  # format escapes both


def dates_in_words(text: str) -> Markup:
    """A message written for the command line too (``kb.health.freshness``), its ISO dates as ``date_tag``s."""

    def tag(match: re.Match[str]) -> str:
        try:
            return date_tag(dt.date.fromisoformat(match.group()))
        except ValueError:
            return match.group()

    return Markup(_ISO_DATE.sub(tag, str(escape(text))))  # noqa: S704 - the text is escaped first


def register(app: Flask) -> None:
    app.jinja_env.filters["date_tag"] = date_tag
    app.jinja_env.filters["dates_in_words"] = dates_in_words
