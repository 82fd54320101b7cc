"""Search and directory filters on a phone and a desktop (issue 19, item 6): the results come first,
the filters wait behind a "Filter" button, chosen filters are chips that remove themselves, a
checkbox applies at once with JavaScript and through the Apply button without."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, phone

FIRST_SCREEN = 700  # px: the first result starts well inside a 390 x 844 phone screen
FIRST_RESULT = {"/search?q=LOA": "ol.kb-results > li", "/people": "ul.kb-people > li"}


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.fixture
def no_script(browser, live_server):
    """A page in a browser with JavaScript off."""
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.mark.parametrize("path", FIRST_RESULT)
def test_on_a_phone_the_results_come_first_and_the_filters_wait_behind_a_button(page, path):
    phone(page)
    page.goto(path)
    assert page.locator(FIRST_RESULT[path]).first.bounding_box()["y"] < FIRST_SCREEN
    filters = page.locator("details.kb-filters")
    expect(filters.locator("h2")).to_be_hidden()
    page.locator("summary.kb-filters__toggle").click()
    expect(filters.locator("h2")).to_be_visible()
    expect(filters.locator(".kb-facets__group").first).to_be_visible()


@pytest.mark.parametrize("path", FIRST_RESULT)
def test_without_javascript_a_phone_shows_the_results_first_too(no_script, path):
    no_script.set_viewport_size(PHONE)
    no_script.goto(path)
    assert no_script.locator(FIRST_RESULT[path]).first.bounding_box()["y"] < FIRST_SCREEN
    expect(no_script.locator("summary.kb-filters__toggle")).to_be_visible()
    expect(no_script.locator("details.kb-filters h2")).to_be_hidden()


def test_on_a_desktop_the_filters_are_open_beside_the_results(page):
    page.goto("/search?q=case")
    expect(page.locator("details.kb-filters")).to_have_attribute("open", "")
    expect(page.get_by_role("heading", name="Filter results")).to_be_visible()
    expect(page.locator("summary.kb-filters__toggle")).to_be_hidden()


def test_search_chips_remove_one_filter_each(page):
    page.goto("/search?q=case&type=article&area=fms")
    chips = page.get_by_role("list", name="Chosen filters")
    expect(chips.get_by_role("link", name="Remove filter: Type Article")).to_be_visible()
    page.get_by_role("link", name="Remove filter: Type Article").click()
    page.wait_for_url(lambda url: query(url) == {"q": ["case"], "area": ["fms"]})
    expect(page.get_by_role("link", name="Remove filter: Functional area Foreign Military Sales")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Remove filter: Type"))).to_have_count(0)
    page.get_by_role("link", name="Remove filter: Functional area Foreign Military Sales").click()
    page.wait_for_url(lambda url: query(url) == {"q": ["case"]})
    expect(page.get_by_role("list", name="Chosen filters")).to_have_count(0)


def test_a_directory_checkbox_applies_at_once_and_its_chip_removes_it(page):
    phone(page)
    page.goto("/people")
    page.locator("summary.kb-filters__toggle").click()
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()  # not needed with JavaScript
    page.locator("label.usa-checkbox__label", has_text=re.compile(r"^Spanish")).click()
    page.wait_for_url(lambda url: query(url) == {"language": ["spanish"]})
    assert "Maria Delgado" in page.inner_text("main") and "John Smith" not in page.inner_text("main")
    assert page.locator("ul.kb-people > li").first.bounding_box()["y"] < FIRST_SCREEN  # chips do not push it away
    page.get_by_role("link", name="Remove filter: Language Spanish").click()
    page.wait_for_url(re.compile(r"/people$"))
    assert "John Smith" in page.inner_text("main")


def test_without_javascript_the_apply_button_stays_in_reach(no_script):
    """On a desktop it sticks to the bottom of the screen while the filters are in view."""
    no_script.goto("/people")
    no_script.locator("summary.kb-filters__toggle").click()
    no_script.locator("label.usa-checkbox__label", has_text=re.compile(r"^Spanish")).click()
    apply = no_script.get_by_role("button", name="Apply filters")
    box = apply.bounding_box()
    assert box["y"] + box["height"] <= DESKTOP["height"]
    apply.click()
    no_script.wait_for_url(lambda url: query(url) == {"language": ["spanish"]})
    expect(no_script.get_by_role("link", name="Remove filter: Language Spanish")).to_be_visible()
