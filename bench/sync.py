"""From `git push` to searchable: the webhook, `kb sync` (pull + index the changed file), a search.

    .venv/bin/python bench/sync.py [--articles N] [--people N] [--rounds 5]

Builds a generated content repository (bench/scale.py's corpus), a bare "origin", the
server's clone (indexed once) and an expert's clone; serves the server's clone with
gunicorn (2 workers) and KB_WEBHOOK_SECRET. Each round the expert changes one article,
commits and pushes; the bench then POSTs the webhook as GitLab would and polls
/api/search for the new word. Reported: push to searchable (webhook to first hit), and
`kb sync` alone (one changed file). Target: 1 s at 30,000 documents.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scale import AREAS, BIN, ROOT, generate, start_server
from kb.repository.updater import _exclusive

SECRET = "bench-secret"  # noqa: S105 - a throwaway webhook secret for the benchmark
TARGET_S = 1.0


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Bench Expert",
        "GIT_AUTHOR_EMAIL": "bench@example.mil",
        "GIT_COMMITTER_NAME": "Bench Expert",
        "GIT_COMMITTER_EMAIL": "bench@example.mil",
    }
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True, env=env).stdout


def search_total(base: str, word: str) -> int:
    with urllib.request.urlopen(f"{base}/api/search?q={word}", timeout=30) as response:
        return json.loads(response.read())["total"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=5078)
    args = parser.parse_args()
    docs = args.articles + args.people + len(AREAS)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        scratch = Path(scratch)
        seed, origin, server_dir, expert = (scratch / n for n in ("seed", "origin.git", "server", "expert"))
        slugs = generate(seed, args.articles, args.people)
        git(seed, "init", "-q", "-b", "main")
        git(seed, "add", "-A")
        git(seed, "commit", "-q", "-m", "generated corpus")
        git(scratch, "clone", "-q", "--bare", str(seed), str(origin))
        git(scratch, "clone", "-q", str(origin), str(server_dir))
        git(scratch, "clone", "-q", str(origin), str(expert))
        env = {
            **os.environ,
            "KB_CONTENT_DIR": str(server_dir),
            "KB_INDEX_DIR": str(scratch / "index"),
            "KB_INSTANCE_DIR": str(scratch / "instance"),
            "KB_SECRET_KEY": "bench",
            "KB_WEBHOOK_SECRET": SECRET,
        }
        started = time.perf_counter()
        subprocess.run([str(BIN / "flask"), "--app", "app", "kb", "index"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        build = time.perf_counter() - started
        server = start_server(env, args.port, log=scratch / "server.log")
        try:
            search_total(server.base, "warm")
            visible, sync_alone = [], []
            for n in range(args.rounds):
                word = f"zyzzyva{n}quux"
                path = expert / "articles" / f"{slugs[n * 7 + 1]}.md"
                path.write_text(path.read_text().replace("\n---\n", f"\n---\nPushed for the benchmark: {word}.\n", 1))
                git(expert, "commit", "-q", "-am", f"bench round {n}")
                git(expert, "push", "-q", "origin", "main")
                started = time.perf_counter()
                request = urllib.request.Request(
                    server.base + "/hooks/content", data=b"{}", method="POST", headers={"X-Gitlab-Token": SECRET, "Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    assert response.status == 202
                while search_total(server.base, word) < 1:
                    time.sleep(0.01)
                    if time.perf_counter() - started > 120:
                        print((scratch / "server.log").read_text()[-3000:])
                        raise RuntimeError("the change never became searchable")
                visible.append(time.perf_counter() - started)
            # `kb sync` on its own, one more pushed change
            path = expert / "articles" / f"{slugs[3]}.md"
            path.write_text(path.read_text() + "\nOne more change.\n")
            git(expert, "commit", "-q", "-am", "bench: sync alone")
            git(expert, "push", "-q", "origin", "main")
            time.sleep(0.5)  # let the last webhook's updater finish
            started = time.perf_counter()
            subprocess.run(
                [str(BIN / "flask"), "--app", "app", "kb", "sync"],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            sync_alone.append(time.perf_counter() - started)
        finally:
            server.stop()
            with _exclusive(scratch / "index", wait=True):  # let a last webhook's updater finish
                pass
    print(
        f"Sync: {docs:,} documents ({args.articles:,} articles, {args.people:,} people) in a git repository; "
        f"first index {build:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"  push -> searchable (webhook, kb sync, search): median {statistics.median(visible):.2f} s, "
        f"max {max(visible):.2f} s over {len(visible)} pushes (target {TARGET_S:.0f} s)"
    )
    print(f"  kb sync alone (pull + one changed file): {sync_alone[0]:.2f} s")


if __name__ == "__main__":
    main()
