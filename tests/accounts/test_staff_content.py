"""Staff-only and marked articles: absent on every surface for anonymous readers, present when signed in.

The sample's staff article ``eum/internal-checklist`` has the planted words "zebra" and "quokka"
and is the only document naming Poland (EUCOM has a public article too); a marked article
(``marking: CUI``, no ``access``) has "narwhal". Each surface is asked as an anonymous reader
and as a signed-in reader through the real sign-in form.
"""

from __future__ import annotations

import html
import re
import textwrap
from urllib.parse import urlencode

import pytest
from markupsafe import escape

from ..conftest import SAMPLE, write_tree
from ..gitrepo import commit, git, init

SECRETS = re.compile(r"zebra|quokka|internal-checklist|narwhal|marked-procedure", re.IGNORECASE)
TITLE = "Zebra compliance checklist"
MARKED_TITLE = "Marked procedure"

EXTRA = {
    # the sample's staff article, also about a country and a command (for the place pages)
    "articles/eum/internal-checklist.md": SAMPLE["articles/eum/internal-checklist.md"].replace(
        "experts: [maria-delgado]\n", "experts: [maria-delgado]\n        countries: [Poland]\n        regions: [EUCOM]\n"
    ),
    "articles/eum/public-notes.md": """
        ---
        title: Public notes on visits
        summary: What anyone may know about compliance visits.
        related: [eum/internal-checklist]
        regions: [EUCOM]
        ---
        Visits happen every year.
        """,
    "articles/fms/marked-procedure.md": """
        ---
        title: Marked procedure
        summary: A procedure with a handling marking.
        marking: CUI
        access: public
        experts: [john-smith]
        ---
        The narwhal procedure links to [[fms/letter-of-offer-and-acceptance]].
        """,
    "glossary.yml": SAMPLE["glossary.yml"]
    + """
        - term: ZCL
          expansion: compliance checklist for visits
          definition: The internal list.
          see: eum/internal-checklist
        """,
}


@pytest.fixture
def content_dir(tmp_path):
    return write_tree(write_tree(tmp_path / "content", SAMPLE), EXTRA)


@pytest.fixture(params=["anonymous", "signed in"])
def reader(request, client, auth):
    if request.param == "signed in":
        assert auth.login().status_code == 302
    return request.param == "signed in"


