"""What one search may cost: each cap refuses with its message, bounds the work done, and lets normal searches through."""

from __future__ import annotations

import re

import pytest

from kb.index import QueryTooCostly, Record, SearchIndex, query
from kb.index.limits import MAX_EXPANSIONS, MAX_PATTERNS, MAX_PHRASES, MAX_SYNTAX_PARTS, MAX_WORDS, Budget

PARSER = query.make_parser()
WORDS = [f"word{n}x" for n in range(80)]  # distinct words no analyser drops
LETTER = 7  # documents with the word "letter" in the sample


def search(index, text: str, access=("public",)):
    return index.search([text], access, [])


def test_a_one_letter_prefix_is_refused_with_a_message(index):
    with pytest.raises(QueryTooCostly, match=r"^“a\*” is too short: please type at least 3 letters before the \*\.$"):
        search(index, "a*")
    with pytest.raises(QueryTooCostly, match="“Le\\*” is too short"):
        search(index, "letter AND Le*")
    with pytest.raises(QueryTooCostly, match=r"^“ins\*” is too short \(searched as “in\*”, without the word ending\): please type at least 3"):
        search(index, "ins*")


def test_a_normal_prefix_reads_only_the_words_it_stands_for(index):
    budget, searcher = Budget(), index.searchers.current()
    _, found = query.matches(searcher, query.plan(PARSER, ["lett*"]), budget)
    assert budget.expanded == {b"letter"}
    assert (found == query.matches(searcher, query.plan(PARSER, ["letter"]), Budget())[1]).all()
    assert {h.id for h in search(index, "lett*").hits} == {h.id for h in search(index, "letter").hits}


def test_a_wide_range_stops_reading_words_at_the_cap(index):
    budget = Budget()
    with pytest.raises(QueryTooCostly, match=rf"^“\[a TO z\]” matches more than {MAX_EXPANSIONS} words\. Please type more letters"):
        query.matches(index.searchers.current(), query.plan(PARSER, ["[a TO z]"]), budget)
    assert len(budget.expanded) == MAX_EXPANSIONS + 1  # the sample has 94 words in the searched fields


def test_only_words_the_reader_may_see_count_towards_the_cap(tmp_path):
    """Refused past the cap for staff, the same prefix or range answers anonymous readers as if the
    staff-only article's words were not there: else refusals reveal its words, one range at a time."""
    hidden = [f"zqx{a}{b}" for a in "abcdefghij" for b in "abcdefgh"]  # 80 words only a staff-only article has
    records = [Record(key="article:open", type="article", id="open", title="Open", body="zqxaa letter")]
    records.append(Record(key="article:shut", type="article", id="shut", title="Shut", body=" ".join(hidden), access="staff"))
    index = SearchIndex(tmp_path / "ix")
    try:
        index.rebuild(lambda part: records)
        for text in ("zqx*", "[zqx TO zqz]", "body:[zqxab TO zqz]"):
            page = search(index, text)
            assert [h.id for h in page.hits] == (["open"] if "zqxab" not in text else []), text
            with pytest.raises(QueryTooCostly, match=f"matches more than {MAX_EXPANSIONS} words"):
                search(index, text, ("public", "staff"))
    finally:
        index.close()


def test_fields_of_the_index_itself_are_read_as_words(index):
    """``links:`` would find the public pages that link to a staff-only article by a prefix of its
    slug (``links:eum/int*``); the spelling dictionaries and keys are no search fields either (``kb.index.query.NAMED_FIELDS``)."""
    for access in (("public",), ("public", "staff")):
        assert search(index, "links:eum/int*", access).total == 0
        assert "new-to-sc" not in [h.id for h in search(index, "links:eum/internal-checklist", access).hits]
    assert search(index, "title:letter").total == 2 and search(index, "tags:lor").total == 1


