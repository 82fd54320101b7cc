"""The accounts database goes away and comes back while the app runs.

SQLite: the database's folder is moved away (and pooled connections dropped, as an outage
would); PostgreSQL: the real server is stopped and started again.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest

from kb.accounts.models import db

from .conftest import Auth

STEP = "/paths/new-to-sc/steps/fms/letter-of-request"


class Outage:
    def __init__(self, app, database_url: str, request) -> None:
        self.app = app
        self.server = request.getfixturevalue("postgres_server") if database_url.startswith("postgresql") else None
        self.folder = None if self.server else Path(database_url[len("sqlite:///") :]).parent

    def begin(self) -> None:
        if self.server:
            self.server.stop()
        else:
            shutil.move(self.folder, self.folder.with_name("moved-away"))
            with self.app.app_context():
                db.engine.dispose()

    def end(self) -> None:
        if self.server:
            self.server.start()
        else:
            shutil.move(self.folder.with_name("moved-away"), self.folder)


@pytest.fixture
def outage(app, database_url, request):
    outage = Outage(app, database_url, request)
    yield outage
    if outage.server is None and outage.folder.with_name("moved-away").exists():
        outage.end()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_public_pages_work_sign_in_says_unavailable_and_all_is_back_after(app, client, auth, outage, caplog):
    auth.login()
    auth.post(STEP, {"done": "1"}, page="/paths/new-to-sc")
    token_page = text(client.get("/login"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
    outage.begin()
    try:
        with caplog.at_level(logging.ERROR):
            home = client.get("/")
            assert home.status_code == 200 and "Rita Reader" not in text(home)
            assert "accounts database unavailable" in caplog.text
            assert client.get("/search?q=LOA").status_code == 200
            assert client.get("/api/search?q=LOA").get_json()["total"] > 0
            assert client.get("/articles/fms/letter-of-request").status_code == 200
            assert client.get("/articles/eum/internal-checklist").status_code == 404  # read as anonymous
            assert client.get("/paths/new-to-sc").status_code == 200
            assert client.get("/healthz").status_code == 200
            other = app.test_client()
            form = other.get("/login")
            assert form.status_code == 503 and "Sign-in is unavailable" in text(form)
            signin = client.post("/login", data={"email": "ed@example.mil", "password": "x", "csrf_token": token})
            assert signin.status_code == 503 and "Sign-in is unavailable" in text(signin)
            assert signin.headers["Retry-After"]
            assert client.get("/me").status_code == 503
            assert client.get("/api/me/progress").status_code == 503
            assert client.get("/api/me/progress").get_json()["error"] == "Sign-in is unavailable"
            marked = client.post("/paths/new-to-sc/steps/fms/letter-of-offer-and-acceptance", data={"done": "1", "csrf_token": token})
            assert marked.status_code == 503
    finally:
        outage.end()
    # back, without a restart: the same session, the same progress
    home = text(client.get("/"))
    assert "Rita Reader" in home and "Continue where you left off" in home
    assert client.get("/api/me/progress").get_json()["paths"]["new-to-sc"]["done"] == ["fms/letter-of-request"]
    assert Auth(app.test_client()).login("ed@example.mil").status_code == 302
