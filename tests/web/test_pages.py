"""Every page through the Flask test client, as an anonymous reader."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from markupsafe import escape

from kb.access import Reader

from ..conftest import close_app, indexed_app, make_app, write_tree


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url, expected",
    [
        # ("after this", "text"): the text must come after the first text (in that section of the page)
        (
            "/",
            [
                "Foreign Military Sales",
                "New to Security Cooperation",
                ("Recently updated", "Letter of Request</a>"),
                ("Recently updated", "Golden Sentry program</a>"),
            ],
        ),
        ("/areas/fms", ["FMS overview", "Letter of Offer and Acceptance", "Maria Delgado"]),
        (
            "/articles/fms/letter-of-request",
            [
                "What it contains",
                "On this page",
                "Maria Delgado",
                "request letter",
                ("Pages that link here", "Foreign Military Sales</a>"),
                "New to Security Cooperation",
                "Review by",
                '<abbr title="Letter of Offer and Acceptance">LOA</abbr>',
            ],
        ),
        ("/people/maria-delgado", ["Country Program Director", "SOUTHCOM", "Spanish", "Letter of Offer and Acceptance"]),
        ("/paths/new-to-sc", ["How cases start.", "Letter of Offer and Acceptance", "2 steps"]),
        ("/glossary", ["Transportation Control Number", "third-country national", 'id="term-tcn"', "Read: Letter of Request"]),
        ("/search?q=LOA", ["5 results for “LOA”", ("results-heading", "Letter of Offer and Acceptance</a></h3>"), "Articles (2)", "People (2)"]),
        ("/search", ["Type a word"]),
    ],
)
def test_pages_render(site_client, url, expected):
    response = site_client.get(url)
    assert response.status_code == 200, url
    body = text(response)
    for fragment in expected:
        after, fragment = fragment if isinstance(fragment, tuple) else ("", fragment)
        assert after in body and fragment in body[body.index(after) :], (url, after, fragment)


def test_every_page_has_the_search_box_and_local_assets_only(site_client):
    for url in ("/", "/areas/fms", "/glossary", "/search?q=x", "/nope"):
        body = text(site_client.get(url))
        assert 'role="search"' in body and 'name="q"' in body
        assert not re.search(r'(src|href)="(https?:)?//', body), url


@pytest.mark.parametrize(
    "url", ["/articles/fms/nope", "/people/nobody", "/areas/none", "/paths/x", "/no/such/page", "/articles/eum/internal-checklist"]
)
def test_unknown_and_staff_only_pages_are_helpful_404s(site_client, url):
    response = site_client.get(url)
    assert response.status_code == 404
    assert "Page not found" in text(response) and 'name="q"' in text(response)


@pytest.mark.parametrize(
    "url, shown",
    [
        ("/", "Golden Sentry program</a>"),
        ("/areas/eum", "Golden Sentry program</a>"),
        ("/articles/fms/letter-of-request", "What it contains"),
        ("/people/maria-delgado", "Letter of Offer and Acceptance</a>"),
        ("/paths/new-to-sc", "How cases start."),
        ("/search?q=zebra", "0 results for “zebra”"),
        ("/search?q=checklist", "0 results for “checklist”"),
        ("/api/suggest?q=zebr", "[]"),
        ("/api/search?q=quokka", '"query":"quokka","results":[],'),
    ],
)
def test_staff_articles_vanish_everywhere_for_anonymous_readers(site_client, url, shown):
    response = site_client.get(url)
    body = text(response)
    assert response.status_code == 200 and shown in body, url
    assert "Zebra" not in body and "internal-checklist" not in body, url


def test_contact_data_is_hidden_from_anonymous_readers(site_client):
    body = text(site_client.get("/people/maria-delgado"))
    assert "maria.delgado@example.mil" not in body and "555" not in body
    assert "Contact details are shown to signed-in staff" in body


def test_every_search_result_links_to_a_page_that_exists(site_client):
    for q in ("LOA", "letter", "maria", "tcn", "sentry", "security cooperation", "type:person", "area:fms"):
        data = site_client.get("/api/search", query_string={"q": q, "per_page": 50}).get_json()
        for result in data["results"]:
            page = site_client.get(result["url"].split("#")[0])
            assert page.status_code == 200 and str(escape(result["title"])) in text(page), result["url"]
            if "#" in result["url"]:
                assert f'id="{result["url"].split("#")[1]}"' in text(page)


def test_a_misspelled_query_shows_the_corrected_results_with_a_link_to_the_words_as_typed(site_client):
    body = text(site_client.get("/search?q=goldn+sentry"))
    assert "Showing results for" in body and "<strong>golden sentry</strong>" in body and "search instead for" in body
    assert 'href="/search?q=goldn+sentry&amp;exact=1"' in body and "result for “golden sentry”" in body
    assert "Golden Sentry program" in body
    typed = text(site_client.get("/search?q=goldn+sentry&exact=1"))
    assert "Showing results for" not in typed and "Did you mean" in typed and "for “goldn sentry”" in typed
    assert "Golden Sentry program" in typed  # "sentry" alone finds it


def test_search_page_shows_expansions_suggestion_facets_and_pagination(site_client):
    body = text(site_client.get("/search?q=tcn"))
    assert "Transportation Control Number" in body and "third-country national" in body and "can mean" in body
    assert "Did you mean" in text(site_client.get("/search?q=goldn+sentry&exact=1"))
    body = text(site_client.get("/search?q=letter+OR+sentry+OR+maria&per_page=2"))
    assert 'aria-label="Next page"' in body and "Articles (" in body
    body = text(site_client.get("/search?q=who+knows+about+letters+of+request"))
    assert "Showing people who know about" in body and "Maria Delgado" in body
    body = text(site_client.get("/search?q=letter&type=article"))
    assert "remove filter" in body


def test_search_page_sorts_by_relevance_or_last_updated_with_links(site_client):
    body = text(site_client.get("/search?q=letter+OR+sentry+OR+maria&per_page=2"))
    assert '<nav class="kb-sort" aria-label="Sort results">' in body
    assert '<strong aria-current="true">Relevance</strong>' in body
    assert 'href="/search?q=letter+OR+sentry+OR+maria&amp;sort=updated"' in body
    body = text(site_client.get("/search?q=letter+OR+sentry+OR+maria&per_page=2&sort=updated"))
    assert '<strong aria-current="true">Last updated</strong>' in body and 'href="/search?q=letter+OR+sentry+OR+maria">Relevance</a>' in body
    assert "Updated <time datetime=" in body
    next_page = re.search(r'href="([^"]+)" class="usa-pagination__link usa-pagination__next-page"', body).group(1)
    assert "sort=updated" in next_page  # pages and filters keep the order
    assert 'sort=updated&amp;type=article">Articles (' in body
    body = text(site_client.get("/search?q=letter+OR+sentry+OR+maria&sort=%3Cb%3E"))
    assert '<strong aria-current="true">Relevance</strong>' in body and "&lt;b&gt;" not in body


def test_snippet_markup_is_the_only_unescaped_html(site_client):
    body = text(site_client.get("/search", query_string={"q": "<script>alert(1)</script> letter"}))
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_missing_index_says_so_and_rebuilds(app, client):
    index = app.extensions["kb.index"]
    shutil.rmtree(index.directory)
    index.close()
    response = client.get("/")
    assert response.status_code == 503 and "being built" in text(response)
    assert response.headers["Retry-After"] == "5"
    assert client.get("/api/search?q=x").get_json()["error"] == "The search index is being built"
    wait_until_healthy(client)
    home = client.get("/")
    assert home.status_code == 200 and "Letter of Request</a>" in text(home)  # the rebuilt index has the content again


def test_corrupt_index_is_rebuilt(app, client):
    index = app.extensions["kb.index"]
    generation = (index.directory / "CURRENT").read_text()
    for toc in (index.directory / generation).glob("*.toc"):
        toc.write_bytes(b"garbage")
    index.close()
    assert client.get("/healthz").status_code == 503
    wait_until_healthy(client)
    assert "Letter of Request" in text(client.get("/articles/fms/letter-of-request"))


def wait_until_healthy(client, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while client.get("/healthz").status_code != 200:
        assert time.monotonic() < deadline, "the index was not rebuilt"
        time.sleep(0.1)


def test_pages_revalidate_with_an_etag_and_static_files_are_fingerprinted(site_client):
    first = site_client.get("/articles/fms/letter-of-request")
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = site_client.get("/articles/fms/letter-of-request", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    css = re.search(r'href="(/static/css/kb\.css\?v=[0-9a-f]{12})"', first.get_data(as_text=True)).group(1)
    static = site_client.get(css)
    assert static.status_code == 200 and "immutable" in static.headers["Cache-Control"]
    static.close()


def test_signed_in_pages_are_never_stored_by_shared_caches(site):
    site.extensions["kb.identify"] = lambda: Reader(name="Staff", staff=True, role="reader")
    try:
        response = site.test_client().get("/articles/fms/letter-of-request")
    finally:
        del site.extensions["kb.identify"]
    assert response.headers["Cache-Control"] == "private, no-store" and "ETag" not in response.headers


def test_a_signed_in_reader_keeps_fingerprinted_static_files_for_a_year(site):
    """Static files are the same for everyone: being signed in does not make them ``no-store``."""
    site.extensions["kb.identify"] = lambda: Reader(name="Staff", staff=True, role="reader")
    try:
        client = site.test_client()
        page = client.get("/articles/fms/letter-of-request")
        css = re.search(r'href="(/static/css/kb\.css\?v=[0-9a-f]{12})"', text(page)).group(1)
        static = client.get(css)
    finally:
        del site.extensions["kb.identify"]
    assert page.headers["Cache-Control"] == "private, no-store" and "Letter of Request" in text(page)
    assert static.status_code == 200 and static.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    static.close()


def test_the_sign_in_form_is_private_and_never_revalidated(site_client):
    """Its CSRF token is the session's: no shared cache keeps it, and no ETag answers it with a 304."""
    response = site_client.get("/login")
    assert response.status_code == 200 and 'name="password"' in text(response)
    assert response.headers["Cache-Control"] == "private, no-store" and "ETag" not in response.headers


