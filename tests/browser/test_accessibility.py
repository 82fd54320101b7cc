"""Section 508 / WCAG 2.2 AA: axe-core on every page type at desktop and phone width; keyboard; print."""

from __future__ import annotations

import subprocess

import pytest

from ..conftest import ROOT
from ..live import BIN
from .conftest import DESKTOP, PHONE, check_a11y, screenshot
from .test_signed_in_journeys import PASSWORD, sign_in

PAGES = {
    "home": "/",
    "search": "/search?q=letter",
    "search-empty": "/search",
    "search-none": "/search?q=xylophonequartz",
    "article": "/articles/fms/letter-of-request",
    "area": "/areas/fms",
    "person": "/people/maria-delgado",
    "path": "/paths/new-to-sc",
    "glossary": "/glossary",
    "not-found": "/articles/no/such-page?q=nothing",
    "accessibility": "/accessibility",
    "directory": "/people?q=pricing",
    "directory-all": "/people",
    "directory-filtered": "/people?region=AFRICOM&language=french",
    "search-filtered": "/search?q=case&type=article&area=fms",
    "command": "/regions/AFRICOM",
    "country": "/countries/morocco",
    "paths": "/paths",
    "countries": "/countries",
    "commands": "/regions",
    "history": "/articles/fms/letter-of-request/-/history",
    "login": "/login",
    "areas": "/areas",
    "search-by-date": "/search?q=case&sort=updated",
    "glossary-filtered": "/glossary?q=letter",
}
SIGNED_IN_PAGES = {
    "home": "/",
    "me": "/me",
    "search-staff": "/search?q=zebra",
    "article-staff": "/articles/eum/internal-checklist",
    "person-contact": "/people/maria-delgado",
    "directory": "/people",
    "path-progress": "/paths/new-to-sc",
    "report-search": "/reports/search",
    "report-freshness": "/reports/freshness",
    "admin-users": "/admin/users",
}
SCREENSHOTS = {"home", "search", "article", "person", "path", "glossary"}
ADMIN = "ada.admin@example.mil"


@pytest.fixture(scope="module")
def admin(live_server):
    """An administrator (who sees every page an editor and a reader see) on the live server."""
    assert live_server.kb("db", "upgrade").returncode == 0
    added = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "kb", "users", "add", ADMIN, "Ada Admin", "--role", "admin", "--password-stdin"],
        cwd=ROOT,
        env=live_server.env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    return ADMIN


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_page_type_passes_axe(page, width):
    page.set_viewport_size(DESKTOP if width == "desktop" else PHONE)
    for name, path in PAGES.items():
        response = page.goto(path)
        assert response.status == (404 if name == "not-found" else 200), path
        check_a11y(page, f"{name}-{width}")
        if name in SCREENSHOTS:
            screenshot(page, f"{name}-{width}")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_signed_in_page_type_passes_axe(page, admin, width):
    page.set_viewport_size(DESKTOP if width == "desktop" else PHONE)
    sign_in(page, admin)
    for name, path in SIGNED_IN_PAGES.items():
        assert page.goto(path).status == 200, path
        check_a11y(page, f"signed-in-{name}-{width}")
