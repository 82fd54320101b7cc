"""Query plans: the plain-text path gives exactly the clauses Whoosh's parser would."""

from __future__ import annotations

import pytest

from bench.judged import load_judgements
from kb.index import query

PARSER = query.make_parser()
ANALYZER = PARSER.schema["body"].analyzer
EDGE_CASES = [
    "letter of request for FMS",
    '"Letter of Offer and Acceptance" pricing',
    "the running organizations",
    "stop-words 5th 0.5mg",
    "case closure, FMS?",
    '"End-Use Monitoring" checks',
    '"the"',
    "a an the",
    "café résumé naïve",
    "LOA 2024 (draft)",
    "fms AND closure",
    'fms OR closure OR "end use"',
    "OR letter OR",
    "area:fms closure",
    "clos*",
    "x^2",
    '"unbalanced',
    "don't",
    "NOT this",
    "what is an LOR?",
    '"as is, where is"',
    "¿qué? 日本語",
]


@pytest.mark.parametrize("text", EDGE_CASES + [j.query for j in load_judgements()])
def test_plain_path_matches_the_parser_or_steps_aside(text):
    variants = [text, f'"{text.replace(chr(34), " ")}" extra']
    plain = query.plain_clauses(ANALYZER, variants)
    if plain is not None:  # [] where the parser finds nothing either (only stop words)
        assert plain == (query.word_clauses(query.parse(PARSER, variants)) or [])


def test_syntax_goes_to_the_parser():
    for text in ["fms AND closure", "area:fms", "clos*", "(a b)", "x^2", "don't", '"a b"~2']:
        assert query.plain_clauses(ANALYZER, [text]) is None, text
    assert query.plain_clauses(ANALYZER, ["plain words, only?"]) == [(1.0, [("word", "plain"), ("word", "word")])]
    assert query.plain_clauses(ANALYZER, ["fms OR closure"]) == [(1.0, [("word", "fms"), ("word", "closur")])]  # OR'ed anyway


def test_plain_text_is_linear_on_hostile_input():
    assert query.plain_clauses(ANALYZER, ["a" * 20_000 + "!"]) is not None
    assert query.plain_clauses(ANALYZER, ["a" * 20_000 + "("]) is None