@pytest.fixture
def staff_client(site):
    """A signed-in reader (every role is staff) on the shared sample site."""
    site.extensions["kb.identify"] = lambda: Reader(name="Staff", staff=True, role="reader")
    yield site.test_client()
    del site.extensions["kb.identify"]


def listed_entry(body: str, title: str) -> str:
    """The markup from a listed document's title to the next entry of the list (its tags and meta)."""
    start = body.index(f"{title}</a>")
    after = [body.find(marker, start) for marker in ('class="usa-collection__item"', 'class="usa-process-list__item', "</ul>\n  </aside>")]
    return body[start : min([a for a in after if a != -1] or [len(body)])]


@pytest.mark.parametrize(
    "url",
    ["/", "/areas/eum", "/search?q=checklist+OR+sentry", "/paths/new-to-sc", "/articles/fms/letter-of-request", "/people/maria-delgado"],
)
def test_staff_only_articles_are_labelled_in_every_list(staff_client, url):
    """A signed-in reader sees which listed documents are staff-only (not to share outside), in words."""
    body = text(staff_client.get(url))
    assert 'usa-tag kb-staff-tag">Staff only</' in listed_entry(body, "Zebra compliance checklist"), url
    public = "Golden Sentry program" if "Golden Sentry program</a>" in body else "Letter of Request"
    if f"{public}</a>" in body:
        assert "Staff only" not in listed_entry(body, public), url


