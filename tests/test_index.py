"""Guard tests for the Whoosh behaviour the design depends on (see the Whoosh notes)."""

from __future__ import annotations

import multiprocessing

import pytest

from kb.access import ANONYMOUS
from kb.index import Record, SearchIndex
from kb.queries import SearchRequest
from kb.search import search


def record(key: str, body: str, title: str = "Doc", **extra) -> Record:
    return Record(key=f"article:{key}", type="article", id=key, title=title, body=body, **extra)


def ids(index: SearchIndex, q: str) -> list[str]:
    page = search(index, ANONYMOUS, SearchRequest(q=q, per_page=50))
    return [hit.id for hit in page.hits]


@pytest.fixture
def build(tmp_path):
    """Builds an index from records; closes it after the test."""
    opened = []

    def make(records) -> SearchIndex:
        index = SearchIndex(tmp_path / f"ix{len(opened)}", writer_timeout=10)
        index.rebuild(lambda part: records)
        opened.append(index)
        return index

    yield make
    for index in opened:
        index.close()


def test_update_delete_optimize_returns_each_id_once(build):
    index = build([record(f"d{i}", f"alpha text number {i}") for i in range(30)])
    assert len(ids(index, "alpha")) == 30
    index.update([record("d1", "alpha rewritten"), record("d2", "alpha again")], ["article:d3"])
    result = ids(index, "alpha")
    assert len(result) == len(set(result)) == 29 and "d3" not in result
    index.optimize()
    result = ids(index, "alpha")
    assert len(result) == len(set(result)) == 29


def test_phrase_query_over_a_position_gap_of_46(build):
    fillers = " ".join(f"filler{i}" for i in range(44))
    index = build([record("gap", f"alpha beta {fillers} alpha"), record("other", "beta alpha")])
    assert ids(index, '"alpha beta"') == ["gap"]


def test_stemming_matches_running_with_run(build):
    index = build([record("run", "How to run a case review"), record("x", "unrelated")])
    assert ids(index, "running") == ["run"]
    assert ids(index, "organizations") == ids(index, "organization") == []


def test_highlighted_script_is_escaped(build):
    index = build([record("xss", "<script>alert('x')</script> notification rules")])
    hit = search(index, ANONYMOUS, SearchRequest(q="notification")).hits[0]
    assert "<script" not in hit.snippet and "&lt;/script&gt;" in hit.snippet
    assert "<mark" in hit.snippet


def _update_many(directory: str, worker: int) -> None:
    index = SearchIndex(directory, writer_timeout=30)
    for n in range(5):
        with index.lock():
            index.update([record(f"w{worker}-{n}", f"concurrent landing {worker}")], [])


def test_two_processes_updating_concurrently_both_land(build):
    index = build([record("seed", "seed")])
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_update_many, args=(str(index.directory), w)) for w in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    assert len(ids(index, "concurrent")) == 10


def test_staff_documents_are_filtered_inside_the_query(build):
    index = build([record("pub", "shared words"), record("sec", "shared words secret", access="staff")])
    page = search(index, ANONYMOUS, SearchRequest(q="shared"))
    assert [h.id for h in page.hits] == ["pub"] and page.total == 1
    assert page.facets["type"] == {"article": 1}


def test_scores_and_their_order_never_depend_on_what_staff_only_documents_say(build):
    """BM25 counts documents, their lengths and each word's documents: only those the reader may see,
    so two sites that differ in a staff-only article alone score and rank alike for anonymous readers
    (a score would reveal whether a hidden article uses a word, and how long it is)."""
    public = [record("a", "letter request partner", title="Alpha"), record("b", "letter " * 4 + "offer acceptance notes terms", title="Beta")]
    public += [record("c", "partner visit schedule", title="Gamma"), record("d", "letter", title="Delta")]

    def answers(hidden_text: str, access: tuple[str, ...]) -> dict[str, list[tuple[str, float]]]:
        index = build([*public, record("s", hidden_text, title="Secret", access="staff")])
        queries = ("letter", "partner", "letter partner", "lett*", "title:delta")
        return {q: [(h.id, h.score) for h in index.search([q], access, []).hits] for q in queries}

    anonymous = answers("letter partner " * 40, ("public",))
    assert anonymous == answers("zebra", ("public",))
    assert {hit for hit, _ in anonymous["letter partner"]} == {"a", "b", "c", "d"}
    staff = answers("letter partner " * 40, ("public", "staff"))
    assert "s" in [hit for hit, _ in staff["letter"]] and staff != answers("zebra", ("public", "staff"))


def test_snippets_escape_everything_but_the_marks(build):
    body = "x " * 200 + "<b>Policies</b> & policy <script>alert(1)</script> end " + "y " * 200
    index = build([record("long", body)])
    snippet = search(index, ANONYMOUS, SearchRequest(q="policy")).hits[0].snippet
    assert snippet.startswith("… ") and snippet.endswith(" …") and len(snippet) < 400
    assert "&lt;b&gt;<mark>Policies</mark>&lt;/b&gt; &amp; <mark>policy</mark> &lt;script&gt;" in snippet


@pytest.mark.parametrize("q", ["kone", "Koné", "KONE", "cote d'ivoire"])
def test_snippets_mark_words_with_or_without_their_accents(build, q):
    """The analyzer folds accents, so ``kone`` finds "Koné": the snippet marks it too."""
    index = build([record("visit", "Chloé Koné visited Côte d'Ivoire; Kone and Cote were on the list.")])
    snippet = search(index, ANONYMOUS, SearchRequest(q=q)).hits[0].snippet
    if q.startswith("cote"):
        assert "<mark>Côte</mark> d&#x27;<mark>Ivoire</mark>" in snippet and "<mark>Cote</mark>" in snippet
    else:
        assert "Chloé <mark>Koné</mark> visited" in snippet and "<mark>Kone</mark> and" in snippet


def test_whoosh_imports_cleanly_with_syntax_warnings_as_errors():
    """Whoosh 2.7.4 has invalid escapes that only warn when compiled; pip byte-compiles at install."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-W", "error::SyntaxWarning", "-c", "import whoosh.index, whoosh.qparser, whoosh.highlight, whoosh.analysis"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
