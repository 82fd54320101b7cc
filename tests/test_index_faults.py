"""A corrupt index is reported as IndexUnavailable (so the site answers 503 and rebuilds); bugs stay bugs."""

from __future__ import annotations

import os
import random

import pytest

from kb.access import ANONYMOUS, levels
from kb.index import IndexUnavailable, SearchIndex
from kb.index import query as queries
from kb.queries import SearchRequest
from kb.repository.sync import sync
from kb.search import search

LOR = "articles/fms/letter-of-request.md"


def corrupt(index) -> None:
    generation = index.directory / (index.directory / "CURRENT").read_text().strip()
    for path in generation.iterdir():
        if path.suffix in (".toc", ".seg", ".trm", ".pst", ".fdt"):
            path.write_bytes(os.urandom(64))


def corrupt_postings(index, field: str, word: str) -> None:
    """Random bytes over the posting list of ``word`` in the postings file, where the probe of /healthz does not read."""
    searcher = index.searchers.current()
    leaf = searcher.leaves[0][0]
    info = leaf.term_info(field, word)
    length = info._length[0] if isinstance(info._length, tuple) else info._length  # Whoosh's own record of where the list is
    (postings,) = (index.directory / searcher.generation).glob("*.pst")
    with open(postings, "r+b") as handle:
        handle.seek(info._offset)
        handle.write(random.Random(7).randbytes(length))


def test_verify_passes_on_a_good_index(index):
    index.verify()


def test_corruption_under_an_open_searcher_is_unavailable_not_a_crash(index):
    assert search(index, ANONYMOUS, SearchRequest(q="letter")).total > 0  # this thread's searcher is open
    corrupt(index)
    with pytest.raises(IndexUnavailable, match=r"the search index in .* is damaged: MAIN_\w+\.pst changed on disk: 64 bytes"):
        index.verify()
    with pytest.raises(IndexUnavailable):
        search(index, ANONYMOUS, SearchRequest(q="offer acceptance"))
    with pytest.raises(IndexUnavailable):
        index.get("article:fms/letter-of-request", levels(ANONYMOUS))


def test_a_damaged_posting_list_makes_the_index_unavailable_where_the_probe_does_not_read(index):
    """Random bytes over one word's postings: the search that reads them is IndexUnavailable with the file, and
    from then on ``verify`` (what /healthz asks) says so too, in every process (the mark is in the generation)."""
    assert search(index, ANONYMOUS, SearchRequest(q="sentry")).total == 1
    corrupt_postings(index, "body", "letter")
    index.verify()  # the probe reads other lists
    with pytest.raises(IndexUnavailable, match=r"is damaged: MAIN_\w+\.pst changed on disk since it was written"):
        search(index, ANONYMOUS, SearchRequest(q="letter"))
    assert search(index, ANONYMOUS, SearchRequest(q="sentry")).total == 1  # what reads well still answers
    with pytest.raises(IndexUnavailable, match=r"\.pst changed on disk since it was written"):
        SearchIndex(index.directory).verify()  # another process


def test_updates_deletes_and_optimize_keep_the_files_matching_their_record(index, content_dir):
    """Whoosh never rewrites a segment's file: after commits and merges every byte still matches (no false damage)."""
    from .conftest import body

    (content_dir / "articles/fms/case-closure.md").write_text("---\ntitle: Case closure\n---\nPlatypus.\n")
    (content_dir / LOR).write_text(body(LOR) + "\nWombat.\n")
    (content_dir / "people/john-smith.md").unlink()
    report = sync(content_dir, index)
    assert (report.added, report.updated, report.deleted) == (1, 1, 1)
    index.verify(thorough=True)
    with index.lock():
        index.optimize()
    index.verify(thorough=True)
    assert search(index, ANONYMOUS, SearchRequest(q="platypus")).total == 1


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
    assert search(index, ANONYMOUS, SearchRequest(q="letter")).total > 0  # this thread's searcher is open
    generations = []

    def build():
        generations.append(index.searchers.current().generation)
        if len(generations) == 1:
            sync(content_dir, index, rebuild=True)  # another process's rebuild, as far as this searcher knows
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
