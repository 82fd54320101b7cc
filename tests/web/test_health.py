"""A missing, unreadable or damaged index: /healthz answers 503 with the reason, pages the "being built" page,
one rebuild runs across workers (backing off after a failure), and the site recovers without a restart."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import kb.web.errors

from ..conftest import close_app, make_app, write_tree
from ..test_index_faults import corrupt_postings

REBUILD = ("index", "--rebuild", "--if-unreadable")
BEING_BUILT = "The search index is being built"


class Running:
    """Stands in for the rebuild process the 503 asks for: it never ends, so no second one is started."""

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def rebuilds(monkeypatch) -> Iterator[list[tuple[str, ...]]]:
    """The ``flask kb`` commands the app asked for, none of them run (the lock taken for each stays taken)."""
    started: list[tuple[str, ...]] = []
    locks: list[int] = []

    def start(app, *args, lock_fd=None):
        started.append(args)
        locks.append(lock_fd)
        return Running()

    monkeypatch.setattr(kb.web.errors, "start_kb_command", start)
    yield started
    for lock_fd in locks:
        os.close(lock_fd)


def delete(index) -> None:
    shutil.rmtree(index.directory)


def corrupt(index) -> None:
    generation = (index.directory / "CURRENT").read_text().strip()
    for toc in (index.directory / generation).glob("*.toc"):
        toc.write_bytes(b"garbage")


@pytest.mark.parametrize(
    "damage, reason",
    [(delete, "no search index in {}"), (corrupt, "the search index in {} is damaged: _MAIN_1.toc changed on disk")],
    ids=["missing", "corrupt"],
)
def test_a_missing_or_unreadable_index_answers_503_with_the_reason(app, client, rebuilds, damage, reason):
    index = app.extensions["kb.index"]
    assert client.get("/healthz").status_code == 200
    damage(index)
    index.close()  # this thread's open reader is dropped: the next request reads the files again
    reason = reason.format(index.directory)

    health = client.get("/healthz")
    assert health.status_code == 503 and health.headers["Retry-After"] == "5"
    data = health.get_json()
    assert data["error"] == BEING_BUILT and data["retry"] is True and data["reason"].startswith(reason), data

    page = client.get("/articles/fms/letter-of-request")
    body = page.get_data(as_text=True)
    assert page.status_code == 503 and page.mimetype == "text/html" and page.headers["Retry-After"] == "5"
    assert f"<h1>{BEING_BUILT}</h1>" in body and '<meta http-equiv="refresh" content="5">' in body
    assert "Letter of Request" not in body

    api = client.get("/api/search?q=letter")
    assert api.status_code == 503 and api.get_json()["reason"].startswith(reason)
    assert client.get("/accessibility").status_code == 200  # what needs no index still answers
    assert rebuilds == [REBUILD]  # asked for once; the "running" rebuild is not started again


@pytest.fixture
def real_rebuilds(monkeypatch) -> list[tuple[str, ...]]:
    """The ``flask kb`` commands the app started, really started."""
    started: list[tuple[str, ...]] = []
    real = kb.web.errors.start_kb_command
    monkeypatch.setattr(kb.web.errors, "start_kb_command", lambda app, *args, **kw: started.append(args) or real(app, *args, **kw))
    return started


def test_a_damaged_posting_list_anywhere_answers_503_and_is_rebuilt_once(app, client, real_rebuilds):
    """Damage where the /healthz probe never reads: the first search that reads it marks the index damaged."""
    index = app.extensions["kb.index"]
    assert client.get("/healthz").status_code == 200
    corrupt_postings(index, "body", "letter")
    assert client.get("/healthz").status_code == 200  # nothing read the damaged list yet
    reason = f"the search index in {index.directory} is damaged: "

    for _ in range(3):
        search = client.get("/api/search?q=letter")
        assert search.status_code == 503 and search.headers["Retry-After"] == "5", search.get_data(as_text=True)
        assert search.get_json()["reason"].startswith(reason) and ".pst changed on disk since it was written" in search.get_json()["reason"]
    other = client.get("/api/search?q=sentry")  # what reads well keeps answering
    assert other.status_code == 200 and [r["id"] for r in other.get_json()["results"]] == ["eum/golden-sentry"]
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["reason"] == search.get_json()["reason"]
    assert real_rebuilds == [REBUILD]  # once, for all those requests

    assert app.extensions["kb.rebuild"].wait(60) == 0
    assert client.get("/healthz").status_code == 200
    assert "fms/letter-of-request" in [r["id"] for r in client.get("/api/search?q=letter").get_json()["results"]]
    assert real_rebuilds == [REBUILD]


def open_files_under(folder: Path) -> list[str]:
    """This process's open files inside ``folder`` (deleted ones included)."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith(str(folder) + "/"):
                found.append(target)
    return found


def test_a_deleted_index_lets_go_of_its_files(app, client, rebuilds):
    """A worker that finds its generation gone closes it: the disk space of the deleted files is freed."""
    index = app.extensions["kb.index"]
    generation = index.directory / (index.directory / "CURRENT").read_text().strip()
    assert client.get("/api/search?q=letter").status_code == 200
    assert open_files_under(generation)  # this worker reads the index through open files
    delete(index)
    assert client.get("/api/search?q=letter").status_code == 503
    assert open_files_under(generation) == []
    assert rebuilds == [REBUILD]


