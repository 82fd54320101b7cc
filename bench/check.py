"""How long `kb check` takes on a large generated content folder, on one core.

    .venv/bin/python bench/check.py [--articles 10000]

Generates articles (bench/scale.py's corpus, with links, aliases and experts; people are
scaled down to 1,000 since the target is about articles) and times ``check_folder`` in
this process, pinned to one CPU where the OS allows it. Target: under 5 s for 10,000 articles.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scale import generate
from kb.health.checker import check_folder

TARGET_S = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=1_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory() as scratch:
        content = Path(scratch) / "content"
        generate(content, args.articles, args.people)
        started, cpu = time.perf_counter(), time.process_time()
        result = check_folder(content, dt.date.today())
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"kb check: {args.articles:,} articles + {args.people:,} people on one core: {seconds:.2f} s wall, "
        f"{cpu:.2f} s CPU (target {TARGET_S:.0f} s); {result.errors} errors, {result.warnings} warnings "
        f"(the generated corpus repeats aliases); load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
