"""Review before publishing in the real browser: a reader suggests an edit, an editor approves it in
the review queue; the change is on the article and History names the reader as its author."""

from __future__ import annotations

import re
import subprocess

import pytest

from ..conftest import ROOT, SAMPLE
from ..gitrepo import commit, init
from ..live import BIN, LiveServer
from .conftest import DESKTOP, check_a11y

PASSWORD = "correct horse battery staple"
EDITOR = ("erin.editor@example.mil", "Erin Editor", "editor")
READER = ("rosa.reader@example.mil", "Rosa Reader", "reader")
ARTICLE = "/articles/fms/letter-of-request"


@pytest.fixture(scope="module")
def git_server(tmp_path_factory):
    """gunicorn over a content folder that is a git repository, with an editor and a reader account."""
    root = tmp_path_factory.mktemp("review")
    content = init(root / "content")
    commit(content, "maria", "Initial content", SAMPLE)
    server = LiveServer(content, root / "index", root / "instance", workers=1, threads=4)
    assert server.kb("index").returncode == 0
    server.start()
    assert server.kb("db", "upgrade").returncode == 0
    for email, name, role in (EDITOR, READER):
        command = [str(BIN / "flask"), "--app", "app", "kb", "users", "add", email, name, "--role", role, "--password-stdin"]
        added = subprocess.run(command, cwd=ROOT, env=server.env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
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


def sign_in(page, email: str) -> None:
    page.goto(f"/login?next={ARTICLE}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(ARTICLE) + "$"))


def sign_out(page) -> None:
    page.context.clear_cookies()


def test_a_reader_proposes_an_editor_approves_and_history_names_the_reader(page):
    sign_in(page, READER[0])
    page.get_by_role("link", name="Suggest an edit").click()
    page.wait_for_url(re.compile("/-/propose$"))
    page.get_by_label("Text (Markdown)").fill("A partner sends an LOR. The echidna clause matters.\n")
    page.get_by_label("What did you change?").fill("Add the echidna clause")
    page.get_by_role("button", name="Propose").click()
    page.wait_for_url(re.compile(re.escape(ARTICLE) + "$"))
    assert "echidna" not in page.locator("main").inner_text()
    page.goto("/me")
    assert "waiting for review" in page.locator("main").inner_text()
    sign_out(page)

    sign_in(page, EDITOR[0])
    page.get_by_role("link", name="1 proposed change").click()
    page.wait_for_url(re.compile("/review$"))
    proposal = page.locator(".kb-proposal").first
    assert "By Rosa Reader" in proposal.inner_text() and "echidna" in proposal.locator("ins").first.inner_text()
    check_a11y(page, "review queue")
    proposal.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url(re.compile("/review$"))
    assert "Published proposal 1." in page.locator("main").inner_text()
    page.goto(ARTICLE)
    assert "The echidna clause matters." in page.locator("main").inner_text()
    page.goto(f"{ARTICLE}/-/history")
    history = page.locator("main").inner_text()
    assert "Rosa Reader" in history and "Add the echidna clause" in history
