"""Security headers on every response, no inline code, reflected input escaped, no path traversal."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser

import pytest

from kb.access import Reader
from kb.web.security import content_security_policy

from ..conftest import SAMPLE, close_app, make_app, write_tree
from . import test_health

broken_app = test_health.broken_app  # the fixture: the sample site after an index that found a broken staff-only file

CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

RESPONSES = [
    ("/", 200),
    ("/search?q=LOA", 200),
    ("/articles/fms/letter-of-request", 200),
    ("/glossary", 200),
    ("/accessibility", 200),
    ("/api/search?q=loa", 200),
    ("/api/suggest?q=le", 200),
    ("/healthz", 200),
    ("/api/articles/fms/letter-of-request", 200),
    ("/api/articles/nope", 404),
    ("/nope", 404),
    ("/articles/no/such", 404),
    ("/static/css/kb.css", 200),
    ("/static/js/kb.js", 200),
    ("/static/nope.css", 404),
    ("/search", 200),
]


@pytest.mark.parametrize("url, status", RESPONSES)
def test_security_headers_on_every_response(site_client, url, status):
    response = site_client.get(url)
    response.close()
    assert response.status_code == status
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"


def test_headers_on_server_errors_and_unavailable_index(tmp_path):
    app = make_app(write_tree(tmp_path / "content", SAMPLE), tmp_path / "no-index", tmp_path / "instance")
    app.config["TESTING"] = False  # the bug is answered by the 500 page, as in production, instead of raised

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    try:
        for url, status, shown in (("/boom", 500, "Something went wrong"), ("/", 503, "being built"), ("/healthz", 503, "no search index")):
            response = app.test_client().get(url)
            assert response.status_code == status and shown in response.get_data(as_text=True), url
            assert response.headers["Content-Security-Policy"] == CSP, url
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        close_app(app)


def test_frame_ancestors_is_configurable(tmp_path, index, content_dir):
    app = make_app(content_dir, index.directory, tmp_path / "instance", FRAME_ANCESTORS="'self' https://portal.example.mil")
    try:
        policy = app.test_client().get("/").headers["Content-Security-Policy"]
    finally:
        close_app(app)
    assert policy.endswith("frame-ancestors 'self' https://portal.example.mil")
    assert content_security_policy("") == CSP


def test_frame_ancestors_from_the_environment(tmp_path, index, content_dir, monkeypatch):
    monkeypatch.setenv("KB_FRAME_ANCESTORS", "'self'")
    app = make_app(content_dir, index.directory, tmp_path / "instance")
    try:
        assert app.test_client().get("/").headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    finally:
        close_app(app)


@pytest.mark.parametrize("url", ["/", "/api/search?q=loa", "/nope"])
def test_no_server_timing_unless_a_setting_asks(site_client, url):
    """Per-request timings help timing attacks: not sent by default."""
    response = site_client.get(url)
    assert response.status_code in (200, 404) and "Server-Timing" not in response.headers


def test_server_timing_when_a_setting_asks(tmp_path, index, content_dir):
    app = make_app(content_dir, index.directory, tmp_path / "instance", SERVER_TIMING="on")
    try:
        header = app.test_client().get("/api/search?q=loa").headers["Server-Timing"]
    finally:
        close_app(app)
    assert re.fullmatch(r"app;dur=\d+\.\d\d", header)


def test_no_node_header_unless_a_server_is_named(site_client):
    """One server alone says nothing about itself."""
    response = site_client.get("/")
    assert response.status_code == 200 and "X-KB-Node" not in response.headers


def test_a_named_server_says_which_one_answered(tmp_path, index, content_dir):
    """Behind a load balancer, KB_NODE_NAME tells which server answered (the cluster test counts on it)."""
    app = make_app(content_dir, index.directory, tmp_path / "instance", NODE_NAME="kb2")
    try:
        client = app.test_client()
        answers = [client.get(url) for url in ("/", "/api/search?q=loa", "/healthz", "/nope")]
    finally:
        close_app(app)
    assert [(r.status_code, r.headers["X-KB-Node"]) for r in answers] == [(200, "kb2"), (200, "kb2"), (200, "kb2"), (404, "kb2")]


class Inline(HTMLParser):
    """Collects what the CSP would block: inline scripts, style elements and attributes, event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self._in_script = True
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name == "style" or name.startswith("on")]


@pytest.mark.parametrize(
    "url, shown",
    [
        ("/", "Golden Sentry program</a>"),
        ("/search?q=loa", "5 results for “loa”"),
        ("/search?q=case", "results for “case”"),
        ("/articles/fms/letter-of-request", "What it contains"),
        ("/areas/fms", "FMS overview"),
        ("/people/maria-delgado", "Country Program Director"),
        ("/paths/new-to-sc", "How cases start."),
        ("/glossary", "Transportation Control Number"),
        ("/accessibility", "Accessibility"),
        ("/nope", "Page not found"),
    ],
)
def test_pages_have_no_inline_script_or_style(site_client, url, shown):
    html = site_client.get(url).get_data(as_text=True)
    parser = Inline()
    parser.feed(html)
    assert shown in html and parser.found == []


