"""The judged person queries (bench/judged_people.yml) through both APIs: the quality bar."""

from __future__ import annotations

import pytest

from bench.judged_people import ENDPOINTS, evaluate, load
from kb.content import load_content

from .conftest import ROOT


@pytest.fixture(scope="module")
def client(starter_app):
    return starter_app.test_client()


def test_the_judged_set_is_big_enough_and_names_real_people():
    judgements = load()
    people = {d.id for d in load_content(ROOT / "content").of_kind("person")}
    assert len(judgements) >= 25
    assert all(j.answers and j.answers <= people for j in judgements), [j.query for j in judgements if not j.answers <= people]


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_judged_person_queries_find_a_right_person_in_the_top_3(client, endpoint):
    result = evaluate(client, load(), endpoint)
    assert result["top3"] >= 0.8, result["misses"]
    assert result["mrr"] >= 0.85, result["misses"]
