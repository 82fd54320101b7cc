"""The content that ships in content/: clean, big enough, and findable (the judged query set)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from bench.judged import evaluate, load_judgements, summarize
from kb.content import load_content
from kb.health.checker import check_folder
from kb.index import SearchIndex, query
from kb.index.limits import Budget
from kb.repository.sync import sync

from .conftest import ROOT

CONTENT = ROOT / "content"


@pytest.fixture(scope="module")
def starter_index(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("starter") / "index")
    sync(CONTENT, index)
    yield index
    index.close()


def test_starter_content_is_clean():
    """What experts run before they push: no errors and no warnings on the shipped content."""
    problems = check_folder(CONTENT, dt.date.today()).problems
    assert [str(p) for p in problems] == []


def test_starter_content_is_big_enough():
    content = load_content(CONTENT)
    counts = {kind: len(content.of_kind(kind)) for kind in ("area", "article", "person", "path")}
    assert counts["area"] >= 12 and counts["article"] >= 80 and counts["person"] >= 20 and counts["path"] >= 3
    assert len(content.glossary) >= 200
    staff = [d for d in content.of_kind("article") if d.get("access") == "staff"]
    assert 1 <= len(staff) <= 10


def test_judged_queries_point_at_visible_documents(starter_index):
    for judgement in load_judgements():
        for answer in judgement.answers:
            assert starter_index.get(answer, ["public"]) is not None, (judgement.source, judgement.query, answer)


def test_judged_queries_find_a_right_answer_in_the_top_3(starter_index):
    judgements = load_judgements()
    assert len(judgements) >= 40
    outcomes = evaluate(starter_index, judgements)
    summary = summarize(outcomes)
    misses = [(o.judgement.query, o.ranked[:3]) for o in outcomes if not o.in_top3]
    assert summary["all"]["top3"] >= 0.90, misses
    for kind in ("acronym", "expansion"):
        assert [m for m in outcomes if m.judgement.kind == kind and not m.in_top3] == [], kind


@pytest.mark.parametrize(
    "text, expanded, total, first",
    [
        ("closu*", {b"closur"}, 43, "fms/case-closure"),
        ("title:closu*", {b"closur"}, 3, "bpc/program-termination-and-closure"),
        ("case AND closure", set(), 39, "fms/case-closure"),
        ("closure AND NOT reconciliation", set(), 25, "humanitarian/usaid-closure-2025"),
        ('title:"case closure"', set(), 1, "bpc/program-termination-and-closure"),
    ],
)
def test_prefixes_and_syntax_find_what_they_found_before_the_bounds(starter_index, text, expanded, total, first):
    """The documents of Whoosh's own query (what answered before), reading only the words a prefix stands for."""
    searcher, budget = starter_index.searchers.current(), Budget()
    plan = query.plan(query.make_parser(), [text])
    _, found = query.matches(searcher, plan, budget)
    public = searcher.allowed(["public"])
    assert set(np.flatnonzero(found).tolist()) & public == set(searcher.whoosh.docs_for_query(plan.query)) & public
    assert budget.expanded == expanded
    page = starter_index.search([text], ["public"], [])
    assert (page.total, page.hits[0].id) == (total, first)


def test_indexing_the_starter_content_records_no_errors(starter_index):
    """So `make index` (and the index step of `make run`) exits 0 on a fresh clone: `kb index` exits 1 on errors."""
    assert sync(CONTENT, starter_index).errors == 0
    assert [row for row in starter_index.table("problems") if row["severity"] == "error"] == []