def test_one_rebuild_runs_across_workers_and_both_recover_without_a_restart(app, client, tmp_path, content_dir, real_rebuilds):
    """Two workers over one deleted index: the first starts the rebuild, the second sees it running and starts none."""
    index = app.extensions["kb.index"]
    other = make_app(content_dir, index.directory, tmp_path / "instance")
    try:
        delete(index)
        assert client.get("/api/search?q=letter").status_code == 503
        assert other.test_client().get("/api/search?q=letter").status_code == 503
        assert len(real_rebuilds) == 1
        assert app.extensions["kb.rebuild"].wait(60) == 0
        for worker in (client, other.test_client()):
            assert worker.get("/healthz").status_code == 200
            assert worker.get("/api/search?q=letter").get_json()["total"] > 0
    finally:
        close_app(other)


@contextlib.contextmanager
def small_files(limit: int) -> Iterator[None]:
    """Processes started inside the block cannot write files larger than ``limit`` bytes (a tight disk)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def test_a_failed_rebuild_backs_off_and_the_site_recovers_when_it_can_write_again(app, client, tmp_path, content_dir, real_rebuilds):
    """A rebuild that cannot write (a tight disk) is not retried in a loop: the workers wait, say why, then try again."""
    index = app.extensions["kb.index"]
    other = make_app(content_dir, index.directory, tmp_path / "instance")
    try:
        delete(index)
        with small_files(16_000):  # the rebuild started now cannot write the index
            assert client.get("/api/search?q=letter").status_code == 503
        assert app.extensions["kb.rebuild"].wait(60) == 1

        waiting = other.test_client().get("/api/search?q=letter")  # another worker, within the back-off
        assert waiting.status_code == 503
        assert len(real_rebuilds) == 1  # no second attempt yet
        failure = index.rebuild_failure()
        assert failure["failures"] == 1 and failure["error"] == "File too large"
        assert waiting.get_json()["rebuild_failed"]["error"] == "File too large" and 0 < waiting.get_json()["rebuild_failed"]["retry_in"] <= 5

        (index.directory / "REBUILD.failed").write_text(json.dumps({**failure, "at": failure["at"] - 5}))  # the back-off has passed
        assert other.test_client().get("/api/search?q=letter").status_code == 503
        assert real_rebuilds == [REBUILD, REBUILD]
        assert other.extensions["kb.rebuild"].wait(60) == 0
        assert index.rebuild_failure() is None
        for worker in (client, other.test_client()):
            assert worker.get("/healthz").status_code == 200
    finally:
        close_app(other)


# A staff-only article whose frontmatter one unclosed quote broke: its file name and its words are staff-only.
BROKEN_STAFF = {
    "articles/eum/kumquat-escrow.md": '---\ntitle: "Kumquat escrow plans\naccess: staff\nvelvetword: secret\n---\nThe kumquat escrow body.\n'
}


@pytest.fixture
def broken_app(tmp_path, content_dir):
    """The sample site after an index that found one broken staff-only file (``kb index``, the real command)."""
    write_tree(content_dir, BROKEN_STAFF)
    app = make_app(content_dir, tmp_path / "broken-index", tmp_path / "instance")
    assert app.test_cli_runner().invoke(args=["kb", "index"]).exit_code == 1
    yield app
    close_app(app)


def test_healthz_counts_the_content_errors_the_last_index_found_and_names_no_file(broken_app, site_client):
    """Still 200 and "ok" (the site serves), with the counts: anyone may ask /healthz, so no path or word."""
    clean = site_client.get("/healthz")
    assert clean.status_code == 200 and clean.get_json()["content_problems"] == {"errors": 0, "warnings": 0, "files_with_errors": 0}

    health = broken_app.test_client().get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "ok"
    assert health.get_json()["content_problems"] == {"errors": 3, "warnings": 0, "files_with_errors": 1}
    text = health.get_data(as_text=True).lower()
    assert "kumquat" not in text and "velvetword" not in text and "articles/" not in text


def test_every_server_reports_what_the_last_index_recorded(broken_app, tmp_path, content_dir):
    """A second worker over the same index (another process, another server) says the same; fixing the
    file and indexing again clears it (an incremental update, no rebuild)."""
    other = make_app(content_dir, tmp_path / "broken-index", tmp_path / "other-instance")
    try:
        assert other.test_client().get("/healthz").get_json()["content_problems"]["files_with_errors"] == 1
        write_tree(content_dir, {"articles/eum/kumquat-escrow.md": '---\ntitle: "Kumquat escrow plans"\naccess: staff\n---\nFixed.\n'})
        fixed = broken_app.test_cli_runner().invoke(args=["kb", "index"])
        assert fixed.exit_code == 0 and "index updated" in fixed.output and "0 errors, 0 warnings" in fixed.output
        assert other.test_client().get("/healthz").get_json()["content_problems"] == {"errors": 0, "warnings": 0, "files_with_errors": 0}
    finally:
        close_app(other)
