"""``flask kb watch`` as the real process it is: files change, the webhook asks, the index follows."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kb.access import ANONYMOUS, Reader
from kb.index import SearchIndex
from kb.queries import SearchRequest
from kb.repository.watcher import watcher_running
from kb.search import search

from .conftest import SAMPLE, body, make_app, write_tree
from .gitrepo import commit, git, init

LOR = "articles/fms/letter-of-request.md"
ROOT = Path(__file__).resolve().parent.parent


def watch_command(content: Path, index_dir: Path, instance: Path, **options):
    """``flask kb watch`` over these folders, started with ``subprocess`` ``options``."""
    env = {**os.environ, "KB_CONTENT_DIR": str(content), "KB_INDEX_DIR": str(index_dir), "KB_INSTANCE_DIR": str(instance), "KB_SECRET_KEY": "t"}
    return [sys.executable, "-m", "flask", "--app", "kb:create_app", "kb", "watch"], {"cwd": ROOT, "env": env, **options}


class Watcher:
    """``flask kb watch`` in a process of its own, its output collected line by line."""

    def __init__(self, content: Path, index_dir: Path, instance: Path) -> None:
        command, options = watch_command(content, index_dir, instance, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.process = subprocess.Popen(command, **options)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_for_line("ready", 60)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.lines if text in line]
            if found:
                return found[0]
            assert self.process.poll() is None, "\n".join(self.lines)
            time.sleep(0.02)
        raise AssertionError(f"no line with {text!r} in:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)
        self.reader.join(5)
        self.process.stdout.close()


def found(index: SearchIndex, word: str, reader: Reader = ANONYMOUS) -> list[str]:
    return [hit.id for hit in search(index, reader, SearchRequest(q=word, per_page=50)).hits]


def eventually(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the index did not follow the change"
        time.sleep(0.02)


@pytest.fixture
def watching(tmp_path):
    content = write_tree(tmp_path / "content", SAMPLE)
    watcher = Watcher(content, tmp_path / "index", tmp_path / "instance")
    index = SearchIndex(tmp_path / "index")
    yield content, index, watcher
    watcher.stop()
    index.close()


def test_a_changed_added_and_deleted_file_follow_at_once(watching):
    content, index, _ = watching
    assert watcher_running(index.directory)
    (content / LOR).write_text(body(LOR) + "\nQuokkaword appears now.\n")
    eventually(lambda: found(index, "quokkaword") == ["fms/letter-of-request"])
    write_tree(content, {"articles/fms/new-note.md": "---\ntitle: New note\n---\nWallabyword here.\n"})
    eventually(lambda: found(index, "wallabyword") == ["fms/new-note"])
    (content / "articles/fms/new-note.md").unlink()
    eventually(lambda: found(index, "wallabyword") == [])
    assert found(index, "quokkaword") == ["fms/letter-of-request"]


def test_a_broken_file_is_reported_and_the_rest_keeps_serving(watching):
    content, index, watcher = watching
    before = found(index, "letter")
    (content / LOR).write_text("---\ntitle: [unclosed\n---\nNumbatword in a broken file.\n")
    line = watcher.wait_for_line("invalid YAML")
    assert line.startswith(f"{LOR}:2: error: invalid YAML frontmatter: a list in [brackets] is not closed"), line  # `kb check`'s format
    assert "index updated" in watcher.wait_for_line("1 file has 3 errors, 0 warnings [articles/fms/letter-of-request.md]")
    # the body, with safe defaults: its access could not be read, so it is staff-only until fixed
    eventually(lambda: found(index, "numbatword", Reader(name="staff", staff=True, role="reader")) == ["fms/letter-of-request"])
    assert found(index, "numbatword") == []
    assert set(before) - {"fms/letter-of-request", "fms"} <= set(found(index, "letter"))  # the area page linked to it by title


def test_a_second_watcher_refuses_to_start(watching, tmp_path):
    content, index, _ = watching
    command, options = watch_command(content, index.directory, tmp_path / "i2", capture_output=True, text=True, timeout=60)
    second = subprocess.run(command, **options)
    assert second.returncode == 1 and "another 'kb watch'" in second.stderr


def test_the_webhook_wakes_the_watcher_instead_of_starting_a_sync(tmp_path):
    origin = init(tmp_path / "origin")
    commit(origin, "maria", "Initial content", SAMPLE)
    clone = tmp_path / "server"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    watcher = Watcher(clone, tmp_path / "index", tmp_path / "instance")
    app = make_app(clone, tmp_path / "index", tmp_path / "instance", WEBHOOK_SECRET="s3cret")
    started = []
    app.extensions["kb.start_updater"] = lambda: started.append(1)
    try:
        commit(origin, "john", "LOR: a pushed word", {LOR: body(LOR) + "\nBilbyword was pushed.\n"})
        assert app.test_client().post("/hooks/content", headers={"X-Gitlab-Token": "s3cret"}).status_code == 202
        index = app.extensions["kb.index"]
        eventually(lambda: found(index, "bilbyword") == ["fms/letter-of-request"])
        assert started == []  # no `kb sync` process: the watcher pulled
        assert "pulled" in watcher.wait_for_line("pulled")
    finally:
        watcher.stop()
        app.extensions["kb.index"].close()
    assert not watcher_running(tmp_path / "index")


def test_a_pull_indexes_the_files_it_brought_once_and_a_later_edit_again(tmp_path):
    """The merge writes the pulled files into the work tree: those writes are not indexed a second
    time (on a server that is a whole round of work), but an edit made after the pull is."""
    origin = init(tmp_path / "origin")
    commit(origin, "maria", "Initial content", SAMPLE)
    clone = tmp_path / "server"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    watcher = Watcher(clone, tmp_path / "index", tmp_path / "instance")
    app = make_app(clone, tmp_path / "index", tmp_path / "instance", WEBHOOK_SECRET="s3cret")
    try:
        commit(origin, "john", "LOR: a pushed word", {LOR: body(LOR) + "\nBilbyword was pushed.\n"})
        assert app.test_client().post("/hooks/content", headers={"X-Gitlab-Token": "s3cret"}).status_code == 202
        assert "1 changed files" in watcher.wait_for_line("pulled")
        time.sleep(1)  # the merge's own file events have long been delivered
        assert [line for line in watcher.lines if line.endswith(f"[{LOR}]")] == []
        (clone / LOR).write_text(body(LOR) + "\nQuollword edited on the server.\n")
        assert "1 changed" in watcher.wait_for_line(f"[{LOR}]")
        eventually(lambda: found(app.extensions["kb.index"], "quollword") == ["fms/letter-of-request"])
    finally:
        watcher.stop()
        app.extensions["kb.index"].close()


def test_each_watch_round_tells_watchers_about_the_new_commits(tmp_path):
    """Notifications (issue 21): a commit that reaches the content is a published change, told from the watch loop."""
    content = init(tmp_path / "content")
    commit(content, "maria", "Initial content", SAMPLE)
    command, options = watch_command(content, tmp_path / "index", tmp_path / "instance", capture_output=True, text=True)
    migrated = subprocess.run([*command[:-1], "db", "upgrade"], **options)  # flask kb db upgrade over the same folders
    assert migrated.returncode == 0, migrated.stderr
    watcher = Watcher(content, tmp_path / "index", tmp_path / "instance")
    try:
        commit(content, "john", "LOR: new deadlines", {LOR: body(LOR) + "\nNew deadlines.\n"})
        assert "notifications: 1 changes" in watcher.wait_for_line("notifications:")
    finally:
        watcher.stop()


def test_a_proposal_merged_in_the_central_repository_is_marked_approved_by_the_watchers_pull(tmp_path):
    """A merge request merged on GitLab: the watcher's next pull marks the proposal approved (issue 20)."""
    from kb.accounts.models import db
    from kb.accounts.service import add_user
    from kb.editing.proposals import Proposal
    from kb.repository.updater import request_update

    branch = "proposals/1-fms-letter-of-request"
    origin = init(tmp_path / "origin")
    commit(origin, "maria", "Initial content", SAMPLE)
    git(origin, "checkout", "-q", "-b", branch)
    commit(origin, "john", "Mention wombats", {LOR: body(LOR) + "\nWombat funding.\n"})
    git(origin, "checkout", "-q", "main")
    clone = tmp_path / "server"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    command, options = watch_command(clone, tmp_path / "index", tmp_path / "instance", capture_output=True, text=True)
    assert subprocess.run([*command[:-1], "db", "upgrade"], **options).returncode == 0
    app = make_app(clone, tmp_path / "index", tmp_path / "instance")
    with app.app_context():
        rita = add_user(app.extensions["kb.passwords"], "rita@example.mil", "Rita Reader", "reader", "correct horse battery staple")
        db.session.add(Proposal(branch=branch, slug="fms/letter-of-request", path=LOR, proposer_id=rita.id, message="Mention wombats"))
        db.session.commit()
    watcher = Watcher(clone, tmp_path / "index", tmp_path / "instance")
    try:
        git(origin, "-c", "user.name=John", "-c", "user.email=john@example.mil", "merge", "-q", "--no-ff", "-m", "Merge", branch)
        request_update(tmp_path / "index")  # what the webhook does
        assert "proposal 1 was merged in the central repository" in watcher.wait_for_line("merged in the central repository", 60)
        with app.app_context():
            assert db.session.get(Proposal, 1).state == "approved"
    finally:
        watcher.stop()
        app.extensions["kb.index"].close()
