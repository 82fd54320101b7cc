"""`kb sync`: pull from a real "origin" (a bare repository in tmp), index exactly what changed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from kb import create_app
from kb.access import ANONYMOUS
from kb.index import SearchIndex
from kb.locks import is_locked
from kb.queries import SearchRequest
from kb.repository import updater
from kb.repository.sync import sync
from kb.search import search

from .conftest import SAMPLE, body
from .gitrepo import commit, git, init

LOR = "articles/fms/letter-of-request.md"


def hits(index, q):
    return [h.id for h in search(index, ANONYMOUS, SearchRequest(q=q, per_page=50)).hits]


@pytest.fixture
def clones(tmp_path):
    """(origin, the server's clone, an expert's clone), all at the first commit, and the server's index."""
    seed = init(tmp_path / "seed")
    commit(seed, "maria", "Initial content", SAMPLE, when="2025-01-10T09:00:00Z")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    server, expert = tmp_path / "server", tmp_path / "expert"
    git(tmp_path, "clone", "-q", str(origin), str(server))
    git(tmp_path, "clone", "-q", str(origin), str(expert))
    index = SearchIndex(tmp_path / "index")
    sync(server, index)
    yield origin, server, expert, index
    index.close()


def push_change(expert, who="john", message="LOR: wombat note", text="\nWombat funding note.\n", path=LOR):
    sha = commit(expert, who, message, {path: body(path) + text})
    git(expert, "push", "-q", "origin", "main")
    return sha


def test_sync_pulls_and_indexes_only_the_changed_files(clones):
    _origin, server, expert, index = clones
    sha = push_change(expert)
    # an uncommitted local edit elsewhere is not read: only the files of the pull are
    (server / "people/john-smith.md").write_text("---\nname: John Smith\n---\nQuokka.\n")
    outcome = updater.update(server, index)
    assert outcome.ok and outcome.pulled and outcome.new == sha
    assert outcome.changed == (LOR,)
    assert (outcome.report.updated, outcome.report.added, outcome.report.deleted) == (1, 0, 0)
    assert hits(index, "wombat") == ["fms/letter-of-request"] and hits(index, "quokka") == []
    facts = index.get("article:fms/letter-of-request", ["public"]).page.git
    assert facts["author"] == "John Smith" and facts["authors"] == ["John Smith", "Maria Delgado"]
    assert json.loads((index.directory / updater.STATUS_FILE).read_text())["ok"] is True


def test_sync_handles_added_and_deleted_files(clones):
    _origin, server, expert, index = clones
    commit(
        expert, "ed", "add and remove", {"articles/fms/case-closure.md": "---\ntitle: Case closure\n---\nPlatypus."}, delete=("people/john-smith.md",)
    )
    git(expert, "push", "-q", "origin", "main")
    outcome = updater.update(server, index)
    assert set(outcome.changed) == {"articles/fms/case-closure.md", "people/john-smith.md"}
    assert (outcome.report.added, outcome.report.deleted) == (1, 1)
    assert hits(index, "platypus") == ["fms/case-closure"]
    assert index.get("person:john-smith", ["public"]) is None


def test_nothing_new_is_quick_and_changes_nothing(clones):
    _, server, _, index = clones
    outcome = updater.update(server, index)
    assert outcome.ok and outcome.changed == () and outcome.report.updated == 0


def test_a_failed_pull_leaves_content_and_index_serving(clones):
    _origin, server, expert, index = clones
    commit(server, "ed", "local commit on the server", {LOR: body(LOR) + "\nLocal.\n"})  # diverges
    push_change(expert)
    before = git(server, "rev-parse", "HEAD")
    outcome = updater.update(server, index)
    assert not outcome.ok and "pull" in outcome.error
    assert git(server, "rev-parse", "HEAD") == before
    assert hits(index, "wombat") == [] and hits(index, "letter of request")  # still serving
    status = updater.read_status(index.directory)
    assert status["ok"] is False and status["error"] and status["at"]


def test_sync_command_and_healthz_report_the_failure(clones, tmp_path):
    _origin, server, expert, index = clones
    commit(server, "ed", "diverge", {LOR: body(LOR) + "\nLocal.\n"})
    push_change(expert)
    app = create_app(
        {
            "CONTENT_DIR": str(server),
            "INDEX_DIR": str(index.directory),
            "SECRET_KEY": "t",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "TESTING": True,
        }
    )
    result = app.test_cli_runner().invoke(args=["kb", "sync"])
    assert result.exit_code == 1 and "content sync failed" in result.output
    health = app.test_client().get("/healthz").get_json()
    assert health["status"] == "ok" and health["content_sync"]["ok"] is False and "error" in health["content_sync"]
    git(server, "reset", "-q", "--hard", "origin/main")  # the operator resolves it
    result = app.test_cli_runner().invoke(args=["kb", "sync"])
    assert result.exit_code == 0, result.output
    assert app.test_client().get("/healthz").get_json()["content_sync"]["ok"] is True
    app.extensions["kb.index"].close()


def test_sync_if_idle_steps_aside_for_a_running_updater(clones):
    _, server, _, index = clones
    with updater._exclusive(index.directory, wait=True), pytest.raises(updater.UpdaterBusy):
        updater.update(server, index, wait=False)