def test_a_staff_only_article_says_so_under_its_title(staff_client):
    body = text(staff_client.get("/articles/eum/internal-checklist"))
    assert re.search(
        r'<h1 id="article-title">Zebra compliance checklist</h1>\s*<p class="kb-staff-note"> <span class="usa-tag kb-staff-tag">Staff only</span>'
        r" For signed-in staff: do not share this article or its content outside\.</p>",
        body,
    )
    assert "kb-staff-note" not in text(staff_client.get("/articles/eum/golden-sentry"))


def access_in_api_results(client) -> dict[str, str]:
    return {r["id"]: r["access"] for r in client.get("/api/search?q=checklist+OR+sentry").get_json()["results"]}


def test_api_search_results_carry_their_access(staff_client):
    assert access_in_api_results(staff_client) == {"eum/internal-checklist": "staff", "eum/golden-sentry": "public"}


def test_api_search_results_for_anonymous_readers_are_public_ones(site_client):
    assert access_in_api_results(site_client) == {"eum/golden-sentry": "public"}


def test_areas_page_lists_every_area_with_the_articles_the_reader_may_see(site):
    anonymous = text(site.test_client().get("/areas"))
    assert "<h1>Functional areas</h1>" in anonymous
    fms, eum = anonymous.index('href="/areas/fms">Foreign Military Sales</a>'), anonymous.index('href="/areas/eum">End-Use Monitoring</a>')
    assert fms < eum  # the areas' own order, as on the home page
    assert "Checking that partners use U.S. articles as agreed." in anonymous
    assert re.search(r'End-Use Monitoring</a>.*?<li class="usa-collection__meta-item">1 article</li>', anonymous, re.DOTALL)
    assert re.search(r'Foreign Military Sales</a>.*?<li class="usa-collection__meta-item">2 articles</li>', anonymous, re.DOTALL)
    assert 'href="/areas">Functional areas</a>' in anonymous  # the header's link
    site.extensions["kb.identify"] = lambda: Reader(name="Staff", staff=True, role="reader")
    try:
        staff = text(site.test_client().get("/areas"))
    finally:
        del site.extensions["kb.identify"]
    assert re.search(r'End-Use Monitoring</a>.*?<li class="usa-collection__meta-item">2 articles</li>', staff, re.DOTALL)


