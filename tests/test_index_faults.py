"""A corrupt index is reported as IndexUnavailable (so the site answers 503 and rebuilds); bugs stay bugs."""

from __future__ import annotations

import os

import pytest

from kb.access import ANONYMOUS, levels
from kb.index import IndexUnavailable
from kb.index import query as queries
from kb.search import SearchRequest, search


def corrupt(index) -> None:
    generation = index.directory / (index.directory / "CURRENT").read_text().strip()
    for path in generation.iterdir():
        if path.suffix in (".toc", ".seg", ".trm", ".pst", ".fdt"):
            path.write_bytes(os.urandom(64))


def test_verify_passes_on_a_good_index(index):
    index.verify()


def test_corruption_under_an_open_reader_is_unavailable_not_a_crash(index):
    assert search(index, ANONYMOUS, SearchRequest(q="letter")).total > 0  # this thread's reader is open
    corrupt(index)
    with pytest.raises(IndexUnavailable, match=r"the search index in .* is damaged: MAIN_\w+\.pst changed on disk: 64 bytes"):
        index.verify()
    with pytest.raises(IndexUnavailable):
        search(index, ANONYMOUS, SearchRequest(q="offer acceptance"))
    with pytest.raises(IndexUnavailable):
        index.get("article:fms/letter-of-request", levels(ANONYMOUS))


def test_a_bug_while_reading_is_raised_as_itself(index, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(queries, "run", broken)
    with pytest.raises(ValueError, match="a bug"):
        search(index, ANONYMOUS, SearchRequest(q="letter"))
    monkeypatch.undo()
    assert search(index, ANONYMOUS, SearchRequest(q="letter")).total > 0  # the reader was reopened, still works


def test_a_read_that_fails_because_a_rebuild_replaced_the_index_runs_again_on_the_new_one(index, content_dir):
    """A rebuild switching generations in the middle of a read is not a server error: the read is retried."""
    from kb.sync import sync

    assert search(index, ANONYMOUS, SearchRequest(q="letter")).total > 0  # this thread's reader is open
    generations = []

    def build():
        generations.append(index.readers.current().generation)
        if len(generations) == 1:
            sync(content_dir, index, rebuild=True)  # another process's rebuild, as far as this reader knows
            raise ValueError("a read from the replaced generation")
        return "built"

    assert index.per_generation("retried", build) == "built"
    assert generations[0] != generations[1] == (index.directory / "CURRENT").read_text().strip()


@pytest.mark.parametrize(
    "text, total, excluded",
    [
        ('area:" NOT 00', 12, ""),  # nothing has "00": every public document
        ("NOT letter", 5, "fms/letter-of-request"),  # the five public documents without "letter"
        ('x NOT "a b"', 0, ""),  # nothing has "x"
    ],
)
def test_queries_that_only_exclude_answer_instead_of_dividing_by_zero(index, text, total, excluded):
    """Whoosh's coordination score divides by the count of positive terms; such queries still get a page."""
    result = search(index, ANONYMOUS, SearchRequest(q=text))
    assert result.total == total and len(result.hits) == min(total, 10), [h.id for h in result.hits]
    assert excluded not in {h.id for h in result.hits}
