"""Update speed on an existing corpus and index: `kb index` once after one changed file, and the
`kb watch` round (its memory kept between rounds), each timed in CPU and wall seconds.

    .venv/bin/python bench/updates.py --content DIR --index DIR [--tree DIR] [--rounds 4]

``--tree`` is the code to measure (default: this checkout), so two releases can be compared on
copies of one index in the same sitting (``git archive REV kb app.py | tar -x -C DIR``). Each
round edits a different public article. Build the corpus and index once with `bench/scale.py
--reuse DIR` (DIR/content, DIR/index).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AREAS = ["fms", "dcs", "financing", "bpc", "training", "eda", "tech-security", "logistics", "sco", "assessment", "humanitarian", "workforce"]


def article(content: Path, n: int) -> str:
    """The n-th article to edit: public (bench/scale.py makes every 25th staff-only), and existing."""
    number = 4001 + 7 * n
    number += number % 25 == 0
    rel = f"articles/{AREAS[number % len(AREAS)]}/topic-{number:05d}.md"
    return rel if (content / rel).exists() else article(content, n + 1)


def edit(content: Path, rel: str) -> None:
    path = content / rel
    path.write_text(path.read_text().replace("\n---\n", f"\n---\nEdited for bench/updates.py at {time.time()}.\n", 1))


def one_shot(args: argparse.Namespace) -> list[tuple[float, float]]:
    env = {**os.environ, "KB_CONTENT_DIR": str(args.content), "KB_INDEX_DIR": str(args.index), "KB_SECRET_KEY": "bench"}
    figures = []
    for n in range(args.rounds):
        edit(args.content, article(args.content, n))
        before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        command = [str(Path(sys.executable).parent / "flask"), "--app", "app", "kb", "index"]
        subprocess.run(command, cwd=args.tree, env=env, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, time.perf_counter() - started))
    return figures


def watch_rounds(args: argparse.Namespace) -> list[tuple[float, float]]:
    """What `kb watch` does for one changed file, in this process (the tree's code imported)."""
    sys.path.insert(0, str(args.tree))
    from kb.index import SearchIndex
    from kb.repository.sync import Memory, sync

    index, memory, figures = SearchIndex(args.index), Memory(), []
    sync(args.content, index, memory=memory)
    for n in range(args.rounds):
        rel = article(args.content, 100 + n)
        edit(args.content, rel)
        cpu, started = time.process_time(), time.perf_counter()
        sync(args.content, index, changed=[rel], memory=memory)
        figures.append((time.process_time() - cpu, time.perf_counter() - started))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    for name, measure in (("kb index once, one changed file", one_shot), ("kb watch round, one changed file", watch_rounds)):
        figures = measure(args)
        cpu, wall = statistics.median(f[0] for f in figures), statistics.median(f[1] for f in figures)
        print(f"{name}: median {cpu:.2f} s CPU, {wall:.2f} s wall over {len(figures)} rounds (load {os.getloadavg()[0]:.1f}; {args.tree})")


if __name__ == "__main__":
    main()
