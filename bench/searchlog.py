"""What the search log costs a search: the logging call alone, and /search with the log on and off.

Indexes the starter ``content/`` in a temporary folder, migrates a SQLite database there, then
(1) times building and queueing one entry (``search_of`` + ``SearchLog.record``, what a request
does), (2) asks ``/search`` through Flask's test client with ``KB_SEARCH_LOG_DAYS=180`` and ``0``,
interleaved, and reads the app's own time from ``Server-Timing``, (3) times writing one batch of
50 entries (done by the writer thread, off the request path).

    .venv/bin/python bench/searchlog.py [--rounds N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ["LOA", "letter of request", "end-use monitoring", "who knows about CLSSA?", "FMS case closure", "pricing", "EDA", "quokkazebra"]


def app_ms(client, url: str) -> float:
    response = client.get(url)
    assert response.status_code == 200, url
    return float(re.search(r"dur=([\d.]+)", response.headers["Server-Timing"]).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    import flask_migrate

    from kb import create_app
    from kb.accounts import MIGRATIONS
    from kb.accounts.models import db
    from kb.health.searchlog import search_of, write
    from kb.index import SearchIndex
    from kb.queries import SearchRequest
    from kb.repository.sync import sync
    from kb.search import SearchPage

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        index = SearchIndex(root / "index")
        sync(ROOT / "content", index)
        index.close()
        apps = {}
        for days in (180, 0):
            folders = {"CONTENT_DIR": str(ROOT / "content"), "INDEX_DIR": str(root / "index"), "INSTANCE_DIR": str(root / "instance")}
            apps[days] = create_app({**folders, "SEARCH_LOG_DAYS": days, "SERVER_TIMING": True})
        with apps[180].app_context():
            flask_migrate.upgrade(directory=str(MIGRATIONS))
        log = apps[180].extensions["kb.searchlog"]

        page = SearchPage(SearchRequest(q="letter of request area:fms", chosen=(("type", "article"),)), 42, (), {})
        log.interval, log.batch = 3600, 10**9
        calls = 20_000
        started = time.perf_counter()
        for _ in range(calls):
            log.record(search_of(page, "page"))
        per_call = (time.perf_counter() - started) / calls * 1e6
        log.flush()

        batches = []
        with apps[180].app_context():
            for _ in range(20):
                began = time.perf_counter()
                write([search_of(page, "page") for _ in range(50)])
                db.session.commit()
                batches.append((time.perf_counter() - began) * 1000)
            db.session.remove()

        log.interval, log.batch = 2.0, 50  # as in production
        clients = {days: app.test_client() for days, app in apps.items()}
        for client in clients.values():  # warm: searchers, caches
            for q in QUERIES:
                app_ms(client, f"/search?q={q}")
        times: dict[int, list[float]] = {180: [], 0: []}
        for n in range(args.rounds):
            for q in QUERIES:
                url = f"/search?q={q}&page={1 + n % 3}"
                for days in (180, 0) if n % 2 else (0, 180):
                    times[days].append(app_ms(clients[days], url))
        for app in apps.values():
            app.extensions["kb.searchlog"].close()
            app.extensions["kb.index"].close()

    p50 = {days: statistics.median(t) for days, t in times.items()}
    print(f"logging call (search_of + record): {per_call:.1f} µs per search ({calls:,} calls)")
    print(f"writing a batch of 50 to SQLite (writer thread): median {statistics.median(batches):.1f} ms")
    print(
        f"/search app time p50: log on {p50[180]:.2f} ms, log off {p50[0]:.2f} ms "
        f"(difference {p50[180] - p50[0]:+.2f} ms; {len(times[0])} requests each, starter content)"
    )


if __name__ == "__main__":
    main()
