"""Issue 22's "Done when" in the real browser: an editor assigns a path with a due date; the newcomer
signs in, sees it assigned, starts it, reads in flow through the path bar, fails the check once and
passes it, and prints the completion record; the supervisor's report shows them complete with the
score. Axe runs on every new page (the report, its index, "Assigned to you", the supervisors form)."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from ..conftest import ROOT
from ..live import BIN
from .conftest import check_a11y, screenshot
from .test_onboarding import CHECK, answer_check
from .test_signed_in_journeys import PASSWORD, sign_in, sign_out

EDITOR, NEWCOMER, SUPERVISOR, ADMIN = "eli.editor@example.mil", "noa.newcomer@example.mil", "sol.supervisor@example.mil", "ana.admin@example.mil"
DUE = dt.date.today() + dt.timedelta(days=14)


def flask_kb(live_server, *args: str, stdin: str = "") -> None:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "kb", *args], cwd=ROOT, env=live_server.env, input=stdin, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def team(live_server):
    """An editor, an admin, a newcomer and their supervisor (recorded with the CLI), and a check for the sample path."""
    assert live_server.kb("db", "upgrade").returncode == 0
    for email, name, role in (
        (EDITOR, "Eli Editor", "editor"),
        (ADMIN, "Ana Admin", "admin"),
        (NEWCOMER, "Noa Newcomer", "reader"),
        (SUPERVISOR, "Sol Supervisor", "reader"),
    ):
        flask_kb(live_server, "users", "add", email, name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    flask_kb(live_server, "users", "supervise", SUPERVISOR, NEWCOMER)
    (live_server.content / "paths/new-to-sc.check.yml").write_text(CHECK)
    return live_server


def assign_as_editor(page) -> None:
    sign_in(page, EDITOR, "/paths/new-to-sc")
    page.get_by_role("link", name="Progress and assignments").click()
    page.wait_for_url("**/reports/paths/new-to-sc")
    check_a11y(page, "path progress report, editor")
    page.get_by_text("Noa Newcomer (noa.newcomer@example.mil)").click()  # USWDS draws the checkbox on its label
    page.fill("input[name=due]", DUE.isoformat())
    page.get_by_role("button", name="Assign").click()
    page.wait_for_url("**/reports/paths/new-to-sc")
    assert f"Assigned “New to Security Cooperation” to Noa Newcomer, due {DUE.isoformat()}." in page.inner_text("main")
    page.goto("/reports/paths")
    check_a11y(page, "path progress index")
    sign_out(page)


def follow_the_path(page) -> None:
    sign_in(page, NEWCOMER, "/")
    assigned = page.locator(".kb-assigned")
    assert "New to Security Cooperation" in assigned.inner_text() and f"Due {DUE.day} {DUE:%B %Y}" in assigned.inner_text()
    check_a11y(page, "home with Assigned to you")
    assigned.get_by_role("link", name="New to Security Cooperation").click()
    page.get_by_role("button", name="Start this path").click()
    page.wait_for_url("**/articles/fms/letter-of-request?path=new-to-sc")
    assert "Step 1 of 3" in page.locator(".kb-path-bar").inner_text()
    page.locator(".kb-path-bar").get_by_role("button", name="Mark as done and continue").click()
    page.wait_for_url("**/articles/fms/letter-of-offer-and-acceptance?path=new-to-sc")
    assert "Step 2 of 3" in page.locator(".kb-path-bar").inner_text()
    for _ in range(2):  # step 2, then the last step, which returns to the path page
        page.locator(".kb-path-bar").get_by_role("button", name="Mark as done and continue").click()
        page.wait_for_load_state()
    answer_check(page, "A contract", "False")
    assert "not passed yet" in page.inner_text("main")
    answer_check(page, "A Letter of Request", "True")
    assert "You scored 100 %: passed" in page.inner_text("main")
    page.get_by_role("link", name="Open your completion record").click()
    page.emulate_media(media="print")
    main = page.inner_text("main")
    assert "Completion record" in main and "Noa Newcomer" in main and "100 % (best score)" in main
    screenshot(page, "assigned path completion record printed")
    page.emulate_media(media="screen")
    page.goto("/me")
    assert "Assigned to you" in page.inner_text("main") and "Completed" in page.locator(".kb-assigned").inner_text()
    check_a11y(page, "me with Assigned to you")
    sign_out(page)


def test_an_assigned_path_is_followed_and_the_supervisor_sees_it_complete(page, team):
    assign_as_editor(page)
    follow_the_path(page)
    sign_in(page, SUPERVISOR, "/me")
    page.get_by_role("link", name="Path progress").click()
    page.get_by_role("link", name="New to Security Cooperation").click()
    page.wait_for_url("**/reports/paths/new-to-sc")
    row = page.get_by_role("row", name="Noa Newcomer")
    text = row.inner_text()
    assert "3 of 3" in text and "100%" in text and "Complete" in text and f"{DUE.day} {DUE:%B %Y}" in text and "Overdue" not in text
    assert "Eli Editor" not in page.inner_text("main table")  # people the supervisor does not supervise are not in the report
    check_a11y(page, "path progress report, supervisor")
    sign_out(page)


def test_the_supervisors_form_on_the_users_page_passes_axe(page, team):
    sign_in(page, ADMIN, "/admin/users")
    assert "Sol Supervisor (sol.supervisor@example.mil)" in page.locator(".kb-supervisors").inner_text()
    check_a11y(page, "users page with supervisors")
