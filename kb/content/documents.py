"""One Markdown file with YAML frontmatter to a ``Document``: pure, text in, record and problems out.

Bad metadata gets a safe default and a problem with its line; only an unreadable file is skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from ..kinds import FILE_KINDS
from .model import Document, Problem, Step
from .restriction import meant, restriction
from .yamlerrors import explain, fence_problem

# --- field coercion -------------------------------------------------------------


class _Invalid(ValueError):
    """A metadata value that cannot be used; the message says why."""


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise _Invalid("must be text")
    return str(value).strip()


def _list(value: Any) -> tuple[str, ...]:
    if isinstance(value, (str, int, float)):
        value = [value]
    if not isinstance(value, list) or any(isinstance(v, (dict, list)) for v in value):
        raise _Invalid("must be a list of text")
    return tuple(str(v).strip() for v in value if v is not None and str(v).strip())


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("must be a whole number")
    return value


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _Invalid("must be a date as YYYY-MM-DD") from None


def _steps(value: Any) -> tuple[Step, ...]:
    if not isinstance(value, list):
        raise _Invalid("must be a list of {article, note} items")
    steps = []
    for item in value:
        if isinstance(item, str):
            steps.append(Step(item.strip(), "", 0))
        elif isinstance(item, dict) and isinstance(item.get("article"), str):
            steps.append(Step(item["article"].strip(), _text(item.get("note") or ""), 0))
        else:
            raise _Invalid(f"has an item that is not a slug or {{article, note}}: {item!r}")
    return tuple(steps)


def _languages(value: Any) -> tuple[dict[str, str], ...]:
    """``[French]`` or ``[{name: French, level: "ILR 3"}]`` (mixed is fine) -> ``({"name", "level"}, ...)``."""
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        raise _Invalid("must be a list of languages or {name, level} items")
    found = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("name"), (str, int, float)) and str(item["name"]).strip():
            level = item.get("level")
            if isinstance(level, (dict, list)):
                raise _Invalid(f"has a level that is not text: {item!r}")
            found.append({"name": str(item["name"]).strip(), "level": "" if level is None else str(level).strip()})
        elif isinstance(item, (str, int, float)) and str(item).strip():
            found.append({"name": str(item).strip(), "level": ""})
        elif item is not None:
            raise _Invalid(f"has an item that is not a language or {{name, level}}: {item!r}")
    return tuple(found)


Coerce = Callable[[Any], Any]
SCHEMAS: dict[str, dict[str, Coerce]] = {
    "area": {"title": _text, "summary": _text, "order": _int},
    "article": {
        "title": _text,
        "summary": _text,
        "areas": _list,
        "tags": _list,
        "experts": _list,
        "review_by": _date,
        "related": _list,
        "aliases": _list,
        "countries": _list,
        "regions": _list,
        "sources": _list,
        "reviewed": _date,  # freshness (kb.health.freshness)
        "redirect_from": _list,  # earlier slugs of a moved or merged article: their addresses redirect here
    },
    "person": {
        "name": _text,
        "title": _text,
        "organization": _text,
        "email": _text,
        "phone": _text,
        "location": _text,
        "areas": _list,
        "expertise": _list,
        "regions": _list,
        "countries": _list,
        "languages": _languages,
        "certification": _text,
        "sco": _text,
    },
    "path": {"title": _text, "summary": _text, "audience": _text, "steps": _steps},
}
_REQUIRED = {kind.name: kind.required for kind in FILE_KINDS}


# --- parsing ----------------------------------------------------------------------

_KEY_LINE = re.compile(r"^([A-Za-z_][\w .:-]*?)\s*:", re.MULTILINE)
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_YAML = YAMLHandler()
_FAST_YAML = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def decode(relpath: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    """Bytes to text with ``\\n`` line ends; None when the file is binary."""
    if b"\x00" in raw:
        return None, [Problem(relpath, 1, "error", "binary file (contains NUL bytes), skipped")]
    problems = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(relpath, line, "error", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); undecodable bytes shown as \ufffd"))
        text = raw.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n"), problems


def _split_frontmatter(text: str) -> tuple[str | None, str, int]:
    """(frontmatter or None, body, line where the body starts), split by python-frontmatter."""
    if not _YAML.detect(text):
        return None, text, 1
    try:
        front, body = _YAML.split(text)
    except ValueError:  # an opening '---' and no closing one: all body
        return None, text, 1
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    if body.startswith("\n"):
        body, body_line = body[1:], body_line + 1
    return front, body, body_line


def _load_yaml(relpath: str, front: str) -> tuple[dict[str, Any], list[Problem]]:
    try:
        meta = _YAML.load(front, Loader=_FAST_YAML)  # the C loader where PyYAML has it (5-10x faster)
    except yaml.YAMLError as exc:
        line, reason = explain(exc, front)
        return {}, [Problem(relpath, line, "error", f"invalid YAML frontmatter: {reason}; metadata ignored")]
    if meta is None:
        return {}, []
    if not isinstance(meta, dict):
        return {}, [Problem(relpath, 2, "error", "frontmatter must be a mapping of keys to values; ignored")]
    return {str(k): v for k, v in meta.items()}, []


def _fallback_title(body: str, relpath: str) -> str:
    heading = _HEADING.search(body)
    if heading:
        return heading.group(1)
    return Path(relpath).stem.replace("-", " ").replace("_", " ").strip().capitalize() or relpath


def parse_document(kind: str, doc_id: str, relpath: str, raw: bytes) -> tuple[Document | None, list[Problem]]:
    """Parse one Markdown file. Returns None only when nothing readable is in it."""
    text, problems = decode(relpath, raw)
    if text is None:
        return None, problems
    front, body, body_line = parts = _split_frontmatter(text)
    meta, yaml_problems = _load_yaml(relpath, front) if front is not None else ({}, [])
    problems += yaml_problems
    fence = fence_problem(text) if front is None else None
    if fence:
        problems.append(Problem(relpath, 1, "error", fence))
    key_lines = {m.group(1): i + 1 for i, m in _lines_with_keys(front or "")}
    clean = _typed_fields(kind, relpath, meta, key_lines, problems)
    restricted, restriction_problems = restriction(kind, relpath, parts, None if yaml_problems else meta)
    clean.update(restricted)
    problems += restriction_problems
    if "steps" in clean:
        clean["steps"] = _with_step_lines(clean["steps"], front or "", key_lines.get("steps", 1))

    required = _REQUIRED[kind]
    title = clean.pop(required, "")
    if not title:
        title = _fallback_title(body, relpath)
        problems.append(Problem(relpath, 1, "error", f"missing required '{required}'; using '{title}'"))
    return Document(
        kind=kind,
        id=doc_id,
        path=relpath,
        title=title,
        body=body,
        body_line=body_line,
        digest=hashlib.sha256(raw).hexdigest(),
        meta=clean,
        meta_lines=key_lines,
    ), problems


def _typed_fields(kind: str, relpath: str, meta: dict[str, Any], key_lines: dict[str, int], problems: list[Problem]) -> dict[str, Any]:
    """The fields of ``kind``'s schema, typed; a bad value is left out with an error, unknown keys get a warning.

    Keys that mean ``access`` or ``marking`` are ``kb.content.restriction``'s.
    """
    schema = SCHEMAS[kind]
    clean: dict[str, Any] = {}
    for key, value in meta.items():
        if key not in schema or value is None or value == "":
            continue
        try:
            clean[key] = schema[key](value)
        except _Invalid as exc:
            problems.append(Problem(relpath, key_lines.get(key, 1), "error", f"'{key}' {exc}"))
    unknown = sorted(k for k in meta if k not in schema and not meant(k))
    if unknown:
        problems.append(Problem(relpath, key_lines.get(unknown[0], 1), "warning", "unknown frontmatter keys ignored: " + ", ".join(unknown)))
    return clean


def _lines_with_keys(front: str):
    """Top-level keys of the frontmatter with their 0-based line within the file."""
    for number, line in enumerate(front.split("\n")):
        match = _KEY_LINE.match(line)
        if match:
            yield number, match


def _with_step_lines(steps: tuple[Step, ...], front: str, start: int) -> tuple[Step, ...]:
    """Give each step the line of its list item (``- ``) below ``steps:``."""
    item_lines = [i + 1 for i, line in enumerate(front.split("\n")) if i + 1 > start and re.match(r"^\s*-\s", line)]
    return tuple(Step(s.article, s.note, item_lines[n] if n < len(item_lines) else start) for n, s in enumerate(steps))
