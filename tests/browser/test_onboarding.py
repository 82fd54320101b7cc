"""Issue 22 in the real browser: a newcomer starts a path, reads in flow through the path bar,
fails the knowledge check once, passes it, and opens the completion record; axe on every new page."""

from __future__ import annotations

import subprocess

import pytest

from ..conftest import ROOT
from ..live import BIN
from .conftest import check_a11y, screenshot
from .test_signed_in_journeys import PASSWORD, sign_in

NEWCOMER = "nia.newcomer@example.mil"
CHECK = """pass_mark: 100
questions:
  - id: lor
    question: What starts an FMS case?
    choices: [A Letter of Request, A contract]
    answer: A Letter of Request
    explanation: The partner's written request starts it.
  - id: loa-signed
    question: The partner signs the LOA.
    type: true-false
    answer: true
    explanation: The partner accepts the offer by signing it.
"""


@pytest.fixture(scope="module")
def newcomer(live_server):
    """A reader account on the migrated live database, and a check for the sample path."""
    assert live_server.kb("db", "upgrade").returncode == 0
    added = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "kb", "users", "add", NEWCOMER, "Nia Newcomer", "--password-stdin"],
        cwd=ROOT,
        env=live_server.env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    (live_server.content / "paths/new-to-sc.check.yml").write_text(CHECK)
    return NEWCOMER


def answer_check(page, lor: str, loa: str) -> None:
    page.goto("/paths/new-to-sc/check")
    page.get_by_text(lor, exact=True).click()  # USWDS draws the radio on its label
    page.get_by_role("group", name="The partner signs the LOA.").get_by_text(loa, exact=True).click()
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_load_state()


def test_a_newcomer_reads_a_path_in_flow_passes_its_check_and_opens_the_record(page, newcomer):
    sign_in(page, newcomer, "/paths/new-to-sc")
    page.get_by_role("button", name="Start this path").click()
    page.wait_for_url("**/articles/fms/letter-of-request?path=new-to-sc")
    bar = page.locator(".kb-path-bar")
    assert "Step 1 of 3 · New to Security Cooperation" in bar.inner_text() and "Take away:" in bar.inner_text()
    check_a11y(page, "article with the path bar")
    bar.get_by_role("button", name="Mark as done and continue").click()
    page.wait_for_url("**/articles/fms/letter-of-offer-and-acceptance?path=new-to-sc")
    assert "Step 2 of 3" in page.locator(".kb-path-bar").inner_text() and "1 of 3 steps done" in page.locator(".kb-path-bar").inner_text()
    for _ in range(2):  # steps 2 and 3 through the bar; the last one returns to the path page
        page.locator(".kb-path-bar").get_by_role("button", name="Mark as done and continue").click()
        page.wait_for_load_state()
    assert page.url.endswith("/paths/new-to-sc") and "Started" in page.inner_text("main")
    check_a11y(page, "path with its check")
    page.goto("/paths/new-to-sc/check")
    check_a11y(page, "knowledge check")
    answer_check(page, "A contract", "False")
    assert "not passed yet" in page.inner_text("main") and "The partner's written request starts it." in page.inner_text("main")
    check_a11y(page, "check result, failed")
    answer_check(page, "A Letter of Request", "True")
    assert "You scored 100 %: passed" in page.inner_text("main")
    page.get_by_role("link", name="Open your completion record").click()
    main = page.inner_text("main")
    assert "Completion record" in main and "Nia Newcomer" in main and "100 % (best score)" in main
    check_a11y(page, "completion record")
    page.emulate_media(media="print")
    screenshot(page, "completion record printed")
