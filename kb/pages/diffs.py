"""A file's change as rows for the diff page: changed lines, their neighbours, and the words that changed.

Pure and text-only: the template escapes every part, so a line holding HTML is shown as text.
A removed line and the added line that replaced it are compared word by word (``difflib``), so
the page can mark just the words that changed within them.

The work is bounded, for the page is public and ``difflib`` is quadratic: past ``LINE_PAIRS``
the lines between the common start and end are shown as one replacement, and past
``WORD_PAIRS`` (for the whole page) changed lines are marked whole rather than word by word.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

CONTEXT = 3  # unchanged lines shown around each change, as ``git show`` does
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
LINE_PAIRS = 1_000_000  # lines before x lines after compared (about 0.2 s at worst)
WORD_PAIRS = 1_000_000  # words x words compared within lines, for a whole page (about 0.4 s at worst)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "context", "removed" or "added"
    old: int | None  # line number before the change (None for an added line)
    new: int | None  # line number after the change (None for a removed line)
    parts: tuple[tuple[str, bool], ...]  # the line's text in pieces: (text, changed within the line)


@dataclass(frozen=True)
class Hunk:
    lines: tuple[DiffLine, ...]

    @property
    def first_line(self) -> int:
        """The first line number (after the change, or before it when the rest was removed)."""
        return next((line.new or line.old or 0 for line in self.lines), 0)


def line_diff(before: str | None, after: str | None) -> tuple[Hunk, ...]:
    """The change from ``before`` to ``after`` (None: the file did not exist) in hunks."""
    old, new = ((side or "").splitlines() for side in (before, after))
    matcher = difflib.SequenceMatcher(None, *_comparable(old, new), autojunk=False)
    budget = [WORD_PAIRS]
    return tuple(Hunk(tuple(_hunk_lines(group, old, new, budget))) for group in matcher.get_grouped_opcodes(CONTEXT))


def _comparable(old: list[str], new: list[str]) -> tuple[list, list]:
    """The lines to compare: as they are, or, past ``LINE_PAIRS``, with the lines between the
    common start and end made unequal to any other (so the matcher passes over them at once)."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    if (len(old) - start - end) * (len(new) - start - end) <= LINE_PAIRS:
        return old, new
    return [*old[:start], *((0, i) for i in range(start, len(old) - end)), *old[len(old) - end :]], [
        *new[:start],
        *((1, j) for j in range(start, len(new) - end)),
        *new[len(new) - end :],
    ]


def _hunk_lines(group: list[tuple[str, int, int, int, int]], old: list[str], new: list[str], budget: list[int]):
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            yield from (DiffLine("context", i + 1, j + 1, ((old[i], False),)) for i, j in zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        removed, added = [], []
        for k in range(pairs):
            old_parts, new_parts = _changed_words(old[i1 + k], new[j1 + k], budget)
            removed.append(DiffLine("removed", i1 + k + 1, None, old_parts))
            added.append(DiffLine("added", None, j1 + k + 1, new_parts))
        removed += [DiffLine("removed", i + 1, None, ((old[i], False),)) for i in range(i1 + pairs, i2)]
        added += [DiffLine("added", None, j + 1, ((new[j], False),)) for j in range(j1 + pairs, j2)]
        yield from removed
        yield from added


def _changed_words(old: str, new: str, budget: list[int]):
    """``word_diff`` while the page's budget lasts; then both lines marked whole."""
    cost = len(_TOKEN.findall(old)) * len(_TOKEN.findall(new))
    if cost > budget[0]:
        return ((old, True),), ((new, True),)
    budget[0] -= cost
    return word_diff(old, new)


def word_diff(old: str, new: str) -> tuple[tuple[tuple[str, bool], ...], tuple[tuple[str, bool], ...]]:
    """Both lines in pieces, each piece marked when it is not in the other line."""
    old_words, new_words = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    old_parts: list[tuple[str, bool]] = []
    new_parts: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        _append(old_parts, "".join(old_words[i1:i2]), tag != "equal")
        _append(new_parts, "".join(new_words[j1:j2]), tag != "equal")
    return tuple(old_parts), tuple(new_parts)


def _append(parts: list[tuple[str, bool]], text: str, changed: bool) -> None:
    """Adds a piece, joined to the previous one when both are (un)changed alike."""
    if not text:
        return
    if parts and parts[-1][1] == changed:
        parts[-1] = (parts[-1][0] + text, changed)
    else:
        parts.append((text, changed))
