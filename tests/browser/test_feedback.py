"""Issue 21's feedback loop in the real browser: a reader marks an article unhelpful and reports
an outdated figure; an editor sees both in the queue and marks the report fixed; the reader's
/me shows it fixed. axe-core on every new form."""

from __future__ import annotations

import re
import subprocess

import pytest

from ..conftest import ROOT
from ..live import BIN
from .conftest import check_a11y

PASSWORD = "correct horse battery staple"
READER = "rhea.reader@example.mil"
EDITOR = "erin.editor@example.mil"
ARTICLE = "/articles/fms/letter-of-request"


@pytest.fixture(scope="module")
def people(live_server):
    """The live server's database migrated, with a reader and an editor (as an operator adds them)."""
    assert live_server.kb("db", "upgrade").returncode == 0
    for email, name, role in [(READER, "Rhea Reader", "reader"), (EDITOR, "Erin Editor", "editor")]:
        added = subprocess.run(
            [str(BIN / "flask"), "--app", "app", "kb", "users", "add", email, name, "--role", role, "--password-stdin"],
            cwd=ROOT,
            env=live_server.env,
            input=PASSWORD + "\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert added.returncode == 0, added.stderr


def sign_in(page, email: str, next_path: str) -> None:
    page.goto(f"/login?next={next_path}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + r"($|[?#])"))


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_a_report_goes_from_reader_to_editor_and_back_fixed(page, people):
    sign_in(page, READER, ARTICLE)
    page.get_by_role("button", name="No", exact=True).click()  # in place: the comment box appears under the question
    page.get_by_label("What was missing or wrong? (optional)").fill("The 2019 processing time is out of date")
    check_a11y(page, "feedback comment in place")
    page.evaluate("window.__kbNoReload = 1")  # a reload (the form's fallback) would forget it
    with page.expect_response(lambda r: r.url.endswith("/-/helpful") and r.request.method == "POST") as sent:
        page.get_by_role("button", name="Send").click()
    assert sent.value.status == 200  # the JSON answer, not the redirect of the page without JavaScript
    page.get_by_role("status").filter(has_text="Thank you for your feedback.").wait_for()
    assert page.evaluate("window.__kbNoReload") == 1
    page.goto(ARTICLE + "/-/helpful?helpful=no")  # the page without JavaScript's help
    check_a11y(page, "feedback page")
    page.goto(ARTICLE)
    page.get_by_role("link", name="Report a problem with this page").click()
    check_a11y(page, "report a problem")
    page.locator("label[for=kind-outdated]").click()  # USWDS styles the label, the radio itself is hidden
    page.get_by_label("Tell us more").fill("The figure of 45 days is from 2019")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url(re.compile(re.escape(ARTICLE) + "#feedback$"))
    assert "your report is with the article's editors" in page.inner_text("main")
    sign_out(page)

    sign_in(page, EDITOR, "/reports/feedback")
    check_a11y(page, "feedback queue")
    main = page.inner_text("main")
    assert "The figure of 45 days is from 2019" in main and "The 2019 processing time is out of date" in main
    report = page.locator(".kb-queue__report").filter(has_text="The figure of 45 days is from 2019")
    report.get_by_label("Fixed by commit").fill("abc1234")
    report.get_by_role("button", name="Mark fixed").click()
    page.wait_for_load_state()
    assert "is now fixed by commit abc1234" in page.inner_text("main")
    page.goto(ARTICLE)
    assert "open problem report" not in page.inner_text("main")
    sign_out(page)

    sign_in(page, READER, "/me")
    assert "fixed by commit abc1234" in page.locator(".kb-my-reports").inner_text()
