"""The search log: what readers searched for, without who they are (issue 10, "search gaps").

Each search becomes a ``SearchEntry`` (normalised query, the chosen filters, the result count,
when, from the page or the API) with a random id; opening a result from the results page
becomes a ``SearchClick`` (that id, the rank, the document). Nothing names the reader: no user
id, no address, no session. Queries naming an email address or a phone number keep the words
around it and lose the contact itself.

A request only appends to an in-memory buffer (``SearchLog.record``: microseconds). One
background thread per process writes the buffer in batches, every ``interval`` seconds or as
soon as ``batch`` entries wait, and when the process exits; the report writes this process's
buffer before it reads. A failing database costs the entries of that batch (logged, one line),
never a search. At most once an hour a flush also deletes what is older than
``KB_SEARCH_LOG_DAYS``; ``flask kb searchlog prune`` does it on demand.
"""

from __future__ import annotations

import atexit
import collections
import datetime as dt
import os
import threading
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import DateTime, Integer, String, delete, insert
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import db, utcnow
from ..contacts import CONTACT
from ..index import Doc
from ..search import SearchPage

MAX_QUERY = 500
SEARCH_ID_CHARS = 32  # uuid4().hex
MAX_PENDING = 10_000  # a long database outage keeps at most this many entries waiting (the oldest go)
PRUNE_EVERY = dt.timedelta(hours=1)
REDACTED = "[contact]"


class SearchEntry(db.Model):
    """One search, as the results page or the API ran it."""

    __tablename__ = "search_log"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random (uuid4 hex), carried by result links
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # naive UTC
    query: Mapped[str] = mapped_column(String(MAX_QUERY), index=True)  # normalised
    filters: Mapped[str] = mapped_column(String(500), default="")  # the form's facet filters, "area=fms&type=article"
    area: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)  # the area filter (form or area:x), if any
    source: Mapped[str] = mapped_column(String(8), default="page")  # "page" or "api"
    page: Mapped[int] = mapped_column(Integer, default=1)
    results: Mapped[int] = mapped_column(Integer)
    # Shown corrected ("Showing results for …"): what the query as typed found, so a misspelling
    # that found nothing still counts among the gaps; None when the results are the query's own.
    typed_results: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SearchClick(db.Model):
    """A result opened from a results page: which search, at what rank, which document."""

    __tablename__ = "search_clicks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[str] = mapped_column(String(32), index=True)  # no foreign key: the search may sit in another worker's buffer
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    rank: Mapped[int] = mapped_column(Integer)
    doc: Mapped[str] = mapped_column(String(600))  # "article:fms/letter-of-request"
    area: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the opened document's first functional area


def normalise(text: str) -> str:
    """``"  Letter   of REQUEST "`` -> ``"letter of request"``; contact data becomes ``[contact]``.

    Case folded, Unicode compatibility forms unified, whitespace collapsed; quotes, ``*`` and
    ``area:fms`` stay, so the report's "search again" link runs the same search.
    """
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().replace("\x00", " ").split())
    return CONTACT.sub(REDACTED, folded)[:MAX_QUERY]


def new_search_id() -> str:
    return uuid.uuid4().hex


def is_search_id(value: str) -> bool:
    return len(value) == SEARCH_ID_CHARS and all(c in "0123456789abcdef" for c in value)


@dataclass(frozen=True)
class Search:
    """What the log keeps of one search (the row of ``SearchEntry``)."""

    id: str
    at: dt.datetime
    query: str
    filters: str
    area: str | None
    source: str
    page: int
    results: int
    typed_results: int | None = None


@dataclass(frozen=True)
class Click:
    search_id: str
    at: dt.datetime
    rank: int
    doc: str
    area: str | None


def search_of(page: SearchPage, source: str, at: dt.datetime | None = None) -> Search | None:
    """The log entry of a search that ran (None for an empty query: the page ran no search then)."""
    req = page.request
    if not req.q:
        return None
    return Search(
        id=new_search_id(),
        at=at or utcnow(),
        query=normalise(req.q),
        filters=urlencode(sorted(req.chosen))[:500].replace("\x00", ""),  # PostgreSQL refuses NUL in text
        area=(dict(req.filters).get("area") or "").replace("\x00", "")[:200] or None,
        source=source,
        page=req.page,
        results=page.total,
        typed_results=page.typed_total if page.corrected else None,
    )


def click_of(search_id: str, rank: int, doc: Doc, at: dt.datetime | None = None) -> Click | None:
    """The log entry of opening ``doc`` at ``rank`` from search ``search_id`` (None if they are not plausible)."""
    if not is_search_id(search_id) or rank < 1:
        return None
    area = doc.id if doc.type == "area" else (doc.areas[0] if doc.areas else None)
    return Click(search_id, at or utcnow(), rank, doc.key[:600], area)


