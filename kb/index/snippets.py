"""Result snippets: about 240 characters around the first match, with <mark> around matches.

Pure functions over text; the text is escaped piece by piece between matches, so the
marks are the only markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

SNIPPET_CHARS = 240
MIN_HIGHLIGHTED = 3  # shorter query words (and stems) are not marked in snippets: too many false marks


def match_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """Where a query word, or a word starting with one of its stems, stands in a text."""
    alternatives = sorted({w for w in words if len(w) >= MIN_HIGHLIGHTED}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, alternatives)) + r")\w*", re.IGNORECASE)


def snippet(text: str, near: re.Pattern[str]) -> str:
    """The window around the first match, HTML-escaped, marks around every match; "" without one."""
    first = near.search(text)
    if first is None:
        return ""
    start = max(0, text.rfind(" ", 0, max(0, first.start() - 60)) + 1)
    end = text.find(" ", start + SNIPPET_CHARS)
    end = len(text) if end < 0 else end
    window, parts, position = text[start:end], [], 0
    for match in near.finditer(window):
        parts += [html.escape(window[position : match.start()]), "<mark>", html.escape(match.group()), "</mark>"]
        position = match.end()
    parts.append(html.escape(window[position:]))
    return ("… " if start else "") + "".join(parts) + (" …" if end < len(text) else "")
