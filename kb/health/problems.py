"""How every command that reads content reports its problems, and how the index keeps them.

One line per problem, ``path:line: error|warning: message`` (``kb check``'s format, which
editors' tools parse), then one count that says how many files the problems are in. The
last index or sync stores its problems with the index (``PROBLEMS_TABLE``), so every web
worker tells editors the same thing, whichever process indexed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..content import Problem

PROBLEMS_TABLE = "problems"  # the index table (``kb.index.store``) of the last index's content problems


def ordered(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once, by file, line, severity and message."""
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.severity, p.message))


def problem_lines(problems: Iterable[Problem]) -> list[str]:
    """The report's lines: ``path:line: error|warning: message``, in file and line order."""
    return [str(problem) for problem in ordered(problems)]


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def tally(problems: Iterable[Problem]) -> str:
    """``1 file has 3 errors, 0 warnings``: problems counted apart from the files they are in."""
    problems = ordered(problems)
    parts = []
    for severity in ("error", "warning"):
        found = [p for p in problems if p.severity == severity]
        files = len({p.path for p in found})
        parts.append(f"{_counted(files, 'file')} {'has' if files == 1 else 'have'} {_counted(len(found), severity)}" if found else f"0 {severity}s")
    return ", ".join(parts)


def problem_rows(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """Problems as rows of an index table (JSON)."""
    return [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in ordered(problems)]


def problems_from_rows(rows: Iterable[dict[str, Any]]) -> list[Problem]:
    """The problems an index table holds; a row that is not one is left out."""
    found = []
    for row in rows:
        try:
            found.append(Problem(str(row["path"]), int(row["line"]), str(row["severity"]), str(row["message"])))
        except (KeyError, TypeError, ValueError):
            continue
    return found
