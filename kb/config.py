"""Settings: defaults, then ``KB_*`` environment variables, then explicit overrides.

Every setting is declared in ``SETTINGS`` and parsed once, at start-up, into the frozen, typed
``Settings`` object (``app.extensions["kb.settings"]``, also copied into ``app.config``): a
value the app cannot use stops it there with a message naming the variable, never later at a
call site. Nothing else in the package reads ``os.environ``. Relative default paths are
anchored at the project folder (content) and the instance folder (index, database, secret key),
never at the working directory.
"""

from __future__ import annotations

import difflib
import logging
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, make_dataclass, replace
from pathlib import Path
from typing import Any

from flask import Flask

from . import setting_values as v

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a key
log = logging.getLogger(__name__)


class SettingError(ValueError):
    """A ``KB_*`` value the app cannot use; the message names the variable and what it expected."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: v.Parser | None = None  # None: by the type of the default (bool, int, float, else text)
    secret: bool = False  # kept out of the settings' repr (it may reach a log)

    def value(self, given: Any) -> Any:
        """The typed value of ``given`` (a variable's text or an override); unset or empty: the default."""
        if given is None or (isinstance(given, str) and not given.strip()):
            return self.default
        try:
            return (self.parse or v.by_default(self.default))(given)
        except ValueError as exc:
            raise SettingError(f"KB_{self.name}: {exc}") from None


SETTINGS: tuple[Setting, ...] = (
    Setting("CONTENT_DIR", ROOT / "content", "Folder of the content repository (Markdown + YAML frontmatter).", v.path),
    Setting(
        "INSTANCE_DIR", None, "Folder of the server's own state: index, secret key (and the database); default: instance/ in the project.", v.path
    ),
    Setting("INDEX_DIR", None, "Folder of the Whoosh search index (derived data, safe to delete); default: index/ in the instance folder.", v.path),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs sessions and forms; default: generated once and kept in the instance folder (mode 0600), so every worker shares it.",
        secret=True,
    ),
    Setting("MAX_FILE_BYTES", 2_000_000, "Content files larger than this are skipped with an error.", v.integer(1)),
    Setting("PER_PAGE", 10, "Search results per page (the API accepts per_page up to 50).", v.integer(1, 50)),
    Setting("MAX_QUERY_CHARS", 500, "Longer queries are cut to this many characters.", v.integer(10, 10_000)),
    Setting("WRITER_TIMEOUT", 30.0, "Seconds an index update waits for another writer before giving up.", v.number(0, 3600)),
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
        v.database_url,
        secret=True,
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
        v.header_name,
    ),
    Setting(
        "TRUSTED_PROXIES",
        (),
        "Comma-separated IP addresses or CIDR networks of the reverse proxies whose user header, X-Forwarded-For and X-Forwarded-Proto are believed.",
        v.networks,
    ),
    Setting(
        "SECURE_COOKIES",
        "auto",
        "Session cookie only over HTTPS: 1, 0, or auto (when the request came over HTTPS, directly or as X-Forwarded-Proto from a trusted proxy).",
        v.auto_or_boolean,
    ),
    Setting(
        "MARKINGS",
        ("CUI",),
        "Comma-separated handling markings articles may carry (marking: CUI); a marked article is always staff-only.",
        v.names,
    ),
    Setting(
        "LOGIN_MAX_FAILURES",
        5,
        "Failed sign-ins within KB_LOGIN_LOCK_MINUTES that pause sign-in for an account, and for a client address.",
        v.integer(1, 1000),
    ),
    Setting("LOGIN_LOCK_MINUTES", 15.0, "The window in which failed sign-ins are counted (and so the lock's length).", v.number(0.1, 10_080)),
    Setting(
        "LOGIN_RATE_LIMIT",
        "20 per minute",
        "Sign-in attempts (POST /login) one client address may make, e.g. '20 per minute' or '5/second; 100/hour'; more answer 429.",
        v.rate,
    ),
    Setting(
        "RATE_LIMIT_STORAGE",
        "memory://",
        "Where the sign-in rate limit counts: memory:// (each worker process alone) or a store several servers share, e.g. redis://host:6379.",
        v.rate_limit_store,
        secret=True,
    ),
    Setting(
        "PASSWORD_PROFILE",
        "default",
        "argon2 parameters of new hashes: default (RFC 9106 low memory) or cheapest (tests only).",
        v.choice("default", "cheapest"),
    ),
    Setting(
        "EDIT_URL",
        None,
        'Template of an article\'s "Edit this page" link, with {path} for its path in the '
        "content folder, e.g. https://git.example.mil/sc/kb-content/-/edit/main/{path}; unset: no link.",
        v.url_template("{path}"),
    ),
    Setting("COMMITTER_NAME", "SC Knowledge Base", "Committer name of the commits the browser editor makes (the author is the signed-in editor)."),
    Setting("COMMITTER_EMAIL", "kb@localhost", "Committer email of the commits the browser editor makes."),
    Setting(
        "MEDIA_TYPES",
        ("png", "jpeg", "gif", "webp", "pdf"),
        "Types of media files served and accepted for upload (of png, jpeg, gif, webp, pdf), told by their bytes; SVG never (it can carry script).",
        v.some_of("png", "jpeg", "gif", "webp", "pdf"),
    ),
    Setting("MEDIA_MAX_BYTES", 5_000_000, "Media files (images, attachments) larger than this are neither served nor accepted.", v.integer(1)),
    Setting(
        "WEBHOOK_SECRET",
        None,
        "Shared secret of POST /hooks/content (GitLab X-Gitlab-Token or GitHub X-Hub-Signature-256); unset: the hook answers 404.",
        secret=True,
    ),
    Setting(
        "MAX_CONTENT_LENGTH",
        1_000_000,
        "Largest request body in bytes (forms, webhook deliveries); a larger request is answered 413 before it is read.",
        v.integer(10_000, 1_000_000_000),
    ),
    Setting(
        "CSRF_HOURS", 12, "Hours a form stays valid (its CSRF token); an older form is refused with a request to reload the page.", v.integer(1, 8760)
    ),
    Setting(
        "SERVER_TIMING",
        False,
        "1: each response carries Server-Timing: app;dur=<ms> (for bench/ and browsers' dev tools); off, timings stay private.",
    ),
    Setting(
        "NODE_NAME",
        None,
        "This server's name among several behind one load balancer (e.g. kb1): sent as the X-KB-Node header of every response; unset: no header.",
        v.node_name,
    ),
    Setting("STALE_AFTER_DAYS", 365, "An article without review_by is due for review after this many days without a change.", v.integer(1, 36_500)),
    Setting(
        "SEARCH_LOG_DAYS",
        180,
        "Logged searches (kept without any user identity) are deleted after this many days; 0 turns the search log off.",
        v.integer(0, 36_500),
    ),
    Setting("SEARCH_LOG_BATCH", 50, "The search log writes its buffer once this many searches wait.", v.integer(1, 10_000)),
    Setting("SEARCH_LOG_INTERVAL", 2.0, "Seconds between the search log's writes of its buffer.", v.number(0.01, 3600)),
    Setting(
        "EDIT_MAX_BYTES",
        200_000,
        "Largest article file the browser editor previews and saves (a larger one is refused with the text kept: split it, or use git).",
        v.integer(1_000, 100_000_000),
    ),
    Setting(
        "REVIEW_SECOND_PERSON",
        False,
        "1: every change to a staff-only or marked article needs a second person: editors' edits become proposals, "
        "renames and deletions are refused, and nobody approves their own proposal.",
    ),
    Setting("ANONYMOUS_REPORTS", False, '1: readers who are not signed in may also send "Report a problem" (off: signed-in readers only).'),
    Setting(
        "FEEDBACK_RATE_LIMIT",
        "10 per minute",
        "Helpful votes and problem reports one client address, and one signed-in user, may send, e.g. '10 per minute'; more answer 429.",
        v.rate,
    ),
    # notifications (issue 21): kept this long; email only when KB_SMTP_HOST is set
    Setting("NOTIFICATIONS_KEEP_DAYS", 180, "Notifications older than this many days are deleted (by flask kb notify).", v.integer(1, 36_500)),
    Setting("SITE_URL", "http://localhost:5000", "The site's address as readers reach it, for the links in notification emails."),
    Setting("SMTP_HOST", "", "Mail server for notification emails; empty (the default): no email is sent."),
    Setting("SMTP_PORT", 587, "Port of KB_SMTP_HOST.", v.integer(1, 65_535)),
    Setting("SMTP_USER", "", "User name at KB_SMTP_HOST; empty: no authentication."),
    Setting("SMTP_PASSWORD", "", "Password of KB_SMTP_USER.", secret=True),
    Setting("SMTP_FROM", "kb@localhost", "Sender address of notification emails."),
    Setting("SMTP_STARTTLS", True, "1: encrypt the connection to KB_SMTP_HOST with STARTTLS (0 only for a local relay)."),
    Setting(
        "EXPORT_SIGNING_KEY",
        "",
        "Key of the HMAC-SHA256 signature of offline bundles' manifests (manifest.sig); empty: bundles are not signed.",
        secret=True,
    ),
    Setting(
        "FRAME_ANCESTORS",
        "'none'",
        "Who may show the site in a frame (CSP frame-ancestors), e.g. \"'self' https://portal.example.mil\"; default: nobody.",
        v.csp_sources,
    ),
)
NAMES = frozenset(s.name for s in SETTINGS)

