"""Walk a content folder and load it, re-parsing only the files that changed (``ParseCache``)."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Collection
from pathlib import Path

from ..kinds import BY_NAME as KIND_BY_NAME
from .documents import parse_document
from .model import GLOSSARY_FILE, KINDS, REGIONS_FILE, Content, Document, Problem
from .parsecache import ParseCache
from .tables import parse_glossary, parse_regions

# --- walking the folder -----------------------------------------------------------


def _doc_id(kind: str, rel_in_kind: Path) -> str:
    """Articles keep their sub-folders in the slug; other kinds are flat."""
    return rel_in_kind.with_suffix("").as_posix() if KIND_BY_NAME[kind].nested else rel_in_kind.stem


_Found = tuple[str, str, str, "tuple[int, int] | None"]  # kind, file, path in the folder, (mtime, size)


def _content_files(root: Path) -> tuple[list[_Found], list[Problem]]:
    """The content files below ``root``, in name order; symlinks are refused (``_link_problem``).

    One ``os.scandir`` pass: it also gives each file's modification time and size, which the
    parse cache compares, so an update with nothing to do costs one stat per file.
    """
    found: list[_Found] = []
    problems: list[Problem] = []
    for folder, kind in KINDS.items():
        if (root / folder).is_symlink():
            problems.append(_link_problem(folder))
        elif (root / folder).is_dir():
            _scan(root / folder, folder, kind, found, problems)
    return found, problems


def _scan(directory: Path, rel_dir: str, kind: str, found: list[_Found], problems: list[Problem]) -> None:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        problems.append(Problem(rel_dir, 1, "error", f"cannot read folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        rel = f"{rel_dir}/{entry.name}"
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            problems.append(_link_problem(rel))
        elif entry.is_dir():
            if KIND_BY_NAME[kind].nested:  # articles may sit at any depth; other kinds are flat
                _scan(Path(entry.path), rel, kind, found, problems)
        elif entry.name.lower().endswith(".md") and entry.is_file():
            found.append((kind, entry.path, rel, _stamp(entry)))  # a string: a Path per file costs more than the stat


def _linked_part(root: Path, rel: str) -> str | None:
    """The first part of ``rel`` (a path below ``root``) that is a symlink, or None."""
    parts = rel.split("/")
    for n in range(1, len(parts) + 1):
        if (root.joinpath(*parts[:n])).is_symlink():
            return "/".join(parts[:n])
    return None


def _link_problem(rel: str) -> Problem:
    """Any symlink below the content folder: one could show a staff-only article as a public profile
    (``people/x.md -> ../articles/.../staff.md``) or read a file outside the folder."""
    return Problem(rel, 1, "error", "symlink, skipped: the content folder may hold no symlinks (to files or folders)")


def _read(root: Path, path: Path, max_bytes: int) -> tuple[bytes | None, Problem | None]:
    rel = path.relative_to(root).as_posix()
    if path.is_symlink():  # the glossary and the place table too
        return None, _link_problem(rel)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, Problem(
                rel, 1, "error", f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit (KB_MAX_FILE_BYTES), skipped"
            )
        return path.read_bytes(), None
    except OSError as exc:
        return None, Problem(rel, 1, "error", f"cannot read file: {exc.strerror or exc}")


def _stamp(path: Path | str | os.DirEntry) -> tuple[int, int] | None:
    try:
        info = path.stat() if isinstance(path, os.DirEntry) else os.stat(path)
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


def _parse_at(root: Path, kind: str, path: str, max_bytes: int) -> tuple[Document | None, tuple[Problem, ...]]:
    """``_parse_file`` for a path from the folder scan (a string until the file is parsed)."""
    return _parse_file(root, kind, Path(path), max_bytes)


TableParser = Callable[[str, bytes], tuple[list, list[Problem]]]


def _parse_table(root: Path, max_bytes: int, name: str, parse: TableParser) -> tuple[tuple, tuple[Problem, ...], str]:
    """(records, problems, digest of the bytes) of one YAML table, ``glossary.yml`` or ``regions.yml``."""
    raw, problem = _read(root, root / name, max_bytes)
    if problem:
        return (), (problem,), ""
    records, problems = parse(name, raw)
    return tuple(records), tuple(problems), hashlib.sha256(raw).hexdigest()


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
        parse = functools.partial(_parse_at, root, kind, path, max_bytes)
        doc, doc_problems = cache.get(rel, stamp, parse, functools.partial(_stamp, path)) if stamp else parse()
        problems += doc_problems
        if doc is not None:
            documents.append(doc)
    return _with_tables(root, max_bytes, cache, tuple(documents), tuple(problems))


def _load_changed(root: Path, max_bytes: int, cache: ParseCache, changed: set[str]) -> Content:
    """``load_content`` when told which files changed: reads only those (no walk of the folder)."""
    paths = {p for p in cache.known_paths() if p not in (GLOSSARY_FILE, REGIONS_FILE)}
    paths |= {p for p in changed if p.lower().endswith(".md") and _kind_of(p)}
    problems: list[Problem] = []
    documents = []
    order = {folder: n for n, folder in enumerate(KINDS)}
    for rel in sorted(paths, key=lambda p: (order[p.split("/", 1)[0]], p)):
        kept, value = cache.reuse(rel) if rel not in changed else (False, None)
        if kept:
            doc, doc_problems = value
            problems += doc_problems
            if doc is not None:
                documents.append(doc)
            continue
        path, linked = root / rel, _linked_part(root, rel)
        if linked:
            doc, doc_problems = None, (_link_problem(linked),)
        elif not path.is_file():
            continue  # deleted (or never a file): drops out of the cache too
        else:
            parse = functools.partial(_parse_file, root, _kind_of(rel), path, max_bytes)
            doc, doc_problems = cache.get(rel, _stamp(path) or (0, 0), parse, functools.partial(_stamp, path))
        problems += doc_problems
        if doc is not None:
            documents.append(doc)
    return _with_tables(root, max_bytes, cache, tuple(documents), tuple(problems), changed)


_TABLES = ((GLOSSARY_FILE, parse_glossary), (REGIONS_FILE, parse_regions))


def _with_tables(
    root: Path, max_bytes: int, cache: ParseCache, documents: tuple[Document, ...], problems: tuple[Problem, ...], changed: set[str] | None = None
) -> Content:
    """The content with its YAML tables (glossary, places): parsed when changed, else from the cache."""
    loaded = []
    for name, parser in _TABLES:
        kept, value = cache.reuse(name) if changed is not None and name not in changed and name in cache.known_paths() else (False, None)
        if kept:
            loaded.append(value)
            continue
        stamp = _stamp(root / name)
        parse = functools.partial(_parse_table, root, max_bytes, name, parser)
        loaded.append(cache.get(name, stamp, parse, functools.partial(_stamp, root / name)) if stamp else ((), (), ""))
    (glossary, glossary_problems, glossary_digest), (regions, regions_problems, regions_digest) = loaded
    return Content(documents, glossary, glossary_digest, problems + glossary_problems + regions_problems, regions, regions_digest)


def _kind_of(rel: str) -> str | None:
    """The kind of a content path (``articles/fms/x.md`` -> article); None outside the kind folders."""
    folder, _, rest = rel.partition("/")
    kind = KINDS.get(folder)
    if kind is None or not rest or any(part.startswith(".") for part in rest.split("/")):
        return None
    return kind if kind == "article" or "/" not in rest else None
