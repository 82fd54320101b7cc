"""This app next to SQLite FTS5, behind the same server, on SciFact.

Both are served by gunicorn (2 workers, 127.0.0.1): this app's ``/api/search`` over the 5,183
SciFact abstracts indexed as articles, and ``bench/fts5_app.py`` (FTS5 ``bm25()`` and
``snippet()``, OR of the query's words, total count, the 10 best). The 300 test queries are
sent as they are, one client, requests interleaved between the two servers; then each kind
of query (words, phrases, prefixes, acronyms, a filter, "who knows") and article pages; then six
clients for throughput, twice: cycling through the 300 queries (the result cache answers
repeats: "cached") and with distinct queries, every one new (``bench/distinct.py``: "uncached").
This app gives its full answer (facets, spelling, acronym expansion, the search log on).
Reports client-side latency, requests per second and nDCG@10.

    .venv/bin/python bench/versus_fts5.py [--seconds 20]

``SCIFACT_DIR`` points at the SciFact folder when it is not ``../shared/eval/scifact``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.distinct import Supply, distinct_queries, run_clients, vocabulary
from bench.fts5_app import build
from bench.relevance import SCIFACT, load_qrels, ndcg_at, write_scifact_content
from bench.scale import BIN, ROOT, percentile

TARGETS = {
    "p50 ratio": 1.0,
    "p95 ratio": 1.25,
    "throughput ratio": 1.0,
    "distinct throughput ratio": 1.0,
    "kind p50 ratio": 1.5,
    "kind p95 ratio": 1.5,
}
KIND_QUERIES = 60  # of each kind, interleaved between the servers


def serve(app: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", app],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=warm", timeout=5).read()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def fetch(port: int, path: str) -> tuple[float, dict]:
    """(client ms, the JSON answer, {} for a page)."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{error.code} from port {port} for {path}") from error
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, json.loads(body) if path.startswith("/api/") else {}


def search_path(text: str, extra: str = "") -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": text, "per_page": 10}) + extra


def ask(port: int, text: str) -> tuple[float, list[str]]:
    """(client ms, ranked document ids)."""
    elapsed, data = fetch(port, search_path(text))
    return elapsed, [r["id"].rsplit("/", 1)[-1] for r in data["results"]]


def throughput(port: int, queries: list[str], clients: int, seconds: float) -> float:
    """Requests per second cycling through ``queries`` (repeats: the result cache answers them)."""
    position = [n for n in range(clients)]

    def one(number: int) -> None:
        ask(port, queries[position[number] % len(queries)])
        position[number] += clients

    return run_clients(clients, seconds, one)


def distinct_throughput(port: int, queries: list[str], clients: int, seconds: float) -> float:
    """Requests per second when every request is a query not asked before."""
    supply = Supply(queries)
    return run_clients(clients, seconds, lambda number: ask(port, supply.take()))


