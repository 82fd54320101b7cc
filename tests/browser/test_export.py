"""The offline bundle in Chromium from file://, with every http(s) request aborted (kb.export)."""

from __future__ import annotations

import zipfile

import pytest

from .conftest import DESKTOP, check_a11y


@pytest.fixture(scope="module")
def bundle(starter_app, tmp_path_factory):
    """The public bundle of the starter content, unzipped."""
    root = tmp_path_factory.mktemp("bundle")
    result = starter_app.test_cli_runner().invoke(args=["kb", "export", "--out", str(root / "public.zip")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(root / "public.zip") as archive:
        archive.extractall(root / "site")
    return root / "site"


@pytest.fixture
def offline(browser):
    """A page with the network blocked: any http(s) request is aborted and recorded."""
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    attempted: list[str] = []
    errors: list[str] = []

    def refuse(route) -> None:
        attempted.append(route.request.url)
        route.abort()

    context.route("http://**/*", refuse)
    context.route("https://**/*", refuse)
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
    assert attempted == [], "the bundle asked a server"
    assert errors == [], "script errors"


def test_the_bundle_reads_offline_from_the_file_system(offline, bundle):
    offline.goto((bundle / "index.html").as_uri())
    assert "Copy of SC Knowledge Base as of" in offline.locator(".kb-export-edition").inner_text()
    check_a11y(offline, "export-home")
    offline.goto((bundle / "articles/fms/letter-of-request.html").as_uri())
    assert offline.locator("h1").inner_text().startswith("Letter of Request")
    check_a11y(offline, "export-article")
    tooltip = offline.locator(".usa-prose abbr[title]").first
    tooltip.hover()
    assert tooltip.get_attribute("title")  # the glossary's expansion, as the browser shows it on hover
    offline.locator(".usa-prose a", has_text="Letter of Offer and Acceptance").first.click()
    offline.wait_for_load_state()
    assert offline.url.startswith("file://") and offline.url.endswith("articles/fms/letter-of-offer-and-acceptance.html")
    assert offline.locator("h1").inner_text().startswith("Letter of Offer and Acceptance")
    offline.goto((bundle / "glossary.html").as_uri())
    check_a11y(offline, "export-glossary")


def test_the_bundle_searches_offline(offline, bundle):
    pytest.importorskip("kb.export.search_index")
    offline.goto((bundle / "search.html").as_uri() + "?q=LOA")
    check_a11y(offline, "export-search")
