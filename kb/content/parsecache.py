"""The parse cache: each content file's parsed value, kept in a SQLite file beside the index.

One row per file, keyed by its path and stamp (modification time and size), with a checksum
of the stored value. A run reads the rows (not the files) and unpickles a value only when it is
used; it writes back only the rows of the files it parsed anew and deletes those of files that
left, instead of rewriting a pickle of every file. It is derived data: a row that does not read
back (checksum, unpickling) is parsed again, and an unreadable file is rebuilt with a warning.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

FORMAT = 1  # PRAGMA user_version: a new number when the row layout changes
BUSY_SECONDS = 30  # another process writing its rows: wait for it rather than fail
SCHEMA = "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, mtime INTEGER, size INTEGER, checksum INTEGER, value BLOB)"

Stamp = tuple[int, int]  # (st_mtime_ns, st_size)
UNMATCHED: Stamp = (0, -1)  # the stamp of a value read while its file changed: no file has it
log = logging.getLogger(__name__)


class _Stored:
    """A row's value as read from the file, unpickled on first use (None when it does not read back)."""

    __slots__ = ("blob", "checksum")

    def __init__(self, blob: bytes, checksum: int) -> None:
        self.blob, self.checksum = blob, checksum

    def value(self) -> tuple[bool, Any]:
        if zlib.crc32(self.blob) != self.checksum:
            return False, None
        try:
            return True, pickle.loads(self.blob)  # noqa: S301 - our own derived file, checksummed
        except Exception:  # noqa: BLE001 - any unpickling failure means: parse the file again
            return False, None


class ParseCache:
    """Parsed files keyed by path and (mtime, size): an index update re-parses only what changed."""

    def __init__(self, entries: dict[str, tuple[Stamp, Any]] | None = None) -> None:
        self._previous: dict[str, tuple[Stamp, Any]] = entries or {}
        self._current: dict[str, tuple[Stamp, Any]] = {}
        self._parsed: set[str] = set()  # the rows to write: files parsed in this run

    def carried(self) -> ParseCache:
        """The cache a next run starts from, this run's files as its previous ones (kept in memory)."""
        return ParseCache(self._current)

    def known_paths(self) -> list[str]:
        """The paths parsed in the previous run (for an update that is told what changed)."""
        return list(self._previous)

    def reuse(self, rel: str) -> tuple[bool, Any]:
        """(True, the previous run's value) for ``rel``, kept without looking at the file; (False, None)
        when that value does not read back (the caller parses the file)."""
        stamp, value = self._previous[rel]
        found, value = _read(value)
        if found:
            self._current[rel] = (stamp, value)
        return found, value

    def get(self, rel: str, stamp: Stamp, parse: Callable[[], Any], restamp: Callable[[], Stamp | None] = lambda: None) -> Any:
        """The value for ``rel`` at ``stamp``: the previous one when the stamp is the same, else parsed.

        ``restamp`` gives the file's stamp after parsing: a file that changed while it was read
        is not kept (the next run parses it again), so a row never pairs a stamp with other text.
        """
        entry = self._previous.get(rel)
        if entry is not None and entry[0] == stamp:
            found, value = _read(entry[1])
            if found:
                self._current[rel] = (stamp, value)
                return value
        value = parse()
        after = restamp()
        if after is None or after == stamp:
            self._current[rel] = (stamp, value)
            self._parsed.add(rel)
        else:  # kept for this run and a watcher's memory, never written: the next look parses it again
            self._current[rel] = (UNMATCHED, value)
        return value

    @classmethod
    def load(cls, path: Path) -> ParseCache:
        """The rows of the cache file (values unpickled on use); empty when there is none or it is unreadable."""
        if not path.exists():
            return cls()
        try:
            with _connection(path) as db:
                rows = db.execute("SELECT path, mtime, size, checksum, value FROM files").fetchall()
        except sqlite3.Error as error:  # busy past the timeout: parse everything this time
            if _corrupt(error):
                _discard(path, error)
            return cls()
        return cls({rel: ((mtime, size), _Stored(value, checksum)) for rel, mtime, size, checksum, value in rows})

    def save(self, path: Path) -> None:
        """Write the rows of the files parsed in this run and delete those of files no longer seen."""
        gone = self._previous.keys() - self._current.keys()
        if not self._parsed and not gone:
            return
        rows = [_row(rel, *self._current[rel]) for rel in self._parsed]
        try:
            self._write(path, rows, gone)
        except sqlite3.Error as error:
            if not _corrupt(error):
                return  # a full disk, busy past the timeout: the cache is optional, the next run parses what it lacks
            _discard(path, error)  # unreadable: start it again with this run's rows
            with contextlib.suppress(sqlite3.Error, OSError):
                self._write(path, [_row(rel, *self._current[rel]) for rel in self._current], set())
        except OSError:
            pass

    @staticmethod
    def _write(path: Path, rows: list[tuple], gone: set[str]) -> None:
        with _connection(path) as db, db:
            db.executemany("DELETE FROM files WHERE path = ?", ((rel,) for rel in gone))
            db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)", rows)


def _row(rel: str, stamp: Stamp, value: Any) -> tuple:
    blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return (rel, *stamp, zlib.crc32(blob), blob)


def _corrupt(error: sqlite3.Error) -> bool:
    """Not a database, or a damaged one (not: busy, full disk, read-only folder)."""
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _read(value: Any) -> tuple[bool, Any]:
    return value.value() if isinstance(value, _Stored) else (True, value)


@contextlib.contextmanager
def _connection(path: Path) -> Iterator[sqlite3.Connection]:
    """The cache file, created with its table when new; a file of another format is emptied first."""
    db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
            with db:
                db.execute("BEGIN IMMEDIATE")  # another process may be creating it: look again once it is done
                if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
                    db.execute("DROP TABLE IF EXISTS files")
                    db.execute(SCHEMA)
                    db.execute(f"PRAGMA user_version = {FORMAT}")
        db.isolation_level = ""  # transactions from here on: ``with db`` commits the writes
        yield db
    finally:
        db.close()


def _discard(path: Path, error: Exception) -> None:
    log.warning("the parse cache %s is unreadable (%s): it is rebuilt, every file is parsed again", path, error)
    for name in (path, path.with_name(path.name + "-journal")):
        with contextlib.suppress(OSError):
            name.unlink()
