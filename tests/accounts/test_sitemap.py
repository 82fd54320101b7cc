"""``/sitemap.xml``: every page the reader may see, as absolute URLs, staff-only ones only when signed in."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kb.repository.sync import sync
from kb.web import sitemap

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
STAFF_ONLY = "http://localhost/articles/eum/internal-checklist"


def urls(client, **kwargs) -> dict[str, str | None]:
    """The sitemap's ``loc`` -> ``lastmod``, after checking it is well-formed XML of the right type."""
    response = client.get("/sitemap.xml", **kwargs)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)  # noqa: S314 - our own sitemap
    assert root.tag == f"{SITEMAP}urlset"
    return {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root.iter(f"{SITEMAP}url")}


def test_lists_every_public_page_and_no_staff_only_one(client):
    listed = urls(client)
    for path in ("/", "/paths", "/glossary", "/people", "/articles/fms/letter-of-request", "/areas/eum", "/paths/new-to-sc", "/people/maria-delgado"):
        assert f"http://localhost{path}" in listed, path
    assert listed["http://localhost/articles/fms/letter-of-request"]  # lastmod: YYYY-MM-DD
    assert len(listed["http://localhost/articles/fms/letter-of-request"]) == 10
    assert "http://localhost/regions/SOUTHCOM" in listed  # a command a profile names
    assert STAFF_ONLY not in listed and not any("glossary#" in url for url in listed)


def test_signed_in_readers_see_staff_only_articles_too(client, auth):
    anonymous = urls(client)
    auth.login()
    signed_in = urls(client)
    assert set(signed_in) - set(anonymous) == {STAFF_ONLY}


def test_cached_like_the_other_pages(client, auth):
    response = client.get("/sitemap.xml")
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
    assert "Cookie" in response.headers["Vary"]
    assert client.get("/sitemap.xml", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    auth.login()
    assert client.get("/sitemap.xml").headers["Cache-Control"] == "private, no-store"


def test_urls_under_a_prefix(client):
    listed = urls(client, environ_overrides={"SCRIPT_NAME": "/kb"})
    assert "http://localhost/kb/articles/fms/letter-of-request" in listed
    assert all(url.startswith("http://localhost/kb/") for url in listed)


@pytest.mark.parametrize("settings", [{"REQUIRE_LOGIN": 1}])
def test_closed_like_every_page_when_sign_in_is_required(client, auth, settings):
    response = client.get("/sitemap.xml")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    auth.login()
    assert STAFF_ONLY in urls(client)


def test_built_once_per_index_generation(client, content_dir, index, monkeypatch):
    built, build = [], sitemap._entries

    def counted():
        built.append(1)
        return build()

    monkeypatch.setattr(sitemap, "_entries", counted)
    first = urls(client)
    assert urls(client) == first and len(built) == 1
    (content_dir / "articles/fms/new-article.md").write_text("---\ntitle: New article\n---\nNew.\n")
    sync(content_dir, index)
    assert "http://localhost/articles/fms/new-article" in urls(client) and len(built) == 2
