"""What each index file held when it was written: tells a damaged index from a bug in the code.

Whoosh writes each file of a segment once and never changes it (deletions live in the table
of contents, which every commit writes anew: ``whoosh_internals.unchanging``). After each
build and commit the generation folder gets ``files.json``, each data file's size and digest.
A read that fails where the files no longer match is a damaged index, to rebuild; where they
match, a bug, to fix.
``DAMAGED`` in the generation folder keeps a damage once found, for every process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from .whoosh_internals import unchanging

FILES = "files.json"
DAMAGED = "DAMAGED"
OWN_FILES = frozenset({FILES, DAMAGED, "manifest.json", "tables.json", "MAIN_WRITELOCK"})  # not Whoosh's data


def _data_files(folder: Path) -> list[os.DirEntry]:
    """Whoosh's files that stay as written (not its lock), without ours and temporary ones."""
    with os.scandir(folder) as entries:
        found = (e for e in entries if e.is_file() and e.name not in OWN_FILES and not e.name.endswith(".tmp") and unchanging(e.name))
        return sorted(found, key=lambda e: e.name)


def _digest(path: Path | str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def _recorded(folder: Path) -> dict[str, list]:
    try:
        found = json.loads((folder / FILES).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def record(folder: Path) -> None:
    """Write ``files.json`` for the files there now: new ones are read, the others keep their entry
    (a known file is never read again: one that changed since stays found changed)."""
    known = _recorded(folder)
    files = {}
    for entry in _data_files(folder):
        files[entry.name] = known.get(entry.name) or [entry.stat().st_size, _digest(entry.path)]
    tmp = folder / f"{FILES}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(files))
    os.replace(tmp, folder / FILES)


def stamp(folder: Path) -> tuple:
    """The data files' names, sizes and modification times: changes when any file is written."""
    try:
        return tuple((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in _data_files(folder))
    except OSError:
        return ()


def damage(folder: Path, thorough: bool) -> str | None:
    """Why the index is damaged (found before, or a file that no longer matches ``files.json``); None.

    Sizes only, unless ``thorough`` (every byte). A recorded file that is gone is not reported:
    a merge removes files, and a file the index still needs fails to open anyway.
    """
    found = _damaged_mark(folder) or _mismatch(folder, thorough)
    return _reason(folder, found) if found else None


def _reason(folder: Path, found: str) -> str:
    return f"the search index in {folder.parent} is damaged: {found}"


def _mismatch(folder: Path, thorough: bool) -> str | None:
    for name, (size, digest) in _recorded(folder).items():
        path = folder / name
        try:
            actual = path.stat().st_size
            if actual != size:
                return f"{name} changed on disk: {actual} bytes, written with {size}"
            if thorough and _digest(path) != digest:
                return f"{name} changed on disk since it was written"
        except FileNotFoundError:
            continue
        except OSError as error:
            return f"{name} cannot be read: {error}"
    return None


def _damaged_mark(folder: Path) -> str | None:
    try:
        return (folder / DAMAGED).read_text() or None
    except OSError:
        return None


class Intact:
    """After a read failed: compares every byte, once per state of the files in this process, so an
    error that keeps coming back (a bug) does not read the whole index each time."""

    def __init__(self) -> None:
        self._stamp: tuple | None = None  # the files' names, sizes and times when all last matched

    def damage(self, folder: Path) -> str | None:
        """Why the files differ from what was written (kept in ``DAMAGED`` for every process), or None."""
        current = stamp(folder)
        if current == self._stamp:
            return None
        found = _damaged_mark(folder) or _mismatch(folder, thorough=True)
        if found is None:
            self._stamp = current
            return None
        with contextlib.suppress(OSError):  # a folder that cannot be written: this process still knows
            (folder / DAMAGED).write_text(found)
        return _reason(folder, found)


def probe(searcher) -> None:
    """Touch every kind of index file: the table of contents, stored fields, term index, postings."""
    for leaf in [searcher.reader()] if searcher.is_atomic() else searcher.reader().leaf_readers():
        leaf = leaf[0] if isinstance(leaf, tuple) else leaf
        count = leaf.doc_count_all()
        if count:
            leaf.stored_fields(0)
            leaf.stored_fields(count - 1)
        for text in leaf.lexicon("type"):
            leaf.doc_frequency("type", text)
            list(leaf.postings("type", text).all_ids())
