"""``/media/<name>``: images and attachments of the content folder, served as the articles that use them allow."""

from __future__ import annotations

import os

import pytest

from kb.access import Reader
from kb.config import SettingError
from kb.index import SearchIndex
from kb.repository.sync import sync

from ..conftest import SAMPLE, close_app, make_app, write_tree

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24
GIF = b"GIF89a" + b"\x00" * 24
WEBP = b"RIFF\x18\x00\x00\x00WEBPVP8 " + b"\x00" * 16
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
STAFF = Reader(name="staff", staff=True)

MEDIA = {
    "media/fms/chart.png": PNG,
    "media/fms/photo.jpg": JPEG,
    "media/fms/anim.gif": GIF,
    "media/fms/pic.webp": WEBP,
    "media/fms/form.pdf": PDF,
    "media/fms/fake.png": HTML,
    "media/fms/logo.svg": SVG,
    "media/fms/unused.png": PNG,
    "media/eum/secret-map.png": PNG,
    "articles/fms/charts.md": """
        ---
        title: Case charts
        summary: The charts of a case.
        ---
        ![Process chart](/media/fms/chart.png) ![Photo](media/fms/photo.jpg) ![Anim](../../media/fms/anim.gif)
        ![Picture](/media/fms/pic.webp) ![Fake](/media/fms/fake.png) ![Logo](/media/fms/logo.svg)
        ![Linked](/media/fms/linked.png)

        Fill in [the request form](../../media/fms/form.pdf).
        """,
    "articles/eum/secret-sites.md": """
        ---
        title: Secret sites
        summary: Where the monitored articles are.
        access: staff
        ---
        ![Map of the sites](/media/eum/secret-map.png)
        """,
}
SERVED = [
    ("fms/chart.png", "image/png"),
    ("fms/photo.jpg", "image/jpeg"),
    ("fms/anim.gif", "image/gif"),
    ("fms/pic.webp", "image/webp"),
    ("fms/form.pdf", "application/pdf"),
]


@pytest.fixture
def media_site(tmp_path):
    """The sample content with media files, one of them a symlink to a file outside the folder."""
    content = write_tree(tmp_path / "content", {**SAMPLE, **MEDIA})
    (tmp_path / "outside.png").write_bytes(PNG)
    os.symlink(tmp_path / "outside.png", content / "media" / "fms" / "linked.png")
    index = SearchIndex(tmp_path / "index")
    sync(content, index)
    index.close()
    return content, tmp_path


def _app(media_site, **settings):
    content, tmp_path = media_site
    return make_app(content, tmp_path / "index", tmp_path / "instance", **settings)


@pytest.fixture
def media_app(media_site):
    app = _app(media_site)
    yield app
    close_app(app)


@pytest.mark.parametrize(("name", "content_type"), SERVED)
def test_media_served_with_the_sniffed_type_nosniff_and_a_long_lifetime(media_app, name, content_type):
    response = media_app.test_client().get(f"/media/{name}")
    assert response.status_code == 200
    assert response.content_type == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=2592000"
    assert response.get_data() == MEDIA[f"media/{name}"]
    disposition = response.headers.get("Content-Disposition")
    assert disposition == ("attachment; filename=form.pdf" if name.endswith(".pdf") else None)


def test_public_media_answers_not_modified_to_its_etag(media_app):
    client = media_app.test_client()
    etag = client.get("/media/fms/chart.png").headers["ETag"]
    assert client.get("/media/fms/chart.png", headers={"If-None-Match": etag}).status_code == 304


def test_article_shows_its_images_and_links_its_attachments(media_app):
    page = media_app.test_client().get("/articles/fms/charts").get_data(as_text=True)
    assert '<img alt="Process chart" src="/media/fms/chart.png">' in page
    assert '<img alt="Photo" src="/media/fms/photo.jpg">' in page  # media/... from the folder's root
    assert '<img alt="Anim" src="/media/fms/anim.gif">' in page  # ../../media/... relative to the file
    assert 'href="/media/fms/form.pdf"' in page


def test_staff_only_image_is_404_to_anonymous_readers_and_private_to_staff(media_app):
    client = media_app.test_client()
    assert client.get("/media/eum/secret-map.png").status_code == 404
    assert client.get("/media/fms/unused.png").status_code == 404  # no public document uses it
    media_app.extensions["kb.identify"] = lambda: STAFF
    for name in ("eum/secret-map.png", "fms/unused.png"):
        response = client.get(f"/media/{name}")
        assert response.status_code == 200 and response.content_type == "image/png"
        assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "url",
    [
        "/media/../articles/fms/letter-of-request.md",
        "/media/fms/%2e%2e/%2e%2e/articles/fms/letter-of-request.md",
        "/media/fms/..%2f..%2farticles/fms/letter-of-request.md",
        "/media/fms/chart.png%00.txt",
        "/media/fms/ch%C3%A4rt.png",
        "/media/fms/ch\u0430rt.png",  # a Cyrillic a
        "/media/fms/.hidden.png",
        "/media/fms\\chart.png",
        "/media//etc/passwd",
        "/media/" + "a" * 300 + ".png",
        "/media/fms/linked.png",  # a symlink to a file outside the folder
        "/media/fms/missing.png",
        "/media/",
    ],
)
def test_traversal_hostile_names_and_symlinks_are_404(media_app, url):
    media_app.extensions["kb.identify"] = lambda: STAFF  # not even staff readers
    response = media_app.test_client().get(url, follow_redirects=True)  # "//" is redirected to "/" first
    assert response.status_code == 404
    assert response.content_type.startswith("text/html") and b"Page not found" in response.get_data()


@pytest.mark.parametrize("name", ["fms/fake.png", "fms/logo.svg"])
def test_html_named_png_and_svg_are_never_served(media_app, name):
    """An HTML page named .png (or an SVG with a script) would run in the site's origin: 404."""
    client = media_app.test_client()
    for staff in (False, True):
        if staff:
            media_app.extensions["kb.identify"] = lambda: STAFF
        response = client.get(f"/media/{name}")
        assert response.status_code == 404 and response.content_type.startswith("text/html")
        assert b"alert(1)" not in response.get_data()


def test_media_types_and_size_limit_are_settings(media_site):
    app = _app(media_site, MEDIA_TYPES="png, jpeg", MEDIA_MAX_BYTES=len(PNG))
    try:
        client = app.test_client()
        assert client.get("/media/fms/chart.png").status_code == 200
        assert client.get("/media/fms/form.pdf").status_code == 404  # not an allowed type
        assert client.get("/media/fms/photo.jpg").status_code == 200
    finally:
        close_app(app)
    app = _app(media_site, MEDIA_MAX_BYTES=len(PNG) - 1)
    try:
        assert app.test_client().get("/media/fms/chart.png").status_code == 404  # over the limit
        assert app.test_client().get("/media/fms/form.pdf").status_code == 200
    finally:
        close_app(app)


def test_svg_cannot_be_allowed(media_site):
    with pytest.raises(SettingError, match="KB_MEDIA_TYPES"):
        _app(media_site, MEDIA_TYPES="png, svg")
