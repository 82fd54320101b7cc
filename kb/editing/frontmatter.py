"""The editor's fields in and out of a file's YAML frontmatter, keeping everything else as it was (pure).

A file is edited by replacing only the top-level keys whose value the editor changed: every
other key, comment and blank line keeps its exact text, so a save through the browser does
not reformat what a git user wrote. Values the form sends are typed as the loader reads them
(lists, a date); an empty field removes its key.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter import YAMLHandler

FIELDS = ("title", "summary", "areas", "tags", "aliases", "experts", "review_by", "access", "marking", "sources")
LIST_FIELDS = frozenset({"areas", "tags", "aliases", "experts", "sources"})
DATE_FIELDS = frozenset({"review_by"})
_HANDLER = YAMLHandler()
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]|$)")
_LIST_SPLIT = re.compile(r"[,\n]")
_WIDE = 10_000  # never fold a long title or summary over lines


@dataclass(frozen=True)
class Parts:
    """A file cut in four: ``head + front + middle + body == text`` (head and front empty without frontmatter)."""

    head: str
    front: str
    middle: str
    body: str


def split(text: str) -> Parts:
    """The file's parts, cut where the loader cuts them (python-frontmatter's YAML boundary)."""
    first = _HANDLER.FM_BOUNDARY.match(text) if _HANDLER.detect(text) else None
    second = _HANDLER.FM_BOUNDARY.search(text, first.end()) if first else None
    if first is None or second is None:  # no frontmatter, or no closing '---': all body, as the loader reads it
        return Parts("", "", "", text)
    front_start = first.end() + (text[first.end() : first.end() + 1] == "\n")
    body_start = second.end() + (text[second.end() : second.end() + 1] == "\n")
    return Parts(text[:front_start], text[front_start : second.start()], text[second.start() : body_start], text[body_start:])


def load_meta(front: str) -> dict[str, Any]:
    """The frontmatter as a mapping; empty when it is not one (the checker reports why)."""
    try:
        meta = yaml.safe_load(front) if front.strip() else {}
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


def form_values(text: str) -> tuple[dict[str, str], str]:
    """(the editor's fields as form text, the Markdown body) of a file."""
    parts = split(text)
    meta = load_meta(parts.front)
    return {name: as_form_text(meta.get(name)) for name in FIELDS}, parts.body


def as_form_text(value: Any) -> str:
    """One value as a form shows it: lists comma-separated, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def typed(name: str, text: str) -> Any:
    """A form field's text as the file stores it; None for an empty field (the key is removed)."""
    text = (text or "").strip()
    if name in LIST_FIELDS:
        items = [item.strip() for item in _LIST_SPLIT.split(text)]
        return [item for item in items if item] or None
    if not text:
        return None
    if name in DATE_FIELDS:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text  # kept as written: the checker says what is wrong with it
    return text


def blocks(front: str) -> list[tuple[str | None, str]]:
    """The frontmatter as (top-level key, its exact text) in order; leading comments have no key."""
    found: list[tuple[str | None, str]] = []
    for line in front.splitlines(keepends=True):
        match = _TOP_KEY.match(line)
        if match or not found:
            found.append((match.group(1) if match else None, line))
        else:
            key, kept = found[-1]
            found[-1] = (key, kept + line)
    return found


def dump(name: str, value: Any) -> str:
    """One key as YAML, lists in flow style (``tags: [a, b]``) as the content is written."""
    flow = None if isinstance(value, list) else False  # None: flow style for the list only, not the mapping
    return yaml.safe_dump({name: value}, default_flow_style=flow, sort_keys=False, allow_unicode=True, width=_WIDE)


def compose(original: str, values: dict[str, str], body: str) -> str:
    """``original`` with the editor's ``values`` and ``body``: changed keys rewritten, the rest as it was.

    When rewriting key by key would not give the intended mapping (a key written in a way the
    line scan does not see, such as a quoted key), the frontmatter is written out whole instead.
    """
    parts = split(original)
    meta = load_meta(parts.front)
    wanted = {name: typed(name, values.get(name, "")) for name in FIELDS if name in values}
    front = _patched(parts.front, meta, wanted)
    expected = _intended(meta, wanted)
    if meta and load_meta(front) != expected:
        front = yaml.safe_dump(expected, default_flow_style=None, sort_keys=False, allow_unicode=True, width=_WIDE)
    if not parts.head:  # a file without frontmatter gets one
        return f"---\n{front}---\n{body}" if front else body
    return parts.head + front + parts.middle + body


def _patched(front: str, meta: dict[str, Any], wanted: dict[str, Any]) -> str:
    """The frontmatter text with only the changed keys rewritten, and new ones added at the end."""
    kept: list[str] = []
    found = blocks(front)
    for key, text in found:
        if key not in wanted or _same(meta.get(key), wanted[key]):
            kept.append(text)
        elif wanted[key] is not None:
            kept.append(dump(key, wanted[key]))
    present = set(meta) | {key for key, _ in found}
    kept += [dump(name, value) for name, value in wanted.items() if value is not None and name not in present]
    patched = "".join(kept)
    return patched + "\n" if patched and not patched.endswith("\n") else patched


def _intended(meta: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The mapping the saved frontmatter must load as: the original, with the changed fields."""
    intended = dict(meta)
    for name, value in wanted.items():
        if _same(meta.get(name), value):
            continue
        if value is None:
            intended.pop(name, None)
        else:
            intended[name] = value
    return intended


def _same(old: Any, new: Any) -> bool:
    """Whether a form value means what the file holds (a date written as text or as a date is the same)."""
    if isinstance(old, list | tuple) or isinstance(new, list):
        return isinstance(old, list | tuple) and isinstance(new, list) and [str(item) for item in old] == new
    return (old is None) == (new is None) and as_form_text(old) == as_form_text(new)
