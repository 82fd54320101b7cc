"""Search in the offline bundle: the index's size and the time to first result in Chromium from
``file://``, for the starter content and for a synthetic corpus (bench/scale.py's generator).

    .venv/bin/python bench/offline_search.py [--articles N] [--people N] [--reuse DIR]

For each corpus: the time to write ``search/index.js``, its size (raw and zipped, as a bundle
carries it), then in Chromium the time from navigation to the first results shown on
search.html?q=..., how much of it is loading the index, and the time of further searches (each
word as typed, as the search box asks while you type).
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale import generate
from kb.content import load_content
from kb.export import search_index

CHROMIUM = "/usr/bin/chromium"
QUERIES = ["LOA", "letter of offer and acceptance", '"case closure"', "eligibilty", "training", "end-use monitoring"]
TYPED = ["le", "let", "lett", "lette", "letter", "letter o", "letter of off"]
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Search</title></head>
<body><header>{box}</header><main id="main">{body}</main></body></html>"""


def write_bundle(content_dir: Path, folder: Path) -> dict[str, float]:
    started = time.perf_counter()
    content = load_content(content_dir)
    public = [d for d in content.documents if d.public]
    loaded = time.perf_counter()
    path = search_index.write(folder, public, content.glossary, lambda doc: f"{doc.kind}s/{doc.id}.html")
    written = time.perf_counter()
    for asset in search_index.ASSETS:
        (folder / "static" / asset).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "static" / asset, folder / "static" / asset)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=True)
    box, body = (env.get_template(f"export/{name}").render(root="") for name in ("_search_box.html", "_search_results.html"))
    (folder / "search.html").write_text(PAGE.format(box=box, body=body))
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, "search/index.js")
        archive.write(path.parent / "phrases.js", "search/phrases.js")
    return {
        "documents": len(public) + len({e.term for e in content.glossary}),
        "load content s": loaded - started,
        "write index s": written - loaded,
        "index MB": path.stat().st_size / 1e6,
        "index and phrases zipped MB": len(zipped.getvalue()) / 1e6,
        "phrases MB": (path.parent / "phrases.js").stat().st_size / 1e6,
    }


def browser_times(folder: Path, rounds: int = 4) -> dict[str, float]:
    """Medians over ``rounds`` page loads, half of them searching "LOA" (whose expansion is a
    phrase, so the phrase pairs load too), half "letter of offer and acceptance" (no phrase)."""
    from playwright.sync_api import sync_playwright

    first: dict[str, list[float]] = {QUERIES[0]: [], QUERIES[1]: []}
    ready, later = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for n in range(rounds):
            page = browser.new_page()
            page.route("http*://**", lambda route: route.abort())
            page.set_default_timeout(300_000)
            page.goto((folder / "search.html").as_uri() + "?q=" + QUERIES[n % 2])
            page.wait_for_function("window.KBOfflineSearch && KBOfflineSearch.timings && KBOfflineSearch.timings.firstResult")
            timings = page.evaluate("KBOfflineSearch.timings")
            first[QUERIES[n % 2]].append(timings["firstResult"])
            ready.append(timings["indexed"])
            later += page.evaluate(
                """([queries, typed]) => KBOfflineSearch.prepare("", queries.join(" ")).then(() =>
                     queries.map(q => [q, false]).concat(typed.map(q => [q, true])).map(([q, typing]) => {
                       const t = performance.now(); KBOfflineSearch.search(q, typing); return performance.now() - t; }))""",
                [QUERIES, TYPED],
            )
            page.close()
        browser.close()
    return {
        "first result, LOA ms": statistics.median(first[QUERIES[0]]),
        "first result, no phrase ms": statistics.median(first[QUERIES[1]]),
        "index ready ms (median)": statistics.median(ready),
        "a further search ms (median)": statistics.median(later),
        "a further search ms (max)": max(later),
    }


def measure(name: str, content_dir: Path, folder: Path) -> None:
    facts = {**write_bundle(content_dir, folder), **browser_times(folder)}
    print(f"\n{name}")
    for key, value in facts.items():
        print(f"  {key:34} {value:,.1f}" if isinstance(value, float) else f"  {key:34} {value:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--reuse", type=Path, help="keep the synthetic corpus here (generated when missing)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure("starter content", ROOT / "content", Path(tmp) / "starter")
        corpus = args.reuse or Path(tmp) / "corpus"
        if not (corpus / "articles").exists():
            generate(corpus, args.articles, args.people)
        measure(f"synthetic: {args.articles:,} articles, {args.people:,} people", corpus, Path(tmp) / "synthetic")


if __name__ == "__main__":
    main()
