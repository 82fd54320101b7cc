"""Phrase matching from positions finds exactly what Whoosh's own ``Phrase`` query finds."""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import Or, Phrase

from kb.index.phrases import segment_matches
from kb.index.schema import FIELD_BOOSTS, build_schema
from kb.index.searchers import SegmentData

WORDS = ["cooperation", "security", "the", "of", "case", "letter", "offer", "case", "and"]  # "case" twice: more repeats
PHRASES = [
    ("secur", "cooper"),
    ("case", "case"),  # a repeated word
    ("case", "case", "case"),
    ("letter", "offer", "case"),
    ("offer", "letter"),  # the reverse order
    ("cooper", "secur", "cooper"),
    ("secur", "missing"),  # a word in no document
]


def _english():
    return build_schema()["body"].analyzer


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    """Two fields, several segments (one with deletions), posting lists longer than one block."""
    rng = random.Random(5)
    folder = tmp_path_factory.mktemp("phrases")
    ix = whoosh_index.create_in(folder, Schema(key=ID(unique=True, stored=True), title=TEXT(analyzer=_english()), body=TEXT(analyzer=_english())))
    for batch in range(3):
        writer = ix.writer()
        for n in range(300):
            writer.add_document(key=f"{batch}-{n}", title=" ".join(rng.choices(WORDS, k=4)), body=" ".join(rng.choices(WORDS, k=rng.randint(1, 40))))
        if batch == 2:
            for n in range(0, 300, 7):
                writer.delete_by_term("key", f"1-{n}")
        writer.commit(merge=False)
    with ix.searcher() as searcher:
        yield searcher


def _ours(searcher, name: str, words: tuple[str, ...], known_words: tuple[str, ...] = ()) -> set[int]:
    """Our matches; the places of ``known_words`` come read ahead (in all their documents)."""
    segments = SegmentData()
    found = set()
    for leaf, offset in searcher.reader().leaf_readers():
        docs = {word: segments.postings(leaf, name, word)[0] for word in words}
        for word in known_words:
            segments.read_places(leaf, name, word)
        known = segments.known_places(leaf, name, words)
        found |= {int(d) + offset for d in segment_matches(leaf, name, words, docs, known)}
    return found


@pytest.mark.parametrize("words", PHRASES)
@pytest.mark.parametrize("name", ["title", "body"])
def test_same_documents_as_whoosh_phrase(searcher, name, words):
    assert len(searcher.reader().leaf_readers()) == 3
    expected = set(searcher.docs_for_query(Phrase(name, list(words))))
    assert _ours(searcher, name, words) == expected
    assert _ours(searcher, name, words, known_words=words[:1]) == expected  # some places read ahead
    assert _ours(searcher, name, words, known_words=words) == expected  # all of them


def test_stop_words_leave_gaps_as_in_whoosh(searcher):
    """'security of cooperation' analyses to two words that are not next to each other."""
    words = tuple(token.text for token in _english()("security of cooperation"))
    assert words == ("secur", "cooper")
    assert _ours(searcher, "body", words) == set(searcher.docs_for_query(Phrase("body", list(words))))


def test_searcher_phrase_mask_over_every_field_matches_whoosh(index):
    searcher = index.searchers.current()
    for text in ["security cooperation", "letter of offer and acceptance", "foreign military sales", "case case"]:
        words = tuple(token.text for token in _english()(text))
        expected = searcher.mask(searcher.whoosh.docs_for_query(Or([Phrase(name, list(words)) for name in FIELD_BOOSTS])))
        assert np.array_equal(searcher.phrase_mask(words), expected), text
    assert searcher.phrase_mask(("secur", "cooper")).any()
