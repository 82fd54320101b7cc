"""The search log (kb.health.searchlog) and its report (kb.health.searchreport): entries without identity, batches, retention.

The database tests run on a real database made by the migrations, SQLite and PostgreSQL
(the fixtures of tests/accounts).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time

import pytest
from sqlalchemy import func, select

from kb.accounts.models import db, utcnow
from kb.health.searchlog import Click, Search, SearchClick, SearchEntry, click_of, is_search_id, new_search_id, normalise, prune, search_of, write
from kb.health.searchreport import QueryRow, build, format_report, iso_week, recent_weeks, report, week_start
from kb.queries import SearchRequest
from kb.search import SearchPage

from .accounts import conftest as accounts

# the real-database fixtures of tests/accounts: SQLite, and PostgreSQL where installed
postgres_server, database_url, new_app, migrate = accounts.postgres_server, accounts.database_url, accounts.new_app, accounts.migrate

NOW = dt.datetime(2026, 12, 2, 10, 0)  # a Wednesday of 2026-W49


@pytest.mark.parametrize(
    ("typed", "logged"),
    [
        ("  Letter   of REQUEST ", "letter of request"),
        ('"End-Use Monitoring"  area:EUM', '"end-use monitoring" area:eum'),
        ("ＬＯＡ", "loa"),  # full-width letters
        ("Straße", "strasse"),
        ("maria.delgado@example.mil phone", "[contact] phone"),
        ("call +1 555 0101 now", "call [contact] now"),
    ],
)
def test_queries_are_normalised_and_lose_contact_data(typed, logged):
    assert normalise(typed) == logged


def test_a_search_entry_names_nobody():
    page = SearchPage(SearchRequest(q="LOA area:fms", chosen=(("type", "article"),), page=2), total=7, hits=(), facets={})
    entry = search_of(page, "api", at=NOW)
    assert is_search_id(entry.id) and entry.id != search_of(page, "api").id
    assert dataclasses.asdict(entry) | {"id": "-"} == {
        "id": "-",
        "at": NOW,
        "query": "loa area:fms",
        "filters": "type=article",
        "area": "fms",
        "source": "api",
        "page": 2,
        "results": 7,
        "typed_results": None,  # the results are the query's own, not a correction's
    }
    assert {c.name for c in SearchEntry.__table__.columns} == {"id", "at", "query", "filters", "area", "source", "page", "results", "typed_results"}
    assert {c.name for c in SearchClick.__table__.columns} == {"id", "search_id", "at", "rank", "doc", "area"}


def test_an_empty_query_is_not_logged():
    """The page runs no search without words (a filter alone shows the "type a word" help), so nothing is logged."""
    assert search_of(SearchPage(SearchRequest(q="", chosen=(("area", "fms"),)), 0, (), {}), "page") is None


def test_a_click_names_the_document_and_its_area(index):
    sid = new_search_id()
    article = index.get("article:eum/golden-sentry", ("public",))
    assert click_of(sid, 3, article, at=NOW) == Click(sid, NOW, 3, "article:eum/golden-sentry", "eum")
    assert click_of(sid, 1, index.get("area:fms", ("public",))).area == "fms"  # an area page belongs to itself
    assert click_of(sid, 1, index.get("glossary:LOA", ("public",))).area is None
    assert click_of("not-a-search-id", 1, article) is None
    assert click_of(sid, 0, article) is None


def test_weeks():
    assert week_start("2026-W49") == dt.date(2026, 11, 30) and iso_week(dt.date(2026, 12, 6)) == "2026-W49"
    assert week_start("2026-W54") is None and week_start("last week") is None and week_start("") is None
    assert recent_weeks(dt.date(2026, 1, 1), 3) == ["2026-W01", "2025-W52", "2025-W51"]


def test_the_three_lists_from_grouped_queries():
    rows = [
        QueryRow("loa", 9, 0, 5, 12),
        QueryRow("quokka", 4, 4, 0, 0),
        QueryRow("golden sentry", 4, 0, 0, 3),
        QueryRow("page two only", 0, 0, 0, 5),  # only later result pages: not a search of its own
    ]
    found = build(rows, "2026-W49", None, NOW.date(), limit=2)
    assert [r.query for r in found.top] == ["loa", "golden sentry"]  # by count, then alphabetically
    assert [r.query for r in found.empty] == ["quokka"]
    assert [r.query for r in found.unopened] == ["golden sentry"]
    assert found.searches == 17 and found.weeks[0] == "2026-W49"


# --- on a real database -------------------------------------------------------------------


@pytest.fixture
def log_app(new_app):
    app = new_app(SEARCH_LOG_INTERVAL=0.05, SEARCH_LOG_BATCH=5)
    migrate(app)
    return app


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def entry(query: str, results: int, at: dt.datetime = NOW, **fields) -> Search:
    return Search(
        **{"id": new_search_id(), "at": at, "query": query, "filters": "", "area": None, "source": "page", "page": 1, "results": results, **fields}
    )


def wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_writer_thread_writes_in_batches_and_close_writes_the_rest(log_app):
    log = log_app.extensions["kb.searchlog"]
    for n in range(12):
        log.record(entry(f"query {n}", n))
    assert wait_for(lambda: count(log_app, SearchEntry) == 12)  # a full batch wakes it, the interval takes the rest
    assert log.pending == 0
    log.close()
    log.interval = 3600  # the next entries wait for close()
    log.record(entry("at exit", 1))
    log.record(Click(new_search_id(), NOW, 2, "article:fms/letter-of-request", "fms"))
    log.close()
    assert count(log_app, SearchEntry) == 13 and count(log_app, SearchClick) == 1


def test_recording_takes_microseconds(log_app):
    log = log_app.extensions["kb.searchlog"]
    log.interval, log.batch = 3600, 10**9  # nothing is written while we time
    page = SearchPage(SearchRequest(q="letter of request", chosen=(("area", "fms"),)), 42, (), {})
    started = time.perf_counter()
    for _ in range(2000):
        log.record(search_of(page, "page"))
    per_search = (time.perf_counter() - started) / 2000
    assert per_search < 0.0005, f"{per_search * 1e6:.0f} µs per search"  # the budget is 1 ms; typically ~10 µs
    assert log.flush() == 2000 and count(log_app, SearchEntry) == 2000


def test_a_failing_database_keeps_the_batch_waiting_never_an_exception(new_app, caplog):
    app = new_app(SEARCH_LOG_INTERVAL=3600)  # not migrated: no search_log table
    log = app.extensions["kb.searchlog"]
    log.record(entry("waiting", 0))
    with caplog.at_level(logging.WARNING):
        assert log.flush() == 0
        log.record(entry("also waiting", 0))
        assert log.flush() == 0
    assert "search log: 1 entries not written yet, kept to try again" in caplog.text and "Traceback" not in caplog.text
    assert caplog.text.count("not written yet") == 1  # said once per outage
    assert log.pending == 2
    with caplog.at_level(logging.WARNING):
        log.close()  # the process ends with the database still away: given up, and said so
    assert "search log: 2 entries not written: " in caplog.text and log.pending == 0


def test_logging_off_keeps_nothing(new_app):
    log = new_app(SEARCH_LOG_DAYS=0).extensions["kb.searchlog"]
    log.record(entry("nothing", 0))
    assert not log.enabled and log.pending == 0


def test_retention_deletes_what_is_older_than_the_setting(log_app):
    log = log_app.extensions["kb.searchlog"]
    log.interval = 3600
    old, recent = utcnow() - dt.timedelta(days=181), utcnow() - dt.timedelta(days=179)
    old_search, recent_search = entry("old", 1, at=old), entry("recent", 1, at=recent)
    for item in (old_search, recent_search, Click(old_search.id, old, 1, "article:x", None), Click(recent_search.id, recent, 1, "article:x", None)):
        log.record(item)
    assert log.flush() == 4  # the first flush of a process prunes (then at most once an hour)
    with log_app.app_context():
        assert db.session.scalars(select(SearchEntry.query)).all() == ["recent"]
    assert count(log_app, SearchClick) == 1


def test_prune_command(new_app):
    app = new_app(SEARCH_LOG_DAYS=30)
    migrate(app)
    with app.app_context():
        write([entry("old", 1, at=utcnow() - dt.timedelta(days=31)), entry("new", 1, at=utcnow())])
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["kb", "searchlog", "prune"])
    assert result.exit_code == 0 and "deleted 1 searches and 0 opened results older than 30 days" in result.output
    with app.app_context():
        assert prune(30) == (0, 0)


def test_the_report_query(log_app):
    """Frequent, zero-result and unopened queries of one week, all areas or one (both databases)."""
    other_week = NOW - dt.timedelta(days=7)
    opened_fms, opened_eum = entry("loa", 5), entry("checks", 3)
    items = [
        opened_fms,
        entry("loa", 5),
        entry("loa", 5, page=2),  # a later page: not counted as a search
        opened_eum,
        entry("quokka", 0, area="eum"),
        entry("quokka", 0),
        entry("zebra", 0, area="fms"),
        entry("golden sentry", 2),
        entry("last week", 0, at=other_week),
        Click(opened_fms.id, NOW, 1, "article:fms/letter-of-request", "fms"),
        Click(opened_eum.id, NOW, 2, "article:eum/golden-sentry", "eum"),
    ]
    with log_app.app_context():
        write(items)
        db.session.commit()
        everything = report("2026-W49", None, NOW.date())
        eum = report("2026-W49", "eum", NOW.date())
        latest = report(None, None, NOW.date())
        before = report(iso_week(other_week.date()), None, NOW.date())
    assert [(r.query, r.searches) for r in everything.top] == [("loa", 2), ("quokka", 2), ("checks", 1), ("golden sentry", 1), ("zebra", 1)]
    assert everything.searches == 7
    assert [r.query for r in everything.empty] == ["quokka", "zebra"]
    assert [r.query for r in everything.unopened] == ["golden sentry"]
    assert [(r.query, r.opened) for r in eum.top] == [("checks", 1), ("quokka", 0)]  # by filter, or by the result opened
    assert latest.week == "2026-W49" and [r.query for r in before.top] == ["last week"]
    as_json = json.loads(format_report(everything, "json"))
    assert as_json["week"] == "2026-W49"
    assert as_json["zero_results"][0] == {"query": "quokka", "searches": 2, "empty": 2, "opened": 0, "results": 0, "corrected": 0}
    assert "2026-W49,,zero-results,zebra,1,1,0,0,0" in format_report(everything, "csv").splitlines()
    assert format_report(eum, "text").startswith("Searches in 2026-W49 in area eum: 2\n")


def test_report_command(log_app):
    with log_app.app_context():
        write([entry("quokka", 0, at=utcnow())])
        db.session.commit()
    result = log_app.test_cli_runner().invoke(args=["kb", "report", "search", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["zero_results"][0]["query"] == "quokka"


def test_what_a_visitor_types_is_stored_on_every_database(log_app):
    """A NUL byte (PostgreSQL refuses it in text) or an endless area value never stops the log."""
    log = log_app.extensions["kb.searchlog"]
    log.interval, log.batch = 3600, 10**9
    page = SearchPage(SearchRequest(q="letter\x00of request", chosen=(("area", "x\x00" * 300),)), 3, (), {})
    log.record(search_of(page, "page"))
    assert log.flush() == 1 and log.pending == 0
    with log_app.app_context():
        stored = db.session.scalars(select(SearchEntry)).one()
    assert stored.query == "letter of request" and len(stored.area) == 200 and "\x00" not in stored.filters


def test_rows_the_database_refuses_are_dropped_not_retried_for_ever(log_app, caplog):
    log = log_app.extensions["kb.searchlog"]
    log.interval, log.batch = 3600, 10**9
    log.record(entry("too long for its column " * 40, 0))  # PostgreSQL refuses it; SQLite stores it
    log.record(entry("fine", 0))
    with caplog.at_level(logging.WARNING):
        log.flush()
    assert log.pending == 0  # written, or refused and given up: never waiting for ever