def test_tables_align_without_inline_styles(tmp_path):
    from kb.render import render_markdown

    html = render_markdown("| a | b |\n|:-|-:|\n| 1 | 2 |", source_path="articles/x.md", resolve=lambda slug: None).html
    assert 'align="left"' in html and 'align="right"' in html and "style" not in html


# -- path traversal ---------------------------------------------------------------------------------

TRAVERSALS = [
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd",
    "..%252f..%252fetc%252fpasswd",
    "....//....//etc/passwd",
    "..\\..\\etc\\passwd",
    "%2e%2e/%2e%2e/etc/passwd",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "fms/../../../../etc/passwd",
    "..%c0%af..%c0%afetc%c0%afpasswd",
    "%00../../etc/passwd",
    "fms/letter-of-request%00.md",
    "..;/..;/etc/passwd",
]
PREFIXES = ["/articles/", "/api/articles/", "/areas/", "/people/", "/paths/", "/static/", "/"]


@pytest.mark.parametrize("slug", TRAVERSALS)
def test_traversal_slugs_never_read_outside(site_client, slug):
    for prefix in PREFIXES:
        response = site_client.get(prefix + slug)
        body = response.get_data()
        response.close()
        assert response.status_code in (400, 404, 308), (prefix + slug, response.status_code)
        assert b"root:x:0:0" not in body and b"/bin/bash" not in body, prefix + slug


def test_symlink_out_of_the_content_folder_is_never_served(tmp_path):
    from kb.index import SearchIndex
    from kb.repository.sync import sync

    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "secret.md").write_text("---\ntitle: Outside secret\n---\nPlatypus password hunter2.\n")
    content = write_tree(tmp_path / "content", SAMPLE)
    os.symlink(secret / "secret.md", content / "articles" / "fms" / "secret.md")
    os.symlink(secret, content / "articles" / "linked")
    index = SearchIndex(tmp_path / "index")
    report = sync(content, index)
    index.close()
    assert any("secret" in p.path or "linked" in p.path for p in report.problems)
    app = make_app(content, tmp_path / "index", tmp_path / "instance")
    try:
        client = app.test_client()
        for url in ("/articles/fms/secret", "/api/articles/fms/secret", "/articles/linked/secret", "/api/articles/linked/secret"):
            response = client.get(url)
            assert response.status_code == 404 and b"Page not found" in response.get_data(), url
            assert b"hunter2" not in response.get_data()
        assert client.get("/api/search?q=letter").get_json()["total"] > 0  # the content inside is found
        for word in ("platypus", "hunter2", "outside"):
            assert client.get(f"/api/search?q={word}").get_json()["total"] == 0
            assert client.get(f"/api/suggest?q={word}").get_json() == []
    finally:
        close_app(app)


PUBLIC_PAGES = [
    "/",
    "/search?q=kumquat",
    "/search?q=escrow+plans",
    "/api/search?q=kumquat",
    "/api/suggest?q=kumq",
    "/areas/eum",
    "/healthz",
    "/sitemap.xml",
    "/feed.atom",
]
STAFF_WORDS = ("kumquat", "escrow", "velvetword", "content file")  # the broken staff-only file's path, title and key; the banner


def test_content_errors_are_told_to_editors_and_never_shown_to_readers(broken_app):
    """A staff-only file with broken frontmatter: editors and admins see a banner linking to the list
    (file, line, what is wrong in plain words); readers see neither, nor its path or words anywhere."""
    client = broken_app.test_client()
    for role in ("editor", "admin"):
        broken_app.extensions["kb.identify"] = lambda role=role: Reader(name="Ed", staff=True, role=role)
        home = client.get("/").get_data(as_text=True)
        assert '<a class="usa-link" href="/reports/content-errors">1 content file has errors</a>' in home
        listing = client.get("/reports/content-errors")
        assert listing.status_code == 200 and listing.headers["Cache-Control"] == "private, no-store"
        text = " ".join(listing.get_data(as_text=True).split())
        assert "<td><code>articles/eum/kumquat-escrow.md</code></td><td>2</td>" in text
        assert "invalid YAML frontmatter: a quoted value is never closed" in text
    broken_app.extensions["kb.identify"] = lambda: Reader(name="Sam", staff=True, role="reader")
    assert "content file" not in client.get("/").get_data(as_text=True)
    assert client.get("/reports/content-errors").status_code == 404
    broken_app.extensions.pop("kb.identify")
    assert client.get("/reports/content-errors").status_code == 404
    for url in PUBLIC_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True).lower()
        assert [word for word in STAFF_WORDS if word in text and word not in url] == [], url
