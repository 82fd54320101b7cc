"""Editing in the real browser: an editor edits an article, previews (live and by the button), saves;
the change is searchable at once and History names the editor. The editor page has no axe violations."""

from __future__ import annotations

import re
import subprocess

import pytest

from ..conftest import ROOT, SAMPLE
from ..gitrepo import commit, init
from ..live import BIN, LiveServer
from .conftest import DESKTOP, check_a11y, desktop, phone, screenshot

PASSWORD = "correct horse battery staple"
EDITOR = ("erin.editor@example.mil", "Erin Editor")
ARTICLE = "/articles/fms/letter-of-request"


@pytest.fixture(scope="module")
def git_server(tmp_path_factory):
    """gunicorn over a content folder that is a git repository, with an editor account."""
    root = tmp_path_factory.mktemp("editing")
    content = init(root / "content")
    commit(content, "maria", "Initial content", SAMPLE)
    server = LiveServer(content, root / "index", root / "instance", workers=1, threads=4)
    assert server.kb("index").returncode == 0
    server.start()
    assert server.kb("db", "upgrade").returncode == 0
    added = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "kb", "users", "add", EDITOR[0], EDITOR[1], "--role", "editor", "--password-stdin"],
        cwd=ROOT,
        env=server.env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    yield server
    server.stop()
    assert server.tracebacks() == "", "the server logged an exception"


@pytest.fixture
def page(browser, git_server, watch):
    context = browser.new_context(viewport=DESKTOP, base_url=git_server.url, service_workers="block")
    context.on("request", watch.request)
    context.on("response", watch.response)
    tab = context.new_page()
    tab.on("console", watch.message)
    tab.on("pageerror", watch.error)
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    assert watch.external == [], "requests left 127.0.0.1"
    assert watch.console == [], "the console reported errors (CSP violations or script errors)"


def test_an_editor_edits_previews_and_saves_and_the_change_is_searchable_with_history(page):
    page.goto(f"/login?next={ARTICLE}")
    page.fill("input[name=email]", EDITOR[0])
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(ARTICLE) + "$"))
    page.get_by_role("link", name="Edit this page").first.click()
    page.wait_for_url(re.compile("/-/edit$"))
    check_a11y(page, "editor")
    phone(page)
    check_a11y(page, "editor phone")
    screenshot(page, "editor-phone")
    desktop(page)

    body = page.get_by_label("Text (Markdown)")
    body.fill("A partner sends an LOR. The platypus clause matters.\n\nSee [[fms/letter-of-offer-and-acceptance]].\n")
    page.get_by_role("toolbar", name="Insert Markdown").get_by_role("button", name="Bold").click()
    assert "**bold text**" in body.input_value()
    preview = page.locator("#edit-preview")
    preview.get_by_role("link", name="Letter of Offer and Acceptance").wait_for()  # the live preview, debounced
    assert "platypus clause" in preview.inner_text()
    page.get_by_role("button", name="Preview").click()  # the preview without JavaScript: a submit
    page.wait_for_load_state()
    assert "platypus clause" in page.locator("#edit-preview").inner_text()
    screenshot(page, "editor-preview")

    page.get_by_label("What did you change?").fill("Add the platypus clause")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(re.escape(ARTICLE) + "$"))
    assert "Saved." in page.inner_text("main") and "platypus clause" in page.inner_text("main")

    page.goto("/search?q=platypus")
    assert page.get_by_role("link", name="Letter of Request").count() >= 1
    page.goto(ARTICLE + "/-/history")
    history = page.inner_text("main")
    assert "Erin Editor" in history and "Add the platypus clause" in history
    # a check error: shown with its line, the text kept, and the page still accessible
    page.goto(ARTICLE + "/-/edit")
    page.get_by_label("Text (Markdown)").fill("Kept in the form.\n\nSee [[fms/no-such-article]].\n")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Not saved" in page.inner_text("main") and "(line 3 of the text)" in page.inner_text("main")
    assert "Kept in the form." in page.get_by_label("Text (Markdown)").input_value()
    check_a11y(page, "editor with errors")
