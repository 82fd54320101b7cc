"""A fresh anonymous hunt for planted staff-only words (issue 17, "Done when").

The site is the starter content as a git repository plus a staff-only and a CUI article full
of planted words, and public pages, a person, a path and a glossary entry pointing at both
(``hunt_site``). An anonymous visitor crawls every page reachable by links (feeds, sitemap,
History and diffs included), then attacks: searches in every syntax, suggestions for every
prefix, "did you mean" beside public words, refusals of prefixes and ranges, addresses of the
hidden articles in every spelling, HEAD requests. No planted word may show anywhere, and a
planted word must look exactly like a word that is in no document. A signed-in reader (every
role is staff: ``kb.access``) sees each of them, so the hunt proves something.
"""

from __future__ import annotations

import html
import json
import re
import string
from urllib.parse import quote, unquote, urldefrag, urlencode, urlsplit

import flask_migrate
import pytest

from kb import create_app
from kb.accounts import MIGRATIONS
from kb.accounts.service import add_user
from kb.index import SearchIndex
from kb.repository.sync import sync

from ..accounts.conftest import PASSWORD, Auth
from ..conftest import close_app
from ..gitrepo import git
from .hunt_site import CUI_SLUG, HIDDEN_COUNTRY, LEAK, NONSENSE, OLD_STAFF_SLUG, PATH, PERSON, PLANTED, PUBLIC_SLUG, STAFF_SLUG, build_site
from .test_prefix import _site_urls

HIDDEN_SLUGS = (STAFF_SLUG, OLD_STAFF_SLUG, CUI_SLUG)


