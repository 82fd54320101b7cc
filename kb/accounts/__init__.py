"""Accounts: who is reading, signed in with a password or vouched for by a trusted proxy.

``init_app`` binds the database, migrations, flask-login, CSRF protection and the sign-in rate
limit to the app and plugs ``identify`` into ``app.extensions["kb.identify"]``, the one hook
through which the rest of the app learns who reads (``kb.web.context.current_reader``).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from limits.errors import ConfigurationError
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from ..access import ANONYMOUS, Reader
from ..config import ROOT, SettingError
from .models import User, db
from .network import came_over_https, client_address, is_trusted
from .passwords import Passwords
from .service import Lockout, load_session, single_sign_on_user

MIGRATIONS = ROOT / "migrations"
DATABASE_FILE = "kb.sqlite3"

login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()


def database_uri(url: str | None, instance: Path) -> str:
    """``KB_DATABASE_URL``, with PostgreSQL URLs sent to psycopg 3; default a SQLite file in the instance folder."""
    if not url:
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new instance folder: its owner's only
        return f"sqlite:///{instance / DATABASE_FILE}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def keep_private(uri: str, logger: logging.Logger) -> None:
    """A SQLite database holds password hashes: its file is created readable by its owner only (0600,
    before SQLite would create it 0644), and an existing one readable by others is tightened."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        return
    path = Path(url.database)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # SQLite takes an empty file as an empty database
        return
    except FileExistsError:
        pass
    except OSError:  # no such folder, or read-only: SQLite says so when it connects
        return
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):  # SQLite gives these the database's mode
        _tighten(file, logger)


def _tighten(path: Path, logger: logging.Logger) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(0o600)
            logger.warning("%s was readable by others (mode %03o): now 600", path, mode)
    except FileNotFoundError:
        pass
    except OSError as exc:
        logger.warning("%s is readable by others and could not be made private (chmod 600 it): %s", path, exc)


def engine_options(uri: str) -> dict[str, Any]:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    # a dead connection (server restarted) is replaced, and an unreachable server fails fast
    return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5}}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(connection, record) -> None:
    """Foreign keys on (cascading deletes) and WAL, so several workers read while one writes."""
    if type(connection).__module__.startswith("sqlite3"):
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when ``KB_SECURE_COOKIES`` says so, or (auto) over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = app.config["SECURE_COOKIES"]
        if setting != "auto":
            return setting
        return has_request_context() and came_over_https(
            request.is_secure, request.remote_addr, request.headers.get("X-Forwarded-Proto"), app.extensions["kb.proxies"]
        )


def init_app(app: Flask) -> None:
    cfg = app.config
    cfg["SQLALCHEMY_DATABASE_URI"] = database_uri(cfg["DATABASE_URL"], Path(app.instance_path))
    keep_private(cfg["SQLALCHEMY_DATABASE_URI"], app.logger)
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(cfg["SQLALCHEMY_DATABASE_URI"]))
    cfg.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", WTF_CSRF_TIME_LIMIT=cfg["CSRF_HOURS"] * 3600)
    cfg["RATELIMIT_STORAGE_URI"] = cfg["RATE_LIMIT_STORAGE"]
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    try:
        limiter.init_app(app)
    except ConfigurationError as exc:  # e.g. redis:// without the redis package
        raise SettingError(f"KB_RATE_LIMIT_STORAGE: {exc}") from None
    app.session_interface = _SessionInterface()
    app.extensions["kb.proxies"] = cfg["TRUSTED_PROXIES"]
    app.extensions["kb.passwords"] = Passwords(cfg["PASSWORD_PROFILE"])
    app.extensions["kb.lockout"] = Lockout(cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_LOCK_MINUTES"])
    app.extensions["kb.markings"] = cfg["MARKINGS"]
    app.extensions["kb.identify"] = identify


@login_manager.user_loader
def _load_user(token: str) -> User | None:
    return load_session(token)


def passwords() -> Passwords:
    return current_app.extensions["kb.passwords"]


def lockout() -> Lockout:
    return current_app.extensions["kb.lockout"]


def request_client() -> str:
    """The client's address, seen through the trusted proxies."""
    return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), current_app.extensions["kb.proxies"])


# Sign-in attempts per client address (``KB_LOGIN_RATE_LIMIT``, counted in ``KB_RATE_LIMIT_STORAGE``).
limiter = Limiter(key_func=request_client)


def _proxy_user() -> User | None:
    """The user named by ``KB_TRUSTED_USER_HEADER``, only on requests from ``KB_TRUSTED_PROXIES``."""
    header = current_app.config["TRUSTED_USER_HEADER"]
    if not header:
        return None
    identity = request.headers.get(header, "").strip()
    if not identity:
        return None
    if not is_trusted(request.remote_addr, current_app.extensions["kb.proxies"]):
        current_app.logger.info("ignored %s header from %s: not a trusted proxy", header, request.remote_addr)
        return None
    user = single_sign_on_user(identity)
    g.signed_in_by_proxy = user is not None
    return user


def reader_of(user: User) -> Reader:
    return Reader(name=user.name, staff=True, role=user.role, user_id=user.id)


def identify() -> Reader:
    """The reader of this request: the proxy's user, else the session's, else anonymous.

    When the database fails the reader is anonymous (and it is logged): public pages and
    search go on working, and the session cookie is kept for when the database is back.
    """
    try:
        user = _proxy_user()
        if user is None and current_user.is_authenticated:
            user = current_user._get_current_object()
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.error("accounts database unavailable, reading as anonymous: %s", exc)
        g._login_user = login_manager.anonymous_user()  # flask-login's per-request user: don't ask again
        g.accounts_unavailable = True
        return ANONYMOUS
    return reader_of(user) if user is not None else ANONYMOUS