def test_a_request_during_an_update_gets_another_round(clones, monkeypatch):
    _origin, server, expert, index = clones
    rounds = []
    real = updater._update_once

    def once(*args):
        rounds.append(1)
        if len(rounds) == 1:  # a push and its webhook arrive while the first round runs
            push_change(expert)
            updater.request_update(index.directory)
        return real(*args)

    monkeypatch.setattr(updater, "_update_once", once)
    updater.update(server, index)
    assert len(rounds) == 2 and hits(index, "wombat") == ["fms/letter-of-request"]


def test_many_requests_during_an_update_make_exactly_one_more_round(clones, monkeypatch):
    _origin, server, expert, index = clones
    rounds = []
    real = updater._update_once

    def once(*args):
        rounds.append(1)
        if len(rounds) == 1:  # a push, then its webhook replayed 30 times, while the first round runs
            push_change(expert)
            for _ in range(30):
                updater.request_update(index.directory)
        return real(*args)

    monkeypatch.setattr(updater, "_update_once", once)
    updater.update(server, index)
    assert len(rounds) == 2 and hits(index, "wombat") == ["fms/letter-of-request"]


def state(pid: int) -> str | None:
    """The process's state letter (``Z`` for a zombie), or None once it is gone (reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def test_replayed_webhooks_start_one_updater_and_leave_no_zombie(clones, tmp_path, monkeypatch):
    """30 replays of one valid request: one `kb sync` process (the rest find it running and only leave a
    request token, so it goes round once more), the change is indexed, and the finished process is reaped."""
    from kb.web import hooks

    _origin, server, expert, index = clones
    app = create_app(
        {
            "CONTENT_DIR": str(server),
            "INDEX_DIR": str(index.directory),
            "SECRET_KEY": "t",
            "INSTANCE_DIR": str(tmp_path / "i"),
            "WEBHOOK_SECRET": "s",
            "TESTING": True,
        }
    )
    started = []
    real = hooks.start_kb_command
    monkeypatch.setattr(hooks, "start_kb_command", lambda *args, **kw: started.append(real(*args, **kw)) or started[-1])
    push_change(expert)
    client = app.test_client()
    assert [client.post("/hooks/content", headers={"X-Gitlab-Token": "s"}).status_code for _ in range(30)] == [202] * 30
    assert len(started) == 1
    deadline = time.monotonic() + 60
    while state(started[0].pid) not in (None, "Z") or not hits(app.extensions["kb.index"], "wombat"):
        assert time.monotonic() < deadline, "the update never finished"
        time.sleep(0.05)
    reaped_by = time.monotonic() + 5
    while state(started[0].pid) == "Z":  # its reaper thread waits for it: gone at once
        assert time.monotonic() < reaped_by, "the finished updater was left a zombie"
        time.sleep(0.01)
    assert started[0].wait(5) == 0 and len(started) == 1
    assert not is_locked(index.directory / updater.LOCK_FILE)
    app.extensions["kb.index"].close()


def test_a_folder_without_git_gets_a_full_update(tmp_path, content_dir, index):
    outcome = updater.update(content_dir, index)
    assert outcome.ok and not outcome.pulled and outcome.changed is None


@pytest.mark.slow
def test_the_webhook_starts_a_real_updater_process(clones, tmp_path):
    """End to end: push, POST /hooks/content, a `flask kb sync --if-idle` process pulls and indexes."""
    _origin, server, expert, index = clones
    app = create_app(
        {
            "CONTENT_DIR": str(server),
            "INDEX_DIR": str(index.directory),
            "SECRET_KEY": "t",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "WEBHOOK_SECRET": "s3cret",
            "TESTING": True,
        }
    )
    client = app.test_client()
    for round_, word in enumerate(("wombat", "numbat")):
        push_change(expert, message=f"round {round_}", text=f"\n{word.capitalize()} note.\n")
        assert client.post("/hooks/content", headers={"X-Gitlab-Token": "s3cret"}).status_code == 202
        deadline = time.monotonic() + 60
        while not hits(app.extensions["kb.index"], word):
            assert time.monotonic() < deadline, f"{word} never became searchable"
            time.sleep(0.05)
    with updater._exclusive(index.directory, wait=True):  # the updater process let go
        pass
    assert client.get("/healthz").get_json()["content_sync"]["ok"] is True
    app.extensions["kb.index"].close()


def test_sync_merges_a_moved_remote_into_local_commits_and_pushes_them(clones):
    """Browser saves are local commits: a fast-forward-only pull would fail for ever once the remote moves."""
    origin, server, expert, index = clones
    local = commit(
        server, "ed", "browser save on the server", {"articles/eum/golden-sentry.md": body("articles/eum/golden-sentry.md") + "\nNumbat.\n"}
    )
    theirs = push_change(expert)
    outcome = updater.update(server, index)
    assert outcome.ok, outcome.error
    assert git(server, "merge-base", "--is-ancestor", local, "HEAD") == "" and git(server, "merge-base", "--is-ancestor", theirs, "HEAD") == ""
    assert git(origin, "rev-parse", "main") == git(server, "rev-parse", "HEAD")  # the local commit reached the remote
    assert hits(index, "wombat") == ["fms/letter-of-request"]  # what the merge brought is indexed
