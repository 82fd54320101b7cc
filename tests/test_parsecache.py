"""The parse cache on disk (``kb.content.parsecache``): a row per file in SQLite, written as files
change, that never gives a run the wrong content and survives damage and concurrent runs."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
from pathlib import Path

from kb.content import ParseCache, load_content

LOR = "articles/fms/letter-of-request.md"


def run(content_dir: Path, cache_file: Path):
    """One update's use of the cache: read it, load the folder through it, write back what changed."""
    cache = ParseCache.load(cache_file)
    content = load_content(content_dir, cache=cache)
    cache.save(cache_file)
    return content


def titles(content) -> dict[str, str]:
    return {doc.path: doc.title for doc in content.documents}


def rows(cache_file: Path) -> dict[str, tuple[int, int]]:
    with sqlite3.connect(cache_file) as db:
        return {path: (mtime, size) for path, mtime, size in db.execute("SELECT path, mtime, size FROM files")}


def stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_mtime_ns, info.st_size


def test_a_changed_file_is_parsed_again_and_its_row_rewritten(content_dir, tmp_path):
    cache_file = tmp_path / "parse-cache.sqlite"
    first = run(content_dir, cache_file)
    assert rows(cache_file)[LOR] == stamp(content_dir / LOR)
    text = (content_dir / LOR).read_text()
    (content_dir / LOR).write_text(text.replace("title: ", "title: Renamed ", 1))
    second = run(content_dir, cache_file)
    assert titles(second)[LOR].startswith("Renamed ") and not titles(first)[LOR].startswith("Renamed ")
    assert rows(cache_file)[LOR] == stamp(content_dir / LOR)
    assert titles(second) == titles(load_content(content_dir))  # what a run without the cache reads


def test_an_unchanged_file_comes_from_its_row_not_from_the_file(content_dir, tmp_path):
    """The row is what a run reads for a file whose stamp is the same (so it never opens the file)."""
    cache_file = tmp_path / "parse-cache.sqlite"
    run(content_dir, cache_file)
    (doc,) = [d for d in load_content(content_dir).documents if d.path == LOR]
    planted = ParseCache()
    planted.get(LOR, stamp(content_dir / LOR), lambda: (doc.__class__(**{**doc.__dict__, "title": "From the row"}), ()))
    planted.save(cache_file)
    assert titles(run(content_dir, cache_file))[LOR] == "From the row"


def test_a_deleted_file_leaves_the_content_and_the_cache(content_dir, tmp_path):
    cache_file = tmp_path / "parse-cache.sqlite"
    run(content_dir, cache_file)
    assert LOR in rows(cache_file)
    (content_dir / LOR).unlink()
    assert LOR not in titles(run(content_dir, cache_file))
    assert LOR not in rows(cache_file) and len(rows(cache_file)) == len(load_content(content_dir).documents) + 1  # + the glossary


def test_a_corrupt_cache_file_is_rebuilt_with_a_warning(content_dir, tmp_path, caplog):
    cache_file = tmp_path / "parse-cache.sqlite"
    run(content_dir, cache_file)
    expected = titles(load_content(content_dir))
    cache_file.write_bytes(b"this is not a database " * 400)
    with caplog.at_level(logging.WARNING):
        assert titles(run(content_dir, cache_file)) == expected
    assert "parse cache" in caplog.text and "unreadable" in caplog.text and "rebuilt" in caplog.text
    assert LOR in rows(cache_file)  # a sound file again, with every row
    assert titles(run(content_dir, cache_file)) == expected


def test_a_damaged_row_is_parsed_again(content_dir, tmp_path):
    """A value that does not match its checksum (a flipped byte) is never used: the file is read."""
    cache_file = tmp_path / "parse-cache.sqlite"
    run(content_dir, cache_file)
    with sqlite3.connect(cache_file) as db:
        (value,) = db.execute("SELECT value FROM files WHERE path = ?", (LOR,)).fetchone()
        damaged = value.replace(b"Letter", b"Lutter")
        assert damaged != value
        db.execute("UPDATE files SET value = ? WHERE path = ?", (damaged, LOR))
    assert titles(run(content_dir, cache_file)) == titles(load_content(content_dir))


def _update_repeatedly(content_dir: str, cache_file: str, path: str, rounds: int) -> None:
    for n in range(rounds):
        file = Path(content_dir) / path
        file.write_text(file.read_text().replace("title: ", f"title: R{n} ", 1))
        run(Path(content_dir), Path(cache_file))


def test_two_processes_using_the_cache_at_once_leave_it_sound(content_dir, tmp_path):
    cache_file = tmp_path / "parse-cache.sqlite"
    run(content_dir, cache_file)
    other = "people/maria-delgado.md"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_update_repeatedly, args=(str(content_dir), str(cache_file), path, 15)) for path in (LOR, other)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    with sqlite3.connect(cache_file) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # every row that stayed matches its file: a run through the cache reads what a run without it reads
    assert titles(run(content_dir, cache_file)) == titles(load_content(content_dir))
    assert titles(load_content(content_dir))[LOR].startswith("R14 ")


def test_a_file_changed_while_it_was_read_is_parsed_again_next_time(content_dir, tmp_path):
    """The row never pairs the stamp seen before reading with text read after a change."""
    cache_file, file = tmp_path / "parse-cache.sqlite", content_dir / LOR
    seen = stamp(file)

    def read_during_a_save():
        value = file.read_text()
        file.write_text(value + "\nSaved while being read.\n")  # an editor's save lands mid-read
        return value

    cache = ParseCache()
    assert cache.get(LOR, seen, read_during_a_save, lambda: stamp(file)) == (content_dir / LOR).read_text().replace("\nSaved while being read.\n", "")
    cache.save(cache_file)
    again = ParseCache.load(cache_file)
    assert again.get(LOR, stamp(file), lambda: "parsed again", lambda: stamp(file)) == "parsed again"
