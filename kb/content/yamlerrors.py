"""YAML errors in plain words: what is wrong, on which line, and what usually causes it.

The parser's own message ("did not find expected key") names its state, not the author's
mistake; authors fix a file faster when told "a quoted value is never closed". Each rule
below matches one parser message and says the usual cause; the parser's message follows.
"""

from __future__ import annotations

import re

import yaml

_KEY_VALUE = re.compile(r"^[A-Za-z_][\w-]*[ \t]*:([ \t]|$)")
_VALUE_START = re.compile(r"^[ \t]*(?:-[ \t]+)?[^:#]+:[ \t]+(\S)")
_FENCE = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)

UNCLOSED_QUOTE = "a quoted value is never closed: the quote that opens on this line has no closing quote (add the missing \" or ')"
AFTER_QUOTE = (
    "a quoted value goes on after its closing quote: usually a quote inside a value quoted with the same mark "
    "(write it's inside \"...\", or double it: 'it''s'), or a quote left open on an earlier line"
)
TAB = "a tab is used for indentation: YAML indents with spaces only (replace the tab with spaces)"
COLON = 'a colon followed by a space inside an unquoted value: put the whole value in quotes (title: "FMS: case closure")'
INDENTED = "this line is indented more than the key above it: start every key at the beginning of the line"
NO_COLON = "this line is not 'key: value': a colon is missing after the key, or a long value goes on to a new line without being indented"
UNCLOSED_LIST = "a list in [brackets] is not closed with ']', or an item holds a colon or quote: close the list, or put the value in quotes"
BRACE = "a value starts with '{', which YAML reads as a mapping: put the whole value in quotes"
AFTER_BRACKET = "a value starts with '[', which YAML reads as a list, and goes on after its ']': put the whole value in quotes"
RESERVED = "a value starts with '{char}', which YAML reserves: put the whole value in quotes"
ALIAS = "a value starts with '*', which YAML reads as a reference: put the whole value in quotes"


def explain(exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    """(1-based line in ``text``, what is wrong in plain words and the parser's message)."""
    problem = getattr(exc, "problem", None) or ""
    context = getattr(exc, "context", None) or ""
    mark = _mark(exc, text)
    line_text = text.split("\n")[mark.line] if mark and mark.line < text.count("\n") + 1 else ""
    words = _plain(problem, context, line_text, mark.column if mark else 0)
    said = problem or str(exc).splitlines()[0]
    return (mark.line + 1 if mark else 1), (f"{words} (the YAML parser says: {said})" if words else said)


def _mark(exc: yaml.YAMLError, text: str):
    """Where the author's mistake is: a construct found broken only at the end, or a line that
    could not be read as a key, is pointed at where it began."""
    problem = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    at_end = problem is None or problem.line >= text.count("\n")
    starts_there = (getattr(exc, "context", None) or "").startswith(("while scanning a simple key", "while scanning a quoted scalar"))
    return context if context and (at_end or starts_there) else problem


def _plain(problem: str, context: str, line_text: str, column: int) -> str:  # noqa: PLR0911 - one answer per rule
    if "tab character" in problem or (problem.startswith("found character") and "\t" in line_text[: column + 1]):
        return TAB
    if context.startswith("while scanning a quoted scalar"):
        return UNCLOSED_QUOTE
    if problem.startswith("mapping values are not allowed"):
        return INDENTED if line_text[:1] in (" ", "\t") and not line_text.lstrip().startswith("-") else COLON
    if problem.startswith("found character that cannot start any token"):
        char = line_text[column : column + 1] or "?"
        return RESERVED.format(char=char)
    if problem.startswith("found undefined alias"):
        return ALIAS
    if context.startswith("while scanning a simple key"):
        return NO_COLON
    if "',' or ']'" in problem:
        return UNCLOSED_LIST
    if "',' or '}'" in problem or problem.startswith("found unhashable key"):
        return BRACE
    if problem.startswith("did not find expected key"):
        start = _VALUE_START.match(line_text)
        return AFTER_BRACKET if start and start.group(1) == "[" else AFTER_QUOTE
    return ""


def fence_problem(text: str) -> str | None:
    """Why a file that looks as if it has frontmatter has none: a missing ``---`` (None: no sign of one)."""
    if text.startswith("---"):
        return "the frontmatter has no closing '---' line, so the whole file is read as text: add a line '---' after the last key"
    first = text.lstrip("\n").split("\n", 1)[0]
    if _KEY_VALUE.match(first) and _FENCE.search(text):
        return "the frontmatter has no opening '---' line, so its keys are read as text: add '---' as the file's first line"
    return None
