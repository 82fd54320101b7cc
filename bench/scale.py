"""Speed and scale with the real app: build, incremental updates, start-up, latency, memory.

Generates a deterministic SC-like content repository (10,000 articles, 20,000 people by
default), then measures `flask kb index` (full build, one changed file, 100 changed files),
gunicorn start-up with an existing index, and server-side latency over HTTP against gunicorn
with 2 workers (the app's `Server-Timing` header), next to SQLite FTS5 on the same documents
and queries as a reference whose ratio holds on a noisy machine.

    .venv/bin/python bench/scale.py [--articles N] [--people N] [--quick] [--reuse DIR]

``--reuse DIR`` keeps the corpus and index in DIR; when DIR already holds them (a full build
takes minutes at 30,000 documents), only the server is measured again.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AREAS = ["fms", "dcs", "financing", "bpc", "training", "eda", "tech-security", "logistics", "sco", "assessment", "humanitarian", "workforce"]
REGIONS = ["AFRICOM", "CENTCOM", "EUCOM", "INDOPACOM", "NORTHCOM", "SOUTHCOM"]
LANGUAGES = ["Arabic", "French", "Spanish", "Portuguese", "Korean", "Japanese", "Russian", "Swahili", "Tagalog"]
TARGETS = {
    "search p50 ms": 8,
    "search p95 ms": 25,
    "page p95 ms": 10,
    "build docs/s": 400,
    "visible after commit s": 1.0,
    "one change s": 1.0,
    "start s": 2.0,
    "worker MB": 300,
}


# --- a deterministic SC-like corpus -------------------------------------------------------


def vocabulary() -> tuple[list[str], list[tuple[str, str]]]:
    """Words (by frequency) and glossary terms from the starter content, so text reads like SC."""
    counts: dict[str, int] = {}
    for path in (ROOT / "content" / "articles").rglob("*.md"):
        for word in re.findall(r"[A-Za-z][a-z]{2,}", path.read_text(encoding="utf-8")):
            counts[word.lower()] = counts.get(word.lower(), 0) + 1
    words = sorted(counts, key=lambda w: -counts[w])
    glossary = yaml.safe_load((ROOT / "content" / "glossary.yml").read_text(encoding="utf-8"))
    terms = [(g["term"], g.get("expansion") or g["term"]) for g in glossary if re.fullmatch(r"[A-Z0-9]{2,6}", g["term"])]
    return words, terms


def is_staff(article_number: int) -> bool:
    return article_number % 25 == 0


def zipf_words(rng: random.Random, words: list[str], n: int) -> list[str]:
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return rng.choices(words, weights=weights, k=n)


def article_slugs(articles: int) -> list[str]:
    return [f"{AREAS[i % len(AREAS)]}/topic-{i:05d}" for i in range(articles)]


def generate(folder: Path, articles: int, people: int, seed: int = 7) -> list[str]:
    """Write the corpus; returns the article slugs."""
    rng = random.Random(seed)
    words, terms = vocabulary()
    for sub in ("areas", "articles", "people"):
        (folder / sub).mkdir(parents=True)
    for n, area in enumerate(AREAS):
        (folder / "areas" / f"{area}.md").write_text(f"---\ntitle: Area {area}\norder: {n}\n---\n" + " ".join(zipf_words(rng, words, 300)) + "\n")
    shutil.copy(ROOT / "content" / "glossary.yml", folder / "glossary.yml")
    person_ids = [f"person-{i:05d}" for i in range(people)]
    slugs = article_slugs(articles)
    for i, slug in enumerate(slugs):
        length = min(3000, max(80, int(rng.lognormvariate(6.2, 0.6))))  # median ~490 words
        body = zipf_words(rng, words, length)
        for _ in range(length // 60):  # acronyms sprinkled in, as SC writing does
            body.insert(rng.randrange(len(body)), rng.choice(terms)[0])
        paragraphs = [" ".join(body[k : k + 80]) + "." for k in range(0, len(body), 80)]
        links = " ".join(f"[[{rng.choice(slugs)}]]" for _ in range(3))
        title = " ".join(zipf_words(rng, words[:2000], rng.randint(3, 7))).capitalize()
        front = {
            "title": title,
            "summary": " ".join(zipf_words(rng, words, 20)) + ".",
            "areas": sorted({AREAS[i % len(AREAS)], rng.choice(AREAS)}),
            "tags": sorted(set(zipf_words(rng, words[:300], 3))),
            "experts": rng.sample(person_ids, 2),
            "aliases": [rng.choice(terms)[0]],
            "review_by": "2027-06-30",
            "related": [rng.choice(slugs)],
            "access": "staff" if is_staff(i) else "public",
        }
        sections = "\n\n## ".join(["\n\n".join(paragraphs[k : k + 3]) for k in range(0, len(paragraphs), 3)])
        path = folder / "articles" / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n{sections}\n\nSee also {links}.\n")
    for person in person_ids:
        front = {
            "name": f"{rng.choice(words[:500]).capitalize()} {rng.choice(words[:2000]).capitalize()}",
            "title": "Security cooperation specialist",
            "organization": "DSCA",
            "email": f"{person}@example.mil",
            "areas": rng.sample(AREAS, 2),
            "expertise": zipf_words(rng, words[:1000], 4),
            "regions": [rng.choice(REGIONS)],
            "languages": rng.sample(LANGUAGES, 2),
            "certification": "SC Workforce Certification, Advanced",
        }
        (folder / "people" / f"{person}.md").write_text(f"---\n{yaml.safe_dump(front)}---\n" + " ".join(zipf_words(rng, words, 90)) + "\n")
    return slugs


def query_mix(rng: random.Random, words: list[str], terms: list[tuple[str, str]], slugs: list[str]) -> list[tuple[str, str]]:
    """(kind, URL path) pairs: the fixed mix of searches, suggestions and page views."""
    common, rare = words[20:400], words[2000:6000]
    public = [slug for n, slug in enumerate(slugs) if not is_staff(n)]  # staff pages are 404s to anonymous readers
    mix = []
    for _ in range(40):
        mix += [
            ("one word", "/api/search?q=" + rng.choice(rare)),
            ("several words", "/api/search?q=" + "+".join(rng.sample(common, 3))),
            ("phrase", "/api/search?q=" + urllib.parse.quote(f'"{rng.choice(common)} {rng.choice(common)}"')),
            ("acronym", "/api/search?q=" + urllib.parse.quote(rng.choice(terms)[0])),
            ("facet filter", f"/api/search?q={rng.choice(common)}&area={rng.choice(AREAS)}&type=article"),
            ("person query", f"/api/search?q={rng.choice(common)}+{rng.choice(LANGUAGES)}&type=person"),
            ("suggestion", "/api/suggest?q=" + rng.choice(common)[:4]),
            ("article page", "/articles/" + rng.choice(public)),
        ]
    return mix


# --- measuring ------------------------------------------------------------------------------


def kb_index(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "flask"), "--app", "app", "kb", "index", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def touch(path: Path, n: int, marker: str = "") -> None:
    text = path.read_text()
    path.write_text(text.replace("\n---\n", f"\n---\nEdited for the benchmark, round {n}. {marker}\n", 1))


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    start_seconds: float

    def get(self, path: str) -> tuple[int, float, float]:
        """(status, server-side ms from Server-Timing, client ms)."""
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as response:
                status, timing = response.status, response.headers.get("Server-Timing", "")
                response.read()
        except urllib.error.HTTPError as error:
            status, timing = error.code, error.headers.get("Server-Timing", "")
        client = (time.perf_counter() - started) * 1000
        server = float(timing.split("dur=")[1]) if "dur=" in timing else client
        return status, server, client

    def worker_rss_mb(self) -> list[float]:
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return sizes

    def wait_idle(self, seconds: float = 0.5, timeout: float = 60.0) -> None:
        """Until the workers use no CPU for ``seconds`` (their background read-ahead is done)."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        started, last = time.perf_counter(), None
        while time.perf_counter() - started < timeout:
            used = sum(sum(map(int, Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13])) for pid in children)
            if used == last:
                return
            last = used
            time.sleep(seconds)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def start_server(env: dict[str, str], port: int, workers: int = 2, log: Path | None = None) -> Server:
    """gunicorn on 127.0.0.1, once ``/healthz`` answers; its log (and its children's) to ``log`` if given."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w") if log else subprocess.DEVNULL,
    )
    server = Server(process, f"http://127.0.0.1:{port}", 0.0)
    while True:
        try:
            if server.get("/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.02)
        if time.perf_counter() - started > 60:
            raise RuntimeError("gunicorn did not start")
    server.start_seconds = time.perf_counter() - started
    return server


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- the reference engine -----------------------------------------------------------------


def fts5_reference(content: Path, mix: list[tuple[str, str]]) -> dict[str, float]:
    """SQLite FTS5 (bm25, snippet) on the same articles and the same search queries."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, title, body, tokenize='porter unicode61')")
    started = time.perf_counter()
    rows = []
    for path in (content / "articles").rglob("*.md"):
        text = path.read_text()
        title = re.search(r"^title: (.*)$", text, re.MULTILINE).group(1)
        rows.append((str(path), title, text.split("\n---\n", 1)[1]))
    db.executemany("INSERT INTO docs VALUES (?, ?, ?)", rows)
    db.commit()
    build = time.perf_counter() - started
    latencies: dict[str, list[float]] = {}
    for kind, path in mix:
        if not path.startswith("/api/search"):
            continue
        q = urllib.parse.parse_qs(urllib.parse.urlparse(path).query).get("q", [""])[0]
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in re.findall(r'"[^"]+"|\S+', q))
        started = time.perf_counter()
        db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()
        db.execute(
            "SELECT slug, title, snippet(docs, 2, '<mark>', '</mark>', ' … ', 24) FROM docs WHERE docs MATCH ? "
            "ORDER BY bm25(docs, 4.0, 1.0) LIMIT 10",
            (match,),
        ).fetchall()
        latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    every = [ms for values in latencies.values() for ms in values]
    by_kind = {f"{kind} p50": statistics.median(values) for kind, values in latencies.items()}
    return {"build docs/s": len(rows) / build, "p50": statistics.median(every), "p95": percentile(every, 95), **by_kind}


