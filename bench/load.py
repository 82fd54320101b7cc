"""Load: gunicorn with 2 workers under a mixed workload from a separate process, also while reindexing.

Serves a scratch copy of content/ (so the run can edit it), drives it from this process
with keep-alive-free HTTP clients on 127.0.0.1 for the given time, and runs `kb index`
(an edit every few seconds, then a full `--rebuild`) during the second half.

``--distinct S`` first measures searches alone for S seconds each with 6 clients: the judged
queries repeated (the result cache answers repeats: "cached") and distinct queries, every one
new (``bench/distinct.py``: 2 to 4 words of the SciFact queries, or of the judged queries
without SciFact: "uncached").

    .venv/bin/python bench/load.py [--seconds 60] [--clients 8] [--distinct 15]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.distinct import Supply, distinct_queries, run_clients, vocabulary
from bench.judged import load_judgements
from bench.relevance import SCIFACT
from bench.scale import BIN, ROOT, percentile, start_server

TARGET_RPS = 400  # issue 11: at least 400 requests/s, 0 errors, also while `kb index` runs


def workload(content: Path) -> list[str]:
    """The mix of paths: searches from the judged set, pages of every kind, suggestions, the API."""
    slugs = [p.relative_to(content / "articles").with_suffix("").as_posix() for p in (content / "articles").rglob("*.md")]
    queries = [j.query for j in load_judgements()]
    rng = random.Random(5)
    paths = []
    for _ in range(200):
        q = urllib.parse.quote(rng.choice(queries))
        paths += [
            f"/search?q={q}",
            f"/api/search?q={q}",
            f"/articles/{rng.choice(slugs)}",
            f"/api/suggest?q={urllib.parse.quote(rng.choice(queries)[:4])}",
            "/",
        ]
    paths += ["/glossary", "/areas/fms", "/paths/new-to-security-cooperation", "/people/maria-delgado"] * 20
    rng.shuffle(paths)
    return paths


def get(port: int, path: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status}")


def search_throughput(port: int, seconds: float, clients: int = 6) -> dict[str, float]:
    """Searches per second, the judged queries repeated ("cached") and every query new ("distinct")."""
    judged = [j.query for j in load_judgements()]
    source = SCIFACT / "queries.jsonl"
    words = vocabulary(source) if source.exists() else sorted({w.casefold() for q in judged for w in q.split() if w.isalpha() and len(w) > 2})
    supply = Supply(distinct_queries(words, int(seconds * 3000) + 1000))
    turn = [0] * clients

    def repeated(number: int) -> None:
        turn[number] += 1
        get(port, "/api/search?q=" + urllib.parse.quote(judged[(turn[number] * clients + number) % len(judged)]))

    cached = run_clients(clients, seconds, repeated)
    distinct = run_clients(clients, seconds, lambda number: get(port, "/api/search?q=" + urllib.parse.quote(supply.take())))
    return {"searches/s cached": cached, "searches/s distinct": distinct}


def reindex_while_serving(env: dict[str, str], content: Path, stop: threading.Event, log: list[str]) -> None:
    article = next((content / "articles").rglob("*.md"))
    n = 0
    while not stop.wait(4):
        n += 1
        article.write_text(article.read_text() + f"\nEdited during the load test ({n}).\n")
        args = ["--rebuild"] if n % 3 == 0 else []
        result = subprocess.run([str(BIN / "flask"), "--app", "app", "kb", "index", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        log.append(f"kb index {' '.join(args)}: exit {result.returncode}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=5078)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--distinct", type=float, default=0, help="seconds of each search-only run before the mix (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        content = Path(scratch) / "content"
        shutil.copytree(ROOT / "content", content)
        env = {**os.environ, "KB_CONTENT_DIR": str(content), "KB_INDEX_DIR": str(Path(scratch) / "index"), "KB_SECRET_KEY": "bench"}
        subprocess.run([str(BIN / "flask"), "--app", "app", "kb", "index"], cwd=ROOT, env=env, check=True, capture_output=True)
        server = start_server(env, args.port)
        searches = search_throughput(args.port, args.distinct) if args.distinct else {}
        paths = workload(content)
        latencies: list[tuple[float, float]] = []  # (time since start, ms)
        errors: list[str] = []
        lock = threading.Lock()
        started = time.perf_counter()
        deadline = started + args.seconds

        def client(offset: int) -> None:
            i = offset
            while time.perf_counter() < deadline:
                path = paths[i % len(paths)]
                i += args.clients
                t0 = time.perf_counter()
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    connection.close()
                    ok = response.status in (200, 404)
                except OSError as exc:
                    ok, response = False, exc
                with lock:
                    latencies.append((t0 - started, (time.perf_counter() - t0) * 1000))
                    if not ok:
                        errors.append(f"{path}: {getattr(response, 'status', response)}")

        stop = threading.Event()
        reindex_log: list[str] = []
        reindexer = threading.Timer(args.seconds / 2, reindex_while_serving, (env, content, stop, reindex_log))
        reindexer.start()
        clients = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        stop.set()
        reindexer.cancel()
        reindexer.join()
        server.stop()
    elapsed = time.perf_counter() - started
    half = args.seconds / 2
    quiet = [ms for at, ms in latencies if at < half]
    busy = [ms for at, ms in latencies if at >= half]
    figures = {
        "requests": len(latencies),
        "requests/s": len(latencies) / elapsed,
        "errors": len(errors),
        "p50 ms": statistics.median(ms for _, ms in latencies),
        "p95 ms": percentile([ms for _, ms in latencies], 95),
        "requests/s while reindexing": len(busy) / (elapsed - half),
        "p95 ms while reindexing": percentile(busy, 95),
        "requests/s before": len(quiet) / half,
        "reindex runs": len(reindex_log),
        **searches,
    }
    print(
        f"Load: {args.clients} clients for {args.seconds:.0f} s against gunicorn (2 workers), starter content; "
        f"kb index ran {len(reindex_log)} times in the second half ({sum('rebuild' in r for r in reindex_log)} rebuilds)"
    )
    for name, value in figures.items():
        print(f"  {name:<28} {value:10.1f}")
    print(f"  target >= {TARGET_RPS} requests/s with zero errors: {'met' if figures['requests/s'] >= TARGET_RPS and not errors else 'NOT met'}")
    for error in errors[:10]:
        print("  error:", error)
    if any("exit 0" not in r for r in reindex_log):
        print("  reindex problems:", [r for r in reindex_log if "exit 0" not in r])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