def body(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def diff_text(page: str) -> str:
    """The diff page's lines as text, one a line, each after its sign (+, − or a space)."""
    cells = re.findall(r'<td class="kb-diff__text">(.*?)</td>', page, re.DOTALL)
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", re.sub(r'<span class="usa-sr-only">[^<]*</span>', "", cell))) for cell in cells)


def heading(total: int, q: str, what: str = "result") -> str:
    """The count a search page shows above its results (``what``: "result" or "person")."""
    plural = {"result": "results", "person": "people"}[what]
    return f"{total:,} {what if total == 1 else plural} for “{escape(q)}”"


def without_query(html: str, query: str) -> str:
    """The page minus the places that echo the query back (search box, headings, links)."""
    return html.replace(query, "").replace(query.replace(" ", "+"), "")


@pytest.mark.parametrize(
    "url, public, shown",
    [  # public: what every reader sees there; shown: what only a signed-in reader sees
        ("/", "Golden Sentry program</a>", TITLE),  # recently updated
        ("/areas/eum", "Golden Sentry program</a>", TITLE),  # area page lists
        ("/areas/fms", "Letter of Request</a>", MARKED_TITLE),
        ("/articles/fms/letter-of-request", "What it contains", TITLE),  # "Pages that link here"
        ("/articles/fms/letter-of-offer-and-acceptance", "lists lines, notes and terms", MARKED_TITLE),
        ("/articles/eum/public-notes", "Visits happen every year.", TITLE),  # related articles
        ("/people/maria-delgado", "Letter of Offer and Acceptance</a>", TITLE),  # articles naming the person as expert
        ("/people/john-smith", "Letter of Offer and Acceptance</a>", MARKED_TITLE),
        ("/paths", "New to Security Cooperation</a>", "3 steps"),  # step count and reading time
        ("/paths/new-to-sc", "How cases start.", TITLE),  # the step itself
        ("/glossary", "Transportation Control Number", TITLE),  # a glossary entry's "see" link
        ("/me", "New to Security Cooperation", "3 steps"),
        ("/countries/poland", "Poland", TITLE),  # 404 anonymously: nothing else concerns Poland
        ("/regions/EUCOM", "Public notes on visits</a>", TITLE),
        ("/api/people/maria-delgado", '"fms/letter-of-request"', "eum/internal-checklist"),  # the expert's articles
        ("/feed.atom", "<title>Golden Sentry program</title>", TITLE),
        ("/areas/eum/feed.atom", "<title>Golden Sentry program</title>", TITLE),
        ("/sitemap.xml", "/articles/fms/letter-of-request</loc>", "/articles/eum/internal-checklist"),
    ],
)
def test_pages(client, reader, url, public, shown):
    if url == "/me" and not reader:
        assert "/login?next=/me" in client.get(url).headers["Location"]
        return
    if url == "/countries/poland" and not reader:
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 404 and "Page not found" in text and not SECRETS.search(text)
        return
    html = body(client, url)
    assert public in html, url
    if reader:
        assert shown in html, url
    else:
        assert not SECRETS.search(html), (url, SECRETS.search(html))


@pytest.mark.parametrize(
    "q", ["zebra", "quokka", "narwhal", "checklist", "compliance", "inventory steps", "title:zebra", "zeb*", "area:eum", "type:article"]
)
def test_search_results_counts_and_facets(client, reader, q):
    signed_in = reader
    data = client.get("/api/search", query_string={"q": q, "per_page": 50}).get_json()
    ids = [r["id"] for r in data["results"]]
    assert len(ids) == data["total"] if data["total"] <= 50 else True
    secret_ids = {"eum/internal-checklist", "fms/marked-procedure"}
    if signed_in:
        if q in ("zebra", "quokka", "checklist", "title:zebra", "zeb*", "inventory steps"):
            assert "eum/internal-checklist" in ids, q
        if q == "narwhal":
            assert ids == ["fms/marked-procedure"]
    else:
        assert not secret_ids & set(ids)
        assert not SECRETS.search(str(data).replace(q, "")), q
        page = body(client, f"/search?q={q}")
        assert heading(data["total"], q) in page, q
        html = without_query(page, q)
        assert not SECRETS.search(html), (q, SECRETS.search(html))


def test_counts_and_facets_differ_by_exactly_the_hidden_articles(client, auth):
    def numbers(q):
        data = client.get("/api/search", query_string={"q": q}).get_json()
        return data["total"], data["facets"]

    anonymous = {q: numbers(q) for q in ("checklist", "area:eum", "type:article", "procedure")}
    auth.login()
    signed_in = {q: numbers(q) for q in anonymous}
    assert signed_in["checklist"][0] == anonymous["checklist"][0] + 1
    assert signed_in["area:eum"][1]["area"]["eum"] == anonymous["area:eum"][1]["area"].get("eum", 0) + 1
    assert signed_in["type:article"][1]["type"]["article"] == anonymous["type:article"][1]["type"]["article"] + 2
    assert signed_in["procedure"][0] == anonymous["procedure"][0] + 1


def test_suggestions(client, reader):
    for typed in ("zebr", "Zebra comp", "marked proc", "narwh"):
        titles = [s["title"] for s in client.get("/api/suggest", query_string={"q": typed}).get_json()]
        if reader and typed != "narwh":
            assert titles and (TITLE in titles or MARKED_TITLE in titles), typed
        if not reader:
            assert titles == [], typed


def test_did_you_mean(client, reader):
    for typo, right in (("quokkka", "quokka"), ("zebbra", "zebra"), ("narwhel", "narwhal")):
        html = body(client, f"/search?q={typo}")
        data = client.get("/api/search", query_string={"q": typo}).get_json()
        if reader:
            assert data["suggestion"] == right and data["corrected"] and "Showing results for" in html  # the typo alone finds nothing
        else:
            assert heading(0, typo) in html and data["suggestion"] is None and "Did you mean" not in html
            assert right not in html.lower() and data["total"] == 0


def misspellings(word: str) -> list[str]:
    """A letter dropped, doubled, swapped with the next or replaced: what a hunter types."""
    cut = [word[:i] + word[i + 1 :] for i in range(1, len(word))]
    doubled = [word[: i + 1] + word[i] + word[i + 1 :] for i in range(1, len(word))]
    swapped = [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)]
    return list(dict.fromkeys(cut + doubled + swapped + [word[:-1] + "x"]))


@pytest.mark.parametrize("planted", ["zebra", "quokka", "narwhal"])
def test_did_you_mean_beside_public_words_never_offers_a_planted_word(client, reader, planted):
    """The public word finds pages, so the corrected query would too: a staff-only word must not
    be in the anonymous reader's spelling dictionary at all."""
    offered = []
    for typo in misspellings(planted):
        for q in (f"{typo} visits", f"{typo} letter request"):
            data = client.get("/api/search", query_string={"q": q}).get_json()
            page = body(client, "/search?" + urlencode({"q": q}))
            html = page.replace(typo, "")  # echoed back as typed
            offered.append(data["suggestion"])
            if not reader:
                assert data["total"] > 0 and data["suggestion"] is None, q  # the public word found pages
                assert heading(data["total"], q) in page, q
                assert not SECRETS.search(html) and "Did you mean" not in html, q
    if reader:
        assert sum(1 for s in offered if s and planted in s) >= len(offered) // 2, offered


