"""Atom feeds of recently changed articles (site-wide and per area), built with feedgen."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

from ..index import Doc

FEED_SIZE = 20
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML may not hold: a title's control character (a YAML ``"\\v"``)
    made lxml refuse the whole feed (a 500)."""
    return _NOT_XML.sub("", text)


@dataclass(frozen=True)
class FeedEntry:
    id: str  # the article's absolute URL
    title: str
    url: str
    summary: str
    updated: dt.datetime  # UTC
    author: str | None


def entries_for(docs: Iterable[Doc], url_of) -> list[FeedEntry]:
    """Feed entries for stored article documents, newest first; ``url_of(slug)`` gives absolute URLs."""
    entries = []
    for doc in docs:
        updated = doc.updated or dt.datetime(1970, 1, 1)
        url = url_of(doc.id)
        entries.append(FeedEntry(url, doc.title, url, doc.summary, updated.replace(tzinfo=dt.UTC), doc.page.git.get("author")))
    return sorted(entries, key=lambda e: e.updated, reverse=True)


def atom(title: str, feed_url: str, site_url: str, entries: list[FeedEntry]) -> bytes:
    """The Atom document (UTF-8 bytes). ``updated`` is the newest entry's time."""
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(xml_text(title))
    fg.link(href=site_url, rel="alternate")
    fg.link(href=feed_url, rel="self")
    fg.updated(entries[0].updated if entries else dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    for item in reversed(entries):  # feedgen puts each new entry first
        entry = fg.add_entry()
        entry.id(item.id)
        entry.title(xml_text(item.title))
        entry.link(href=item.url, rel="alternate")
        entry.updated(item.updated)
        if item.summary:
            entry.summary(xml_text(item.summary))
        if item.author:
            entry.author(name=xml_text(item.author))
    return fg.atom_str(pretty=True)
