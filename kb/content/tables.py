"""The content's YAML tables (``glossary.yml``, ``regions.yml``) to typed records, each with its line."""

from __future__ import annotations

from typing import Any

import yaml

from .documents import _Invalid, _list, _text, decode
from .model import Command, GlossaryEntry, Problem
from .restriction import meant
from .yamlerrors import explain


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML loader that records the line of every mapping as ``__line__``."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def load_yaml_list(relpath: str, raw: bytes, what: str) -> tuple[str | None, list | None, list[Problem]]:
    """(text, items, problems) of a YAML file that must hold a list (mappings get ``__line__``).

    ``items`` is None when there is nothing to use; ``what`` names the file in messages.
    """
    text, problems = decode(relpath, raw)
    if text is None:
        return None, None, problems
    try:
        items = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        line, reason = explain(exc, text)
        return text, None, [*problems, Problem(relpath, line, "error", f"invalid YAML: {reason}; {what} not loaded")]
    if items is None:
        return text, None, problems
    if not isinstance(items, list):
        return text, None, [*problems, Problem(relpath, 1, "error", f"{what} must be a list of entries")]
    return text, items, problems


def parse_glossary(relpath: str, raw: bytes) -> tuple[list[GlossaryEntry], list[Problem]]:
    """Parse ``glossary.yml``: a list of {term, expansion, definition, see}."""
    _, items, problems = load_yaml_list(relpath, raw, "the glossary")
    if items is None:
        return [], problems
    entries = []
    for item in items:
        line = item.get("__line__", 1) if isinstance(item, dict) else 1
        if not isinstance(item, dict) or not str(item.get("term") or "").strip():
            problems.append(Problem(relpath, line, "error", "entry without a 'term', skipped"))
            continue
        restricting = sorted(str(k) for k in item if meant(str(k)))
        if restricting:  # every glossary entry is shown to everyone: one meant to be restricted is left out
            message = f"'{restricting[0]}': glossary entries cannot be restricted, so this one is left out until the key is removed"
            problems.append(Problem(relpath, line, "error", message))
            continue
        unknown = sorted(set(item) - {"term", "expansion", "definition", "see", "__line__"})
        if unknown:
            problems.append(Problem(relpath, line, "warning", "unknown keys ignored: " + ", ".join(unknown)))
        see = str(item["see"]).strip() if item.get("see") else None
        entries.append(
            GlossaryEntry(
                term=str(item["term"]).strip(),
                expansion=str(item.get("expansion") or "").strip(),
                definition=str(item.get("definition") or "").strip(),
                see=see,
                line=line,
            )
        )
    return entries, problems


_COMMAND_KEYS = {"command", "name", "words", "countries", "__line__"}


def parse_regions(relpath: str, raw: bytes) -> tuple[list[Command], list[Problem]]:
    """Parse ``regions.yml``: a list of {command, name, words, countries}.

    A bad entry is skipped (no ``command``) or loaded without its bad keys; each problem
    has the entry's line. A country listed under two commands stays with the first.
    """
    text, items, problems = load_yaml_list(relpath, raw, "the place table")
    if items is None:
        return [], problems
    commands: list[Command] = []
    seen_commands: set[str] = set()
    seen_countries: dict[str, str] = {}
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # the line of every entry, mappings or not
    item_lines = [node.start_mark.line + 1 for node in getattr(root, "value", ())]
    for number, item in enumerate(items):
        line = item_lines[number] if number < len(item_lines) else 1
        command = item.get("command") if isinstance(item, dict) else None
        if not isinstance(command, str) or not command.strip():
            problems.append(Problem(relpath, line, "error", "entry without a 'command' (text), skipped"))
            continue
        command = command.strip()
        if command.casefold() in seen_commands:
            problems.append(Problem(relpath, line, "error", f"command '{command}' listed twice, skipped"))
            continue
        seen_commands.add(command.casefold())
        unknown = sorted(set(item) - _COMMAND_KEYS)
        if unknown:
            problems.append(Problem(relpath, line, "warning", "unknown keys ignored: " + ", ".join(map(str, unknown))))
        values: dict[str, Any] = {}
        for key, coerce, default in (("name", _text, command), ("words", _list, ()), ("countries", _list, ())):
            try:
                values[key] = coerce(item[key]) if item.get(key) not in (None, "") else default
            except _Invalid as exc:
                problems.append(Problem(relpath, line, "error", f"'{command}': '{key}' {exc}; ignored"))
                values[key] = default
        countries = []
        for country in values["countries"]:
            owner = seen_countries.setdefault(country.casefold(), command)
            if owner != command:
                problems.append(Problem(relpath, line, "error", f"'{command}': country '{country}' is already under {owner}; ignored here"))
            elif country not in countries:
                countries.append(country)
        commands.append(Command(command, values["name"] or command, values["words"], tuple(countries), line))
    return commands, problems
