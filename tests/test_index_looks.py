"""One look at the index per request: the live generation is read once, changes are still seen."""

from __future__ import annotations

from kb.index import SearchIndex
from kb.repository.sync import sync


def counting_generation_reads(index: SearchIndex, monkeypatch) -> list[str]:
    """The live generation reads of ``index``'s store, recorded as they happen (the real read runs)."""
    reads: list[str] = []
    real = index.store.generation

    def generation():
        found = real()
        reads.append(found)
        return found

    monkeypatch.setattr(index.store, "generation", generation)
    return reads


def test_inside_a_look_the_live_generation_is_read_once_for_many_calls(index, monkeypatch):
    reads = counting_generation_reads(index, monkeypatch)
    index.look(True)
    try:
        for _ in range(5):
            assert index.search(["letter"], ("public",), []).total >= 1
            assert index.document_count(("public",)) >= 1
            assert index.correct("lettre", ("public",)) == "letter"
    finally:
        index.look(False)
    assert len(reads) == 1
    index.search(["letter"], ("public",), [])
    index.search(["letter"], ("public",), [])
    assert len(reads) == 3, "outside a look every call checks for changes again"


def test_a_look_sees_one_state_and_the_next_look_sees_the_change(index, content_dir, tmp_path):
    """Another process (here another SearchIndex over the same folder) adds a document during a look."""
    index.look(True)
    try:
        assert index.search(["wombat"], ("public",), []).total == 0
        other = SearchIndex(index.directory)
        (content_dir / "articles/fms/wombat.md").write_text("---\ntitle: Wombat guide\n---\nWombats.")
        sync(content_dir, other)
        other.close()
        assert index.search(["wombat"], ("public",), []).total == 0, "one request, one state of the index"
    finally:
        index.look(False)
    index.look(True)
    try:
        assert index.search(["wombat"], ("public",), []).total == 1
    finally:
        index.look(False)


def test_a_write_in_the_looking_thread_is_seen_at_its_next_call(index, content_dir):
    index.look(True)
    try:
        assert index.search(["wombat"], ("public",), []).total == 0
        (content_dir / "articles/fms/wombat.md").write_text("---\ntitle: Wombat guide\n---\nWombats.")
        sync(content_dir, index)
        assert index.search(["wombat"], ("public",), []).total == 1
    finally:
        index.look(False)
