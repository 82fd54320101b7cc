"""Section 508 / WCAG 2.2 AA: axe-core on every page type at desktop and phone width; keyboard; print."""

from __future__ import annotations

import pytest

from .conftest import DESKTOP, PHONE, check_a11y, screenshot

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
    "paths": "/paths",
    "countries": "/countries",
    "commands": "/regions",
    "history": "/articles/fms/letter-of-request/-/history",
    "login": "/login",
    "areas": "/areas",
    "search-by-date": "/search?q=case&sort=updated",
    "glossary-filtered": "/glossary?q=letter",
}
SCREENSHOTS = {"home", "search", "article", "person", "path", "glossary"}


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_every_page_type_passes_axe(page, width):
    page.set_viewport_size(DESKTOP if width == "desktop" else PHONE)
    for name, path in PAGES.items():
        response = page.goto(path)
        assert response.status == (404 if name == "not-found" else 200), path
        check_a11y(page, f"{name}-{width}")
        if name in SCREENSHOTS:
            screenshot(page, f"{name}-{width}")