def glossary_terms(body: str) -> list[str]:
    return re.findall(r'<dt id="[^"]+">([^<]+)</dt>', body)


def test_glossary_filters_terms_and_definitions_without_javascript(site_client):
    full = text(site_client.get("/glossary"))
    assert glossary_terms(full) == ["EUM", "LOA", "LOR", "TCN"] and 'name="q" value=""' in full and "Clear the filter" not in full
    body = text(site_client.get("/glossary?q=loa"))
    assert glossary_terms(body) == ["LOA"] and "1 term matches “loa”." in body
    assert '<a class="usa-link" href="/glossary">Clear the filter</a>' in body and 'name="q" value="loa"' in body
    assert 'href="#letter-L"' in body and 'href="#letter-T"' not in body  # only the letters shown
    body = text(site_client.get("/glossary", query_string={"q": "  LETTER   of "}))  # expansions, any case and spacing
    assert glossary_terms(body) == ["LOA", "LOR"] and "2 terms match “LETTER of”." in body
    assert glossary_terms(text(site_client.get("/glossary?q=shipment"))) == ["TCN"]  # definitions
    assert glossary_terms(text(site_client.get("/glossary?q=oa"))) == []  # the start of a word, not inside one
    body = text(site_client.get("/glossary", query_string={"q": "<b>" + "x" * 5000}))
    assert "0 terms match" in body and "No term or definition contains" in body and "<b>x" not in body
    assert "0 terms match “&lt;b&gt;" + "x" * 97 + "”" in body  # cut to 100 characters


def aside(response) -> str:
    body = text(response)
    return body[body.index('<aside class="desktop:grid-col-4 kb-aside">') :]


