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
import threading
from urllib.parse import unquote

from flask import Flask, current_app, g, has_request_context, request, url_for
from markupsafe import Markup

from .. import kinds
from ..access import ANONYMOUS, Reader
from ..directory import Directory
from ..index import SearchIndex
from ..pages.library import Library, glossary_anchor
from ..places import Places, places_from_rows
from ..queries import SORTS, SearchRequest
from ..render import ARTICLE_URL
from ..search import SearchPage
from ..search import search as search_service

DOCUMENT_ENDPOINTS = {kind.name: kind.endpoint for kind in kinds.KINDS}


# A link to an article's pages in stored HTML, root-relative or with any host: (slug and the rest
# of its path, the link's inner HTML).
_ARTICLE_LINK = re.compile(r'<a\b[^>]*?\bhref="(?:(?:https?:)?//[^/"]*)?' + ARTICLE_URL + r'([^"#?]*)[^"]*"[^>]*>(.*?)</a>', re.DOTALL)
# A root-relative link or image address inside a tag (text never holds a tag: "<" is escaped).
_ROOT_LINK = re.compile(r'(<(?:a|img)\b[^>]*?\b(?:href|src)=")/(?!/)')


def current_index() -> SearchIndex:
    return current_app.extensions["kb.index"]


def look_at_index_once() -> None:
    """A request checks the index for changes once and sees one state of it (``before_request``)."""
    current_index().look(True)


def end_index_look(_error: BaseException | None = None) -> None:
    """After the request, this worker thread's index calls check for changes again (``teardown_request``)."""
    current_index().look(False)


def identify_reader() -> None:
    """Decide once per request who is reading (``before_request``): an export's pages are read by its edition's reader."""
    edition = request.environ.get("kb.export.edition")  # kb.web.exports.EDITION_KEY: only code in this process sets it
    g.reader = edition.reader if edition is not None else current_app.extensions.get("kb.identify", lambda: ANONYMOUS)()


def current_reader() -> Reader:
    """The reader of this request; anonymous outside one, or before ``identify_reader`` ran."""
    return g.get("reader", ANONYMOUS)


def library() -> Library:
    return Library(current_index(), current_reader())


def run_search() -> SearchPage:
    """The search the request's query string asks for, as this reader (HTML page and API alike)."""
    cfg = current_app.config
    query = SearchRequest.from_args(request.args, cfg["PER_PAGE"], cfg["MAX_QUERY_CHARS"])
    return search_service(current_index(), current_reader(), query, directory())


def directory() -> Directory:
    """The expertise directory for this request's reader, with the content folder's place table."""
    return Directory(current_index(), current_reader(), places())


def places() -> Places:
    """The place table stored with the index (``regions.yml`` as last indexed), once per generation."""
    index = current_index()
    return index.per_generation("places", lambda: places_from_rows(index.table("regions")))


def document_url(kind: str, doc_id: str) -> str:
    """The page of any indexed document."""
    if kind == "glossary":
        return url_for(DOCUMENT_ENDPOINTS[kind]) + "#" + glossary_anchor(doc_id)
    return url_for(DOCUMENT_ENDPOINTS[kind], doc_id=doc_id)


def results_url(req: SearchRequest, page: int = 1, **changes: str) -> str:
    """The results page of ``req`` with ``q``, ``sort`` or a facet's values changed ("" removes a
    facet, or sorts by relevance); a facet chosen more than once keeps all its values."""
    args: dict[str, str | list[str]] = {}
    for name, value in req.chosen:
        args.setdefault(name, []).append(value)
    args["q"] = req.q
    args["sort"] = req.sort if req.sort != SORTS[0] else ""
    if req.exact and "q" not in changes:  # the reader chose the words as typed: pages and filters keep them
        args["exact"] = "1"
    args.update(changes)
    return url_for("search.results", **{k: v for k, v in args.items() if v}, page=page if page > 1 else None)


def staff_slugs() -> frozenset[str]:
    """The slugs of the staff-only articles, earlier ones (``redirect_from``) included: once per index generation."""
    index = current_index()

    def build() -> frozenset[str]:
        return frozenset(slug for doc in index.find(("staff",), type="article") for slug in (doc.id, *doc.values.get("moved_from", ())))

    return index.per_generation("staff-slugs", build)


def site_links(html: str) -> Markup:
    """Stored, sanitized HTML as this request serves it.

    Rendering happens once at index time and knows neither the URL prefix nor the reader:
    served under ``SCRIPT_NAME=/kb`` every root-relative link must start with ``/kb/``, and a
    reader who may not see staff-only articles gets the text of links to them, not the links.
    """
    if not current_reader().staff and ARTICLE_URL in html:
        hidden = staff_slugs()
        html = _ARTICLE_LINK.sub(lambda m: m.group(2) if _slug_of(m.group(1)) in hidden else m.group(0), html)
    root = request.script_root if has_request_context() else ""
    if root:
        html = _ROOT_LINK.sub(lambda m: m.group(1) + root + "/", html)
    return Markup(html)  # noqa: S704 - sanitized by kb.render at index time


def _slug_of(path: str) -> str:
    """The article of a path below ``/articles/``: ``fms/x``, ``fms/x/-/history`` and ``fms/x.md`` name ``fms/x``."""
    return unquote(path).split("/-/")[0].strip("/").removesuffix(".md")


def start_kb_command(app: Flask, *args: str, lock_fd: int | None = None) -> subprocess.Popen:
    """``flask kb ARGS`` in a process of its own (never a fork of a request thread), over this app's folders.

    Web workers use it for the writes only ``kb`` commands do: a rebuild, a sync after a push.
    ``lock_fd``, a lock ``kb.locks.claim`` took for the command, is handed to it (``--lock-fd``)
    and closed here. A thread waits for the process, so a finished one leaves no zombie behind.
    """
    env = {**os.environ, **{f"KB_{name}": str(app.config[name]) for name in ("CONTENT_DIR", "INDEX_DIR")}, "KB_INSTANCE_DIR": app.instance_path}
    handed = ("--lock-fd", str(lock_fd)) if lock_fd is not None else ()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "kb:create_app", "kb", *args, *handed],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
            pass_fds=(lock_fd,) if lock_fd is not None else (),
        )
    finally:
        if lock_fd is not None:
            os.close(lock_fd)  # the process holds the lock now (or, if it did not start, nobody does)
    threading.Thread(target=process.wait, name="kb-reaper", daemon=True).start()
    return process