def test_prefixes_and_ranges_are_capped(index):
    assert search(index, "lett* sent*").total == LETTER + 1  # and Golden Sentry
    with pytest.raises(QueryTooCostly, match=f"more than {MAX_PATTERNS} prefixes"):
        search(index, "lett* sent* mari*")
    with pytest.raises(QueryTooCostly, match=f"more than {MAX_PATTERNS} prefixes"):
        search(index, "lett* [golden TO sentry] title:mari*")


def test_words_are_capped_phrases_included(index):
    assert search(index, " ".join(WORDS[:MAX_WORDS])).total == 0
    with pytest.raises(QueryTooCostly, match=f"^This search has more than {MAX_WORDS} different words"):
        search(index, " ".join(WORDS[: MAX_WORDS + 1]))
    with pytest.raises(QueryTooCostly, match=f"more than {MAX_WORDS} different words"):
        search(index, '"' + " ".join(WORDS[:10]) + '" ' + " ".join(WORDS[10 : MAX_WORDS + 1]))
    assert search(index, " ".join(["letter"] * 60)).total == LETTER  # a word said again is the same word


def test_phrases_are_capped(index):
    phrases = [f'"{a} {b}"' for a, b in zip(WORDS[::2], WORDS[1::2], strict=False)]
    assert search(index, " ".join(phrases[:MAX_PHRASES])).total == 0
    with pytest.raises(QueryTooCostly, match=f"more than {MAX_PHRASES} quoted phrases"):
        search(index, " ".join(phrases[: MAX_PHRASES + 1]))


def test_search_syntax_is_capped_before_parsing(index):
    nested = "(" * 11 + "letter" + ")" * 11  # 23 parts
    assert search(index, nested).total == LETTER
    with pytest.raises(QueryTooCostly, match=f"more than {MAX_SYNTAX_PARTS} words, operators and brackets"):
        search(index, "(" + nested.replace("letter", "letter^2") + ")")  # an operator: a query, not a sentence
    with pytest.raises(QueryTooCostly, match=f"more than {MAX_SYNTAX_PARTS} words"):
        search(index, "a* " * 26)  # the letters are refused before any prefix is looked at


def test_a_long_sentence_with_brackets_and_apostrophes_is_searched_as_its_words(index):
    """Over the syntax cap without an operator: a pasted sentence, not a query. Refusing it lost
    9 of SciFact's 300 claims ("… tumor necrosis factor alpha (TNF-α) and interleukin-1 (IL-1) …")."""
    sentence = "The partner's letter (the LOR) asks: which letter of offer (LOA) comes first, and when? " * 2
    assert sum(1 for _ in re.finditer(r"\w+|[^\w\s]", sentence)) > MAX_SYNTAX_PARTS
    assert search(index, sentence).total == search(index, re.sub(r"[()':]", " ", sentence)).total > 0
    assert search(index, "(" * 12 + "letter" + ")" * 12).total == LETTER  # read as its word, never parsed


def test_acronym_rewrites_beyond_the_caps_are_left_out_not_refused():
    own = " ".join(WORDS[:20])
    rewrites = [own + " " + " ".join(WORDS[20:40]), own + " " + " ".join(WORDS[40:50]), own + " letter"]  # 40, 50, 41 words with those before
    kept = query.plan(PARSER, [own, *rewrites]).clauses
    assert [(boost, len(groups)) for boost, groups in kept] == [(1.0, 20), (query.VARIANT_BOOST, 40), (query.VARIANT_BOOST, 21)]
    syntax = "letter AND " * 9 + "request"  # 19 parts: two such variants fit, a third does not
    parsed = query.plan(PARSER, [syntax, syntax.replace("request", "sentry"), syntax.replace("request", "maria")]).query
    assert {text for _, text in parsed.all_terms()} == {"letter", "request", "sentri"}


def test_a_search_past_its_time_budget_is_stopped(index):
    timed = SearchIndex(index.directory, time_limit=0.0)
    try:
        with pytest.raises(QueryTooCostly, match=r"^This search took too long and was stopped"):
            search(timed, "letter")
        assert search(index, "letter").total == LETTER
    finally:
        timed.close()