@pytest.mark.parametrize(
    "url",
    [
        "/articles/eum/internal-checklist",
        "/api/articles/eum/internal-checklist",
        "/articles/fms/marked-procedure",
        "/api/articles/fms/marked-procedure",
        "/articles/eum/internal-checklist/-/history",
    ],
)
def test_article_and_api_are_404_not_403(client, reader, url):
    response = client.get(url)
    text = response.get_data(as_text=True)
    if reader:
        assert response.status_code == 200 and (TITLE if "internal-checklist" in url else MARKED_TITLE) in text
    else:
        assert response.status_code == 404 and "Page not found" in text
        slug = url.split("/articles/")[1].split("/-/")[0]  # the 404 page names what was asked for, nothing more
        assert not SECRETS.search(text.replace(slug, ""))


def test_api_article_shows_staff_backlinks_and_related_only_signed_in(client, reader):
    related = client.get("/api/articles/eum/public-notes").get_json()["related"]
    assert related == (["eum/internal-checklist"] if reader else [])


def test_healthz_counts_only_what_the_reader_sees(client, auth):
    anonymous = client.get("/healthz").get_json()["documents"]
    auth.login()
    assert client.get("/healthz").get_json()["documents"] == anonymous + 2


def test_marking_banner_top_and_bottom_and_labels_in_lists(client, auth):
    auth.login()
    html = body(client, "/articles/fms/marked-procedure")
    assert html.count('class="kb-marking-banner"') == 2 and ">CUI</div>" in html
    results = body(client, "/search?q=narwhal")
    assert 'kb-marking-tag" title="Handling marking">CUI<' in results
    area = body(client, "/areas/fms")
    assert 'kb-marking-tag" title="Handling marking">CUI<' in area
    unmarked = body(client, "/articles/fms/letter-of-request")
    assert "What it contains" in unmarked and "kb-marking-banner" not in unmarked


def test_countries_and_commands_count_only_what_the_reader_sees(client, reader):
    countries = body(client, "/countries")
    regions = body(client, "/regions")
    eucom = body(client, "/regions/EUCOM")
    assert ("Poland" in countries) is reader  # only the staff article names it
    assert re.search(r">EUCOM</a>.*?0 people, (\d) article", regions, re.S).group(1) == ("2" if reader else "1")
    assert f"Articles about EUCOM ({2 if reader else 1})" in eucom
    if not reader:
        assert not SECRETS.search(countries + regions + eucom)


@pytest.mark.parametrize("q", ["zebra", "quokka inventory", "checklist"])
def test_expert_evidence_from_the_staff_article_only_when_signed_in(client, reader, q):
    """Maria is the staff article's expert: its words rank her only for readers who may see it."""
    data = client.get("/api/people", query_string={"q": q}).get_json()
    ids = [hit["id"] for hit in data["results"]]
    page = body(client, f"/people?q={q}")
    html = without_query(page, q)
    assert heading(data["total"], q, "person") in page, q
    if reader:
        assert "maria-delgado" in ids and "Maria Delgado" in html
    else:
        assert ids == [] and data["total"] == 0 and "Maria Delgado" not in html
        assert not SECRETS.search(str(data)) and not SECRETS.search(html)


class TestHistoryInGit:
    """The content as a git repository: History, diff and "changed most" pages from real commits."""

    @pytest.fixture
    def content_dir(self, tmp_path):
        repo = init(tmp_path / "content")
        commit(repo, "john", "Initial content", {**SAMPLE, **EXTRA}, when="2025-01-10T09:00:00Z")
        checklist = textwrap.dedent(EXTRA["articles/eum/internal-checklist.md"]).lstrip() + "\nMore steps.\n"
        commit(repo, "maria", "Checklist: more quokka steps", {"articles/eum/internal-checklist.md": checklist})
        return repo

    @pytest.fixture
    def sha(self, content_dir):
        return git(content_dir, "rev-parse", "HEAD")

    def test_history_and_diff_of_the_staff_article(self, client, reader, sha):
        for url in ("/articles/eum/internal-checklist/-/history", f"/articles/eum/internal-checklist/-/commits/{sha}"):
            response = client.get(url)
            if reader:
                assert response.status_code == 200 and TITLE in response.get_data(as_text=True), url
            else:
                assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True), url
                assert not SECRETS.search(response.get_data(as_text=True).replace("eum/internal-checklist", "")), url

    def test_history_of_a_public_article_and_the_person_who_changed_the_staff_one(self, client, reader):
        history = body(client, "/articles/fms/letter-of-request/-/history")
        person = body(client, "/people/maria-delgado")
        changed_most = f"{TITLE}</a> (1 change)"  # Maria's one commit, on the staff article
        assert "Initial content" in history and "Country Program Director" in person
        if reader:
            assert "Articles changed most" in person and changed_most in person
        else:
            assert "Articles changed most" not in person
            assert not SECRETS.search(history) and not SECRETS.search(person)


