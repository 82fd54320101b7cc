"""Search in the offline bundle, in Chromium from ``file://`` with every network request blocked:
a minimal static page made of the two export fragments plus ``search/index.js`` built from the
starter content (kb/export/search_index.py, static/js/offline-search.js)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote

import jinja2
import pytest

from kb.content import Document, load_content
from kb.export import search_index
from kb.index.schema import english_stem

from ..conftest import ROOT
from .conftest import DESKTOP, Watch, check_a11y, screenshot

LOA = "articles/fms/letter-of-offer-and-acceptance.html"
LOR = "articles/fms/letter-of-request.html"
# axe-core reads the page's stylesheets with XMLHttpRequest, which file:// refuses: its own request, not the page's.
AXE_NOISE = re.compile(r"^Access to XMLHttpRequest at 'file:.*\.css' from origin 'null' has been blocked|^Failed to load resource: net::ERR_FAILED")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{root}static/vendor/uswds/css/uswds.min.css"><link rel="stylesheet" href="{root}static/css/kb.css"></head>
<body><a class="usa-skipnav" href="#main">Skip to main content</a>
<header class="usa-header usa-header--basic"><div class="usa-nav-container">{box}</div></header>
<main id="main" class="grid-container">{body}</main>
<footer class="usa-footer"><p>Copy of the knowledge base</p></footer></body></html>
"""


def page_url(doc) -> str:
    return f"{doc.kind}s/{doc.id}.html"


def render(name: str, root: str) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=True)
    return env.get_template(f"export/{name}").render(root=root)


def write_bundle(folder: Path) -> Path:
    """search.html and the LOA article's page (one folder down), the assets, and the index of the public starter content."""
    content = load_content(ROOT / "content")
    public = [d for d in content.documents if d.public]
    search_index.write(folder, public, content.glossary, page_url)
    for asset in [*search_index.ASSETS, "css/kb.css", "vendor/uswds/css", "vendor/uswds/img", "vendor/uswds/fonts"]:
        source, target = ROOT / "static" / asset, folder / "static" / asset
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    (folder / "search.html").write_text(
        PAGE.format(title="Search", root="", box=render("_search_box.html", ""), body=render("_search_results.html", ""))
    )
    for page, title in ((LOA, "Letter of Offer and Acceptance (LOA)"), (LOR, "Letter of Request (LOR)")):
        (folder / page).parent.mkdir(parents=True, exist_ok=True)
        body = f"<h1>{title}</h1><p>The article.</p>"
        (folder / page).write_text(PAGE.format(title=title, root="../../", box=render("_search_box.html", "../../"), body=body))
    return folder


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return write_bundle(tmp_path_factory.mktemp("bundle"))


@pytest.fixture
def offline(browser):
    """A page whose every request but ``file://`` is aborted (and recorded)."""
    watch = Watch()
    blocked: list[str] = []
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    context.route(re.compile(r"^(?!file:).*"), lambda route: (blocked.append(route.request.url), route.abort()))
    tab = context.new_page()
    tab.on("console", watch.message)
    tab.on("pageerror", watch.error)
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    assert blocked == [], "the bundle asked the network for something"
    assert [m for m in watch.console if not AXE_NOISE.search(m)] == [], "the console reported errors"


def open_search(page, bundle: Path, query: str, **facets: str) -> str:
    extra = "".join(f"&{k}={quote(v)}" for k, v in facets.items())
    page.goto((bundle / "search.html").as_uri() + "?q=" + quote(query) + extra)
    count = page.locator("[data-count]")
    page.wait_for_function("document.querySelector('[data-count]').textContent.includes('result')")
    return count.inner_text()


