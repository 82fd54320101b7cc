"""Relevance through the app's own indexing and search.

1. SciFact (BEIR test split, ../shared/eval/scifact): each abstract becomes an article of a
   scratch content repository, `kb.repository.sync` indexes it and every query runs through
   `kb.search.search` (the code behind /api/search). Prints nDCG@10, Recall@10, Recall@100
   next to the published BM25 figures.
2. The judged SC query set (bench/judged/*.yml) over content/: top-3 accuracy and MRR per kind.

    .venv/bin/python bench/relevance.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.judged import evaluate, load_judgements, summarize
from kb.access import ANONYMOUS
from kb.index import QueryTooCostly, SearchIndex
from kb.queries import SearchRequest
from kb.repository.sync import sync
from kb.search import search

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = Path(os.environ.get("SCIFACT_DIR", ROOT.parent / "shared" / "eval" / "scifact"))  # SCIFACT_DIR: from a worktree
PUBLISHED = {"BM25, BEIR paper (Elasticsearch)": 0.665, "BM25, Anserini flat": 0.679}
TARGET_NDCG = 0.69


def write_scifact_content(folder: Path, limit: int | None = None) -> int:
    """One article per abstract: title in the frontmatter, abstract as the body."""
    articles = folder / "articles" / "scifact"
    articles.mkdir(parents=True)
    count = 0
    with open(SCIFACT / "corpus.jsonl", encoding="utf-8") as corpus:
        for line in corpus:
            doc = json.loads(line)
            front = yaml.safe_dump({"title": doc["title"] or doc["_id"]}, allow_unicode=True, width=10_000)
            (articles / f"{doc['_id']}.md").write_text(f"---\n{front}---\n{doc['text']}\n", encoding="utf-8")
            count += 1
            if limit and count >= limit:
                break
    return count


def load_qrels() -> dict[str, set[str]]:
    qrels: dict[str, set[str]] = {}
    for line in (SCIFACT / "qrels.tsv").read_text().splitlines()[1:]:
        query_id, doc_id, score = line.split("\t")
        if int(score) > 0:
            qrels.setdefault(query_id, set()).add(doc_id)
    return qrels


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    gain = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return gain / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant)


def scifact(quick: bool) -> dict[str, float] | None:
    if not (SCIFACT / "corpus.jsonl").exists():
        print(f"SciFact: skipped ({SCIFACT} not found; it ships with the project's shared test material)")
        return None
    qrels = load_qrels()
    queries = [json.loads(line) for line in (SCIFACT / "queries.jsonl").read_text().splitlines()]
    queries = [q for q in queries if q["_id"] in qrels]
    with tempfile.TemporaryDirectory() as scratch:
        content = Path(scratch) / "content"
        docs = write_scifact_content(content, limit=None)
        index = SearchIndex(Path(scratch) / "index")
        started = time.perf_counter()
        sync(content, index, rebuild=True)
        build_seconds = time.perf_counter() - started
        if quick:
            queries = queries[:60]
        scores = {"ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0}
        refused = 0
        started = time.perf_counter()
        for query in queries:
            try:
                page = search(index, ANONYMOUS, SearchRequest(q=query["text"], per_page=100))
            except QueryTooCostly:  # a claim with too much query syntax: the app refuses it, so it ranks nothing
                refused += 1
                continue
            ranked = [hit.id.split("/", 1)[1] for hit in page.hits]
            relevant = qrels[query["_id"]]
            scores["ndcg@10"] += ndcg_at(ranked, relevant)
            scores["recall@10"] += recall_at(ranked, relevant, 10)
            scores["recall@100"] += recall_at(ranked, relevant, 100)
        query_ms = (time.perf_counter() - started) / len(queries) * 1000
        index.close()
    scores = {k: v / len(queries) for k, v in scores.items()}
    print(
        f"SciFact ({docs} abstracts, {len(queries)} queries{', quick subset' if quick else ''}): "
        f"indexed in {build_seconds:.1f} s ({docs / build_seconds:.0f} docs/s), {query_ms:.1f} ms/query (top 100), {refused} refused"
    )
    print(
        f"  nDCG@10 {scores['ndcg@10']:.3f}   Recall@10 {scores['recall@10']:.3f}   "
        f"Recall@100 {scores['recall@100']:.3f}   (target nDCG@10 >= {TARGET_NDCG})"
    )
    for name, value in PUBLISHED.items():
        print(f"  published {name}: nDCG@10 {value:.3f}")
    return scores


def judged_sc() -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as scratch:
        index = SearchIndex(Path(scratch) / "index")
        sync(ROOT / "content", index, rebuild=True)
        outcomes = evaluate(index, load_judgements())
        index.close()
    summary = summarize(outcomes)
    print(f"Judged SC queries ({summary['all']['queries']} over content/): right answer in the top 3, MRR@10")
    for kind, row in summary.items():
        print(f"  {kind:<10} {row['queries']:>4} queries   top-3 {row['top3']:.1%}   MRR {row['mrr']:.3f}")
    for outcome in outcomes:
        if not outcome.in_top3:
            print(f"  miss [{outcome.judgement.kind}] {outcome.judgement.query!r}: got {list(outcome.ranked[:3])}")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 SciFact queries instead of 300")
    args = parser.parse_args()
    judged_sc()
    scifact(args.quick)


if __name__ == "__main__":
    main()
