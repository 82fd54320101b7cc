"""Accounts tests run against a real database made by the migrations: SQLite, and PostgreSQL where installed."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import flask_migrate
import pytest

from kb import create_app
from kb.accounts import MIGRATIONS
from kb.accounts.models import db
from kb.accounts.service import add_user

from ..postgres import PostgresServer, PostgresUnavailable

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def postgres_server():
    try:
        server = PostgresServer().init()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    yield server
    server.destroy()


@pytest.fixture(autouse=True)
def collect_garbage():
    """An unclosed connection then warns (an error) in the test that left it, not in a later one."""
    yield
    gc.collect()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'kb.sqlite3'}"
    return request.getfixturevalue("postgres_server").new_database()


def make_app(tmp_path: Path, content_dir: Path, index_dir: Path, database_url: str, **overrides):
    """An app on the test content and database; CSRF protection on, as in production, and
    view errors raised in the test (``TESTING``) instead of answered by the friendly 500 page."""
    if database_url.startswith("sqlite:///"):
        Path(database_url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    return create_app(
        {
            "CONTENT_DIR": str(content_dir),
            "INDEX_DIR": str(index_dir),
            "SECRET_KEY": "test",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "PASSWORD_PROFILE": "cheapest",
            "TESTING": True,
            **overrides,
        }
    )


def migrate(app) -> None:
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))


@pytest.fixture
def settings() -> dict:
    """Extra settings for the ``app`` fixture; a test module overrides this fixture."""
    return {}


def close_app(app) -> None:
    """Close what an app holds open: the search log's writer, database connections and the index."""
    app.extensions["kb.searchlog"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["kb.index"].close()


@pytest.fixture
def new_app(tmp_path, content_dir, index, database_url):
    """Build apps on the test content and database (a restart is a second one); all closed afterwards."""
    made = []

    def build(**settings):
        made.append(make_app(tmp_path, content_dir, index.directory, database_url, **settings))
        return made[-1]

    yield build
    for app in made:
        close_app(app)


@pytest.fixture
def app(new_app, settings):
    app = new_app(**settings)
    migrate(app)
    with app.app_context():
        for email, name, role in USERS:
            add_user(app.extensions["kb.passwords"], email, name, role, PASSWORD)
    return app


USERS = [("rita@example.mil", "Rita Reader", "reader"), ("ed@example.mil", "Ed Editor", "editor"), ("ada@example.mil", "Ada Admin", "admin")]


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token a page's form carries."""
    match = CSRF.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class Auth:
    """Sign in and out in one line, through the real forms (CSRF token included)."""

    def __init__(self, client) -> None:
        self.client = client

    def login(self, email: str = "rita@example.mil", password: str = PASSWORD, next: str | None = None, **kwargs):
        token = csrf_token(self.client)
        url = "/login" + (f"?next={next}" if next is not None else "")
        return self.client.post(url, data={"email": email, "password": password, "csrf_token": token}, **kwargs)

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, url: str, data: dict | None = None, page: str = "/", **kwargs):
        """POST a form the way a browser does: with the token from a page."""
        return self.client.post(url, data={**(data or {}), "csrf_token": csrf_token(self.client, page)}, **kwargs)


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)
