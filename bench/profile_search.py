"""cProfile of uncached searches through the real app: where a distinct query's time goes.

Builds the SciFact articles and their index in DIR once (later runs reuse them), then sends
``--warm`` and ``--queries`` distinct queries (``bench/distinct.py``) to ``/api/search`` through
the app's test client, profiled by CPU time of the thread, and prints the CPU per request
(profiled and not) and the top functions.

    SCIFACT_DIR=../shared/eval/scifact .venv/bin/python bench/profile_search.py [--dir /tmp/kb-profile] [--queries 400]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.distinct import distinct_queries, vocabulary
from bench.relevance import SCIFACT, write_scifact_content
from bench.scale import BIN, ROOT


def prepare(folder: Path) -> None:
    """The content, the database and the index in ``folder``, unless they are there already."""
    os.environ.update({"KB_CONTENT_DIR": str(folder / "content"), "KB_INSTANCE_DIR": str(folder / "instance"), "KB_SECRET_KEY": "bench"})
    if (folder / "instance").exists():
        return
    write_scifact_content(folder / "content")
    for command in (["db", "upgrade"], ["index", "--rebuild"]):
        subprocess.run([str(BIN / "flask"), "--app", "app", "kb", *command], cwd=ROOT, check=True, capture_output=True)


def cpu_per_request(client, queries: list[str]) -> float:
    started = time.process_time()
    for query in queries:
        assert client.get("/api/search?" + urllib.parse.urlencode({"q": query})).status_code == 200
    return (time.process_time() - started) / len(queries) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/kb-profile"))
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--warm", type=int, default=200)
    args = parser.parse_args()
    prepare(args.dir)
    from app import app  # after the environment names the folders

    client = app.test_client()
    queries = distinct_queries(vocabulary(SCIFACT / "queries.jsonl"), args.warm + 2 * args.queries, seed=99)
    cpu_per_request(client, queries[: args.warm])
    profile = cProfile.Profile(time.thread_time)
    profiled = profile.runcall(cpu_per_request, client, queries[args.warm : args.warm + args.queries])
    plain = cpu_per_request(client, queries[args.warm + args.queries :])
    print(f"{plain:.2f} ms CPU per request ({profiled:.2f} profiled), {args.queries} distinct queries")
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
