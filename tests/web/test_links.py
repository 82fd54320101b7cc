"""Links inside stored pages as each request serves them: under a URL prefix, and for readers
who may not see the staff-only articles a public page links to."""

from __future__ import annotations

import pytest

from kb.access import Reader
from kb.render import STAFF_LINK_CLASS

from .test_prefix import PREFIX, crawl_under_prefix

STAFF = Reader(name="staff", staff=True, role="reader")


@pytest.fixture
def as_staff(starter_app):
    starter_app.extensions["kb.identify"] = lambda: STAFF
    yield starter_app.test_client()
    starter_app.extensions.pop("kb.identify", None)


def test_anonymous_readers_get_the_text_of_links_to_staff_only_articles(starter_app):
    html = starter_app.test_client().get("/articles/fms/annual-case-review").get_data(as_text=True)
    assert "financing/case-financial-review-checklist" not in html and STAFF_LINK_CLASS not in html
    html = starter_app.test_client().get("/articles/training/international-military-student-office").get_data(as_text=True)
    assert "pre-departure checklist" in html and "training/student-pre-departure-checklist" not in html


def test_signed_in_readers_get_the_links(as_staff):
    html = as_staff.get("/articles/training/international-military-student-office").get_data(as_text=True)
    assert 'href="/articles/training/student-pre-departure-checklist"' in html


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
