"""Who may read a document, as its frontmatter says (``access``, ``marking``), read so that doubt never publishes.

A document is public only when nothing about its restriction is in doubt. Each of these keeps
it staff-only and is an error on the line of the key: a key that means ``access`` or ``marking``
but is written otherwise (``Access``, ``ACCESS``, ``acess``, ``markings``, ``access_level``), a
value that is not exactly understood (``marking: [CUI]``, ``marking: {level: CUI}``,
``access: yes``, an empty one), a key given twice (YAML would keep the last silently), such a
key on a kind that cannot be restricted (areas, people, paths; ``kb.content.tables`` leaves such a
glossary entry out), such a key on a line below the frontmatter or in frontmatter that cannot be
read, and any article whose frontmatter cannot be read.
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz.distance import OSA

from .model import ACCESS_LEVELS, Problem

RESTRICTING_KEYS = ("access", "marking")
RESTRICTABLE_KINDS = frozenset({"article"})
MAX_TYPO_EDITS = 2  # no key of the content format is this close to 'access' or 'marking' ('areas' is 3 edits away)
_STEM = 4  # letters a key shares with the start of a restricting key: 'acce', 'mark' ('marked', 'access_level')

_TOP_LEVEL_KEY = re.compile(r"""^(["']?)([^\s"'#:\-][^"':\n]*?)\1[ \t]*:(?=[ \t]|$)""", re.MULTILINE)
_ANY_KEY = re.compile(r"""^[ \t]*(["']?)([A-Za-z_][\w.-]*)\1[ \t]*:(?=[ \t]|$)""", re.MULTILINE)  # indented too


def meant(key: str) -> str | None:
    """The restricting key ``key`` stands for (``'access'`` or ``'marking'``), or None.

    Itself, a case variant, a typo (at most two edits, a swap of two letters being one), or a
    name built on it (``access_level``, ``handling-marking``, ``marked``).
    """
    folded = str(key).strip().casefold()
    letters = re.sub(r"[^a-z]", "", folded)
    for name in RESTRICTING_KEYS:
        if OSA.distance(folded, name, score_cutoff=MAX_TYPO_EDITS) <= MAX_TYPO_EDITS:
            return name
        if name in letters or (len(letters) >= _STEM and letters[:_STEM] == name[:_STEM]):
            return name
    return None


def restriction(kind: str, relpath: str, parts: tuple[str | None, str, int], meta: dict[str, Any] | None) -> tuple[dict[str, str], list[Problem]]:
    """The ``access`` and ``marking`` fields of a document, and the problems that keep it staff-only.

    ``parts`` is the file split into (frontmatter text or None, body, the body's first line);
    ``meta`` the frontmatter read, None when it could not be read.
    """
    front, body, body_line = parts
    if meta is None and kind in RESTRICTABLE_KINDS:  # its access could not be read: safe by default, until the file is fixed
        return {"access": "staff"}, [Problem(relpath, 1, "error", f"frontmatter not readable, so the {kind} is kept staff-only until it is fixed")]
    if meta is None:
        return _stray(kind, relpath, front or "", 1)
    fields, problems = _from_keys(kind, relpath, meta, front or "")
    if fields.get("access") != "staff":  # keys below a '---' that closed the frontmatter too early, or no frontmatter at all
        loose, loose_problems = _stray(kind, relpath, body[:2000] if front is None else body.split("\n\n", 1)[0], body_line)
        fields, problems = {**fields, **loose}, problems + loose_problems
    return fields, problems


def _from_keys(kind: str, relpath: str, meta: dict[str, Any], front: str) -> tuple[dict[str, str], list[Problem]]:
    """From the keys of frontmatter that was read (``front``: its text, line 0 being the file's line 1)."""
    lines = _lines_of_keys(front)
    fields: dict[str, str] = {}
    problems = []
    for key in [k for k in meta if meant(k)]:
        line = lines.get(key, [1])[0]
        value, reason = _read(kind, key, meta[key], lines.get(key, []))
        if reason:
            problems.append(Problem(relpath, line, "error", f"{reason}; the {kind} is kept staff-only until it is fixed"))
        else:
            fields[key] = value
    if problems or fields.get("marking"):  # a handling marking makes an article staff-only, whatever 'access' says
        fields["access"] = "staff"
    return fields, problems


def _read(kind: str, key: str, value: Any, lines: list[int]) -> tuple[str, str | None]:
    """(the value, None) when it is exactly understood, else ('', why not)."""
    name = meant(key)
    if kind not in RESTRICTABLE_KINDS:
        return "", f"'{key}': only articles can be restricted, not a {kind}"
    if key != name:
        return "", f"'{key}' is not a known key but looks like '{name}' (misspelled, or in another case)"
    if len(lines) > 1:
        return "", f"'{key}' is given {len(lines)} times (lines {', '.join(map(str, lines))})"
    return _read_access(value) if name == "access" else _read_marking(value)


def _read_access(value: Any) -> tuple[str, str | None]:
    if isinstance(value, str) and value.strip().lower() in ACCESS_LEVELS:
        return value.strip().lower(), None
    return "", f"'access' must be 'public' or 'staff', not {value!r}"


def _read_marking(value: Any) -> tuple[str, str | None]:
    if isinstance(value, str) and value.strip():
        return value.strip(), None
    return "", f"'marking' must be one marking as text, such as CUI, not {value!r}"


def _lines_of_keys(front: str) -> dict[str, list[int]]:
    """Each top-level key of the frontmatter with the file lines it is written on (more than one: given twice)."""
    lines: dict[str, list[int]] = {}
    for match in _TOP_LEVEL_KEY.finditer(front):
        lines.setdefault(match.group(2).strip(), []).append(front.count("\n", 0, match.start()) + 1)
    return lines


def _stray(kind: str, relpath: str, text: str, first_line: int) -> tuple[dict[str, str], list[Problem]]:
    """Staff-only when a line of ``text`` (frontmatter that could not be read, or the start of a body)
    looks like an access or marking key: the author meant to restrict the document, and it was not read."""
    key = _ANY_KEY.search(text)
    while key and not meant(key.group(2)):
        key = _ANY_KEY.search(text, key.end())
    if key is None:
        return {}, []
    line = first_line + text.count("\n", 0, key.start())
    message = f"'{key.group(2)}' could not be read (broken frontmatter, or a line outside it); the {kind} is kept staff-only until it is fixed"
    return {"access": "staff"}, [Problem(relpath, line, "error", message)]
