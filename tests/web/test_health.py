"""A missing or unreadable index: /healthz answers 503 with the reason, pages the "being built" page (no real rebuild runs)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

import kb.web.errors

REBUILD = ("index", "--rebuild", "--if-unreadable")
BEING_BUILT = "The search index is being built"


class Running:
    """Stands in for the rebuild process the 503 asks for: it never ends, so no second one is started."""

    def poll(self):
        return None

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
    "damage, reason", [(delete, "no search index in {}"), (corrupt, "the search index in {} is damaged: _MAIN_1.toc changed on disk")], ids=["missing", "corrupt"]
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
