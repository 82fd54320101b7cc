"""The content that ships in content/: clean, big enough, and findable (the judged query set)."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.judged import evaluate, load_judgements, summarize
from kb.checker import check_folder
from kb.content import load_content
from kb.index import SearchIndex
from kb.sync import sync

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
    assert [str(p) for p in check_folder(CONTENT, dt.date.today()).problems] == []


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