# --- the run ------------------------------------------------------------------------------


def build_and_update(env: dict[str, str], content: Path, slugs: list[str], docs: int) -> dict[str, float]:
    """The full build, then update runs after one, a hundred and no changed files."""
    figures = {"build s": kb_index(env, "--rebuild")}
    figures["build docs/s"] = docs / figures["build s"]
    figures["build peak MB"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    touch(content / "articles" / f"{slugs[1]}.md", 1)
    figures["one change s"] = kb_index(env)
    for slug in slugs[2:102]:
        touch(content / "articles" / f"{slug}.md", 2)
    figures["100 changes s"] = kb_index(env)
    figures["no change s"] = kb_index(env)
    return figures


def visible_after_commit(env: dict[str, str], content: Path, slugs: list[str], server: Server) -> dict[str, float]:
    """An update run with the server running, then the seconds until the server finds the changed text."""
    touch(content / "articles" / f"{slugs[3]}.md", 3, marker="zyzzyvaquux")
    update = kb_index(env)
    started = time.perf_counter()
    while json.loads(urllib.request.urlopen(server.base + "/api/search?q=zyzzyvaquux").read())["total"] < 1:
        time.sleep(0.005)
    return {"one change, running server s": update, "visible after commit s": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="1,000 articles and 2,000 people")
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--reuse", type=Path, help="keep the corpus and index in this folder; measure only the server when it has them")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.people = 1_000, 2_000
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.reuse or Path(scratch)
        content, index_dir = folder / "content", folder / "index"
        env = {**os.environ, "KB_CONTENT_DIR": str(content), "KB_INDEX_DIR": str(index_dir), "KB_SECRET_KEY": "bench", "KB_SERVER_TIMING": "1"}
        reused = index_dir.exists()
        if reused:
            slugs = article_slugs(args.articles)
        else:
            slugs = generate(content, args.articles, args.people)
            figures.update(build_and_update(env, content, slugs, args.articles + args.people + len(AREAS)))
        server = start_server(env, args.port)
        figures["start s"] = server.start_seconds
        server.get("/api/search?q=warm")
        if not reused:
            figures.update(visible_after_commit(env, content, slugs, server))
        words, terms = vocabulary()
        mix = query_mix(random.Random(11), words, terms, slugs)
        for _, path in mix[:40]:  # warm both workers' searchers (first open of the index)
            server.get(path)
        server.wait_idle()  # measure the steady state, not the workers' read-ahead
        by_kind: dict[str, list[float]] = {}
        errors = 0
        for kind, path in mix:
            status, server_ms, _ = server.get(path)
            errors += status != 200
            by_kind.setdefault(kind, []).append(server_ms)
        searches = [ms for kind, values in by_kind.items() if kind not in ("article page", "suggestion") for ms in values]
        figures["search p50 ms"] = statistics.median(searches)
        figures["search p95 ms"] = percentile(searches, 95)
        figures["search p99 ms"] = percentile(searches, 99)
        figures["page p95 ms"] = percentile(by_kind["article page"], 95)
        figures["suggest p95 ms"] = percentile(by_kind["suggestion"], 95)
        figures["errors"] = errors
        figures["worker MB"] = max(server.worker_rss_mb())
        server.stop()
        print(f"Scale: {args.articles:,} articles + {args.people:,} people (+ areas, glossary), {len(mix)} requests over HTTP, gunicorn 2 workers")
        for kind, values in by_kind.items():
            print(
                f"  {kind:<14} p50 {statistics.median(values):7.1f} ms   p95 {percentile(values, 95):7.1f} ms   p99 {percentile(values, 99):7.1f} ms"
            )
        reference = fts5_reference(content, mix)
        for kind, values in by_kind.items():
            if f"{kind} p50" in reference:
                print(f"  {kind:<14} p50 {statistics.median(values) / reference[f'{kind} p50']:7.1f}x FTS5's ({reference[f'{kind} p50']:.1f} ms)")
        figures["fts5 p50 ms"], figures["fts5 p95 ms"] = reference["p50"], reference["p95"]
        figures["ratio p50"] = figures["search p50 ms"] / reference["p50"]
        figures["ratio p95"] = figures["search p95 ms"] / reference["p95"]
    for name, value in figures.items():
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            met = value >= target if name.endswith("docs/s") else value <= target
            verdict = f"   target {'>=' if name.endswith('docs/s') else '<='} {target}: {'met' if met else 'NOT met'}"
        print(f"  {name:<16} {value:10.2f}{verdict}")
    print(
        f"  (SQLite FTS5 reference: search p50 {figures['fts5 p50 ms']:.2f} ms, p95 {figures['fts5 p95 ms']:.2f} ms; "
        f"ours is {figures['ratio p50']:.0f}x / {figures['ratio p95']:.0f}x)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