def kind_paths(texts: list[str], words: list[str], doc_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    """(this app's path, the reference's path) of each kind of query, ``KIND_QUERIES`` of each, and
    article pages (the reference answers a search for the page's title words there)."""
    rng = random.Random(24)
    pairs = [p for t in texts for p in zip(re.findall(r"[^\W\d_]{4,}", t), re.findall(r"[^\W\d_]{4,}", t)[1:], strict=False)]
    upper = sorted({w for t in texts for w in re.findall(r"\b[A-Z][A-Za-z]*[A-Z]\w*\b", t)})
    several = distinct_queries(words, KIND_QUERIES * 3, seed=7)
    long_words = sorted({w[:6] for w in words if len(w) > 7})
    kinds: dict[str, list[tuple[str, str]]] = {
        "words": [(q, q) for q in several[:KIND_QUERIES]],
        "phrase": [(f'"{a} {b}"', f'"{a} {b}"') for a, b in rng.sample(pairs, KIND_QUERIES)],
        "prefix": [(f"{w}*", f"{w}*") for w in rng.sample(long_words, KIND_QUERIES)],
        "acronym": [(w, w) for w in rng.sample(upper, min(KIND_QUERIES, len(upper)))],
        "filter": [(q, q) for q in several[KIND_QUERIES : 2 * KIND_QUERIES]],
        "who knows": [(f"who knows about {q}?", q) for q in several[2 * KIND_QUERIES :]],
    }
    paths = {
        kind: [(search_path(a, "&type=article" if kind == "filter" else ""), search_path(b)) for a, b in queries] for kind, queries in kinds.items()
    }
    paths["article page"] = [(f"/articles/scifact/{d}", search_path(d)) for d in rng.sample(doc_ids, KIND_QUERIES)]
    return paths


def kind_latency(ports: dict[str, int], paths: dict[str, list[tuple[str, str]]]) -> dict[str, dict[str, list[float]]]:
    """Client ms of each kind on each server, requests interleaved."""
    found: dict[str, dict[str, list[float]]] = {kind: {name: [] for name in ports} for kind in paths}
    refused = 0
    for kind, pairs in paths.items():
        for pair in pairs:
            try:
                timed = [(name, fetch(port, path)[0]) for (name, port), path in zip(ports.items(), pair, strict=True)]
            except RuntimeError:  # a prefix standing for too many words: this app refuses it (400)
                refused += 1
                continue
            for name, ms in timed:
                found[kind][name].append(ms)
    print(f"  ({refused} queries of the kinds refused as too costly, left out)")
    return found


def relevance_run(ports: dict[str, int], queries: list[dict], qrels: dict[str, set[str]]) -> tuple[dict, dict]:
    """Latency and nDCG@10 of the 300 test queries, interleaved: both see the same machine state."""
    latency = {name: [] for name in ports}
    ndcg = {name: 0.0 for name in ports}
    for query in queries:
        for name, port in ports.items():
            ms, ranked = ask(port, query["text"])
            latency[name].append(ms)
            ndcg[name] += ndcg_at(ranked, qrels[query["_id"]]) / len(queries)
    return latency, ndcg


def prepare(scratch: Path) -> tuple[dict[str, str], list[str]]:
    """The scratch content, this app's index and the reference's database; (environment, document ids)."""
    content, db = scratch / "content", str(scratch / "fts5.sqlite")
    write_scifact_content(content)
    env = {**os.environ, "KB_CONTENT_DIR": str(content), "KB_INSTANCE_DIR": str(scratch / "instance"), "KB_SECRET_KEY": "bench", "FTS5_DB": db}
    for command in (["db", "upgrade"], ["index", "--rebuild"]):  # the database: the search log is on
        subprocess.run([str(BIN / "flask"), "--app", "app", "kb", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    rows = []
    for line in (SCIFACT / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        rows.append((doc["_id"], doc["title"] or doc["_id"], doc["text"]))
    build(db, rows)
    return env, [row[0] for row in rows]


def measure(env: dict[str, str], doc_ids: list[str], queries: list[dict], qrels: dict, args) -> dict:
    """Every phase against both servers, started here and stopped at the end."""
    texts = [q["text"] for q in queries]
    fresh = distinct_queries(vocabulary(SCIFACT / "queries.jsonl"), int(args.seconds * 2500) + 1000)
    paths = kind_paths(texts, vocabulary(SCIFACT / "queries.jsonl"), doc_ids)
    servers = {"this app": serve("app:app", 5081, env), "FTS5 reference": serve("bench.fts5_app:app", 5082, env)}
    ports = {"this app": 5081, "FTS5 reference": 5082}
    try:
        for port in ports.values():  # warm each worker's searcher or connection
            for text in texts[:20]:
                ask(port, text)
        latency, ndcg = relevance_run(ports, queries, qrels)
        kinds = kind_latency(ports, paths)
        rps = {name: throughput(port, texts, args.clients, args.seconds) for name, port in ports.items()}
        distinct = {name: distinct_throughput(port, fresh, args.clients, args.seconds) for name, port in ports.items()}
    finally:
        for process in servers.values():
            process.terminate()
            process.wait(10)
    return {"latency": latency, "ndcg": ndcg, "kinds": kinds, "rps": rps, "distinct": distinct}


def report(found: dict, queries: list[dict], args) -> None:
    ours, ref = "this app", "FTS5 reference"
    latency, rps, distinct = found["latency"], found["rps"], found["distinct"]
    print(
        f"SciFact behind gunicorn (2 workers, 127.0.0.1): {len(queries)} queries, one client interleaved; "
        f"{args.clients} clients for {args.seconds:.0f} s each for throughput"
    )
    print(f"  {'':30} {ours:>10} {ref:>16}   ratio")
    figures = {
        "latency p50 ms": (statistics.median(latency[ours]), statistics.median(latency[ref])),
        "latency p95 ms": (percentile(latency[ours], 95), percentile(latency[ref], 95)),
        "throughput req/s (cached)": (rps[ours], rps[ref]),
        "throughput req/s (distinct)": (distinct[ours], distinct[ref]),
        "nDCG@10": (found["ndcg"][ours], found["ndcg"][ref]),
    }
    for label, (a, b) in figures.items():
        print(f"  {label:<30} {a:10.3f} {b:16.3f}   {a / b:5.2f}x")
    ratios = {
        "p50 ratio": figures["latency p50 ms"][0] / figures["latency p50 ms"][1],
        "p95 ratio": figures["latency p95 ms"][0] / figures["latency p95 ms"][1],
        "throughput ratio": figures["throughput req/s (cached)"][0] / figures["throughput req/s (cached)"][1],
        "distinct throughput ratio": figures["throughput req/s (distinct)"][0] / figures["throughput req/s (distinct)"][1],
    }
    report_kinds(found["kinds"], ratios)
    for name, value in ratios.items():
        target = TARGETS[name.split(":")[0]]
        higher = "throughput" in name
        met = value >= target if higher else value <= target
        print(f"  {name:<30} {value:6.2f}   target {'>=' if higher else '<='} {target}: {'met' if met else 'NOT met'}")


def report_kinds(kinds: dict[str, dict[str, list[float]]], ratios: dict[str, float]) -> None:
    """Each kind's p50 and p95 on both servers; an article page against the reference's search p95."""
    ours, ref = "this app", "FTS5 reference"
    print(f"  {'by kind, ms (p50 / p95)':30} {ours:>16} {ref:>16}   ratio p50 / p95")
    for kind, values in kinds.items():
        a50, a95 = statistics.median(values[ours]), percentile(values[ours], 95)
        b50, b95 = statistics.median(values[ref]), percentile(values[ref], 95)
        print(f"  {kind:<30} {a50:7.1f} / {a95:6.1f} {b50:7.1f} / {b95:6.1f}   {a50 / b50:5.2f}x / {a95 / b95:5.2f}x")
        if kind != "article page":
            ratios[f"kind p50 ratio: {kind}"] = a50 / b50
            ratios[f"kind p95 ratio: {kind}"] = a95 / b95
    searches = [ms for kind, values in kinds.items() if kind != "article page" for ms in values[ref]]
    page95, search95 = percentile(kinds["article page"][ours], 95), percentile(searches, 95)
    print(f"  article page p95 {page95:.1f} ms against the reference's search p95 {search95:.1f} ms: {page95 / search95:.2f}x (target <= 1.0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="of each throughput run, per server")
    parser.add_argument("--clients", type=int, default=6)
    args = parser.parse_args()
    if not (SCIFACT / "corpus.jsonl").exists():
        print(f"versus FTS5: skipped ({SCIFACT} not found; it ships with the project's shared test material)")
        return
    qrels = load_qrels()
    queries = [json.loads(line) for line in (SCIFACT / "queries.jsonl").read_text().splitlines()]
    queries = [q for q in queries if q["_id"] in qrels]
    with tempfile.TemporaryDirectory() as scratch:
        env, doc_ids = prepare(Path(scratch))
        found = measure(env, doc_ids, queries, qrels, args)
    report(found, queries, args)


if __name__ == "__main__":
    main()
