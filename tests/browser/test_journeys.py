"""What readers do, in a real browser: search, filter, page, suggest with the keyboard, find an expert.

Every test runs under the ``page`` fixture's watch: no request leaves 127.0.0.1, and the
console reports no CSP violation, failed asset or script error.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, check_a11y, phone, screenshot


def test_search_from_the_home_page_and_open_a_result(page):
    page.goto("/")
    assert page.evaluate("window.uswdsPresent === true"), "USWDS's script did not run (CSP?)"
    page.fill("#home-search", "letter of request")
    page.press("#home-search", "Enter")  # no suggestion highlighted: Enter submits the form
    expect(page).to_have_url(re.compile(r"/search\?q=letter\+of\+request"))
    expect(page.locator("#results-heading")).to_contain_text("for “letter of request”")
    first = page.locator("ol.kb-results h3 a").first
    expect(first).to_have_text("Letter of Request")
    screenshot(page, "journey-search-results")
    first.click()
    expect(page).to_have_url(re.compile(r"/articles/fms/letter-of-request$"))
    expect(page.locator("h1")).to_have_text("Letter of Request")


def test_facet_and_pagination(page):
    page.goto("/search?q=case")
    total = int(re.search(r"[\d,]+", page.locator("#results-heading").inner_text()).group().replace(",", ""))
    page.locator(".kb-facets a", has_text=re.compile(r"^Articles \(")).click()
    expect(page).to_have_url(re.compile(r"type=article"))
    expect(page.locator(".kb-facets a[aria-current=true]")).to_contain_text("remove filter")
    filtered = int(re.search(r"[\d,]+", page.locator("#results-heading").inner_text()).group())
    assert 20 < filtered <= total
    titles_one = page.locator("ol.kb-results h3 a").all_inner_texts()
    assert len(titles_one) == 10
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("ol.kb-results")).to_have_attribute("start", "11")
    expect(page.locator(".usa-pagination [aria-current=page]")).to_have_text("2")
    titles_two = page.locator("ol.kb-results h3 a").all_inner_texts()
    assert titles_two and not set(titles_one) & set(titles_two)
    assert "type=article" in page.url  # the filter is kept across pages
    page.get_by_role("link", name="Previous page").click()
    expect(page.locator("ol.kb-results")).to_have_attribute("start", "1")


def test_suggestions_with_the_keyboard_alone(page):
    page.goto("/")
    box = page.locator("#home-search")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    expect(listbox).to_have_attribute("role", "listbox")
    box.focus()
    page.keyboard.type("letter of")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.locator("[role=option]")
    expect(options.nth(1)).to_be_visible()  # articles and glossary terms starting "letter of"
    assert box.get_attribute("aria-activedescendant") is None

    page.keyboard.press("ArrowDown")
    first_id = options.nth(0).get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    count = options.count()
    page.keyboard.press("ArrowUp")  # wraps around to the last
    expect(box).to_have_attribute("aria-activedescendant", options.nth(count - 1).get_attribute("id"))
    page.keyboard.press("ArrowDown")  # and back to the first
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    screenshot(page, "journey-suggestions")
    check_a11y(page, "suggestions-open")

    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    assert box.get_attribute("aria-activedescendant") is None
    expect(box).to_have_value("letter of")
    expect(box).to_be_focused()

    page.keyboard.press("ArrowDown")  # reopens the same suggestions
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    target = options.nth(0).get_attribute("data-href")
    assert target.startswith("/")
    page.keyboard.press("Enter")  # opens the highlighted suggestion's page, not the search
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    assert "/search" not in page.url


def test_suggestions_list_the_best_match_first_with_its_type(page):
    """An acronym's page before the pages that merely contain it; a typo in a long word is forgiven."""
    page.goto("/")
    box = page.locator("#home-search")
    options = page.locator("#home-search-listbox [role=option]")
    box.focus()
    page.keyboard.type("fms")
    expect(options.first).to_have_text("Foreign Military Sales Functional area")
    box.fill("")
    page.keyboard.type("loa")
    expect(options.nth(0)).to_have_text("Letter of Offer and Acceptance Article")
    expect(options.nth(1)).to_have_text("LOA Glossary term")
    box.fill("")
    page.keyboard.type("forign")
    expect(options.first).to_have_text("Foreign Military Sales Functional area")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/areas/fms$"))


