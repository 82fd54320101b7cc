"""Links inside stored pages as each request serves them: under a URL prefix, and for readers
who may not see the staff-only articles a public page links to."""

from __future__ import annotations

import re

import pytest

from kb.access import Reader

from ..conftest import SAMPLE, close_app, indexed_app, write_tree
from .test_prefix import PREFIX, crawl_under_prefix

STAFF = Reader(name="staff", staff=True, role="reader")


@pytest.fixture
def as_staff(starter_app):
    starter_app.extensions["kb.identify"] = lambda: STAFF
    yield starter_app.test_client()
    starter_app.extensions.pop("kb.identify", None)


def test_anonymous_readers_get_the_text_of_links_to_staff_only_articles(starter_app):
    html = starter_app.test_client().get("/articles/fms/annual-case-review").get_data(as_text=True)
    assert "financing/case-financial-review-checklist" not in html and "case financial review checklist" in html
    html = starter_app.test_client().get("/articles/training/international-military-student-office").get_data(as_text=True)
    assert "pre-departure checklist" in html and "training/student-pre-departure-checklist" not in html


def test_signed_in_readers_get_the_links(as_staff):
    html = as_staff.get("/articles/training/international-military-student-office").get_data(as_text=True)
    assert 'href="/articles/training/student-pre-departure-checklist"' in html


LINKING = {
    **SAMPLE,
    "articles/eum/internal-checklist.md": SAMPLE["articles/eum/internal-checklist.md"].replace(
        "experts: [maria-delgado]\n", "experts: [maria-delgado]\n        redirect_from: [eum/old-zebra]\n"
    ),
    "articles/eum/public-links.md": """
        ---
        title: Public links
        ---
        ## See [[eum/old-zebra]]

        By its earlier slug: [[eum/old-zebra]]. With a class: [[eum/internal-checklist|the list]]{: .note }.
        Root-relative: [the list](/articles/eum/internal-checklist). Relative: [it](internal-checklist.md).
        By its address: [the full one](https://kb.example.mil/articles/eum/internal-checklist),
        [without scheme](//kb.example.mil/articles/eum/internal-checklist.md), [its history](/articles/eum/internal-checklist/-/history).

        Code keeps its text: `<img src="/static/x.png">` and `<a href="/articles/eum/golden-sentry">`.
        """,
}


@pytest.fixture(scope="module")
def linking_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("linking")
    app = indexed_app(write_tree(root / "content", LINKING), root)
    yield app
    close_app(app)


def test_no_way_of_linking_shows_a_staff_only_article_to_anonymous_readers(linking_app):
    client = linking_app.test_client()
    shown = {
        "/articles/eum/public-links": "the list",
        "/api/articles/eum/public-links": "the list",
        "/search?q=public+links": "/articles/eum/public-links",
    }
    for url, text in shown.items():
        page = client.get(url).get_data(as_text=True)
        assert text in page, url
        assert not re.search(r"zebra|internal-checklist|old-zebra", page, re.IGNORECASE), url
    assert client.get("/api/search?q=zebra").get_json()["total"] == 0
    html = linking_app.test_client().get("/articles/eum/public-links").get_data(as_text=True)
    assert "By its earlier slug: a staff-only article." in html and "the list" in html


def test_signed_in_readers_follow_every_such_link(linking_app):
    linking_app.extensions["kb.identify"] = lambda: STAFF
    try:
        html = linking_app.test_client().get("/articles/eum/public-links").get_data(as_text=True)
    finally:
        linking_app.extensions.pop("kb.identify", None)
    assert html.count('href="/articles/eum/old-zebra"') == 2 and html.count('href="/articles/eum/internal-checklist"') == 3
    for address in ("https://kb.example.mil/articles/eum/internal-checklist", "//kb.example.mil/articles/eum/internal-checklist.md"):
        assert f'href="{address}"' in html
    assert 'href="/articles/eum/internal-checklist/-/history"' in html


def test_links_to_a_staff_only_article_by_its_address_show_only_their_text(linking_app):
    """Absolute (any host, with or without scheme), to its file or to its History: the address names it too."""
    html = linking_app.test_client().get("/articles/eum/public-links").get_data(as_text=True)
    assert "By its address: the full one,\nwithout scheme, its history." in html


def test_the_prefix_goes_before_links_not_into_text(linking_app):
    html = linking_app.test_client().get("/articles/eum/public-links", environ_overrides={"SCRIPT_NAME": PREFIX}).get_data(as_text=True)
    assert '<code>&lt;img src="/static/x.png"&gt;</code>' in html and '<code>&lt;a href="/articles/eum/golden-sentry"&gt;</code>' in html


def test_every_page_of_the_starter_content_keeps_its_links_under_the_prefix(starter_app):
    """A crawl of the shipped content served at /kb/: Markdown links written root-relative
    (``[…](/paths/…)``) get the prefix too, and every link answers."""
    pages, _ = crawl_under_prefix(starter_app.test_client(), skip=("/search?", "/people?", "/-/"))
    assert pages > 300


def test_the_slug_of_a_merged_article_redirects_to_the_article_it_became(starter_app):
    """The two SDAF articles became one; the old address (bookmarks, links elsewhere) still works."""
    client = starter_app.test_client()
    old, new = "eda/special-defense-acquisition-fund-and-stockpiles", "financing/special-defense-acquisition-fund"
    response = client.get(f"/articles/{old}")
    assert response.status_code == 301 and response.headers["Location"] == f"/articles/{new}"
    response = client.get(f"/api/articles/{old}")
    assert response.status_code == 301 and response.headers["Location"] == f"/api/articles/{new}"
    response = client.get(f"/articles/{old}", environ_overrides={"SCRIPT_NAME": PREFIX})
    assert response.headers["Location"] == f"{PREFIX}/articles/{new}"
    assert client.get(f"/articles/{old}", follow_redirects=True).status_code == 200
    assert client.get("/articles/eda/no-such-article").status_code == 404