Settings = make_dataclass(
    "Settings",
    [(s.name, Any, field(repr=not s.secret)) for s in SETTINGS],
    frozen=True,
    namespace={"__doc__": "Every setting of ``SETTINGS``, typed (read once at start-up)."},
)


def read(overrides: Mapping[str, Any] | None = None) -> Any:
    """The ``Settings`` from the defaults, ``KB_*`` variables and ``overrides``; raises ``SettingError``.

    The folders' defaults are filled in (the instance folder, the index in it); the secret key's,
    which may write a file, is left to ``load``.
    """
    overrides = overrides or {}
    values = {s.name: s.value(overrides[s.name] if s.name in overrides else os.environ.get(f"KB_{s.name}")) for s in SETTINGS}
    values["INSTANCE_DIR"] = values["INSTANCE_DIR"] or ROOT / "instance"
    values["INDEX_DIR"] = values["INDEX_DIR"] or values["INSTANCE_DIR"] / "index"
    return Settings(**values)


def load(app: Flask, settings: Any, overrides: Mapping[str, Any] | None = None) -> Any:
    """Fill ``app.config`` from ``settings`` (and the other keys of ``overrides``, e.g. ``TESTING``)."""
    if not settings.SECRET_KEY:
        settings = replace(settings, SECRET_KEY=stored_secret_key(settings.INSTANCE_DIR / SECRET_KEY_FILE))
    app.config.from_mapping({key: value for key, value in (overrides or {}).items() if key not in NAMES})
    app.config.from_mapping({f.name: getattr(settings, f.name) for f in fields(settings)})
    app.extensions["kb.settings"] = settings
    warn_of_unknown(os.environ)
    return settings


def warn_of_unknown(environ: Mapping[str, str]) -> None:
    """A ``KB_*`` variable that is no setting is ignored: say so (a typo would otherwise pass unseen)."""
    for variable in sorted(k for k in environ if k.startswith("KB_") and k[3:] not in NAMES):
        close = difflib.get_close_matches(variable[3:], NAMES, n=1)
        log.warning("%s is not a setting of the knowledge base and is ignored%s", variable, f" (did you mean KB_{close[0]}?)" if close else "")


def stored_secret_key(path: Path) -> str:
    """The key in ``path``, created once (mode 0600) so that every process signs alike.

    Written whole to a temporary file and linked into place, so a worker starting at the same
    moment reads either no file or the complete key, never an empty one.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new instance folder: its owner's only
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