DOUBTFUL = {  # access misspelled or malformed
    "articles/fms/misspelled.md": "---\ntitle: Misspelled access\nAccess: staff\n---\nThe wallaby procedure.\n",
    "articles/fms/listed-marking.md": "---\ntitle: Listed marking\nmarking: [CUI]\n---\nThe pangolin procedure.\n",
    "articles/fms/typo.md": "---\ntitle: Typo in the key\nacess: staff\n---\nThe capybara procedure.\n",
}
WORDS = {"fms/misspelled": "wallaby", "fms/listed-marking": "pangolin", "fms/typo": "capybara"}


class TestAccessInDoubt:
    """Issue 17: articles whose access was misspelled or malformed, and a person that is a symlink to the
    staff article, as the real index holds them: staff-only (the link: nowhere), not public."""

    @pytest.fixture
    def content_dir(self, tmp_path):
        content = write_tree(write_tree(tmp_path / "content", {**SAMPLE, **EXTRA}), DOUBTFUL)
        (content / "people" / "linked.md").symlink_to("../articles/eum/internal-checklist.md")
        return content

    def test_pages_search_and_api(self, client, reader):
        planted = re.compile("|".join(WORDS.values()), re.IGNORECASE)
        for slug, word in WORDS.items():
            for url in (f"/articles/{slug}", f"/api/articles/{slug}"):
                response = client.get(url)
                assert response.status_code == (200 if reader else 404), url
                assert (word in response.get_data(as_text=True)) is reader, url
            ids = [r["id"] for r in client.get("/api/search", query_string={"q": word}).get_json()["results"]]
            assert ids == ([slug] if reader else []), word
            html = without_query(body(client, f"/search?q={word}"), word)
            assert (slug in html) is reader, word
        listing = body(client, "/areas/fms")
        assert ("Misspelled access" in listing) is reader and "Letter of Request" in listing
        if not reader:
            assert not planted.search(listing) and not planted.search(body(client, "/feed.atom"))

    def test_the_linked_person_is_nowhere(self, client, reader):
        assert client.get("/people/linked").status_code == 404
        assert client.get("/api/people/linked").status_code == 404
        ids = [r["id"] for r in client.get("/api/search", query_string={"q": "quokka"}).get_json()["results"]]
        assert ids == (["eum/internal-checklist"] if reader else [])