class SearchLog:
    """The per-process buffer of searches and clicks, and the thread that writes it in batches.

    Kept in ``app.extensions["kb.searchlog"]``. ``record`` never touches the database and never
    raises; ``flush`` writes what waits (any thread, inside its own app context).
    """

    def __init__(self, app: Flask, days: int, batch: int = 50, interval: float = 2.0) -> None:
        self.app = app
        self.days = days
        self.batch = batch
        self.interval = interval
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._pending: collections.deque[Search | Click] = collections.deque(maxlen=MAX_PENDING)
        self._write_lock = threading.Lock()  # one flush at a time
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_prune: dt.datetime | None = None
        self._failing = False  # the last write failed: entries wait, and it is said once

    @property
    def enabled(self) -> bool:
        return self.days > 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def record(self, item: Search | Click) -> None:
        """Queue a search or click for the next batch (thread-safe: a deque append)."""
        if not self.enabled:
            return
        if self._pid != os.getpid():  # forked after buffering (gunicorn --preload): start over in this process
            self._reset()
        self._pending.append(item)
        if self._thread is None or not self._thread.is_alive():
            self._start()
        if len(self._pending) >= self.batch:
            self._wake.set()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name="kb-searchlog", daemon=True)
            self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._pending:
                try:
                    self.flush()
                except Exception as exc:  # noqa: BLE001 - the thread must outlive any surprise; the next batch tries again
                    self.app.logger.warning("search log: writer: %s", exc)

    def close(self) -> None:
        """Stop the writer thread and write what is left (at exit, and when an app is closed)."""
        atexit.unregister(self.close)
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)
        self._thread = None
        self._stop.clear()
        self.flush(final=True)

    def flush(self, now: dt.datetime | None = None, final: bool = False) -> int:
        """Write every waiting entry in one transaction; returns how many were written (0 on failure).

        When the database is away the entries go back to wait and the next batch tries again, so
        an outage loses nothing unless it outlasts the buffer (``MAX_PENDING`` entries); only a
        ``final`` flush (the process ending) gives them up.
        """
        with self._write_lock:
            taken: list[Search | Click] = []
            while self._pending:
                try:
                    taken.append(self._pending.popleft())
                except IndexError:
                    break
            if not taken:
                return 0
            now = now or utcnow()
            prune_due = self._last_prune is None or now - self._last_prune >= PRUNE_EVERY
            with self.app.app_context():
                try:
                    write(taken)
                    if prune_due:
                        prune(self.days, now)
                        self._last_prune = now
                    db.session.commit()
                except (SQLAlchemyError, OSError) as exc:
                    db.session.rollback()
                    if prune_due:
                        self._last_prune = now  # try again in an hour, not at every batch
                    self._failed(taken, str(exc).splitlines()[0], final or isinstance(exc, (DataError, IntegrityError)))
                    return 0
                finally:
                    db.session.remove()
            if self._failing:
                self._failing = False
                self.app.logger.warning("search log: the database is back; %d waiting entries written", len(taken))
            return len(taken)

    def _failed(self, taken: list[Search | Click], reason: str, give_up: bool) -> None:
        if give_up:  # the process ends, or the database refused the rows themselves (they would fail again)
            self.app.logger.warning("search log: %d entries not written: %s", len(taken), reason)
            return
        self._pending.extendleft(reversed(taken))  # back in front, in their order
        if not self._failing:  # said once per outage, not at every batch
            self._failing = True
            self.app.logger.warning("search log: %d entries not written yet, kept to try again: %s", len(taken), reason)


def write(items: list[Search | Click]) -> None:
    """Insert searches and clicks (in the current session; the caller commits)."""
    searches = [vars_of(i) for i in items if isinstance(i, Search)]
    clicks = [vars_of(i) for i in items if isinstance(i, Click)]
    if searches:
        db.session.execute(insert(SearchEntry), searches)
    if clicks:
        db.session.execute(insert(SearchClick), clicks)


def vars_of(item: Search | Click) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


def prune(days: int, now: dt.datetime | None = None) -> tuple[int, int]:
    """Delete searches and clicks older than ``days`` days (the caller commits); returns both counts."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    searches = db.session.execute(delete(SearchEntry).where(SearchEntry.at < cutoff)).rowcount
    clicks = db.session.execute(delete(SearchClick).where(SearchClick.at < cutoff)).rowcount
    return searches, clicks


def init_app(app: Flask) -> None:
    cfg = app.config
    app.extensions["kb.searchlog"] = SearchLog(app, cfg["SEARCH_LOG_DAYS"], cfg["SEARCH_LOG_BATCH"], cfg["SEARCH_LOG_INTERVAL"])
