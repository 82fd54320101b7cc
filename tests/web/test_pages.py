"""Every page through the Flask test client, as an anonymous reader."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from markupsafe import escape

from kb.access import Reader


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