def test_enter_without_a_highlighted_suggestion_searches(page):
    page.goto("/")
    page.locator("#home-search").focus()
    page.keyboard.type("golden")
    expect(page.locator("#home-search-listbox [role=option]")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=golden"))


def test_the_search_form_works_without_javascript(browser, live_server, watch):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, java_script_enabled=False)
    context.on("request", watch.request)
    try:
        tab = context.new_page()
        tab.goto("/")
        box = tab.locator("#home-search")
        assert box.get_attribute("role") is None  # a plain search box, no half-built combobox
        box.fill("EUM")
        tab.locator("#home-search ~ button[type=submit]").click()
        expect(tab).to_have_url(re.compile(r"/search\?q=EUM"))
        expect(tab.locator("ol.kb-results h3 a").first).to_be_visible()
    finally:
        context.close()
    assert watch.external == []


def test_open_an_experts_profile_from_an_article(page):
    page.goto("/articles/fms/letter-of-request")
    experts = page.get_by_role("region", name="Ask an expert")
    experts.get_by_role("link", name="Maria Delgado").first.click()
    expect(page).to_have_url(re.compile(r"/people/maria-delgado$"))
    expect(page.locator("h1")).to_have_text("Maria Delgado")
    expect(page.locator("main")).to_contain_text("Letter of Request")  # the articles she is an expert on
    phone(page)
    screenshot(page, "journey-person-phone")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page):
    page.goto("/articles/fms/letter-of-request")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["usa-skipnav", "#main-content"]
    assert page.locator("a.usa-skipnav").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    page.keyboard.press("Tab")  # the next stop is inside main
    assert page.evaluate("document.getElementById('main-content').contains(document.activeElement)")


