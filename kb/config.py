"""Settings: defaults, then ``KB_*`` environment variables, then explicit overrides.

Nothing else in the package reads ``os.environ``.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import Flask


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("CONTENT_DIR", "content", "Folder of the content repository (Markdown + YAML frontmatter)."),
    Setting("INDEX_DIR", "instance/index", "Folder of the Whoosh search index (derived data, safe to delete)."),
    Setting("SECRET_KEY", None, "Key that signs sessions and forms; set it when you run more than one process."),
    Setting("MAX_FILE_BYTES", 2_000_000, "Content files larger than this are skipped with an error."),
    Setting("PER_PAGE", 10, "Search results per page (the API accepts per_page up to 50)."),
    Setting("MAX_QUERY_CHARS", 500, "Longer queries are cut to this many characters."),
    Setting("WRITER_TIMEOUT", 30.0, "Seconds an index update waits for another writer before giving up."),
    Setting("SITE_NAME", "SC Knowledge Base", "Name shown in the header and page titles."),
)


def load(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from the defaults, ``KB_*`` variables and ``overrides``."""
    app.config.from_mapping({s.name: s.default for s in SETTINGS})
    app.config.from_prefixed_env("KB")
    if overrides:
        app.config.from_mapping(overrides)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secrets.token_hex(32)
