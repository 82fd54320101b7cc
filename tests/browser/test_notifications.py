"""Issue 21 done: a reader marks an article unhelpful and reports an outdated figure; the expert listed
on it sees the report in the app and in the test's SMTP inbox (aiosmtpd); the expert publishes a fix in
the browser editor and closes the report with its commit; the reader's notifications show it resolved.
axe-core on the notifications pages."""

from __future__ import annotations

import re
import subprocess

import pytest

from ..conftest import ROOT, SAMPLE
from ..gitrepo import commit, init
from ..gitrepo import git as run_git
from ..live import BIN, LiveServer
from ..notifications.smtp import parts, start
from .conftest import DESKTOP, check_a11y

PASSWORD = "correct horse battery staple"
READER = ("rhea.reader@example.mil", "Rhea Reader", "reader")
EXPERT = ("maria.delgado@example.mil", "Maria Delgado", "editor")  # people/maria-delgado.md, expert of the article
ARTICLE = "/articles/fms/letter-of-request"


@pytest.fixture(scope="module")
def smtp():
    controller, inbox = start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp):
    """gunicorn over a git content repository, sending mail to the test's SMTP server, with a reader and the expert."""
    root = tmp_path_factory.mktemp("notifications")
    content = init(root / "content")
    commit(content, "john", "Initial content", SAMPLE)
    mail = {"KB_SMTP_HOST": "127.0.0.1", "KB_SMTP_PORT": str(smtp.port), "KB_SMTP_STARTTLS": "0"}
    live = LiveServer(content, root / "index", root / "instance", workers=1, threads=4, extra_env=mail)
    assert live.kb("index").returncode == 0
    live.start()
    assert live.kb("db", "upgrade").returncode == 0
    for email, name, role in (READER, EXPERT):
        added = subprocess.run(
            [str(BIN / "flask"), "--app", "app", "kb", "users", "add", email, name, "--role", role, "--password-stdin"],
            **{"cwd": ROOT, "env": live.env, "input": PASSWORD + "\n", "capture_output": True, "text": True, "timeout": 120},
        )
        assert added.returncode == 0, added.stderr
    assert live.kb("notify").returncode == 0  # the first round notes where the repository is
    yield live
    live.stop()
    assert live.tracebacks() == "", "the server logged an exception"


@pytest.fixture
def page(browser, server, watch):
    context = browser.new_context(viewport=DESKTOP, base_url=server.url, service_workers="block")
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


def sign_in(page, email: str, next_path: str) -> None:
    page.goto(f"/login?next={next_path}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + r"($|[?#])"))


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def reader_reports(page) -> None:
    sign_in(page, READER[0], ARTICLE)
    page.get_by_role("button", name="No", exact=True).click()
    page.get_by_label("What was missing or wrong? (optional)").fill("The processing time is out of date")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("status").filter(has_text="Thank you for your feedback.").wait_for()
    page.get_by_role("link", name="Report a problem with this page").click()
    page.locator("label[for=kind-outdated]").click()
    page.get_by_label("Tell us more").fill("The figure of 45 days is from 2019")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url(re.compile(re.escape(ARTICLE) + "#feedback$"))
    sign_out(page)


def expert_fixes(page, content) -> str:
    """The expert reads the report in the app, publishes a fix in the editor, closes the report; the fix's commit."""
    sign_in(page, EXPERT[0], "/notifications")
    assert page.locator(".kb-header__notifications .kb-count").inner_text() == "2"  # the report and the "No"
    check_a11y(page, "notifications")
    main = page.inner_text("main")
    assert "Problem report" in main and "Outdated: The figure of 45 days is from 2019" in main and "Not helpful" in main
    page.goto(ARTICLE)
    page.get_by_role("link", name="Edit this page").first.click()
    page.wait_for_url(re.compile("/-/edit$"))
    page.get_by_label("Text (Markdown)").fill("A partner sends an LOR. Processing takes 30 days (2026 figure).\n")
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url(re.compile(re.escape(ARTICLE) + "$"))
    sha = run_git(content, "rev-parse", "HEAD")
    page.goto("/reports/feedback")
    report = page.locator(".kb-queue__report").filter(has_text="The figure of 45 days is from 2019")
    report.get_by_label("Fixed by commit").fill(sha[:10])
    report.get_by_role("button", name="Mark fixed").click()
    page.wait_for_load_state()
    assert f"is now fixed by commit {sha[:7]}" in page.inner_text("main")
    sign_out(page)
    return sha


def test_a_report_reaches_the_expert_in_the_app_and_by_mail_and_its_fix_reaches_the_reader(page, server, smtp):
    reader_reports(page)
    assert smtp.to(EXPERT[0]) == []  # no mail from a web request
    assert server.kb("notify").returncode == 0
    (message,) = smtp.to(EXPERT[0])
    plain = parts(message)[0]
    assert "Outdated: The figure of 45 days is from 2019" in plain and "Not helpful: The processing time is out of date" in plain
    sha = expert_fixes(page, server.content)
    sign_in(page, READER[0], "/notifications")
    assert page.locator(".kb-header__notifications .kb-count").inner_text() == "1"
    told = page.locator(".kb-notification--unread").inner_text()
    assert "Your problem report" in told and f"is now fixed by commit {sha[:7]}" in told
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_load_state()
    assert page.locator(".kb-header__notifications .kb-count").count() == 0
    page.goto("/notifications/settings")
    check_a11y(page, "notification settings")
    server.kb("notify")
    assert any(f"fixed by commit {sha[:7]}" in parts(m)[0] for m in smtp.to(READER[0]))
