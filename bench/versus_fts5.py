"""This app next to SQLite FTS5, behind the same server, on SciFact.

Both are served by gunicorn (2 workers, 127.0.0.1): this app's ``/api/search`` over the 5,183
SciFact abstracts indexed as articles, and ``bench/fts5_app.py`` (FTS5 ``bm25()`` and
``snippet()``, OR of the query's words, total count, the 10 best). The 300 test queries are
sent as they are, one client, requests interleaved between the two servers; then six
clients for throughput. Reports client-side latency, requests per second and nDCG@10.

    .venv/bin/python bench/versus_fts5.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fts5_app import build
from bench.relevance import SCIFACT, load_qrels, ndcg_at, write_scifact_content
from bench.scale import BIN, ROOT, percentile

TARGETS = {"p50 ratio": 1.0, "p95 ratio": 1.25, "throughput ratio": 1.0}


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


def ask(port: int, text: str) -> tuple[float, list[str]]:
    """(client ms, ranked document ids)."""
    url = f"http://127.0.0.1:{port}/api/search?" + urllib.parse.urlencode({"q": text, "per_page": 10})
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        data = json.loads(response.read())
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, [r["id"].rsplit("/", 1)[-1] for r in data["results"]]


def throughput(port: int, queries: list[str], clients: int, seconds: float) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        i = number
        while time.monotonic() < stop:
            ask(port, queries[i % len(queries)])
            done[number] += 1
            i += clients

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="of the throughput run, per server")
    parser.add_argument("--clients", type=int, default=6)
    args = parser.parse_args()
    if not (SCIFACT / "corpus.jsonl").exists():
        print(f"versus FTS5: skipped ({SCIFACT} not found; it ships with the project's shared test material)")
        return
    qrels = load_qrels()
    queries = [json.loads(line) for line in (SCIFACT / "queries.jsonl").read_text().splitlines()]
    queries = [q for q in queries if q["_id"] in qrels]
    with tempfile.TemporaryDirectory() as scratch:
        content, db = Path(scratch) / "content", str(Path(scratch) / "fts5.sqlite")
        write_scifact_content(content)
        env = {
            **os.environ,
            "KB_CONTENT_DIR": str(content),
            "KB_INSTANCE_DIR": str(Path(scratch) / "instance"),
            "KB_SECRET_KEY": "bench",
            "FTS5_DB": db,
        }
        subprocess.run(
            [str(BIN / "flask"), "--app", "app", "kb", "index", "--rebuild"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        rows = []
        for line in (SCIFACT / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            rows.append((doc["_id"], doc["title"] or doc["_id"], doc["text"]))
        build(db, rows)
        servers = {"this app": serve("app:app", 5081, env), "FTS5 reference": serve("bench.fts5_app:app", 5082, env)}
        ports = {"this app": 5081, "FTS5 reference": 5082}
        try:
            for name in ports:  # warm each worker's searcher or connection
                for query in queries[:20]:
                    ask(ports[name], query["text"])
            latency = {name: [] for name in ports}
            ndcg = {name: 0.0 for name in ports}
            for query in queries:  # interleaved: both see the same machine state
                for name, port in ports.items():
                    ms, ranked = ask(port, query["text"])
                    latency[name].append(ms)
                    ndcg[name] += ndcg_at(ranked, qrels[query["_id"]]) / len(queries)
            texts = [q["text"] for q in queries]
            rps = {name: throughput(port, texts, args.clients, args.seconds) for name, port in ports.items()}
        finally:
            for process in servers.values():
                process.terminate()
                process.wait(10)
    ours, ref = "this app", "FTS5 reference"
    print(
        f"SciFact behind gunicorn (2 workers, 127.0.0.1): {len(queries)} queries, one client interleaved; "
        f"{args.clients} clients for {args.seconds:.0f} s each for throughput"
    )
    print(f"  {'':24} {ours:>10} {ref:>16}   ratio")
    figures = {
        "latency p50 ms": (statistics.median(latency[ours]), statistics.median(latency[ref])),
        "latency p95 ms": (percentile(latency[ours], 95), percentile(latency[ref], 95)),
        "throughput req/s": (rps[ours], rps[ref]),
        "nDCG@10": (ndcg[ours], ndcg[ref]),
    }
    for label, (a, b) in figures.items():
        print(f"  {label:<24} {a:10.3f} {b:16.3f}   {a / b:5.2f}x")
    ratios = {
        "p50 ratio": figures["latency p50 ms"][0] / figures["latency p50 ms"][1],
        "p95 ratio": figures["latency p95 ms"][0] / figures["latency p95 ms"][1],
        "throughput ratio": figures["throughput req/s"][0] / figures["throughput req/s"][1],
    }
    for name, value in ratios.items():
        target = TARGETS[name]
        met = value >= target if name.startswith("throughput") else value <= target
        print(f"  {name:<24} {value:6.2f}   target {'>=' if name.startswith('throughput') else '<='} {target}: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
