"""A file's change as rows for the diff page: changed lines, their neighbours, and the words that changed.

Pure and text-only: the template escapes every part, so a line holding HTML is shown as text.
A removed line and the added line that replaced it are compared word by word (``difflib``), so
the page can mark just the words that changed within them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

CONTEXT = 3  # unchanged lines shown around each change, as ``git show`` does
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


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
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return tuple(Hunk(tuple(_hunk_lines(group, old, new))) for group in matcher.get_grouped_opcodes(CONTEXT))


def _hunk_lines(group: list[tuple[str, int, int, int, int]], old: list[str], new: list[str]):
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            yield from (DiffLine("context", i + 1, j + 1, ((old[i], False),)) for i, j in zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        removed, added = [], []
        for k in range(pairs):
            old_parts, new_parts = word_diff(old[i1 + k], new[j1 + k])
            removed.append(DiffLine("removed", i1 + k + 1, None, old_parts))
            added.append(DiffLine("added", None, j1 + k + 1, new_parts))
        removed += [DiffLine("removed", i + 1, None, ((old[i], False),)) for i in range(i1 + pairs, i2)]
        added += [DiffLine("added", None, j + 1, ((new[j], False),)) for j in range(j1 + pairs, j2)]
        yield from removed
        yield from added


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
