"""Renames and deletions on a real git repository and index: one commit each, the checker first, redirect_from kept."""

from __future__ import annotations

import datetime as dt

from kb.editing.checks import removal_errors
from kb.editing.moves import delete, rename, with_redirect

from ..gitrepo import git
from .conftest import ED, LOR

TODAY = dt.date(2026, 6, 1)
NEW = "articles/fms/request-letter.md"


def test_with_redirect_adds_the_old_slug_and_keeps_every_other_line():
    text = "---\ntitle: T\n# a comment a git user wrote\nredirect_from: [fms/older]\ntags: [a]\n---\nBody.\n"
    moved = with_redirect(text, "fms/old", "fms/new")
    assert moved == "---\ntitle: T\n# a comment a git user wrote\ntags: [a]\nredirect_from: [fms/older, fms/old]\n---\nBody.\n"


def test_moving_back_drops_the_new_slug_from_redirect_from():
    """Renamed a -> b -> a: 'a' is an article again, so it may not stay in its own redirect_from (a checker error)."""
    assert with_redirect("---\ntitle: T\nredirect_from: [fms/a]\n---\n", "fms/b", "fms/a") == "---\ntitle: T\nredirect_from: [fms/b]\n---\n"


def test_a_rename_is_one_commit_git_sees_as_a_rename_and_the_index_follows(workspace):
    change = rename(workspace, LOR, NEW, ED, "Shorter name", TODAY)
    assert change.status == "done", change
    status = git(workspace.content_dir, "show", "--format=%an|%cn|%s", "-M", "--name-status", "HEAD").splitlines()
    assert status[0] == "Ed Editor|KB Server|Shorter name" and status[-1].startswith("R") and status[-1].endswith(f"{LOR}\t{NEW}")
    assert git(workspace.content_dir, "status", "--porcelain") == ""
    moved = workspace.index.get("article:fms/request-letter", ["public"])
    assert moved is not None and tuple(moved.values["moved_from"]) == ("fms/letter-of-request",)
    assert [c["subject"] for c in moved.page.git["commits"]] == ["Shorter name", "Initial content"]
    assert workspace.index.get("article:fms/letter-of-request", ["public"]) is None


def test_the_articles_that_name_the_old_slug_pass_the_checker_after_a_rename(workspace):
    """The glossary's 'see', a path's steps and 'related' reach the article through its redirect."""
    assert rename(workspace, LOR, NEW, ED, "Shorter name", TODAY).status == "done"
    assert removal_errors(workspace.content_dir, "articles/eum/golden-sentry.md", TODAY) == ()
    glossary = workspace.index.get("glossary:LOR", ["public", "staff"])
    assert glossary is not None and glossary.page.senses[0].see == "fms/request-letter"


def test_a_deletion_is_refused_while_other_files_link_to_the_article(workspace):
    change = delete(workspace, LOR, ED, "Remove", TODAY)
    assert change.status == "blocked"
    assert {p.path for p in change.problems} >= {"articles/fms/letter-of-offer-and-acceptance.md", "glossary.yml", "paths/new-to-sc.md"}
    assert (workspace.content_dir / LOR).exists() and git(workspace.content_dir, "log", "-1", "--format=%s") == "Initial content"


def test_a_deletion_of_an_unlinked_article_is_one_commit_and_leaves_the_index(workspace):
    change = delete(workspace, "articles/eum/golden-sentry.md", ED, "Program ended", TODAY)
    assert change.status == "done"
    assert git(workspace.content_dir, "show", "--format=%an %s", "--name-status", "HEAD").splitlines() == [
        "Ed Editor Program ended",
        "",
        "D\tarticles/eum/golden-sentry.md",
    ]
    assert workspace.index.get("article:eum/golden-sentry", ["public"]) is None