@pytest.fixture(scope="module")
def hunt_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("hunt")
    content = build_site(root / "content")
    index = SearchIndex(root / "index")
    sync(content, index)
    index.close()
    (root / "db").mkdir()
    settings = {"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index"), "INSTANCE_DIR": str(root / "instance"), "SECRET_KEY": "test"}
    app = create_app({**settings, "DATABASE_URL": f"sqlite:///{root / 'db' / 'kb.sqlite3'}", "PASSWORD_PROFILE": "cheapest", "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        add_user(app.extensions["kb.passwords"], "rita@example.mil", "Rita Reader", "reader", PASSWORD)
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def anonymous(hunt_app):
    return hunt_app.test_client()


@pytest.fixture(scope="module")
def staff(hunt_app):
    client = hunt_app.test_client()
    assert Auth(client).login().status_code == 302
    return client


def leaks(text: str) -> list[str]:
    return sorted({m.group().lower() for m in LEAK.finditer(text)})


def answer(client, url: str, method: str = "GET") -> tuple[int, str]:
    """Status and everything a client receives: headers and body."""
    response = client.open(url, method=method)
    return response.status_code, json.dumps(dict(response.headers)) + response.get_data(as_text=True)


def api(client, q: str, **args) -> tuple[int, dict]:
    response = client.get("/api/search?" + urlencode({"q": q, "per_page": 50, **args}))
    data = response.get_json()
    data.pop("search_id", None)
    data.pop("query", None)
    return response.status_code, data


# -- the crawl -------------------------------------------------------------------------


def followed(url: str) -> bool:
    """Every page, but not each combination of a query with filters or pages, nor sign-in links."""
    if url.startswith(("/static/", "/login?", "/search/open?")):
        return False
    return len([part for part in urlsplit(url).query.split("&") if part]) <= 1


def crawl(client) -> dict[str, str]:
    """Every page reachable by links (and the feeds, the sitemap's addresses), with what it answered."""
    seen, queue, pages = set(), ["/", "/sitemap.xml", "/feed.atom", "/healthz", "/api/people?per_page=50"], {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code == 302 and response.headers["Location"].startswith("/login?next="):  # for signed-in readers
            pages[url] = json.dumps(dict(response.headers))
            continue
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        pages[url] = json.dumps(dict(response.headers)) + body
        if response.is_json:
            body = " ".join(f'<a href="{u}">' for u in re.findall(r'"url": ?"(/[^"]+)"', body))
        found = _site_urls(body) + [urlsplit(u).path for u in re.findall(r"<(?:loc|id)>(http[^<]+)</", body)]
        found += [f"/api/people/{p}" for p in re.findall(r'"/people/([\w-]+)"', body)]
        found += [f"/api/articles/{a}" for a in re.findall(r'href="/articles/([\w/-]+)"', body) if "/-/" not in a]
        queue += [u for u in (urldefrag(u)[0] for u in found) if u not in seen and followed(u)]
    return pages


def test_the_crawl_reaches_every_kind_of_page_and_finds_no_planted_word(anonymous):
    pages = crawl(anonymous)
    found = {url: leaks(text) for url, text in pages.items() if leaks(text)}
    assert found == {}
    expected = (f"/articles/{PUBLIC_SLUG}/-/history", f"/people/{PERSON}", f"/paths/{PATH}", "/areas/fms/feed.atom", f"/api/articles/{PUBLIC_SLUG}")
    assert [url for url in expected if url not in pages] == []
    assert sum("/-/commits/" in url for url in pages) > 100 and len(pages) > 1000
    assert not any(slug in url for url in pages for slug in HIDDEN_SLUGS)
    assert f"Articles about {HIDDEN_COUNTRY} (0)" in pages[f"/countries/{HIDDEN_COUNTRY.lower()}"]  # only the staff article names it


# -- searches --------------------------------------------------------------------------

FORMS = ("{w}", "title:{w}", "{p}*", "tag:{w}", "type:article {w}", "area:fms {w}", '"{w}"', "{w} OR letter", "who knows about {w}", "NOT {w}")
FORMS += ("aliases:{w}", "keywords:{w}", "summary:{w}", "spell_staff:{w}", "links:" + STAFF_SLUG.replace("vexquill", "{w}"), "{w}~2", "body:{p}*")


@pytest.mark.parametrize("form", FORMS)
def test_a_planted_word_answers_as_a_word_of_no_document_in_every_syntax(anonymous, form):
    """Totals, facets, results, suggestions: all as for the nonsense word (counts leak existence)."""
    nothing = api(anonymous, form.format(w=NONSENSE, p=NONSENSE[:7]))
    for word in PLANTED:
        q = form.format(w=word, p=word[:7])
        assert api(anonymous, q) == nothing, q
        status, page = answer(anonymous, "/search?" + urlencode({"q": q}))
        assert status == nothing[0] and leaks(without(page, q)) == [], q


def without(page: str, asked: str) -> str:
    """The page, decoded, without the places where it repeats what was asked (search box, links, the 404 message)."""
    page = unquote(unquote(html.unescape(page)))
    for form in (asked, asked.replace(" ", "+"), asked.upper()):
        page = page.replace(form, "")
    return page


def test_suggestions_for_every_prefix_of_a_planted_word_and_title(anonymous):
    """Nothing planted, and past four letters only public pages a typo away (``quant``: "quarterly")."""
    offered = set()
    for word in [*PLANTED, "Vexquill escalation protocol", "Tarnwhistle ledger", "ZQXV"]:
        for end in range(1, len(word) + 1):
            found = anonymous.get("/api/suggest?" + urlencode({"q": word[:end]})).get_json()
            assert leaks(json.dumps(found)) == [], word[:end]
            if end >= 5:
                assert not any(word[:end].casefold() in s["title"].casefold() for s in found), word[:end]
                offered |= {s["url"] for s in found}
    assert [url for url in offered if anonymous.get(url).status_code != 200] == []


def misspellings(word: str) -> list[str]:
    """A letter dropped, or swapped with the next (never the first: "did you mean" keeps it)."""
    dropped = [word[:i] + word[i + 1 :] for i in range(1, len(word))]
    return list(dict.fromkeys(dropped + [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)]))


def test_did_you_mean_beside_public_words_never_offers_a_planted_word(anonymous, staff):
    """Beside "ghana" (a few results, so the spelling step runs) and alone; signed in, the same typos
    are corrected to the planted words."""
    assert 0 < api(anonymous, "ghana")[1]["total"] < 10
    offered = 0
    for word in PLANTED:
        for typo in misspellings(word)[:6]:
            for q in (typo, f"{typo} ghana", f"who knows about {typo}"):
                assert leaks(api(anonymous, q)[1]["suggestion"] or "") == [], q  # "skorane": "storage"
                page = answer(anonymous, "/search?" + urlencode({"q": q}))[1]
                assert leaks(without(page, q)) == [], q
            offered += word in (api(staff, f"{typo} ghana")[1]["suggestion"] or "")
    assert offered > 40


def test_suggestions_never_correct_a_typo_to_a_planted_word(anonymous, staff):
    """Suggestions tolerate one typo in a long word, from the words of documents the reader may see
    alone: signed in, a typo of a staff-only title's word suggests it; anonymous, nothing leaks."""
    for typo in ("vexqill", "vexquil", "vexquilll", "tarnwhistel"):
        found = anonymous.get("/api/suggest?" + urlencode({"q": typo})).get_json()
        assert leaks(json.dumps(found)) == [] and found == [], typo
    assert [s["title"] for s in staff.get("/api/suggest?q=vexqill").get_json()] == ["Vexquill escalation protocol"]
    assert "Tarnwhistle ledger reconciliation" in [s["title"] for s in staff.get("/api/suggest?q=tarnwhistel").get_json()]
    for word in PLANTED:
        for typo in misspellings(word)[:6]:
            assert leaks(json.dumps(anonymous.get("/api/suggest?" + urlencode({"q": typo})).get_json())) == [], typo


def refusal_reveals(client, word: str) -> bool:
    """Prefixes and ranges are refused past a number of words: a range that ends at ``word`` and holds
    64 other words is refused exactly when ``word`` is a word of the index (bisection on the start)."""
    alphabet = string.ascii_lowercase

    def refused(start: int, end: str) -> bool:
        text = "".join(alphabet[start // 26**k % 26] for k in range(5, -1, -1))
        return api(client, f"body:[{text} TO {end}")[0] == 400

    low, high = 0, sum(alphabet.index(c) * 26**k for k, c in zip(range(5, -1, -1), word[:6], strict=True))
    if not refused(low, word + "}"):
        return False
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if refused(middle, word + "}") else (low, middle)
    return refused(high, word + "]") != refused(high, word + "}")


def test_refusals_of_prefixes_and_ranges_reveal_no_hidden_word(anonymous, staff):
    assert [word for word in ("wobblequist", "frobnitzel", "pelliscrum") if refusal_reveals(anonymous, word)] == []
    assert refusal_reveals(staff, "wobblequist")  # for staff the word is there: the same requests find it


# -- addresses ---------------------------------------------------------------------------


def hidden_addresses(repo) -> list[tuple[str, str]]:
    """(slug, address) of every way to ask for a hidden article."""
    shas = git(repo, "log", "--format=%H").split()
    urls = []
    for slug in HIDDEN_SLUGS:
        forms = (
            slug,
            slug + "/",
            slug.upper(),
            quote(slug, safe=""),
            slug + ".md",
            slug + "/-/history",
            *(f"{slug}/-/commits/{sha}" for sha in shas),
        )
        urls += [(slug, f"{prefix}/{form}") for form in forms for prefix in ("/articles", "/api/articles")]
        urls.append((slug, "/search/open?" + urlencode({"type": "article", "id": slug, "sid": "x", "rank": 1})))
    return urls


def test_every_address_of_a_hidden_article_is_a_plain_404(hunt_app, anonymous, staff):
    for slug, url in hidden_addresses(hunt_app.config["CONTENT_DIR"]):
        for method in ("GET", "HEAD"):
            status, text = answer(anonymous, url, method)
            assert status in (404, 308), url  # 308: Flask's redirect of a trailing slash, to the same 404
            assert leaks(without(text, slug)) == [], (method, url)
    for url in ("/reports/search", "/reports/search?format=csv", "/reports/freshness"):
        assert anonymous.get(url).status_code == 404, url
    assert staff.get(f"/articles/{OLD_STAFF_SLUG}").status_code == 301


def test_no_public_diff_or_history_names_a_hidden_article(hunt_app, anonymous):
    shas = git(hunt_app.config["CONTENT_DIR"], "log", "--format=%H", "--", f"articles/{PUBLIC_SLUG}.md").split()
    assert len(shas) == 2
    for url in [f"/articles/{PUBLIC_SLUG}/-/history"] + [f"/articles/{PUBLIC_SLUG}/-/commits/{sha}" for sha in shas]:
        status, text = answer(anonymous, url)
        assert status == 200 and leaks(text) == [] and "(hidden article)" in text, url


# -- what signed-in staff see: the hunt above would have found these -----------------------


def test_signed_in_staff_see_every_planted_word(hunt_app, staff):
    shown = "".join(
        answer(staff, url)[1]
        for url in (
            f"/articles/{STAFF_SLUG}",
            f"/articles/{CUI_SLUG}",
            f"/api/articles/{STAFF_SLUG}",
            f"/api/articles/{CUI_SLUG}",
            f"/articles/{STAFF_SLUG}/-/history",
            f"/paths/{PATH}",
            f"/articles/{PUBLIC_SLUG}",
        )
    )
    assert leaks(shown) == sorted(PLANTED)
    for word in PLANTED:
        if word not in ("gorplenix", "marrowquench"):  # a step's note and a commit message are not searched
            assert api(staff, word)[1]["total"] >= 1, word
    assert [s["title"] for s in staff.get("/api/suggest?q=vexq").get_json()] == ["Vexquill escalation protocol"]
    assert "/articles/" + STAFF_SLUG in staff.get("/sitemap.xml").get_data(as_text=True)


def test_did_you_mean_beside_a_common_word_offers_a_planted_word_to_staff_only(anonymous, staff):
    """The spelling step runs whatever the result count ("sales": many results): a planted word
    misspelled beside it is never offered, nor shown as "showing results for", to an anonymous
    reader; signed in, the typo is corrected and, alone, the hidden article's results come first."""
    assert api(anonymous, "sales")[1]["total"] >= 10
    for word, slug in (("quantorix", STAFF_SLUG), ("pelliscrum", CUI_SLUG)):
        typo = misspellings(word)[0]
        for q in (typo, f"{typo} sales"):
            found = api(anonymous, q)[1]
            assert leaks(json.dumps(found)) == [] and not (found["corrected"] and word in (found["suggestion"] or "")), q
            assert leaks(without(answer(anonymous, "/search?" + urlencode({"q": q}))[1], q)) == [], q
        assert api(staff, f"{typo} sales")[1]["suggestion"] == f"{word} sales"
        signed_in = api(staff, typo)[1]
        assert (signed_in["suggestion"], signed_in["corrected"]) == (word, True)
        assert signed_in["results"][0]["id"] == slug
        assert "Showing results for" in staff.get("/search?" + urlencode({"q": typo})).get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "readers"),
    [
        (f"/paths/{PATH}/-/edit", {"GET": 403, "POST": 403}),
        ("/areas/fms/-/edit", {"GET": 403, "POST": 403}),
        ("/areas/fms/-/propose-new", {"GET": 200, "POST": 400}),
    ],
)
def test_the_page_editors_show_no_planted_word_to_anyone_but_editors(anonymous, staff, url, readers):
    """The path's file holds a staff step's note: its editor is for editors only (a reader's sign-in is refused, 403);
    a new article's proposal form is any signed-in reader's, and shows nothing of the hidden articles."""
    anonymous_codes = {"GET": 302, "POST": 302 if url.endswith("propose-new") else 403}
    for client, expected in ((anonymous, anonymous_codes), (staff, readers)):
        for method, code in expected.items():
            response = client.open(url, method=method, data={"title": "x", "body": "y"})
            assert response.status_code == code and leaks(response.get_data(as_text=True)) == []


# -- path progress reports and assignments (issue 22) ----------------------------------------

PROGRESS_URLS = ("/reports/paths", f"/reports/paths/{PATH}", f"/reports/paths/{PATH}?format=csv", f"/reports/paths/{PATH}?format=json")


def _progress_people(hunt_app) -> None:
    """A supervisor of Rita, an editor and an admin; Rita is assigned the path with the planted staff steps."""
    with hunt_app.app_context():
        from kb.accounts.assignments import assign_path, supervise
        from kb.accounts.service import find_user

        for email, role in (("sue@example.mil", "reader"), ("eve@example.mil", "editor"), ("al@example.mil", "admin")):
            if find_user(email) is None:
                add_user(hunt_app.extensions["kb.passwords"], email, email.split("@")[0].title(), role, PASSWORD)
        supervise("sue@example.mil", "rita@example.mil", "test")
        assign_path(find_user("eve@example.mil"), PATH, [find_user("rita@example.mil").id], None)


def test_progress_reports_and_assignments_show_no_planted_word_to_anyone(hunt_app, anonymous, staff):
    """Anonymous readers and readers who supervise nobody get a 404; supervisors, editors and admins see
    the report, which names the path and people only (no step, no note): no planted word for any role.
    Rita's "Assigned to you" names the path and counts only, and no public page shows it."""
    _progress_people(hunt_app)
    for url in PROGRESS_URLS:
        for client in (anonymous, staff):
            status, text = answer(client, url)
            assert status == 404 and leaks(text) == [] and "rita@example.mil" not in text, url
    for email in ("sue@example.mil", "eve@example.mil", "al@example.mil"):
        client = hunt_app.test_client()
        assert Auth(client).login(email).status_code == 302
        for url in PROGRESS_URLS:
            status, text = answer(client, url)
            assert status == 200 and leaks(text) == [] and ("rita@example.mil" in text) == (url != "/reports/paths"), (email, url)
    page = staff.get("/me").get_data(as_text=True)
    mine = page[page.index('id="assigned-heading"') : page.index("</section>", page.index('id="assigned-heading"'))]
    assert "Escalation onboarding" in mine and leaks(mine) == []
    for url in ("/", "/paths", f"/paths/{PATH}", "/feed.atom", "/sitemap.xml"):
        status, text = answer(anonymous, url)
        assert status == 200 and "Assigned to you" not in text and "Rita" not in text and leaks(text) == [], url


def test_anonymous_searches_right_after_staff_ones_in_the_same_worker_thread_find_no_planted_word(anonymous, staff):
    """The test clients run every request in this one thread, as a worker does: what a staff
    search kept (the thread's searcher, its pages, masks and facet values, the request's one look
    at the index) never answers the anonymous search that follows, and the reverse."""
    for word in ("quantorix", "pelliscrum", "glimmerfax", "zqxv"):
        for _ in range(2):
            assert api(staff, word)[1]["total"] >= 1, word
            found = api(anonymous, word)[1]
            assert found["total"] == 0 and leaks(json.dumps(found)) == [], word
    public = api(anonymous, "sales")[1]
    staff_view = api(staff, "sales")[1]
    assert staff_view["total"] >= public["total"] >= 10
    assert api(anonymous, "sales")[1] == public, "the anonymous answer is the same after a staff one"


def test_anonymous_prefix_searches_right_after_staff_ones_in_the_same_worker_thread_find_no_planted_word(anonymous, staff):
    """The searcher keeps a sample of every segment's term table for prefixes (words of staff-only
    pages among them): an anonymous prefix still stands only for words of pages it may see."""
    for prefix in ("quantor*", "pellisc*", "glimmerf*"):
        for _ in range(2):
            assert api(staff, prefix)[1]["total"] >= 1, prefix
            found = api(anonymous, prefix)[1]
            assert found["total"] == 0 and leaks(json.dumps(found)) == [], prefix
    assert api(anonymous, "sal*")[1]["total"] >= 10
