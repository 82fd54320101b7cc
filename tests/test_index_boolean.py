"""Queries with search syntax over the posting arrays: the documents Whoosh finds, ranked as plain words are."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh.query import And, AndMaybe, AndNot, Every, Not, NullQuery, Or, Require, Wildcard

from kb.index import QueryTooCostly, query
from kb.index.boolean import evaluate
from kb.index.limits import Budget

PARSER = query.make_parser()
SYNTAX = [
    "letter AND request",
    "letter OR sentry",
    "letter NOT request",
    "NOT letter",
    "letter ANDNOT offer",
    "(letter AND offer) ANDNOT (maria OR acceptance)",
    "letter ANDMAYBE offer",
    "(letter REQUIRE offer)",
    "sentry OR (letter REQUIRE offer)",
    "title:letter",
    "title:(letter sentry) OR summary:partner",
    'title:"letter of request"',
    '"night vision" AND checks',
    '"vision night" OR golden',
    "lett*",
    "title:lett* OR sentr*",
    "[letter TO lor]",
    "{letter TO lor]",
    "order:[1 TO 2]",
    "type:article AND letter",
    "tags:lor OR areas:eum",
    "tags:case*",
    "letter^3 sentry",
    "(letter OR sentry) AND NOT (offer OR golden)",
    "*:*",
    "*:* NOT letter",
]


def reference(searcher, parsed, live: set[int]) -> set[int]:
    """Whoosh's own documents for each word, phrase, prefix and range, combined by what the operators mean.

    (Whoosh 2.7.4's matchers drop documents with ANDNOT over nested groups and compute ANDNOT
    for a nested REQUIRE; its ``docs_for_query`` is the reference only where no operator is involved.)
    """
    kind = type(parsed)
    if parsed is NullQuery:
        return set()
    if kind is Or:
        return set().union(*(reference(searcher, sub, live) for sub in parsed.subqueries))
    if kind is And:
        return set.intersection(*(reference(searcher, sub, live) for sub in parsed.subqueries))
    if kind is Not:
        return live - reference(searcher, parsed.query, live)
    if kind is AndNot:
        return reference(searcher, parsed.a, live) - reference(searcher, parsed.b, live)
    if kind is Require:
        return reference(searcher, parsed.a, live) & reference(searcher, parsed.b, live)
    if kind is AndMaybe:
        return reference(searcher, parsed.a, live)
    return set(searcher.docs_for_query(parsed))


@pytest.mark.parametrize("text", SYNTAX)
def test_syntax_finds_the_documents_whoosh_finds(index, text):
    searcher = index.searchers.current()
    parsed = query.parse(PARSER, [text])
    live = set(searcher.whoosh.docs_for_query(Every()))
    scores, found = evaluate(searcher, parsed, Budget())
    assert set(np.flatnonzero(found).tolist()) & live == reference(searcher.whoosh, parsed, live)
    assert (scores[~found] == 0).all()


def test_and_ranks_as_the_plain_words_do(index):
    searcher = index.searchers.current()
    both, found = query.matches(searcher, query.plan(PARSER, ["letter AND offer"]), Budget())
    plain, _ = query.matches(searcher, query.plan(PARSER, ["letter offer"]), Budget())
    assert found.sum() == 4  # the LOA article and glossary entry, the two people who write LOAs
    assert np.allclose(both[found], plain[found])
    hits = index.search(["letter AND offer"], ["public"], []).hits
    assert [h.id for h in hits] == ["fms/letter-of-offer-and-acceptance", "john-smith", "maria-delgado", "LOA"]


def test_a_phrase_without_positions_and_a_value_a_field_cannot_hold_find_nothing(index):
    """Both answered 500 when Whoosh ran them (it raised QueryError, and "not a parseable date")."""
    for text in ['tags:"letter request"', 'areas:"letter request"', 'updated:"2020 2021"', "updated:letter"]:
        found = index.search([text], ["public"], [])
        assert (found.total, found.hits) == (0, ()), text
    assert index.search(['title:"letter of request" tags:"letter request"'], ["public"], []).total == 1


def test_syntax_the_parser_never_makes_is_refused(index):
    with pytest.raises(QueryTooCostly, match=r"not supported \(Wildcard\)"):
        evaluate(index.searchers.current(), Wildcard("body", "l*r"), Budget())
