"""Read a content folder into typed records, collecting problems instead of stopping.

Tolerant reader: a broken file is skipped (unreadable) or loaded with safe defaults
(bad metadata); every problem is reported with the file and, where known, the line.
``parse_document`` and ``parse_glossary`` are pure: they take text, not paths on disk.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import pickle
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from .kinds import BY_NAME as KIND_BY_NAME
from .kinds import FILE_KINDS

KINDS = {kind.folder: kind.name for kind in FILE_KINDS}  # content folder -> kind
GLOSSARY_FILE = "glossary.yml"
REGIONS_FILE = "regions.yml"
ACCESS_LEVELS = ("public", "staff")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    severity: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Step:
    article: str
    note: str
    line: int


@dataclass(frozen=True)
class Document:
    """An area, article, person or path. ``title`` is a person's name."""

    kind: str
    id: str
    path: str
    title: str
    body: str
    body_line: int
    digest: str
    meta: dict[str, Any] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.meta.get(key, default)

    def line_of(self, key: str) -> int:
        return self.meta_lines.get(key, 1)


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    expansion: str
    definition: str
    see: str | None
    line: int


@dataclass(frozen=True)
class Command:
    """One combatant command of ``regions.yml``: the words that name its area, and its countries."""

    command: str
    name: str
    words: tuple[str, ...]
    countries: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Content:
    documents: tuple[Document, ...]
    glossary: tuple[GlossaryEntry, ...]
    glossary_digest: str
    problems: tuple[Problem, ...]
    regions: tuple[Command, ...] = ()
    regions_digest: str = ""

    def of_kind(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind]


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


def _access(value: Any) -> str:
    if str(value).strip().lower() not in ACCESS_LEVELS:
        raise _Invalid("must be 'public' or 'staff'; treated as 'staff'")
    return str(value).strip().lower()


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
        "access": _access,
        "review_by": _date,
        "related": _list,
        "aliases": _list,
        "countries": _list,
        "regions": _list,
        "marking": _text,
        "sources": _list,
        "reviewed": _date,  # freshness (kb.freshness)
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
_FALLBACKS: dict[str, Any] = {"access": "staff"}
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
        line, reason = _yaml_error(exc, last_line=front.count("\n"))
        return {}, [Problem(relpath, line, "error", f"invalid YAML frontmatter: {reason}; metadata ignored")]
    if meta is None:
        return {}, []
    if not isinstance(meta, dict):
        return {}, [Problem(relpath, 2, "error", "frontmatter must be a mapping of keys to values; ignored")]
    return {str(k): v for k, v in meta.items()}, []


def _yaml_error(exc: yaml.YAMLError, last_line: int) -> tuple[int, str]:
    """(1-based line, reason). An error found only at the end points where its construct began."""
    problem = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    mark = context if context and (problem is None or problem.line >= last_line) else problem
    return (mark.line + 1 if mark else 1), (getattr(exc, "problem", None) or str(exc).splitlines()[0])


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
    front, body, body_line = _split_frontmatter(text)
    meta, yaml_problems = _load_yaml(relpath, front) if front is not None else ({}, [])
    problems += yaml_problems
    key_lines = {m.group(1): i + 1 for i, m in _lines_with_keys(front or "")}

    schema = SCHEMAS[kind]
    clean: dict[str, Any] = {}
    for key, value in meta.items():
        line = key_lines.get(key, 1)
        if key not in schema:
            continue
        if value is None or value == "":
            continue
        try:
            clean[key] = schema[key](value)
        except _Invalid as exc:
            problems.append(Problem(relpath, line, "error", f"'{key}' {exc}"))
            if key in _FALLBACKS:
                clean[key] = _FALLBACKS[key]
    unknown = sorted(k for k in meta if k not in schema)
    if unknown:
        problems.append(Problem(relpath, key_lines.get(unknown[0], 1), "warning", "unknown frontmatter keys ignored: " + ", ".join(unknown)))
    if clean.get("marking"):  # a handling marking makes an article staff-only, whatever 'access' says
        clean["access"] = "staff"
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
        line, reason = _yaml_error(exc, last_line=text.count("\n"))
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


# --- walking the folder -----------------------------------------------------------


def _doc_id(kind: str, rel_in_kind: Path) -> str:
    """Articles keep their sub-folders in the slug; other kinds are flat."""
    return rel_in_kind.with_suffix("").as_posix() if KIND_BY_NAME[kind].nested else rel_in_kind.stem


_Found = tuple[str, Path, str, "tuple[int, int] | None"]  # kind, file, path in the folder, (mtime, size)