def result_links(page) -> list[str]:
    return page.locator(".kb-results .usa-collection__heading a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_an_acronym_finds_its_expansion_and_the_expansion_its_acronym(offline, bundle):
    assert "results for “LOA”" in open_search(offline, bundle, "LOA")
    assert LOA in result_links(offline)[:3]
    assert offline.locator(".kb-results mark").count() > 0  # the matched words are marked in the snippets
    open_search(offline, bundle, "letter of offer and acceptance")
    assert result_links(offline)[0] == LOA
    # this article says "LOA", never the phrase: only the rewriting finds it
    query = '"letter of offer and acceptance"'
    found = offline.evaluate("q => KBOfflineSearch.prepare('', q).then(() => KBOfflineSearch.search(q).map(r => r.id))", query)
    assert found[0] == "article:fms/letter-of-offer-and-acceptance" and "article:dcs/dsp-94-fms-export-authority" in found
    check_a11y(offline, "offline-search-results")
    screenshot(offline, "offline-search-results")


def test_a_quoted_phrase_finds_its_words_in_that_order(offline, bundle):
    phrase = open_search(offline, bundle, '"letter of request"')
    loose = open_search(offline, bundle, "request letter")
    reversed_phrase = open_search(offline, bundle, '"request letter"')
    count = lambda text: int(text.split()[0].replace(",", ""))  # noqa: E731
    assert 0 < count(phrase) < count(loose)
    assert count(reversed_phrase) < count(phrase)
    open_search(offline, bundle, '"letter of request"')
    assert LOR in result_links(offline)[:3]


def test_a_misspelt_word_still_finds_its_article(offline, bundle):
    open_search(offline, bundle, "eligibilty")
    assert "articles/fms/fms-eligibility.html" in result_links(offline)[:3]


def test_a_facet_narrows_the_results_to_one_area(offline, bundle):
    everything = open_search(offline, bundle, "training")
    offline.locator("[data-facet=area] a", has_text="Training").first.click()
    offline.wait_for_url(re.compile(r"area=training"))
    offline.wait_for_function("document.querySelector('[data-count]').textContent.includes(' in ')")
    narrowed = offline.locator("[data-count]").inner_text()
    assert int(narrowed.split()[0]) < int(everything.split()[0])
    areas = offline.locator(".kb-results > li").evaluate_all("items => items.map(li => li.querySelector('.usa-collection__meta').textContent)")
    assert areas and all("International Education and Training" in text for text in areas)
    assert offline.locator("[data-facet=area] a[aria-current=true]").count() == 1
    offline.locator("[data-facet=type] a", has_text="Articles").first.click()
    offline.wait_for_url(re.compile(r"type=article"))
    check_a11y(offline, "offline-search-facets")


def test_the_header_box_suggests_pages_for_a_misspelt_prefix_and_opens_one(offline, bundle):
    offline.goto((bundle / LOA).as_uri())
    box = offline.locator("#site-search")
    box.fill("leter of requ")  # a typo, and a word still being typed
    option = offline.locator("#site-search-listbox [role=option]", has_text="Letter of Request (LOR)")
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    check_a11y(offline, "offline-search-suggestions")
    option.click()
    offline.wait_for_url(re.compile(LOR + "$"))


def test_the_header_box_opens_the_results_page_from_a_page_one_folder_down(offline, bundle):
    offline.goto((bundle / LOA).as_uri())
    offline.locator("#site-search").fill("end-use monitoring")
    offline.locator("#site-search").press("Enter")
    offline.wait_for_url(re.compile(r"search\.html\?q=end-use\+monitoring"))
    offline.wait_for_function("document.querySelector('[data-count]').textContent.includes('result')")
    assert offline.locator("#results-search").input_value() == "end-use monitoring"
    assert len(result_links(offline)) > 0


def test_the_browser_analyses_words_as_the_server_index_does(offline, bundle):
    """Every word of the starter content, plus accented and inflected ones: the same index terms in
    Chromium (Snowball stemmer, folds and stop words from the index) as in Python (Whoosh)."""
    words = set(re.findall(r"\w+", " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "content").rglob("*.md"))))
    words |= {"Koné", "Chloé", "Façade", "naïve", "organizations", "generously", "OED", "the", "a", "sources.yml"}
    words = sorted(words)
    open_search(offline, bundle, "loa")
    in_browser = offline.evaluate("words => words.map(w => KBOfflineSearch.terms(w).join(' '))", words)
    assert len(words) > 3000
    assert dict(zip(words, in_browser, strict=True)) == {w: " ".join(search_index.analyse(w)) for w in words}
    assert english_stem("organizations") == in_browser[words.index("organizations")]


def test_a_word_whoosh_stems_apart_from_snowball_is_analysed_as_the_index_holds_it(offline, tmp_path):
    """Whoosh stems "realization" to "realize" (the Snowball reference, and the browser's stemmer:
    "realiz"): the index ships each word's own stem, so the word as written still finds its page."""
    doc = Document("article", "fms/plans", "articles/fms/plans.md", "Plans", "The realization of a plan.", 1, "x")
    search_index.write(tmp_path, [doc], (), page_url)
    shutil.copytree(ROOT / "static", tmp_path / "static", dirs_exist_ok=True, ignore=shutil.ignore_patterns("uswds"))
    (tmp_path / "search.html").write_text(PAGE.format(title="Search", root="", box="", body=render("_search_results.html", "")))
    assert "realization" in open_search(offline, tmp_path, "realization") and result_links(offline) == ["articles/fms/plans.html"]
    assert offline.evaluate("KBOfflineSearch.terms('realization realize')") == search_index.analyse("realization realize") == ["realize", "realiz"]