def test_an_articles_side_column_lists_each_article_once(site_client):
    """The Letter of Offer and Acceptance is related and links here: listed under Related only."""
    side = aside(site_client.get("/articles/fms/letter-of-request"))
    related, linking = side.split("Pages that link here")
    assert "Related articles" in related and 'href="/articles/fms/letter-of-offer-and-acceptance"' in related
    assert 'href="/articles/fms/letter-of-offer-and-acceptance"' not in linking
    assert 'href="/areas/fms">Foreign Military Sales</a>' in linking  # the other pages that link here stay


def test_pages_that_link_here_are_capped_with_show_all(tmp_path, content_dir):
    """Eight are listed; the rest open under "Show all N", a <details> that needs no JavaScript."""
    notes = {f"articles/fms/note-{n:02d}.md": f"---\ntitle: Note {n:02d}\n---\nSee [[fms/letter-of-request]].\n" for n in range(12)}
    app = indexed_app(write_tree(content_dir, notes), tmp_path)
    try:
        linking = aside(app.test_client().get("/articles/fms/letter-of-request")).split("Pages that link here")[1]
    finally:
        close_app(app)
    total = len(re.findall(r'<h3 class="usa-collection__heading"><a', linking))
    first, rest = linking.split('<details class="kb-more-links">')
    assert total == 14  # the twelve notes, the FMS area and the onboarding path (not the related LOA)
    assert len(re.findall(r'<h3 class="usa-collection__heading"><a', first)) == 8
    assert f"<summary>Show all {total} pages that link here</summary>" in rest
    assert all(f">Note {n:02d}</a>" in linking for n in range(12))


def test_search_shows_each_chosen_filter_as_a_chip_that_removes_it(site_client):
    page = text(site_client.get("/search?q=letter&type=article&area=fms"))
    found = dict(re.findall(r'<a class="kb-chip" href="([^"]+)"><span class="usa-sr-only">Remove filter: </span>(.+?)<span class="kb-chip__x"', page))
    found = {re.sub("<[^>]+>", "", name): link.replace("&amp;", "&") for link, name in found.items()}
    assert found == {"Type Article": "/search?area=fms&q=letter", "Functional area Foreign Military Sales": "/search?type=article&q=letter"}
    assert 'href="/search?q=letter">Clear all filters</a>' in page


def test_the_favicon_is_served_and_linked_from_every_page(client, tmp_path, content_dir, index):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
        assert icon.data[:4] == b"\0\0\1\0" and b"PNG" in icon.data[:40]  # an ICO holding one PNG image
    page = text(client.get("/glossary"))
    links = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert [link.split("?")[0] for link in links] == ["/static/favicon.svg", "/static/favicon.ico"]
    for link in links:
        with client.get(link) as response:
            assert response.status_code == 200 and response.data[:5] in (b"<svg ", b"\0\0\1\0\1")
    signed_in_only = make_app(content_dir, index.directory, tmp_path / "closed", REQUIRE_LOGIN=True)
    try:
        with signed_in_only.test_client().get("/favicon.ico") as icon:
            assert icon.status_code == 200  # also before signing in
    finally:
        close_app(signed_in_only)


def test_the_accessibility_page_lists_the_search_shortcut_and_section_links(client):
    page = text(client.get("/accessibility"))
    assert "press <kbd>/</kbd> to move to the search box" in page and "not while you type in a" in page
    assert "“Link to section: ” and the heading" in page and "the full address of each" in page


def test_a_new_query_typed_on_the_results_page_keeps_the_order(site_client):
    """The results page's search box carries ``sort=updated`` (a hidden field), not the default order."""
    form = text(site_client.get("/search?q=letter&sort=updated")).split('aria-label="Change the search"')[1].split("</form>")[0]
    assert '<input type="hidden" name="sort" value="updated">' in form
    form = text(site_client.get("/search?q=letter")).split('aria-label="Change the search"')[1].split("</form>")[0]
    assert 'name="sort"' not in form and 'name="q" value="letter"' in form
