"""/exports: offline bundles by role, built in the background per content commit; the hunt's planted
words appear nowhere in a public bundle (kb.web.exports, kb.export)."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import flask_migrate
import pytest

from kb import create_app
from kb.accounts.service import add_user
from kb.index import SearchIndex
from kb.repository.sync import sync

from ..accounts.conftest import MIGRATIONS, Auth
from ..accounts.conftest import PASSWORD as SECRET
from ..conftest import close_app
from .hunt_site import CUI_SLUG, LEAK, OLD_STAFF_SLUG, PLANTED, STAFF_SLUG, build_site

HIDDEN = re.compile("|".join(re.escape(s.split("/")[-1]) for s in (STAFF_SLUG, OLD_STAFF_SLUG, CUI_SLUG)).encode(), re.IGNORECASE)
BUILD_SECONDS = 300


@pytest.fixture(scope="module")
def export_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("exports")
    content = build_site(root / "content")
    index = SearchIndex(root / "index")
    sync(content, index)
    index.close()
    settings = {"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index"), "INSTANCE_DIR": str(root / "instance"), "SECRET_KEY": "test"}
    app = create_app(
        {**settings, "DATABASE_URL": f"sqlite:///{root / 'kb.sqlite3'}", "PASSWORD_PROFILE": "cheapest", "TESTING": True, "SEARCH_LOG_DAYS": 0}
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        add_user(app.extensions["kb.passwords"], "rita@example.mil", "Rita Reader", "reader", SECRET)
        add_user(app.extensions["kb.passwords"], "ed@example.mil", "Ed Editor", "editor", SECRET)
    yield app
    close_app(app)


def signed_in(app, email: str):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def download(client, url: str) -> zipfile.ZipFile:
    """The bundle at ``url``: the first answer starts the build (202), later ones give the ZIP."""
    deadline = time.monotonic() + BUILD_SECONDS
    while (response := client.get(url)).status_code == 202 and time.monotonic() < deadline:
        assert "being prepared" in response.get_data(as_text=True) and response.headers["Retry-After"]
        time.sleep(1)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    data = response.get_data()
    response.close()  # send_file's open file
    return zipfile.ZipFile(io.BytesIO(data))


@pytest.mark.parametrize("url", ["/exports", "/exports/public.zip", "/exports/staff.zip"])
def test_anonymous_readers_are_sent_to_sign_in(export_app, url):
    response = export_app.test_client().get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_readers_get_the_staff_bundle_and_editors_both(export_app):
    reader, editor = signed_in(export_app, "rita@example.mil"), signed_in(export_app, "ed@example.mil")
    page = reader.get("/exports").get_data(as_text=True)
    assert "Staff copy" in page and "Public copy" not in page
    assert reader.get("/exports/public.zip").status_code == 404
    assert reader.get("/exports/other.zip").status_code == 404
    both = editor.get("/exports").get_data(as_text=True)
    assert "Staff copy" in both and "Public copy" in both and 'href="/exports/public.zip"' in both


def test_a_public_bundle_holds_no_byte_of_a_hidden_document_and_a_staff_one_holds_them_all(export_app):
    editor, reader = signed_in(export_app, "ed@example.mil"), signed_in(export_app, "rita@example.mil")
    assert editor.get("/exports/public.zip").status_code == 202  # both build at once, in the background
    assert reader.get("/exports/staff.zip").status_code == 202
    public, staff = download(editor, "/exports/public.zip"), download(reader, "/exports/staff.zip")
    leaks = {}
    for name in public.namelist():
        data = public.read(name)
        found = {m.group().lower() for m in LEAK.finditer(data.decode("utf-8", "replace"))} | {m.group().decode() for m in HIDDEN.finditer(data)}
        if found:
            leaks[name] = found
    assert leaks == {}
    assert "articles/fms/escalation-notes.html" in public.namelist() and "index.html" in public.namelist()
    staff_text = " ".join(staff.read(n).decode("utf-8", "replace") for n in staff.namelist() if n.endswith(".html"))
    assert {w for w in PLANTED if w in staff_text.lower()} >= {"vexquill", "plumbrix", "quantorix", "tarnwhistle", "pelliscrum"}
    assert "Staff only — not for public release" in staff.read("index.html").decode()
    assert any(name.endswith(".zip") for name in _cached(export_app))


def _cached(app) -> list[str]:
    return [p.name for p in (Path(app.instance_path) / "exports").iterdir()]
