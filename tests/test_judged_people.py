"""The judged person queries through both APIs: the quality bar, over the starter content and
over a held-out content repository (bench/heldout/) the ranking was never tuned on."""

from __future__ import annotations

import pytest

from bench.judged_people import ENDPOINTS, JUDGED, evaluate, load
from kb.content import load_content

from .conftest import ROOT, close_app, indexed_app

HELDOUT = ROOT / "bench" / "heldout"


@pytest.fixture(scope="module")
def client(starter_app):
    return starter_app.test_client()


@pytest.fixture(scope="module")
def heldout_client(tmp_path_factory):
    app = indexed_app(HELDOUT / "content", tmp_path_factory.mktemp("heldout"))
    yield app.test_client()
    close_app(app)


@pytest.mark.parametrize("content, judged", [(ROOT / "content", JUDGED), (HELDOUT / "content", HELDOUT / "judged_people.yml")])
def test_the_judged_set_is_big_enough_and_names_real_people(content, judged):
    judgements = load(judged)
    people = {d.id for d in load_content(content).of_kind("person")}
    assert len(judgements) >= 25
    assert all(j.answers and j.answers <= people for j in judgements), [j.query for j in judgements if not j.answers <= people]


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_judged_person_queries_find_a_right_person_in_the_top_3(client, endpoint):
    result = evaluate(client, load(), endpoint)
    assert result["top3"] >= 0.8, result["misses"]
    assert result["mrr"] >= 0.85, result["misses"]


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_held_out_person_queries_find_a_right_person_first_for_most(heldout_client, endpoint):
    result = evaluate(heldout_client, load(HELDOUT / "judged_people.yml"), endpoint)
    assert result["mrr"] >= 0.85, result["misses"]
    assert result["top3"] >= 0.8, result["misses"]
