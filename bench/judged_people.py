"""The judged person queries (bench/judged_people.yml): MRR and top-3 through both APIs.

``/api/search?type=person&q=`` and ``/api/people?q=`` are asked through a Flask test client,
as an anonymous reader. Used by the test suite (the quality bar) and run as a script::

    .venv/bin/python bench/judged_people.py      # indexes content/ into a temporary folder
    .venv/bin/python bench/judged_people.py --content bench/heldout/content --judged bench/heldout/judged_people.yml

The second set (``bench/heldout/``) is a content repository the ranking was never tuned on:
36 people, 12 articles, its own ``regions.yml`` and 59 judged queries, written by someone who
did not read the ranking code.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
JUDGED = Path(__file__).resolve().parent / "judged_people.yml"
ENDPOINTS = {"search": "/api/search?type=person&per_page=10&q=", "people": "/api/people?per_page=10&q="}


@dataclass(frozen=True)
class PersonJudgement:
    query: str
    answers: frozenset[str]


def load(path: Path = JUDGED) -> list[PersonJudgement]:
    return [PersonJudgement(str(item["query"]), frozenset(item["answers"])) for item in yaml.safe_load(path.read_text())]


def ranked(client, endpoint: str, query: str) -> list[str]:
    from urllib.parse import quote

    data = client.get(ENDPOINTS[endpoint] + quote(query)).get_json()
    return [r["id"] for r in data["results"]]


def evaluate(client, judgements: list[PersonJudgement], endpoint: str) -> dict[str, object]:
    """MRR@10, top-3 share and the misses (query, first three ids) of one endpoint."""
    reciprocal, top3, misses = 0.0, 0, []
    for judgement in judgements:
        ids = ranked(client, endpoint, judgement.query)
        rank = next((i + 1 for i, found in enumerate(ids) if found in judgement.answers), None)
        reciprocal += 1 / rank if rank else 0.0
        top3 += bool(rank and rank <= 3)
        if not rank or rank > 3:
            misses.append((judgement.query, ids[:3]))
    return {"queries": len(judgements), "mrr": reciprocal / len(judgements), "top3": top3 / len(judgements), "misses": misses}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=ROOT / "content", help="content folder to index (default: content/)")
    parser.add_argument("--judged", type=Path, default=JUDGED, help="judged queries (default: bench/judged_people.yml)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from kb import create_app
    from kb.index import SearchIndex
    from kb.repository.sync import sync

    with tempfile.TemporaryDirectory() as tmp:
        index = SearchIndex(Path(tmp) / "index")
        sync(args.content, index)
        app = create_app(
            {
                "CONTENT_DIR": str(args.content),
                "INDEX_DIR": str(index.directory),
                "SECRET_KEY": "bench",
                "INSTANCE_DIR": str(Path(tmp) / "instance"),
            }
        )
        client = app.test_client()
        judgements = load(args.judged)
        for endpoint in ENDPOINTS:
            result = evaluate(client, judgements, endpoint)
            print(f"{ENDPOINTS[endpoint]:<45} {result['queries']} queries: MRR@10 {result['mrr']:.3f}, top-3 {result['top3']:.1%}")
            for query, ids in result["misses"]:
                print(f"    miss: {query!r} -> {ids}")
        app.extensions["kb.index"].close()
        index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
