"""New articles: a safe slug from what the user typed, and the file a kind's template starts with (pure).

A slug names a file in the content repository, so only lower-case ASCII letters, digits and
single hyphens pass: no ``/``, ``..``, NUL, control characters, Unicode look-alikes (a Cyrillic
``а`` for a Latin ``a``) or overlong names. A title is turned into such a slug; a slug the user
typed is refused, with the reason, when it is not one already.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .frontmatter import dump

MAX_SLUG_CHARS = 80
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
REVIEW_AFTER_DAYS = 365  # a new article is due for review a year after it is written


class SlugError(ValueError):
    """The slug cannot name a file; the message says why, for the form."""


def check_slug(slug: str) -> str:
    """``slug`` when it is safe as a file name, else ``SlugError`` with the reason."""
    if not slug:
        raise SlugError("Enter a short name for the address, such as 'letter-of-request'.")
    if len(slug) > MAX_SLUG_CHARS:
        raise SlugError(f"The short name is longer than {MAX_SLUG_CHARS} characters.")
    if not slug.isascii() or not slug.isprintable():
        raise SlugError("The short name may only use the letters a-z, digits and hyphens (no accents, look-alike letters or control characters).")
    if not _SLUG.fullmatch(slug):
        raise SlugError("The short name may only use the letters a-z, digits and single hyphens between them (no '/', '.', spaces or capitals).")
    return slug


def slug_from_title(title: str) -> str:
    """A slug suggested for a title: accents dropped, other characters turned into hyphens, cut to the limit."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", ascii_title.lower()).strip("-")[:MAX_SLUG_CHARS].rstrip("-")


def article_path(area: str, slug: str) -> str:
    """The new article's file, in its area's folder: ``articles/<area>/<slug>.md``."""
    return f"articles/{check_slug(area)}/{check_slug(slug)}.md"


def article_template(title: str, summary: str, area: str, today: dt.date) -> str:
    """A new article's file: the frontmatter the checker requires, and headings to write under."""
    review_by = today + dt.timedelta(days=REVIEW_AFTER_DAYS)
    front = dump("title", title) + (dump("summary", summary) if summary else "") + dump("areas", [area]) + dump("review_by", review_by)
    return f"---\n{front}---\n## Overview\n\nWrite what a newcomer needs to know first.\n\n## Steps\n\n1. \n"
