"""The offline bundle in Chromium from file://, with every http(s) request aborted (kb.export)."""

from __future__ import annotations

import re
import zipfile
from urllib.parse import urlencode

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


LOA = "articles/fms/letter-of-offer-and-acceptance.html"
LOR = "articles/fms/letter-of-request.html"


def _search(page, bundle, query: str) -> list[str]:
    """The result links of ``search.html?q=query``, once the bundle's script has answered."""
    page.goto((bundle / "search.html").as_uri() + "?" + urlencode({"q": query}))
    page.wait_for_function("document.querySelector('[data-count]').textContent.includes('result')")
    return page.locator(".kb-results .usa-collection__heading a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_the_bundle_searches_offline(offline, bundle):
    """The issue's walk: an acronym and its expansion find the same article, a misspelt half-typed
    title is suggested from the header box of an article, and a result opens its page."""
    assert LOA in _search(offline, bundle, "LOA")[:3]
    assert _search(offline, bundle, "letter of offer and acceptance")[0] == LOA
    check_a11y(offline, "export-search")
    offline.locator(".kb-results .usa-collection__heading a", has_text="Letter of Offer and Acceptance").first.click()
    offline.wait_for_url(re.compile(re.escape(LOA) + "$"))
    box = offline.locator("#site-search")
    box.fill("leter of requ")
    offline.locator("#site-search-listbox [role=option]", has_text="Letter of Request").first.click()
    offline.wait_for_url(re.compile(re.escape(LOR) + "$"))
    assert offline.locator("h1").inner_text().startswith("Letter of Request")
