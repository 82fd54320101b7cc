"""The reference: SQLite FTS5 with bm25() and snippet() behind a minimal Flask endpoint.

    FTS5_DB=/path/to/db.sqlite gunicorn --workers 2 bench.fts5_app:app

``/api/search?q=`` answers as this app's API does: the total count and the 10 best with
snippets, for the OR of the query's words. ``bench/versus_fts5.py`` builds the database.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading

from flask import Flask, jsonify, request

app = Flask(__name__)
_local = threading.local()


def _db() -> sqlite3.Connection:
    if not hasattr(_local, "db"):
        _local.db = sqlite3.connect(os.environ["FTS5_DB"], check_same_thread=False)
    return _local.db


def match_expression(text: str) -> str:
    """The OR of the query's words, each quoted (FTS5 syntax cannot trip on them); a "quoted
    phrase" stays a phrase and a word ending in ``*`` a prefix, as in this app."""
    parts = []
    for phrase, word, star in re.findall(r'"([^"]*)"|(\w+)(\*?)', text):
        words = re.findall(r"\w+", phrase)
        if words:
            parts.append('"' + " ".join(words) + '"')
        elif word:
            parts.append('"' + word + '"' + star)
    return " OR ".join(parts)


@app.get("/api/search")
def search():
    match = match_expression(request.args.get("q", ""))
    if not match:
        return jsonify({"total": 0, "results": []})
    db = _db()
    total = db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
    rows = db.execute(
        "SELECT slug, title, snippet(docs, 2, '<mark>', '</mark>', ' … ', 24) FROM docs "
        "WHERE docs MATCH ? ORDER BY bm25(docs, 0.0, 4.0, 1.0) LIMIT 10",
        (match,),
    ).fetchall()
    return jsonify({"total": total, "results": [{"id": r[0], "title": r[1], "snippet": r[2]} for r in rows]})


def build(path: str, documents) -> int:
    """Create the database from (slug, title, body) rows."""
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, title, body, tokenize='porter unicode61')")
    db.executemany("INSERT INTO docs VALUES (?, ?, ?)", documents)
    db.commit()
    count = db.execute("SELECT count(*) FROM docs").fetchone()[0]
    db.close()
    return count
