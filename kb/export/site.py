"""The pages of a bundle: the site's own views, rendered as the edition's reader and crawled.

Every page goes through the app (``test_client``) with the edition in the WSGI environ, so
access, wiki-link masking and markings are exactly the site's. The crawl starts at the reading
pages and every document the reader may see, and follows links to reading pages only; a second
pass makes every link a relative file path (``kb.export.links``).
"""

from __future__ import annotations

import posixpath
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
from flask import Flask, render_template
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from ..access import levels
from ..web.context import document_url
from ..web.exports import EDITION_KEY, Edition, page_file
from .links import static_page, stylesheet_assets

# The reading pages a bundle holds; everything else (search, history, forms, reports) stays on the site.
PAGE_ENDPOINTS = frozenset(
    {
        "pages.home", "pages.areas", "pages.area", "pages.article", "pages.person", "pages.glossary", "pages.accessibility",
        "people.people", "people.countries", "people.country", "people.regions", "people.region", "paths.index", "paths.path",
    }
)  # fmt: skip
FILE_ENDPOINTS = frozenset({"media.media"})
SEEDS = ("/", "/areas", "/paths", "/people", "/countries", "/regions", "/glossary", "/accessibility")
DOCUMENT_KINDS = ("area", "article", "person", "path")
SEARCH_PAGE = "search.html"


@dataclass
class Crawl:
    """What the first pass found: pages (bundle file -> site path), files, and redirects followed."""

    pages: dict[str, str] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    aliases: dict[str, str] = field(default_factory=dict)


class SiteExport:
    """Renders the reading pages of one edition (optionally of some areas only) into a folder."""

    def __init__(self, app: Flask, edition: Edition, areas: frozenset[str] | None = None) -> None:
        self.app = app
        self.edition = edition
        self.areas = areas
        self.client = app.test_client()
        self.adapter = app.url_map.bind("localhost")
        self.index = app.extensions["kb.index"]
        self.chosen_ids = {d.id for kind in ("area", "article") for d in self.documents(kind)}

    def documents(self, kind: str) -> list:
        """The documents of ``kind`` the edition's reader may see, in the chosen areas."""
        docs = self.index.find(levels(self.edition.reader), type=kind)
        if self.areas is not None and kind in ("area", "article"):
            docs = [d for d in docs if (d.id in self.areas if kind == "area" else set(d.areas) & self.areas)]
        return docs

    def _get(self, path: str):
        return self.client.get(path, environ_base={EDITION_KEY: self.edition})

    def endpoint(self, path: str) -> tuple[str | None, dict]:
        """The view a site path would reach, or None."""
        try:
            endpoint, args = self.adapter.match(unquote(path), method="GET")
        except (HTTPException, RequestRedirect):
            return None, {}
        return endpoint, args

    def wanted(self, path: str) -> bool:
        """A reading page of this bundle (an article or area outside the chosen areas is not)."""
        endpoint, args = self.endpoint(path)
        if endpoint not in PAGE_ENDPOINTS and endpoint not in FILE_ENDPOINTS:
            return False
        if self.areas is None or endpoint not in ("pages.area", "pages.article"):
            return True
        return args["doc_id"] in self.chosen_ids

    def seeds(self) -> list[str]:
        with self.app.test_request_context():
            documents = [document_url(kind, doc.id) for kind in DOCUMENT_KINDS for doc in self.documents(kind)]
        return [*SEEDS, *documents]

    def crawl(self, raw: Path) -> Crawl:
        """Pass one: fetch every reading page reachable from the seeds, raw, into ``raw``."""
        found = Crawl()
        queue, seen = list(self.seeds()), set()
        while queue:
            path = queue.pop()
            if path in seen or not self.wanted(path):
                continue
            seen.add(path)
            queue.extend(self._fetch(path, raw, found))
        return found

    def _fetch(self, path: str, raw: Path, found: Crawl) -> Iterator[str]:
        """Fetch one page or file into ``raw``; yields the site paths it links to."""
        response = self._get(path)
        if response.status_code in (HTTPStatus.MOVED_PERMANENTLY, HTTPStatus.FOUND, HTTPStatus.PERMANENT_REDIRECT):
            target = urlsplit(response.headers["Location"]).path
            found.aliases[path] = target
            yield target
            return
        if response.status_code != HTTPStatus.OK:
            return
        name = page_file(path)
        destination = raw / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(response.get_data())
        if self.endpoint(path)[0] in FILE_ENDPOINTS:
            found.files.add(name)
            return
        found.pages[name] = path
        yield from site_links(response.get_data(as_text=True))

    def resolver(self, found: Crawl):
        """Site URL (path, query) -> bundle file (with the query for search), or None: not in the bundle."""
        static = "/" + self.app.static_url_path.strip("/") + "/"
        static_folder = Path(self.app.static_folder or "static")

        def resolve(path: str, query: str) -> str | None:
            if path.startswith(static):
                name = path[len(static) :]
                return "static/" + name if (static_folder / name).is_file() else None
            if self.endpoint(path)[0] == "search.results":
                return SEARCH_PAGE + (f"?{query}" if query else "")
            for _ in range(5):
                path = found.aliases.get(path, path)
            name = page_file(unquote(path))
            return name if not query and (name in found.pages or name in found.files) else None

        return resolve

    def write(self, raw: Path, folder: Path, found: Crawl) -> None:
        """Pass two: every page with its links made relative, its files, and the static assets they use."""
        resolve = self.resolver(found)
        for name in sorted(found.pages):
            html = (raw / name).read_text(encoding="utf-8")
            _write(folder / name, static_page(html, name, resolve))
        for name in sorted(found.files):
            _write(folder / name, (raw / name).read_bytes())
        self._write_search_page(folder, resolve)
        copy_assets(folder, Path(self.app.static_folder or "static"))

    def _write_search_page(self, folder: Path, resolve) -> None:
        with self.app.test_request_context("/search", environ_base={EDITION_KEY: self.edition}):
            html = render_template("export/search.html")
        _write(folder / SEARCH_PAGE, static_page(html, SEARCH_PAGE, resolve))


def site_links(html: str) -> Iterator[str]:
    """The root-relative paths a page links to (no query: a filtered list is the site's, not the bundle's)."""
    for _, _, link, _ in lxml.html.document_fromstring(html).iterlinks():
        parts = urlsplit(link)
        if link.startswith("/") and not link.startswith("//") and not parts.query:
            yield parts.path


def copy_assets(folder: Path, static_folder: Path) -> None:
    """The static files pages use, and what their stylesheets use in turn (fonts, images)."""
    wanted = set(_used_static(folder))
    while wanted:
        name = wanted.pop()
        source = static_folder / name
        target = folder / "static" / name
        if target.exists() or not source.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        if name.endswith(".css"):
            beside = (
                posixpath.normpath(posixpath.join(posixpath.dirname(name), url)) for url in stylesheet_assets(source.read_text(encoding="utf-8"))
            )
            wanted.update(n for n in beside if not n.startswith(".."))


def _used_static(folder: Path) -> Iterator[str]:
    """The ``static/…`` files the bundle's pages link to."""
    for page in folder.rglob("*.html"):
        base = posixpath.dirname(str(page.relative_to(folder)))
        for _, _, link, _ in lxml.html.document_fromstring(page.read_bytes()).iterlinks():
            if "://" in link or link.startswith(("#", "mailto:", "tel:")):
                continue
            name = posixpath.normpath(posixpath.join(base, urlsplit(link).path))
            if name.startswith("static/"):
                yield name[len("static/") :]


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