def _content_files(root: Path) -> tuple[list[_Found], list[Problem]]:
    """The content files below ``root``, in name order; symlinks leading outside are refused.

    One ``os.scandir`` pass: it also gives each file's modification time and size, which the
    parse cache compares, so an update with nothing to do costs one stat per file.
    """
    found: list[_Found] = []
    problems: list[Problem] = []
    real_root = root.resolve()
    for folder, kind in KINDS.items():
        if (root / folder).is_dir():
            _scan(root, root / folder, folder, kind, real_root, found, problems)
    return found, problems


def _scan(root: Path, directory: Path, rel_dir: str, kind: str, real_root: Path, found: list[_Found], problems: list[Problem]) -> None:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        problems.append(Problem(rel_dir, 1, "error", f"cannot read folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        rel, path = f"{rel_dir}/{entry.name}", Path(entry.path)
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            if entry.is_dir():
                problems.append(_link_problem(rel, path, real_root, folder=True))
                continue
            if not _inside(path, real_root):
                problems.append(_link_problem(rel, path, real_root, folder=False))
                continue
        if entry.is_dir():
            if KIND_BY_NAME[kind].nested:  # articles may sit at any depth; other kinds are flat
                _scan(root, path, rel, kind, real_root, found, problems)
        elif entry.name.lower().endswith(".md") and entry.is_file():
            found.append((kind, path, rel, _stamp(entry)))


def _inside(path: Path, real_root: Path) -> bool:
    try:
        path.resolve().relative_to(real_root)
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def _link_problem(rel: str, link: Path, real_root: Path, folder: bool) -> Problem:
    if folder and _inside(link, real_root):
        return Problem(rel, 1, "warning", "symlinked folder not followed")
    return Problem(rel, 1, "error", "symlink points outside the content folder, skipped")


def _read(root: Path, path: Path, max_bytes: int) -> tuple[bytes | None, Problem | None]:
    rel = path.relative_to(root).as_posix()
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, Problem(
                rel, 1, "error", f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit (KB_MAX_FILE_BYTES), skipped"
            )
        return path.read_bytes(), None
    except OSError as exc:
        return None, Problem(rel, 1, "error", f"cannot read file: {exc.strerror or exc}")


class ParseCache:
    """Parsed files keyed by path and (mtime, size): an index update re-parses only what changed.

    Derived data, kept beside the index; a missing or unreadable cache just means parsing all.
    """

    def __init__(self, entries: dict[str, tuple[tuple[int, int], Any]] | None = None) -> None:
        self._previous = entries or {}
        self._current: dict[str, tuple[tuple[int, int], Any]] = {}
        self._changed = False

    def carried(self) -> ParseCache:
        """The cache a next run starts from, this run's files as its previous ones (kept in memory)."""
        return ParseCache(self._current)

    def known_paths(self) -> list[str]:
        """The paths parsed in the previous run (for an update that is told what changed)."""
        return list(self._previous)

    def reuse(self, rel: str) -> Any:
        """The previous run's value for ``rel``, kept without looking at the file."""
        self._current[rel] = entry = self._previous[rel]
        return entry[1]

    def get(self, rel: str, stamp: tuple[int, int], parse: Callable[[], Any]) -> Any:
        entry = self._previous.get(rel)
        if entry is not None and entry[0] == stamp:
            value = entry[1]
        else:
            value, self._changed = parse(), True
        self._current[rel] = (stamp, value)
        return value

    @classmethod
    def load(cls, path: Path) -> ParseCache:
        try:
            with open(path, "rb") as handle:
                return cls(pickle.load(handle))  # noqa: S301 - our own derived file
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            return cls()

    def save(self, path: Path) -> None:
        """Keep only the files seen in this run (nothing to write when nothing changed)."""
        if not self._changed and self._current.keys() == self._previous.keys():
            return
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as handle:
                pickle.dump(self._current, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:  # a full disk: the cache is optional, the next run parses everything
            tmp.unlink(missing_ok=True)


def _stamp(path: Path | os.DirEntry) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _parse_file(root: Path, kind: str, path: Path, max_bytes: int) -> tuple[Document | None, tuple[Problem, ...]]:
    raw, problem = _read(root, path, max_bytes)
    if problem:
        return None, (problem,)
    rel = path.relative_to(root).as_posix()
    doc, problems = parse_document(kind, _doc_id(kind, path.relative_to(root / KIND_BY_NAME[kind].folder)), rel, raw)
    return doc, tuple(problems)


def _parse_regions_file(root: Path, max_bytes: int) -> tuple[tuple[Command, ...], tuple[Problem, ...], str]:
    raw, problem = _read(root, root / REGIONS_FILE, max_bytes)
    if problem:
        return (), (problem,), ""
    commands, problems = parse_regions(REGIONS_FILE, raw)
    return tuple(commands), tuple(problems), hashlib.sha256(raw).hexdigest()


def _parse_glossary_file(root: Path, max_bytes: int) -> tuple[tuple[GlossaryEntry, ...], tuple[Problem, ...], str]:
    raw, problem = _read(root, root / GLOSSARY_FILE, max_bytes)
    if problem:
        return (), (problem,), ""
    entries, problems = parse_glossary(GLOSSARY_FILE, raw)
    return tuple(entries), tuple(problems), hashlib.sha256(raw).hexdigest()


def load_content(root: Path | str, max_bytes: int = 2_000_000, cache: ParseCache | None = None, changed: Collection[str] | None = None) -> Content:
    """Load every document and the glossary below ``root``; never raises for bad files.

    With ``changed`` (paths relative to ``root``, e.g. from ``git diff``) and a parse cache
    from the previous run, only those files are read; the rest come from the cache.
    """
    root = Path(root)
    cache = cache or ParseCache()
    if not root.is_dir():
        return Content((), (), "", (Problem(str(root), 1, "error", "content folder not found"),))
    if changed is not None and cache.known_paths():
        return _load_changed(root, max_bytes, cache, set(changed))
    files, problems = _content_files(root)
    documents = []
    for kind, path, rel, stamp in files:
        parse = functools.partial(_parse_file, root, kind, path, max_bytes)
        doc, doc_problems = cache.get(rel, stamp, parse) if stamp else parse()
        problems += doc_problems
        if doc is not None:
            documents.append(doc)
    return _with_tables(root, max_bytes, cache, tuple(documents), tuple(problems))


def _load_changed(root: Path, max_bytes: int, cache: ParseCache, changed: set[str]) -> Content:
    """``load_content`` when told which files changed: reads only those (no walk of the folder)."""
    real_root = root.resolve()
    paths = {p for p in cache.known_paths() if p not in (GLOSSARY_FILE, REGIONS_FILE)}
    paths |= {p for p in changed if p.lower().endswith(".md") and _kind_of(p)}
    problems: list[Problem] = []
    documents = []
    order = {folder: n for n, folder in enumerate(KINDS)}
    for rel in sorted(paths, key=lambda p: (order[p.split("/", 1)[0]], p)):
        if rel not in changed:
            doc, doc_problems = cache.reuse(rel)
            problems += doc_problems
            if doc is not None:
                documents.append(doc)
            continue
        path = root / rel
        if path.is_symlink() and not _inside(path, real_root):
            doc, doc_problems = None, (_link_problem(rel, path, real_root, folder=False),)
        elif not path.is_file():
            continue  # deleted (or never a file): drops out of the cache too
        else:
            doc, doc_problems = cache.get(rel, _stamp(path) or (0, 0), functools.partial(_parse_file, root, _kind_of(rel), path, max_bytes))
        problems += doc_problems
        if doc is not None:
            documents.append(doc)
    return _with_tables(root, max_bytes, cache, tuple(documents), tuple(problems), changed)


_TABLES = ((GLOSSARY_FILE, _parse_glossary_file), (REGIONS_FILE, _parse_regions_file))


def _with_tables(
    root: Path, max_bytes: int, cache: ParseCache, documents: tuple[Document, ...], problems: tuple[Problem, ...], changed: set[str] | None = None
) -> Content:
    """The content with its YAML tables (glossary, places): parsed when changed, else from the cache."""
    loaded = []
    for name, parser in _TABLES:
        if changed is not None and name not in changed and name in cache.known_paths():
            loaded.append(cache.reuse(name))
            continue
        stamp = _stamp(root / name)
        parse = functools.partial(parser, root, max_bytes)
        loaded.append(cache.get(name, stamp, parse) if stamp else ((), (), ""))
    (glossary, glossary_problems, glossary_digest), (regions, regions_problems, regions_digest) = loaded
    return Content(documents, glossary, glossary_digest, problems + glossary_problems + regions_problems, regions, regions_digest)


def _kind_of(rel: str) -> str | None:
    """The kind of a content path (``articles/fms/x.md`` -> article); None outside the kind folders."""
    folder, _, rest = rel.partition("/")
    kind = KINDS.get(folder)
    if kind is None or not rest or any(part.startswith(".") for part in rest.split("/")):
        return None
    return kind if kind == "article" or "/" not in rest else None
