"""Result snippets: about 240 characters around the first match, with <mark> around matches.

Pure functions over text; the text is escaped piece by piece between matches, so the
marks are the only markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from whoosh.support.charset import accent_map

SNIPPET_CHARS = 240
MIN_HIGHLIGHTED = 3  # shorter query words (and stems) are not marked in snippets: too many false marks


def fold(text: str) -> str:
    """``text`` with accents folded as the analyzer folds them, letter for letter: every folded
    letter is one letter, so a match's offsets in the folded text are its offsets in ``text``."""
    return text.translate(accent_map)


def match_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """Where a query word, or a word starting with one of its stems, stands in a folded text
    (``kone`` and ``koné`` both match "Koné" once folded)."""
    alternatives = sorted({fold(w) for w in words if len(w) >= MIN_HIGHLIGHTED}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, alternatives)) + r")\w*", re.IGNORECASE)


def snippet(text: str, near: re.Pattern[str]) -> str:
    """The window around the first match, HTML-escaped, marks around every match (found in the
    folded text, marked in the text as written); "" without one."""
    folded = fold(text)
    first = near.search(folded)
    if first is None:
        return ""
    start = max(0, text.rfind(" ", 0, max(0, first.start() - 60)) + 1)
    end = text.find(" ", start + SNIPPET_CHARS)
    end = len(text) if end < 0 else end
    parts, position = [], start
    for match in near.finditer(folded, start, end):
        parts += [html.escape(text[position : match.start()]), "<mark>", html.escape(text[match.start() : match.end()]), "</mark>"]
        position = match.end()
    parts.append(html.escape(text[position:end]))
    return ("… " if start else "") + "".join(parts) + (" …" if end < len(text) else "")
