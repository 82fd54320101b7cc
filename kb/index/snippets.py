"""Result snippets: about 240 characters around the first match, with <mark> around matches.

Pure functions over text; the text is escaped piece by piece between matches, so the
marks are the only markup.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterable

from whoosh.support.charset import accent_map

SNIPPET_CHARS = 240
MIN_HIGHLIGHTED = 3  # shorter query words (and stems) are not marked in snippets: too many false marks


def _accented_letters() -> dict[str, str]:
    """Each plain letter with the letters the analyzer folds to it (``e`` -> ``eéèêë…``)."""
    letters: dict[str, str] = defaultdict(str)
    for code, plain in accent_map.items():
        letters[plain.casefold()] += chr(code)
    return {plain: plain + "".join(sorted(set(accented) - {plain})) for plain, accented in letters.items()}


_ACCENTED = _accented_letters()


def _folded_pattern(word: str) -> str:
    """A regular expression for ``word`` with or without accents, as the analyzer folds them
    (``kone`` and ``koné`` both mark "Koné")."""
    folded = word.casefold().translate(accent_map)
    return "".join(f"[{re.escape(_ACCENTED[c])}]" if c in _ACCENTED else re.escape(c) for c in folded)


def match_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """Where a query word, or a word starting with one of its stems, stands in a text, accents folded."""
    alternatives = sorted({w for w in words if len(w) >= MIN_HIGHLIGHTED}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"\b(?:" + "|".join(map(_folded_pattern, alternatives)) + r")\w*", re.IGNORECASE)


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
