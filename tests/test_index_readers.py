"""Per-thread readers: their caches stay within their stated sizes whatever visitors send."""

from __future__ import annotations

import random
import resource
import string

from kb.index import readers


def _rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def test_ten_thousand_distinct_filter_values_stay_within_the_cache_bound(index):
    rng = random.Random(7)
    index.search(["letter"], ("public",), [])  # open the reader, warm what every search needs
    reader = index.readers.current()
    before = _rss_bytes()
    for _ in range(10_000):
        value = "".join(rng.choices(string.ascii_lowercase, k=12))
        name = rng.choice(["area", "tag", "country", "language"])
        assert index.search(["letter"], ("public",), [(name, value)]).total == 0
    assert reader is index.readers.current(), "the index did not change, so the reader must be the same"
    assert reader.filters.currsize <= readers.FILTER_BYTES
    assert len(reader.pages) <= readers.CACHED_PAGES
    assert len(reader.derived) <= 2  # only names chosen by the code
    growth = _rss_bytes() - before
    assert growth <= readers.max_cache_bytes(reader.n_docs), f"worker grew by {growth / 1e6:.1f} MB"


def test_a_stale_reader_is_replaced_not_refreshed(index, content_dir):
    from kb.sync import sync

    first = index.readers.current()
    (content_dir / "articles/fms/new.md").write_text("---\ntitle: Wombat guide\n---\nWombats.")
    sync(content_dir, index)
    second = index.readers.current()
    assert second is not first and second.searcher is not first.searcher
    assert index.search(["wombat"], ("public",), []).total == 1


def test_preload_reads_the_longest_posting_lists_ahead_and_changes_no_result(index, monkeypatch):
    import threading

    from kb.index import SearchIndex

    monkeypatch.setattr(readers, "PRELOAD_FROM", 0)  # the sample is small: read ahead all the same
    preloaded = SearchIndex(index.directory, preload=True)
    try:
        preloaded.readers.current()
        for thread in threading.enumerate():
            if thread.name == "kb-preload":
                thread.join(30)
        cached = preloaded.readers._segments._postings
        assert 0 < cached.currsize <= readers.PRELOAD_BYTES
        assert any(name == "body" for _, name, _ in cached)
        assert preloaded.readers._segments._places  # the most frequent words' places, for phrases
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
        small.readers.current()
        assert not [t for t in threading.enumerate() if t.name == "kb-preload"]
    finally:
        small.close()
