"""A rendered page made static: forms gone (but the bundle's own search), every link a relative file path or gone.

Links to pages the bundle holds become relative paths (``../articles/fms/loa.html``) that work
from ``file://``; links to the site's other pages (history, sign-in, editing, feedback) are
removed, keeping their text inside an article and dropping controls elsewhere; a resource
(image, script, stylesheet) from any server is dropped, so opening a page asks no server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import lxml.html

from ..web.exports import relative_link

Resolve = Callable[[str, str], "str | None"]  # (site path, query) -> bundle file, or None

_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+?)['"]?\s*\)""")
_LOCAL_SCHEMES = ("#", "mailto:", "tel:", "data:")
_TEXT_KEEPING = "kb-body"  # inside an article's column a dropped link keeps its text


def static_page(html: str, bundle_file: str, resolve: Resolve) -> bytes:
    """The page as the bundle holds it (UTF-8 HTML)."""
    tree = lxml.html.document_fromstring(html)
    for form in tree.xpath("//form[not(contains(concat(' ', @class, ' '), ' kb-offline-search '))]"):  # the bundle's own search stays
        form.drop_tree()
    for element in tree.xpath("//*[@data-print-url]"):  # the site's address of a link, for print: not the copy's
        del element.attrib["data-print-url"]
    for element in tree.xpath("//*[@href or @src]"):
        attribute = "href" if element.get("href") is not None else "src"
        link = relinked(element.get(attribute), element.tag, bundle_file, resolve)
        if link is not None:
            element.set(attribute, link)
        elif element.tag == "a":
            _drop_link(element)
        else:
            element.drop_tree()
    return lxml.html.tostring(tree, doctype="<!DOCTYPE html>", encoding="utf-8")


def relinked(link: str, tag: str, bundle_file: str, resolve: Resolve) -> str | None:
    """``link`` as the bundle writes it, or None when the bundle has no such page or file."""
    if link.startswith(_LOCAL_SCHEMES) or link == "":
        return link
    parts = urlsplit(link)
    if parts.scheme or link.startswith("//"):
        return link if tag == "a" else None  # a link out of the copy is followed only when clicked
    if not link.startswith("/"):
        return link
    target = resolve(parts.path, parts.query)
    if target is None:
        return None
    path, _, query = target.partition("?")
    relative = quote(relative_link(bundle_file, path))
    return relative + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _drop_link(link) -> None:
    """A link to a page the bundle lacks: its text stays inside an article, else it goes (and so
    does a list item or paragraph it leaves empty)."""
    if link.xpath(f"ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' {_TEXT_KEEPING} ')]"):
        link.drop_tag()
        return
    parent = link.getparent()
    link.drop_tree()
    if parent is not None and parent.tag in ("li", "p", "dd") and not len(parent) and not (parent.text or "").strip():
        parent.drop_tree()


def stylesheet_assets(css: str) -> list[str]:
    """The relative files a stylesheet uses (``url(../fonts/x.woff2)``), without query or fragment."""
    found = []
    for url in _CSS_URL.findall(css):
        if url.startswith(("data:", "#", "/")) or "://" in url:
            continue
        found.append(urlsplit(url).path)
    return found
