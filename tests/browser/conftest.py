"""Fixtures for tests in a real browser: Debian's Chromium driven by Playwright over a live gunicorn.

Reuse them for new journeys::

    def test_something(page, live_server):
        page.goto(live_server.url + "/glossary")
        check_a11y(page, "glossary")
        screenshot(page, "glossary")

- ``live_server`` (session): gunicorn (1 worker, 4 threads) on 127.0.0.1 over ``BROWSER_CONTENT``
  (the sample content plus enough articles to paginate), indexed in a tmp folder.
- ``browser`` (session): one headless Chromium for the whole session.
- ``page``: a fresh browser context and page at desktop width (1280 px); after the test it
  asserts that no request left 127.0.0.1 and that the console showed no CSP violation or
  script error. ``phone(page)`` switches to 390 px.
- ``check_a11y(page, name)``: axe-core in the page, zero violations of WCAG 2.0/2.1/2.2 A and AA.
- ``screenshot(page, name)``: a full-page PNG in ``test-artifacts/screenshots/`` (not committed).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ..conftest import ROOT, SAMPLE
from ..live import LiveServer, build_site

CHROMIUM = Path(os.environ.get("KB_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = next((p for p in (ROOT / "static/vendor/axe/axe.min.js", ROOT / "node_modules/axe-core/axe.min.js") if p.exists()), None)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Best-practice rules that the WCAG tags leave out but the issue asks for: headings in order, landmarks.
AXE_RULES = [
    "heading-order",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "region",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "skip-link",
    "empty-heading",
]
ARTIFACTS = ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LOCAL_HOSTS = {"127.0.0.1"}

# Enough articles on "case" for three result pages, each with a tag and an expert.
BROWSER_CONTENT: dict[str, str | bytes] = {
    **SAMPLE,
    **{
        f"articles/fms/case-note-{n:02d}.md": f"""
        ---
        title: Case note {n:02d}
        summary: Short note number {n} about an FMS case.
        tags: [case-notes]
        experts: [john-smith]
        ---
        Case note {n} explains one step of an FMS case.
        """
        for n in range(1, 25)
    },
    # Due for review within 30 days, whatever the day the tests run: the freshness report's "due-soon" row.
    "articles/eum/partner-visit-preparation.md": f"""
        ---
        title: Preparing a partner's compliance visit with the security assistance office
        summary: What to arrange before a partner visit.
        review_by: {(dt.date.today() + dt.timedelta(days=10)).isoformat()}
        experts: [john-smith]
        ---
        Arrange the visit with the office in advance.
        """,
    # A card with a command and several countries: links that must meet the 24 px target size.
    "people/aisha-bello.md": """
        ---
        name: Aisha Bello
        title: Case Financial Analyst
        areas: [fms]
        regions: [AFRICOM]
        countries: [Morocco, Tunisia, Nigeria, Kenya]
        languages: [French, Hausa]
        ---
        Aisha reviews case payment schedules.
        """,
    # A marked (so staff-only) article, for its printed banners; with a table and code that must not split.
    "articles/eum/marked-visit-notes.md": """
        ---
        title: Visit notes
        summary: Notes from a compliance visit.
        marking: CUI
        areas: [eum]
        ---
        Follow up with the [[eum/golden-sentry]] team.

        | Item | Count |
        |------|-------|
        | Goggles | 12 |

        ```
        inventory --serials
        ```
        """,
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.browser)


def _playwright_or_skip():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (make setup installs it)")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium (the browser tests use Debian's Chromium)")
    if AXE is None:
        pytest.skip("axe-core not found: run make assets (copies node_modules/axe-core/axe.min.js)")
    return sync_playwright


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    if not (ROOT / "static/vendor/uswds/css/uswds.min.css").exists():
        pytest.fail("static/vendor/uswds is missing: run make assets (without USWDS every page is unstyled and fails axe)")
    root = tmp_path_factory.mktemp("live")
    content, index = build_site(root, BROWSER_CONTENT)
    server = LiveServer(content, index, root / "instance", workers=1, threads=4).start()
    yield server
    server.stop()
    assert server.tracebacks() == "", "the server logged an exception"


@pytest.fixture(scope="session")
def browser():
    sync_playwright = _playwright_or_skip()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watch:
    """What a page did that it must not: requests away from 127.0.0.1, CSP violations, script errors."""

    def __init__(self) -> None:
        self.external: list[str] = []
        self.console: list[str] = []

    def request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname not in LOCAL_HOSTS:
            self.external.append(request.url)

    def response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.console.append(f"{response.status} for {response.url}")

    def message(self, message) -> None:
        if message.text.startswith("Failed to load resource"):
            return  # a page answered 404 on purpose; failed assets are caught by response()
        if message.type == "error" or "Content Security Policy" in message.text:
            self.console.append(message.text)

    def error(self, error) -> None:
        self.console.append(f"page error: {error}")


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser, live_server, watch):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, service_workers="block")
    context.on("request", watch.request)
    context.on("response", watch.response)
    tab = context.new_page()
    tab.on("console", watch.message)
    tab.on("pageerror", watch.error)
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
    assert watch.external == [], "requests left 127.0.0.1"
    assert watch.console == [], "the console reported errors (CSP violations or script errors)"


def phone(page) -> None:
    page.set_viewport_size(PHONE)


def desktop(page) -> None:
    page.set_viewport_size(DESKTOP)


def check_a11y(page, name: str) -> None:
    """Run axe-core in ``page`` (CSP does not apply to the test's own evaluation) and assert no violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS)
    extra = page.evaluate("rules => axe.run(document, {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']})", AXE_RULES)
    result["violations"] += extra["violations"]
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "summary": v["nodes"][0].get("failureSummary", "") if v["nodes"] else "",
        }
        for v in result["violations"]
    ]
    if violations:
        out = ARTIFACTS / "axe"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(result["violations"], indent=1))
    assert violations == [], f"{name}: axe found {json.dumps(violations, indent=1)}"


def screenshot(page, name: str) -> Path:
    """A full-page screenshot in test-artifacts/screenshots/<name>.png."""
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