def test_focus_is_visible_on_links_and_controls(page):
    page.goto("/")
    for selector in ("a.usa-skipnav", ".kb-header__nav a", "#home-search", "main a.usa-link"):
        page.locator(selector).first.focus()
        style = page.evaluate("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
        assert style[0] != "none" and style[1] >= 2, (selector, style)


def test_an_article_prints_its_content_with_full_link_addresses_and_without_the_rest(page, live_server):
    page.goto("/articles/fms/letter-of-request")
    page.emulate_media(media="print")
    hidden = (
        ".usa-banner",
        ".kb-header__nav",
        ".kb-header__search",
        "form[role=search]",
        ".usa-footer",
        ".kb-aside",
        ".usa-breadcrumb",
        ".kb-anchor",
    )
    for selector in hidden:
        assert not page.locator(selector).first.is_visible(), selector
    assert not page.get_by_role("link", name="Sign in").is_visible()
    for selector in ("h1", ".kb-body .usa-intro", ".kb-meta time", ".kb-body .usa-prose p", ".kb-body .usa-prose h2"):
        expect(page.locator(selector).first).to_be_visible()
    link = page.locator(".kb-body .usa-prose a", has_text="LOA")
    after = link.evaluate("el => getComputedStyle(el, '::after').content")
    assert after == f'" ({live_server.url}/articles/fms/letter-of-offer-and-acceptance)"'
    assert page.evaluate("getComputedStyle(document.querySelector('.kb-body .usa-prose h2'), '::after').content") in ("none", "normal")
    assert (
        page.locator(".kb-body").evaluate("el => el.getBoundingClientRect().width") > 0.9 * page.evaluate("document.documentElement.clientWidth") - 40
    )
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1  # a short article: one sheet
    page.emulate_media(media="screen")
    expect(page.locator(".kb-header__nav")).to_be_visible()
    expect(page.locator(".kb-aside")).to_be_visible()


def test_the_watch_catches_csp_violations(page, watch):
    """The CSP is enforced, and the page fixture would see a violation: an injected inline script is refused."""
    page.goto("/")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1'; document.body.appendChild(s); }")
    page.wait_for_timeout(200)
    assert page.evaluate("window.pwned") is None
    assert any("Content Security Policy" in line for line in watch.console), watch.console
    watch.console.clear()


def test_the_glossary_filters_as_you_type(page):
    page.goto("/glossary")
    terms = page.locator("dl.kb-glossary dt:visible")
    expect(terms).to_have_count(4)  # EUM, LOA, LOR and TCN: the sample glossary
    page.locator("#glossary-filter").fill("letter")
    expect(terms).to_have_text(["LOA", "LOR"])
    expect(page.locator("#glossary-count")).to_have_text("2 terms match “letter”. Clear the filter")
    expect(page).to_have_url(re.compile(r"/glossary\?q=letter$"))
    expect(page.locator(".kb-letters li:visible")).to_have_text(["L"])
    page.goto("/glossary?q=loa")  # filtered by the server: typing another filter brings back the rest
    expect(terms).to_have_text(["LOA"])
    page.locator("#glossary-filter").fill("shipment")
    expect(terms).to_have_text(["TCN"])
    page.locator("#glossary-filter").fill("")
    expect(terms).to_have_count(4)
    expect(page.locator("#glossary-count")).to_have_text("")


def _placeholder_fits(page, selector: str) -> dict:
    """The input's placeholder drawn in its own font, against the room inside its padding."""
    return page.evaluate(
        """selector => {
        const input = document.querySelector(selector);
        const style = getComputedStyle(input);
        const context = document.createElement('canvas').getContext('2d');
        context.font = style.font;
        const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return {text: context.measureText(input.placeholder).width, room: room,
                scroll: input.scrollWidth, client: input.clientWidth};
    }""",
        selector,
    )


def test_the_header_search_box_shows_its_whole_placeholder_and_a_typical_query_at_1280_px(page):
    page.goto("/glossary")
    screenshot(page, "header-search-1280")
    fits = _placeholder_fits(page, "#site-search")
    assert fits["text"] <= fits["room"] and fits["scroll"] <= fits["client"], fits
    page.fill("#site-search", "end-use monitoring night vision")
    fits = _placeholder_fits(page, "#site-search")
    assert fits["scroll"] <= fits["client"], fits
    box = page.locator("#site-search").bounding_box()
    assert box["x"] + box["width"] <= DESKTOP["width"]
    phone(page)
    box = page.locator("#site-search").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_slash_focuses_the_search_box_unless_the_reader_is_typing(page):
    page.goto("/articles/fms/letter-of-request")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search"
    assert page.input_value("#site-search") == ""  # the slash is not typed into the box
    page.keyboard.type("loa/x")  # in the box, "/" is a character like any other
    assert page.input_value("#site-search") == "loa/x" and page.evaluate("document.activeElement.id") == "site-search"
    page.goto("/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "home-search"  # the page's own search box first
    page.goto("/search?q=letter")
    page.locator("main a.usa-link").first.focus()
    page.keyboard.press("Control+/")
    assert page.evaluate("document.activeElement.tagName") == "A"  # not with a modifier key
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "results-search"
    assert page.input_value("#results-search") == "letter" and page.evaluate("document.activeElement.selectionEnd") == 6
    page.evaluate(
        "() => { const e = document.createElement('div'); e.id = 'note'; e.contentEditable = 'true'; document.querySelector('main').prepend(e); }"
    )
    page.focus("#note")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "note" and page.inner_text("#note") == "/"


def test_headings_show_their_anchor_link_on_hover_and_on_keyboard_focus(page):
    page.goto("/articles/fms/letter-of-request")
    anchor = page.get_by_role("link", name="Link to section: What it contains")
    assert anchor.get_attribute("href") == "#what-it-contains"
    opacity = "el => getComputedStyle(el).opacity"
    assert anchor.evaluate(opacity) == "0"
    page.hover("h2#what-it-contains")
    assert anchor.evaluate(opacity) == "1"
    page.mouse.move(0, 0)
    assert anchor.evaluate(opacity) == "0"
    page.locator(".kb-body .usa-prose a[data-print-url]").last.focus()
    page.keyboard.press("Tab")  # the next link after the body's last one
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Link to section: What it contains"
    assert anchor.evaluate(opacity) == "1"
    style = page.evaluate("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert style[0] != "none" and style[1] >= 2
    anchor.click()
    expect(page).to_have_url(re.compile(r"/articles/fms/letter-of-request#what-it-contains$"))


def test_the_change_page_wraps_long_lines_within_the_window(page, tmp_path):
    """A one-paragraph line of 2,000 characters and a 300-character word: the change page as the app
    renders it (a real git repository through the Flask client), shown in the browser with the site's CSS."""
    from kb.index import SearchIndex
    from kb.repository.sync import sync

    from ..conftest import SAMPLE, body, close_app, make_app
    from ..gitrepo import commit, init

    root = init(tmp_path / "repo")
    commit(root, "maria", "Initial content", SAMPLE)
    long_line = "Funding " + "national funds and more words " * 70 + "x" * 300
    lor = "articles/fms/letter-of-request.md"
    sha = commit(root, "john", "A long line", {lor: body(lor) + "\n" + long_line + "\n"})
    index = SearchIndex(tmp_path / "index")
    sync(root, index)
    index.close()
    app = make_app(root, tmp_path / "index", tmp_path / "instance")
    try:
        main = app.test_client().get(f"/articles/fms/letter-of-request/-/commits/{sha}").get_data(as_text=True)
    finally:
        close_app(app)
    start = main.index('<section class="kb-diff"')
    fragment = main[start : main.index("</section>", start) + len("</section>")]
    page.goto("/accessibility")
    page.evaluate("html => { document.querySelector('main').innerHTML = html; }", fragment)
    assert page.locator(".kb-diff__line--added").count() >= 1
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    text = page.locator(".kb-diff__line--added .kb-diff__text").last.bounding_box()
    assert text["x"] + text["width"] <= width and text["height"] > 100  # wrapped onto many lines, not cut
    phone(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
