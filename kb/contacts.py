"""Contact data: email addresses and phone numbers, recognised as whole tokens only.

A person's text (the bio, the position …) may repeat what the ``email`` and ``phone`` fields
hold, or give other addresses and numbers. All of it is for signed-in staff only: the sync step
keeps it out of every indexed field and out of what anonymous readers get (``redact``,
``redact_html``), and a query naming an address or a number is searched as an exact phrase
(``kb.queries.quote_contacts``), so it finds nobody. Search logs drop it too (``kb.health.searchlog``).

Only whole tokens count, so a word with digits in it (``zqxhook1796667134``), a bare run of
digits, a stock number (``5340-01-123-4567``), a date (``2026-12-01``) or a ZIP+4 code stays
a word. Recognised:

* an email address: ``zoe.quillon@example.mil``;
* a phone number as people write one: international with ``+`` (``+1 703 555 0177``,
  ``+44 (0)20 7946 0958``, ``+17035550177``), North American (``(703) 555-0177``,
  ``703-555-0177``, ``703.555.0177``, ``703 555 0177``, DSN ``312-555-0100``) or local
  (``555-0177``), with an optional extension (``x123``, ``ext. 123``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

PLACEHOLDER = "[contact details]"

_SEP = r"[ .\-\u00a0]"
_SEVEN_DIGITS = r"(?=(?:[ .()\-\u00a0]{0,2}\d){7})"  # a phone number has seven digits or more
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_INTERNATIONAL = rf"\+{_SEVEN_DIGITS}\d{{1,3}}(?:{_SEP}?(?:\(\d{{1,4}}\){_SEP}?)?\d{{1,5}}){{1,5}}"
_NORTH_AMERICAN = rf"(?:\(\d{{3}}\){_SEP}?|\d{{3}}{_SEP})\d{{3}}{_SEP}\d{{4}}"
_LOCAL = r"\d{3}[ \-\u00a0]\d{4}"
_EXTENSION = rf"(?:{_SEP}?(?:x|ext\.?){_SEP}?\d{{1,6}})?"
CONTACT = re.compile(
    r"(?<![\w@+.\-])(?<!\d[ .\-\u00a0])"  # not inside a word, an address or a longer number
    rf"(?:{_EMAIL}|(?:{_INTERNATIONAL}|{_NORTH_AMERICAN}|{_LOCAL}){_EXTENSION})"
    r"(?!\w|[.\-]\w|[ \u00a0]\d)",  # nor followed by more of one
    re.IGNORECASE,
)
_AUTOLINKED_EMAIL = re.compile(rf"<(?:mailto:)?({_EMAIL})>", re.IGNORECASE)
# A tag of sanitized HTML (attribute values are quoted; ``<`` in text is escaped).
_TAG = re.compile(r"(<[^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*>)")


def redact(text: str, also: Iterable[str] = ()) -> str:
    """``text`` with its contact data, and each value of ``also`` (a person's own email, phone
    and location as written in the profile), replaced by ``PLACEHOLDER``."""
    for value in sorted({v for v in also if v}, key=len, reverse=True):
        text = text.replace(value, PLACEHOLDER)
    return CONTACT.sub(PLACEHOLDER, text)


def redact_markdown(text: str, also: Iterable[str] = ()) -> str:
    """``redact`` for Markdown source: an autolinked address (``<x@example.mil>``) loses its
    brackets with it, and the placeholder's brackets are escaped, so it never becomes a link."""
    text = redact(_AUTOLINKED_EMAIL.sub(r"\1", text), also)
    return text.replace(PLACEHOLDER, "\\" + PLACEHOLDER[:-1] + "\\]")


def redact_html(fragment: str, also: Iterable[str] = ()) -> str:
    """``redact`` for sanitized HTML (``kb.render``), in its text and its attributes (``mailto:``).

    Text is compared with its entities decoded, so ``&#64;`` or ``&nbsp;`` hide nothing.
    """
    parts = _TAG.split(fragment)
    for number, part in enumerate(parts):
        if number % 2:  # a tag
            parts[number] = redact(part, [html.escape(v) for v in also if v])
        elif (plain := html.unescape(part)) != (redacted := redact(plain, also)):
            parts[number] = html.escape(redacted, quote=False)
    return "".join(parts)
