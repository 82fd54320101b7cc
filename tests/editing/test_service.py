"""Saving an edit on a real git repository and a real index: commits by the author, merges, conflicts, checks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from pathlib import Path

from kb import git
from kb.editing import Edit, Limits, editing_off_reason, form_values, save
from kb.editing.service import current
from kb.locks import file_lock
from kb.repository.updater import LOCK_FILE

from ..gitrepo import commit
from ..gitrepo import git as run_git
from .conftest import ED, LOR

TODAY = dt.date(2026, 6, 1)


def edit_of(workspace, rel: str = LOR, **changes) -> Edit:
    """The form as it is loaded now, with ``changes`` to its fields (``body`` for the text)."""
    text, head = current(workspace.content_dir, rel)
    values, body = form_values(text)
    body = changes.pop("body", body)
    values.update(changes)
    return Edit(rel, head, values, body, "Clarify the LOR")


def test_a_save_is_a_commit_by_the_editor_with_the_server_as_committer_and_is_searchable(workspace):
    edit = edit_of(workspace, body="A partner sends an LOR. Wombat funding notes.\n")
    outcome = save(workspace, edit, ED, TODAY)
    assert outcome.status == "saved", outcome
    log = run_git(workspace.content_dir, "log", "-1", "--format=%an|%ae|%cn|%ce|%s")
    assert log == "Ed Editor|ed@example.mil|KB Server|kb@server.example|Clarify the LOR"
    assert run_git(workspace.content_dir, "status", "--porcelain") == ""
    assert "Wombat funding notes" in (workspace.content_dir / LOR).read_text()
    hits = workspace.index.search(["wombat"], ["public", "staff"], [])
    assert [hit.id for hit in hits.hits] == ["fms/letter-of-request"]


def test_edits_of_different_lines_since_the_form_was_loaded_are_merged(workspace):
    edit = edit_of(workspace, title="Letter of Request (LOR)")
    path = workspace.content_dir / LOR
    commit(workspace.content_dir, "john", "John adds a line", {LOR: path.read_text() + "\nJohn's addition.\n"})
    outcome = save(workspace, edit, ED, TODAY)
    assert outcome.status == "saved"
    text = path.read_text()
    assert "title: Letter of Request (LOR)" in text and "John's addition." in text


def test_a_conflict_saves_nothing_and_keeps_the_users_text(workspace):
    edit = edit_of(workspace, body="Ed's version of the first line.\n")
    path = workspace.content_dir / LOR
    theirs = path.read_text().replace("A partner sends an LOR", "John rewrote the first line")
    commit(workspace.content_dir, "john", "John rewrites", {LOR: theirs})
    head = git.head(workspace.content_dir)
    outcome = save(workspace, edit, ED, TODAY)
    assert outcome.status == "conflict"
    assert "Ed's version of the first line." in outcome.text and outcome.theirs == path.read_text()
    assert git.head(workspace.content_dir) == head and path.read_text() == theirs
    assert outcome.base == head  # saving again from here means "my text, having seen theirs"
    again = Edit(LOR, outcome.base, *form_values(outcome.text), "Resolve")
    assert save(workspace, again, ED, TODAY).status == "saved"
    assert "Ed's version of the first line." in path.read_text()


def test_a_failed_check_blocks_the_save_keeps_the_text_and_shows_the_line(workspace):
    path = workspace.content_dir / LOR
    before, head = path.read_text(), git.head(workspace.content_dir)
    edit = edit_of(workspace, experts="nobody-at-all", body="Still here.\n\nSee [[fms/no-such-article]].\n")
    outcome = save(workspace, edit, ED, TODAY)
    assert outcome.status == "invalid"
    errors = {(p.line, p.message) for p in outcome.problems if p.severity == "error"}
    assert any("nobody-at-all" in message for _, message in errors)
    body_line = outcome.evaluation.body_line
    assert any("no-such-article" in message and line == body_line + 2 for line, message in errors)
    assert "See [[fms/no-such-article]]." in outcome.text
    assert path.read_text() == before and git.head(workspace.content_dir) == head


def test_errors_the_edit_would_cause_in_another_file_block_it(workspace):
    linking = "articles/fms/contents.md"
    commit(workspace.content_dir, "john", "Link a section", {linking: "---\ntitle: Contents\n---\nSee [[fms/letter-of-request#what-it-contains]].\n"})
    edit = edit_of(workspace, body="A partner sends an LOR.\n\n## Something else\nText.\n")
    outcome = save(workspace, edit, ED, TODAY)
    assert outcome.status == "invalid"
    assert [p.path for p in outcome.problems if p.severity == "error"] == [linking]
    assert "what-it-contains" in outcome.problems[0].message


def test_warnings_are_shown_and_allowed(workspace):
    path = workspace.content_dir / LOR
    commit(workspace.content_dir, "john", "An extra key", {LOR: path.read_text().replace("title:", "owner_note: kept\ntitle:")})
    outcome = save(workspace, edit_of(workspace, body="Short.\n"), ED, TODAY)
    assert outcome.status == "saved"
    assert any(p.severity == "warning" and "owner_note" in p.message for p in outcome.problems)
    assert "owner_note: kept\n" in path.read_text()


def test_a_link_to_a_missing_media_file_blocks_the_save_and_an_image_without_alt_text_is_a_warning(workspace):
    path = workspace.content_dir / LOR
    before = path.read_text()
    outcome = save(workspace, edit_of(workspace, body="The chart:\n\n![Chart](/media/fms/chart.png)\n"), ED, TODAY)
    assert outcome.status == "invalid"
    assert [(p.line - outcome.evaluation.body_line, p.message) for p in outcome.problems if p.severity == "error"] == [
        (2, "image link to missing media file 'media/fms/chart.png'")
    ]
    assert path.read_text() == before
    commit(workspace.content_dir, "john", "A chart", {"media/fms/chart.png": "\x89PNG\r\n\x1a\n"})
    outcome = save(workspace, edit_of(workspace, body="The chart:\n\n![](/media/fms/chart.png)\n"), ED, TODAY)
    assert outcome.status == "saved"
    assert [p.message for p in outcome.problems] == ["image 'media/fms/chart.png' without alt text: write ![what it shows](media/fms/chart.png)"]


def test_a_double_submit_makes_one_commit(workspace):
    edit = edit_of(workspace, body="Once.\n")
    assert save(workspace, edit, ED, TODAY).status == "saved"
    head = git.head(workspace.content_dir)
    assert save(workspace, edit, ED, TODAY).status == "unchanged"
    assert git.head(workspace.content_dir) == head


def test_a_failed_commit_puts_the_old_file_back(workspace):
    path = workspace.content_dir / LOR
    before = path.read_text()
    hooks = workspace.content_dir / ".git" / "index.lock"
    hooks.write_text("")  # another git process holds the repository: commit fails
    try:
        outcome = save(workspace, edit_of(workspace, body="Lost?\n"), ED, TODAY)
    finally:
        hooks.unlink()
    assert outcome.status == "failed" and "Lost?" in outcome.text
    assert path.read_text() == before


def test_a_new_article_is_added_and_an_existing_one_is_never_overwritten(workspace):
    values, body = form_values("---\ntitle: Case closure\nareas: [fms]\n---\nClosing.\n")
    new = Edit("articles/fms/case-closure.md", None, values, body, "Add case closure", new=True)
    assert save(workspace, new, ED, TODAY).status == "saved"
    assert (workspace.content_dir / "articles/fms/case-closure.md").exists()
    clash = Edit(LOR, None, values, body, "Add", new=True)
    assert save(workspace, clash, ED, TODAY).status == "conflict"


def test_a_folder_that_is_not_a_repository_turns_editing_off(tmp_path: Path, workspace):
    assert editing_off_reason(workspace.content_dir) is None
    plain = tmp_path / "plain"
    plain.mkdir()
    assert "not a git repository" in editing_off_reason(plain)


def test_a_save_waits_for_a_running_kb_sync_and_two_saves_at_once_both_survive(workspace):
    path = workspace.content_dir / LOR
    first = edit_of(workspace, title="Letter of Request (LOR)")
    second = edit_of(workspace, body=first.body + "\nA second editor's paragraph.\n")
    outcomes = []
    with file_lock(workspace.index.directory / LOCK_FILE):  # what kb sync / kb watch hold while pulling
        threads = [threading.Thread(target=lambda e=e: outcomes.append(save(workspace, e, ED, TODAY))) for e in (first, second)]
        for thread in threads:
            thread.start()
        threads[0].join(3)  # a save without the lock is done by then (about 1 s here)
        assert outcomes == [] and "(LOR)" not in path.read_text()
    for thread in threads:
        thread.join(60)
    assert sorted(o.status for o in outcomes) == ["saved", "saved"]
    text = path.read_text()
    assert "title: Letter of Request (LOR)" in text and "A second editor's paragraph." in text
    assert run_git(workspace.content_dir, "log", "--format=%an", "-2").splitlines() == ["Ed Editor", "Ed Editor"]


def test_a_body_over_the_file_size_limit_is_refused_before_it_is_written(workspace):
    path = workspace.content_dir / LOR
    before = path.read_text()
    small = dataclasses.replace(workspace, limits=Limits(max_bytes=5_000))
    outcome = save(small, edit_of(workspace, body="x" * 6_000), ED, TODAY)
    assert outcome.status == "invalid" and "KB_MAX_FILE_BYTES" in outcome.problems[0].message
    assert path.read_text() == before