class TestDiffsOfPublicArticles:
    """A public article's diff names staff-only articles in every way a file can: anonymous readers
    see none of their slugs (nor an earlier one, nor one that is gone), signed-in readers all."""

    HIDDEN = re.compile(r"zebra|quokka|internal-checklist|old-checklist|gone-secret|ocelot", re.IGNORECASE)
    NOTES = """
        ---
        title: Public notes on visits
        summary: What anyone may know about compliance visits.
        related:
          - fms/letter-of-request
          - eum/internal-checklist
        redirect_from: [eum/visit-notes]
        regions: [EUCOM]
        ---
        Visits happen every year; read [[fms/letter-of-request]] first.
        Then [[eum/internal-checklist|the list]], [the checklist](internal-checklist.md),
        [again](../eum/internal-checklist.md#steps), [by address](/articles/eum/internal-checklist),
        <a href="/articles/eum/internal-checklist/-/history">its history</a>, [[eum/old-checklist]],
        [[eum/gone-secret|an old list]], see /articles/eum/internal-checklist or
        https://kb.example.mil/articles/eum/internal-checklist and [ref].

        [ref]: ../eum/internal-checklist.md
        """

    @pytest.fixture
    def content_dir(self, tmp_path):
        repo = init(tmp_path / "content")
        earlier = "access: staff\n        redirect_from: [eum/old-checklist]\n"
        checklist = EXTRA["articles/eum/internal-checklist.md"].replace("access: staff\n", earlier)
        commit(repo, "john", "Initial content", {**SAMPLE, **EXTRA, "articles/eum/internal-checklist.md": checklist}, when="2025-01-10T09:00:00Z")
        commit(repo, "maria", "Notes: link eum/internal-checklist everywhere", {"articles/eum/public-notes.md": self.NOTES})
        front = "---\ntitle: Declassified notes\n"
        commit(repo, "maria", "Declassified: first notes", {"articles/eum/declassified.md": front + "access: staff\n---\nThe ocelot plan.\n"})
        commit(repo, "maria", "Publish the notes", {"articles/eum/declassified.md": front + "---\nThe public plan.\n"})
        commit(repo, "maria", "Notes: a line", {"articles/eum/declassified.md": front + "---\nThe public plan.\nOne more line.\n"})
        return repo

    def shas(self, repo, path: str) -> list[str]:
        return git(repo, "log", "--format=%H", "--", path).split()

    def test_links_and_slug_fields_of_staff_articles_are_masked(self, client, reader, content_dir):
        newest = self.shas(content_dir, "articles/eum/public-notes.md")[0]
        history = body(client, "/articles/eum/public-notes/-/history")
        page = body(client, f"/articles/eum/public-notes/-/commits/{newest}")
        if reader:
            assert "Notes: link eum/internal-checklist everywhere" in history + page
            for shown in ("+  - eum/internal-checklist", "(internal-checklist.md)", "../eum/internal-checklist.md#steps", "[[eum/old-checklist]]"):
                assert shown in diff_text(page), shown
            return
        assert not self.HIDDEN.search(history + page), self.HIDDEN.search(history + page)
        assert "Notes: link (hidden article) everywhere" in history + page
        # what the reader may see stays: the public slugs, the link texts, the article's own fields
        shown = ["+  - fms/letter-of-request", "+  - (hidden article)", "[[fms/letter-of-request]]", "[[(hidden article)|the list]]"]
        shown += ["[the checklist]((hidden article))", "[by address]((hidden article))", "[ref]: (hidden article)"]
        shown += ["redirect_from: [eum/visit-notes]", "https://kb.example.mil/articles/(hidden article)"]
        for text in shown:
            assert text in diff_text(page), text

    def test_changes_made_while_an_article_was_staff_only_are_withheld(self, client, reader, content_dir):
        latest, published, staff_only = self.shas(content_dir, "articles/eum/declassified.md")
        for sha in (staff_only, published):
            page = body(client, f"/articles/eum/declassified/-/commits/{sha}")
            if reader:
                assert "ocelot plan" in diff_text(page)
            else:
                assert "shown to signed-in staff only" in page and not self.HIDDEN.search(page)
        assert "+One more line." in diff_text(body(client, f"/articles/eum/declassified/-/commits/{latest}"))


class TestPathSteps:
    """A public path's steps through the staff-only article, by its slug and by an earlier one: for
    anonymous readers neither the steps nor their notes exist, in the page or in search."""

    PATH = """
        ---
        title: Audits
        steps:
          - fms/letter-of-request
          - article: eum/internal-checklist
            note: The wombat audit.
          - article: eum/old-checklist
            note: The dingo audit.
        ---
        Audits.
        """

    @pytest.fixture
    def content_dir(self, tmp_path):
        checklist = EXTRA["articles/eum/internal-checklist.md"].replace(
            "access: staff\n", "access: staff\n        redirect_from: [eum/old-checklist]\n"
        )
        files = {**SAMPLE, **EXTRA, "articles/eum/internal-checklist.md": checklist, "paths/audits.md": self.PATH}
        return write_tree(tmp_path / "content", files)

    def test_the_path_page(self, client, reader):
        html = body(client, "/paths/audits")
        assert "Letter of Request" in html
        if reader:
            assert "The wombat audit." in html and "The dingo audit." in html and html.count(f">{TITLE}</a>") == 2
        else:
            assert not re.search(r"wombat|dingo|checklist|Step not available", html, re.IGNORECASE), html

    def test_search_for_a_word_of_a_hidden_steps_note(self, client, reader):
        for word in ("wombat", "dingo"):
            found = client.get("/api/search", query_string={"q": word}).get_json()
            assert (found["total"], found["facets"]["type"], found["suggestion"]) == (0, {}, None), word  # nor the path, for staff
            html = without_query(body(client, f"/search?q={word}"), word)
            assert "Audits" not in html and "0 results" in html
        misspelled = client.get("/api/search", query_string={"q": "wombatt letter request"}).get_json()
        assert misspelled["suggestion"] is None and misspelled["total"] > 0
