"""Per-thread searchers: their caches stay within their stated sizes whatever visitors send."""

from __future__ import annotations

import os
import random
import string

import pytest

from kb.index import searchers


def _resident_bytes() -> int:
    """The process's resident memory now (not its peak, which an earlier test may have set)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc to read resident memory")
def test_ten_thousand_distinct_words_and_filter_values_stay_within_the_cache_bounds(index, monkeypatch):
    """Visitors' random words and filter values: the caches evict, the worker does not grow.

    The bounds are made small so that a cache which forgets to count its entries (as the
    posting cache once did for unknown words: empty arrays, 0 bytes) shows as growth."""
    from kb.index import SearchIndex

    monkeypatch.setattr(searchers, "POSTING_BYTES", 1_000_000)
    monkeypatch.setattr(searchers, "FILTER_BYTES", 1_000_000)
    small = SearchIndex(index.directory)
    try:
        rng = random.Random(7)
        small.search(["letter"], ("public",), [])  # open the searcher, warm what every search needs
        searcher = small.searchers.current()
        before = _resident_bytes()
        for _ in range(10_000):
            word = "".join(rng.choices(string.ascii_lowercase, k=12))
            value = "".join(rng.choices(string.ascii_lowercase, k=12))
            name = rng.choice(["area", "tag", "country", "language"])
            assert small.search([word], ("public",), []).total == 0
            assert small.search(["letter"], ("public",), [(name, value)]).total == 0
        assert searcher is small.searchers.current(), "the index did not change, so the searcher must be the same"
        assert set(searcher.derived) <= {"field-stats:public", "sort-order:updated", "lexicon:type", "lexicon:areas"}  # only names chosen by the code
        growth = _resident_bytes() - before
        bound = searchers.POSTING_BYTES + searchers.FILTER_BYTES + searchers.CACHED_TERMS * 4 * searcher.n_docs + searchers.CACHED_PAGES * 4096
        assert growth <= bound + 8_000_000, f"worker grew by {growth / 1e6:.1f} MB (bound {bound / 1e6:.1f} MB + 8 MB slack)"
    finally:
        small.close()


def test_a_stale_searcher_is_replaced_not_refreshed(index, content_dir):
    from kb.repository.sync import sync

    first = index.searchers.current()
    (content_dir / "articles/fms/new.md").write_text("---\ntitle: Wombat guide\n---\nWombats.")
    sync(content_dir, index)
    second = index.searchers.current()
    assert second is not first and second.whoosh is not first.whoosh
    assert index.search(["wombat"], ("public",), []).total == 1


def test_preload_reads_the_longest_posting_lists_ahead_and_changes_no_result(index, monkeypatch):
    import threading

    from kb.index import SearchIndex

    monkeypatch.setattr(searchers, "PRELOAD_FROM", 0)  # the sample is small: read ahead all the same
    preloaded = SearchIndex(index.directory, preload=True)
    try:
        preloaded.searchers.current()
        for thread in threading.enumerate():
            if thread.name == "kb-preload":
                thread.join(30)
        cached = preloaded.searchers._segments._postings
        assert 0 < cached.currsize <= searchers.PRELOAD_BYTES
        assert any(name == "body" for _, name, _ in cached)
        assert preloaded.searchers._segments._places  # the most frequent words' places, for phrases
        for text in (["security cooperation"], ['"letter of offer"'], ["fms"]):
            assert preloaded.search(text, ("public",), []) == index.search(text, ("public",), [])
    finally:
        preloaded.close()


def test_a_small_index_is_not_read_ahead(index):
    """Below ``PRELOAD_FROM`` documents first reads are cheap; the read-ahead would only cost CPU."""
    import threading

    from kb.index import SearchIndex

    small = SearchIndex(index.directory, preload=True)
    try:
        small.searchers.current()
        assert not [t for t in threading.enumerate() if t.name == "kb-preload"]
    finally:
        small.close()
