"""The judged SC query set (bench/judged/*.yml) and how search scores on it.

Shared by the test suite (the quality bar) and bench/relevance.py (the report).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.access import ANONYMOUS
from kb.index import SearchIndex
from kb.queries import SearchRequest
from kb.search import search

JUDGED_DIR = Path(__file__).resolve().parent / "judged"


@dataclass(frozen=True)
class Judgement:
    query: str
    kind: str
    answers: frozenset[str]
    source: str


@dataclass(frozen=True)
class Outcome:
    judgement: Judgement
    ranked: tuple[str, ...]

    @property
    def rank(self) -> int | None:
        """1-based rank of the first right answer, or None."""
        return next((i + 1 for i, key in enumerate(self.ranked) if key in self.judgement.answers), None)

    @property
    def in_top3(self) -> bool:
        return self.rank is not None and self.rank <= 3


def load_judgements(folder: Path = JUDGED_DIR) -> list[Judgement]:
    judgements = []
    for path in sorted(folder.glob("*.yml")):
        for item in yaml.safe_load(path.read_text()) or []:
            judgements.append(Judgement(str(item["query"]), item["kind"], frozenset(item["answers"]), path.name))
    return judgements


def evaluate(index: SearchIndex, judgements: list[Judgement], depth: int = 10) -> list[Outcome]:
    """Run each query through the app's search, as an anonymous reader."""
    outcomes = []
    for judgement in judgements:
        page = search(index, ANONYMOUS, SearchRequest(q=judgement.query, per_page=depth))
        outcomes.append(Outcome(judgement, tuple(f"{h.type}:{h.id}" for h in page.hits)))
    return outcomes


def summarize(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Top-3 accuracy and MRR@10, overall and per query kind."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups["all"].append(outcome)
        groups[outcome.judgement.kind].append(outcome)
    return {
        kind: {
            "queries": len(group),
            "top3": sum(o.in_top3 for o in group) / len(group),
            "mrr": sum(1 / o.rank for o in group if o.rank) / len(group),
        }
        for kind, group in sorted(groups.items())
    }
