"""Journeys that need an account: sign in, onboarding progress, staff-only content, the
directory and the editor's reports, in the real browser over the live server."""

from __future__ import annotations

import re
import subprocess

import pytest

from ..conftest import ROOT
from ..live import BIN
from .conftest import check_a11y, desktop, phone, screenshot

PASSWORD = "correct horse battery staple"
EDITOR = "ed.editor@example.mil"


@pytest.fixture(scope="module")
def accounts(live_server):
    """The live server's database migrated, with an editor account (as an operator creates it)."""
    assert live_server.kb("db", "upgrade").returncode == 0
    added = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "kb", "users", "add", EDITOR, "Ed Editor", "--role", "editor", "--password-stdin"],
        cwd=ROOT,
        env=live_server.env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    return EDITOR


def sign_in(page, email: str, next_path: str = "/") -> None:
    page.goto(f"/login?next={next_path}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + r"($|[?#])"))


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Sign in").count() >= 1


def test_sign_in_mark_onboarding_steps_see_progress_and_sign_out(page, accounts):
    page.goto("/paths/new-to-sc")
    assert "Sign in" in page.inner_text("main")  # anonymous readers are invited to keep their progress
    page.goto("/login")
    check_a11y(page, "login")
    sign_in(page, accounts, "/paths/new-to-sc")
    check_a11y(page, "path signed in")
    page.evaluate("window.__kbNoReload = 1")  # a reload (the form's fallback) would forget it
    with page.expect_response(lambda r: "/steps/" in r.url and r.request.method == "POST") as marked:
        page.get_by_role("button", name="Mark as done").first.click()
    assert marked.value.status == 200 and marked.value.json()["done"] is True  # the JSON answer, not a redirect
    page.locator(".kb-step--done").first.wait_for()
    assert page.evaluate("window.__kbNoReload") == 1  # marked in place: the page was not reloaded
    page.goto("/me")
    main = page.inner_text("main")
    assert "New to Security Cooperation" in main and re.search(r"\b1\b", main)
    screenshot(page, "me")
    page.goto("/")
    assert "Continue where you left off" in page.inner_text("main")
    sign_out(page)
    page.goto("/me")
    assert "/login" in page.url  # progress is for signed-in readers


def test_a_staff_only_article_disappears_after_sign_out(page, accounts):
    sign_in(page, accounts)
    page.goto("/articles/eum/internal-checklist")
    assert "Zebra compliance checklist" in page.inner_text("h1")
    page.goto("/search?q=zebra")
    assert "Zebra compliance checklist" in page.inner_text("main")
    sign_out(page)
    response = page.goto("/articles/eum/internal-checklist")
    assert response.status == 404 and "Zebra" not in page.inner_text("main")
    page.goto("/search?q=zebra")
    assert "Zebra" not in page.inner_text("main") and "0 results" in page.inner_text("main")


def test_filter_the_directory_from_a_profile(page):
    page.goto("/people/maria-delgado")
    page.get_by_role("link", name="Expertise directory").click()
    page.wait_for_url(re.compile(r"/people$"))
    check_a11y(page, "directory")
    page.locator("label.usa-checkbox__label", has_text=re.compile(r"^Spanish")).click()  # USWDS styles the label, not the box
    page.wait_for_url(re.compile(r"language=spanish"))  # applied at once with JavaScript
    assert "Maria Delgado" in page.inner_text("main") and "John Smith" not in page.inner_text("main")
    screenshot(page, "directory filtered")


def test_an_editor_opens_the_freshness_report(page, accounts):
    assert page.goto("/reports/freshness").status == 404  # not for anonymous readers
    sign_in(page, accounts, "/reports/freshness")
    assert "Freshness" in page.inner_text("h1")
    check_a11y(page, "freshness report")
    screenshot(page, "freshness report")


LINES_OF = """el => { const range = document.createRange(); range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }"""


def test_the_freshness_report_keeps_each_status_and_its_date_on_one_line(page, accounts):
    """At 1280 px the due-soon tag and its date each take one line; experts are named, linked to their profiles."""
    sign_in(page, accounts, "/reports/freshness")
    row = page.locator("tr", has=page.locator(".usa-tag", has_text="due-soon")).first
    tag, date = row.locator(".usa-tag"), row.locator("td.kb-nowrap time")
    assert tag.evaluate(LINES_OF) == 1 and date.evaluate(LINES_OF) == 1
    assert abs(tag.bounding_box()["y"] - date.bounding_box()["y"]) < tag.bounding_box()["height"]  # side by side
    page.get_by_role("link", name="John Smith").first.click()
    page.wait_for_url(re.compile(r"/people/john-smith$"))


def test_an_editor_finds_the_reports_in_the_header_at_every_width(page, accounts):
    sign_in(page, accounts)
    for width in (desktop, phone):
        width(page)
        page.goto("/articles/eum/internal-checklist")
        assert page.locator(".kb-staff-note").inner_text().startswith("STAFF ONLY")  # USWDS tags are upper case
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing pushes the page wider
        check_a11y(page, f"staff-only article {width.__name__}")
        screenshot(page, f"staff-only article {width.__name__}")
        page.get_by_role("navigation", name="Account").get_by_role("link", name="Reports").click()
        page.wait_for_url(re.compile(r"/reports$"))
        check_a11y(page, f"reports {width.__name__}")
        screenshot(page, f"reports {width.__name__}")


def test_an_editor_opens_the_freshness_and_search_gap_reports(page, accounts):
    """Searches that find nothing, one that finds and is opened; the editor sees the gaps and searches again."""
    assert page.goto("/reports/search").status == 404  # not for anonymous readers
    sign_in(page, accounts)
    for nothing in ("quokkaxylophone", "zanzibar widgets"):
        page.goto(f"/search?q={nothing}")
        assert "0 results" in page.inner_text("main")
    page.goto("/search?q=golden+sentry")
    page.get_by_role("link", name="Golden Sentry program").click()
    page.wait_for_url(re.compile(r"/articles/eum/golden-sentry$"))  # through the counting link, to the clean URL
    page.goto("/reports/freshness")
    assert "Freshness" in page.inner_text("h1")
    check_a11y(page, "freshness report editor")
    page.goto("/reports/search")
    assert "Search gaps" in page.inner_text("h1")
    gaps = page.locator("table", has=page.locator("caption", has_text="Queries that found nothing"))
    assert "quokkaxylophone" in gaps.inner_text() and "zanzibar widgets" in gaps.inner_text()
    assert "golden sentry" not in gaps.inner_text()  # it found something,
    assert "golden sentry" not in page.locator("#not-opened + *").inner_text()  # and its result was opened (counted by the link)
    assert "golden sentry" in page.locator("#top-queries + *").inner_text()
    check_a11y(page, "search gaps report")
    screenshot(page, "search gaps report")
    phone(page)
    check_a11y(page, "search gaps report phone")
    desktop(page)
    gaps.get_by_role("link", name="Search again for “quokkaxylophone”").click()
    page.wait_for_url(re.compile(r"/search\?q=quokkaxylophone$"))
    assert "0 results" in page.inner_text("main")


def add_account(live_server, email: str, name: str, role: str) -> None:
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


def test_an_admin_resets_and_disables_after_confirming_and_a_user_changes_their_password(page, accounts, live_server):
    """Issue 19 item 12, as people see it: every step without JavaScript's help, and axe-clean."""
    add_account(live_server, "adam.admin@example.mil", "Adam Admin", "admin")
    add_account(live_server, "rita.reader@example.mil", "Rita Reader", "reader")
    sign_in(page, "adam.admin@example.mil", "/admin/users")
    check_a11y(page, "admin users")
    page.get_by_role("link", name="Reset password of rita.reader@example.mil").click()
    check_a11y(page, "admin reset password")
    page.fill("#new", "a new password from the admin")
    page.fill("#confirm", "a new password from the admin")
    page.get_by_role("button", name="Set the new password").click()
    assert "New password set for rita.reader@example.mil" in page.inner_text("main")
    page.get_by_role("link", name="Disable rita.reader@example.mil").click()
    assert page.inner_text("h1") == "Disable rita.reader@example.mil?"
    check_a11y(page, "admin confirm disable")
    page.get_by_role("button", name="Disable rita.reader@example.mil").click()
    assert "rita.reader@example.mil is disabled" in page.inner_text("main")
    page.locator("tr", has_text="rita.reader@example.mil").get_by_role("button", name="Enable").click()
    assert "rita.reader@example.mil is enabled" in page.inner_text("main")
    sign_out(page)
    page.goto("/login?next=/me")
    page.fill("input[name=email]", "rita.reader@example.mil")
    page.fill("input[name=password]", "a new password from the admin")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/me$"))
    assert "Your directory profile: not linked" in page.inner_text("main")
    page.get_by_role("link", name="Change your password").click()
    check_a11y(page, "change password")
    page.fill("#current", "a new password from the admin")
    page.fill("#new", "rita's very own password")
    page.fill("#confirm", "rita's very own password")
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url(re.compile(r"/me$"))
    assert "Your password is changed" in page.inner_text("main")
    check_a11y(page, "me after password change")


def test_a_marked_article_prints_its_banners_top_and_bottom(page, accounts):
    sign_in(page, accounts, "/articles/eum/marked-visit-notes")
    page.emulate_media(media="print")
    banners = page.locator(".kb-marking-banner")
    assert banners.count() == 2 and banners.all_inner_texts() == ["CUI", "CUI"]
    colours = "el => { const s = getComputedStyle(el); return [s.display, s.color, s.backgroundColor, s.borderTopStyle]; }"
    for banner in banners.all():
        assert banner.is_visible() and banner.evaluate(colours) == ["block", "rgb(0, 0, 0)", "rgb(255, 255, 255)", "solid"]
    top, bottom = (b.bounding_box()["y"] for b in banners.all())
    assert top < page.locator("h1").bounding_box()["y"] < page.locator(".kb-body table").bounding_box()["y"] < bottom
    assert not page.get_by_role("button", name="Sign out").is_visible() and not page.locator(".kb-header__account").is_visible()
    breaks = "el => getComputedStyle(el).breakInside"
    assert page.locator(".kb-body table").evaluate(breaks) == "avoid" and page.locator(".kb-body pre").evaluate(breaks) == "avoid"
    assert (
        page.locator(".kb-body .usa-prose a", has_text="Golden Sentry program")
        .evaluate("el => getComputedStyle(el, '::after').content")
        .endswith('/articles/eum/golden-sentry)"')
    )
    page.emulate_media(media="screen")
