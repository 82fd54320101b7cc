"""Printed articles write each link's address after its text, in full (``static/css/print.css``).

CSS can print an attribute but not resolve it: ``attr(href)`` would print ``/articles/fms/loa``.
The ``print_links`` filter gives each link of a served body a ``data-print-url`` with the
absolute address (this request's host and prefix), which the print stylesheet writes out; no
script is involved. Links within the page (``#section``) get none.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

from flask import Flask, request
from markupsafe import Markup, escape

_LINK = re.compile(r'<a\b([^>]*?)\shref="([^"]*)"')


def absolute(href: str) -> str:
    """The address a link leads to, from the page this request serves."""
    return urljoin(request.base_url, href)


def print_links(fragment: str) -> Markup:
    """``fragment`` (sanitized HTML, e.g. after ``site_links``) with the full address on every link."""

    def with_address(match: re.Match[str]) -> str:
        href = html.unescape(match.group(2))
        if not href or href.startswith("#"):
            return match.group(0)
        return f'{match.group(0)} data-print-url="{escape(absolute(href))}"'

    return Markup(_LINK.sub(with_address, str(fragment)))  # noqa: S704 - adds one escaped attribute to sanitized HTML


def register(app: Flask) -> None:
    app.jinja_env.filters["print_links"] = print_links
