"""`make bench`: relevance, scale, load and hostile queries, one after the other, each printing its figures.

    .venv/bin/python bench/run.py [--quick]

--quick is CI-sized: 60 SciFact queries, 1,000 articles + 2,000 people, 15 s of load.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = ["--quick"] if args.quick else []
    runs = [
        ["relevance.py", *quick],
        ["judged_people.py"],
        ["scale.py", *quick],
        ["directory.py", *quick],
        ["searchlog.py", *(["--rounds", "10"] if args.quick else [])],
        ["hostile_queries.py", *(["--rounds", "5"] if args.quick else [])],
        ["load.py", "--seconds", "15" if args.quick else "60"],
    ]
    print(
        f"# make bench{' (quick)' if args.quick else ''}: {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}"
    )
    failed = []
    for script, *options in runs:
        print(f"\n## {script} {' '.join(options)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *options]).returncode:
            failed.append(script)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
