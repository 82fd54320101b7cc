"""Settings: defaults, then ``KB_*`` environment variables, then explicit overrides.

Nothing else in the package reads ``os.environ``. Relative default paths are anchored at
the project folder (content) and the instance folder (index, database, secret key), never
at the working directory.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a key


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("CONTENT_DIR", str(ROOT / "content"), "Folder of the content repository (Markdown + YAML frontmatter)."),
    Setting("INDEX_DIR", None, "Folder of the Whoosh search index (derived data, safe to delete); default: index/ in the instance folder."),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs sessions and forms; default: generated once and kept in the instance folder (mode 0600), so every worker shares it.",
    ),
    Setting("MAX_FILE_BYTES", 2_000_000, "Content files larger than this are skipped with an error."),
    Setting("PER_PAGE", 10, "Search results per page (the API accepts per_page up to 50)."),
    Setting("MAX_QUERY_CHARS", 500, "Longer queries are cut to this many characters."),
    Setting("WRITER_TIMEOUT", 30.0, "Seconds an index update waits for another writer before giving up."),
    Setting(
        "SEARCH_TIME_LIMIT",
        0.5,
        "Seconds of CPU one search may use; a search that needs more is stopped and answered 400 with a message "
        "(the README's Security section lists the other bounds).",
    ),
    Setting(
        "PRELOAD_POSTINGS",
        True,
        "Each worker reads the longest posting lists of the index in the background once it opens it, so its first searches need not (up to 64 MB).",
    ),
    Setting("SITE_NAME", "SC Knowledge Base", "Name shown in the header and page titles."),
    Setting(
        "DATABASE_URL",
        None,
        "Accounts database: a SQLAlchemy URL such as postgresql://kb@db.example/kb "
        "(psycopg 3); default: the SQLite file kb.sqlite3 in the instance folder.",
    ),
    Setting(
        "REQUIRE_LOGIN",
        False,
        "1: every page and API call needs sign-in (pages redirect to /login, the API answers 401); /healthz, /login and static files stay open.",
    ),
    Setting(
        "TRUSTED_USER_HEADER",
        None,
        "Single sign-on: the request header (e.g. X-Remote-User) in which the proxy "
        "names the signed-in user; trusted only from KB_TRUSTED_PROXIES. Off by default.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        "",
        "Comma-separated IP addresses or CIDR networks of the reverse proxies whose user header, X-Forwarded-For and X-Forwarded-Proto are believed.",
    ),
    Setting(
        "SECURE_COOKIES",
        "auto",
        "Session cookie only over HTTPS: 1, 0, or auto (when the request came over HTTPS, directly or as X-Forwarded-Proto from a trusted proxy).",
    ),
    Setting("MARKINGS", "CUI", "Comma-separated handling markings articles may carry (marking: CUI); a marked article is always staff-only."),
    Setting("LOGIN_MAX_FAILURES", 5, "Failed sign-ins within KB_LOGIN_LOCK_MINUTES that pause sign-in for an account, and for a client address."),
    Setting("LOGIN_LOCK_MINUTES", 15, "The window in which failed sign-ins are counted (and so the lock's length)."),
    Setting(
        "EDIT_URL",
        None,
        'Template of an article\'s "Edit this page" link, with {path} for its path in the '
        "content folder, e.g. https://git.example.mil/sc/kb-content/-/edit/main/{path}; unset: no link.",
    ),
    Setting(
        "WEBHOOK_SECRET",
        None,
        "Shared secret of POST /hooks/content (GitLab X-Gitlab-Token or GitHub X-Hub-Signature-256); unset: the hook answers 404.",
    ),
    Setting("STALE_AFTER_DAYS", 365, "An article without review_by is due for review after this many days without a change."),
    Setting("SEARCH_LOG_DAYS", 180, "Logged searches (kept without any user identity) are deleted after this many days; 0 turns the search log off."),
    Setting(
        "FRAME_ANCESTORS",
        "'none'",
        "Who may show the site in a frame (CSP frame-ancestors), e.g. \"'self' https://portal.example.mil\"; default: nobody.",
    ),
)


def instance_dir(overrides: dict[str, Any] | None = None) -> Path:
    """``KB_INSTANCE_DIR`` (or the override), else ``instance/`` in the project folder."""
    chosen = (overrides or {}).get("INSTANCE_DIR") or os.environ.get("KB_INSTANCE_DIR")
    return Path(chosen).resolve() if chosen else ROOT / "instance"


def load(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from the defaults, ``KB_*`` variables and ``overrides``."""
    app.config.from_mapping({s.name: s.default for s in SETTINGS})
    app.config.from_prefixed_env("KB")
    if overrides:
        app.config.from_mapping(overrides)
    instance = Path(app.instance_path)
    if not app.config["INDEX_DIR"]:
        app.config["INDEX_DIR"] = str(instance / "index")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = stored_secret_key(instance / SECRET_KEY_FILE)


def stored_secret_key(path: Path) -> str:
    """The key in ``path``, created once (mode 0600) so that every process signs alike.

    Written whole to a temporary file and linked into place, so a worker starting at the same
    moment reads either no file or the complete key, never an empty one.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600, a name of its own
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        os.link(tmp, path)
    except FileExistsError:  # another worker won the race: use its key
        key = path.read_text().strip()
    except OSError:  # a file system without hard links: create it in place, as exclusively
        key = _create_exclusively(path, key)
    finally:
        os.unlink(tmp)
    return key


def _create_exclusively(path: Path, key: str) -> str:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
