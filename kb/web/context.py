"""What every view needs: the index, the reader, the library and URLs of documents.

``g.reader`` is set once per request by ``identify_reader`` (a ``before_request``), and
``current_reader()`` is the only way views, search and pages learn who is reading. The
identification itself is ``app.extensions["kb.identify"]``: ``kb.accounts.identify``
(flask-login's user or the trusted proxy's, else anonymous), a hook tests may replace.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from flask import Flask, current_app, g, has_request_context, request, url_for
from markupsafe import Markup

from .. import kinds
from ..access import ANONYMOUS, Reader
from ..directory import Directory, people_results
from ..index import SearchIndex
from ..pages import Library, glossary_anchor
from ..places import Places, read_places
from ..render import STAFF_LINK_CLASS
from ..search import SearchPage, SearchRequest
from ..search import search as search_service

DOCUMENT_ENDPOINTS = {kind.name: kind.endpoint for kind in kinds.KINDS}


_STAFF_LINK = re.compile(r'<a\b[^>]*\bclass="' + STAFF_LINK_CLASS + r'"[^>]*>(.*?)</a>', re.DOTALL)
_ROOT_LINK = re.compile(r'(\b(?:href|src)=")/(?!/)')


def current_index() -> SearchIndex:
    return current_app.extensions["kb.index"]


def identify_reader() -> None:
    """Decide once per request who is reading (``before_request``)."""
    g.reader = current_app.extensions.get("kb.identify", lambda: ANONYMOUS)()


def current_reader() -> Reader:
    """The reader of this request; anonymous outside one, or before ``identify_reader`` ran."""
    return g.get("reader", ANONYMOUS)


def library() -> Library:
    return Library(current_index(), current_reader())


def run_search() -> SearchPage:
    """The search the request's query string asks for, as this reader (HTML page and API alike)."""
    cfg = current_app.config
    query = SearchRequest.from_args(request.args, int(cfg["PER_PAGE"]), int(cfg["MAX_QUERY_CHARS"]))
    people = directory()
    return search_service(current_index(), current_reader(), query, lambda *args: people_results(people, *args))


def directory() -> Directory:
    """The expertise directory for this request's reader, with the content folder's place table."""
    return Directory(current_index(), current_reader(), places())


def places() -> Places:
    """The place table, read from the content folder once per index generation."""
    return current_index().per_generation("places", lambda: read_places(current_app.config["CONTENT_DIR"]))


def document_url(kind: str, doc_id: str) -> str:
    """The page of any indexed document."""
    if kind == "glossary":
        return url_for(DOCUMENT_ENDPOINTS[kind]) + "#" + glossary_anchor(doc_id)
    return url_for(DOCUMENT_ENDPOINTS[kind], doc_id=doc_id)


def results_url(req: SearchRequest, page: int = 1, **changes: str) -> str:
    """The results page of ``req`` with ``q`` or facet values changed ("" removes one)."""
    args = {**dict(req.chosen), "q": req.q, **changes}
    return url_for("search.results", **{k: v for k, v in args.items() if v}, page=page if page > 1 else None)


def site_links(html: str) -> Markup:
    """Stored, sanitized HTML as this request serves it.

    Rendering happens once at index time and knows neither the URL prefix nor the reader:
    served under ``SCRIPT_NAME=/kb`` every root-relative link must start with ``/kb/``, and a
    reader who may not see staff-only articles gets the text of links to them, not the links.
    """
    if not current_reader().staff:
        html = _STAFF_LINK.sub(r"\1", html)
    root = request.script_root if has_request_context() else ""
    if root:
        html = _ROOT_LINK.sub(lambda m: m.group(1) + root + "/", html)
    return Markup(html)  # noqa: S704 - sanitized by kb.render at index time


def start_kb_command(app: Flask, *args: str) -> subprocess.Popen:
    """``flask kb ARGS`` in a process of its own (never a fork of a request thread), over this app's folders.

    Web workers use it for the writes only ``kb`` commands do: a rebuild, a sync after a push.
    """
    env = {**os.environ, **{f"KB_{name}": str(app.config[name]) for name in ("CONTENT_DIR", "INDEX_DIR")}, "KB_INSTANCE_DIR": app.instance_path}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "kb:create_app", "kb", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
