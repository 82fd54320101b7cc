"""The staff-only hunt through notifications: the page, the header, the private feed, the emails and
the unsubscribe pages, anonymously and as each role (tests/web/hunt_site.py plants the words).

Events about the staff-only and marked articles are made every way (a commit whose message holds a
planted word, a problem report quoting one, a due review); signed-in staff must be shown them
(all of them may read those articles), anonymous visitors must get nothing of them anywhere."""

from __future__ import annotations

import re

import flask_migrate
import pytest

from kb import create_app
from kb.accounts import MIGRATIONS
from kb.accounts.service import add_user
from kb.index import SearchIndex
from kb.notifications.worker import run
from kb.repository.sync import sync

from ..accounts.conftest import PASSWORD, Auth, close_app, csrf_token
from ..gitrepo import commit
from ..notifications.smtp import parts, start
from .hunt_site import CUI_SLUG, STAFF, STAFF_SLUG, build_site
from .test_hunt import leaks

USERS = {"reader": "rita@example.mil", "editor": "ed@example.mil", "admin": "ada@example.mil", "expert": "maria.delgado@example.mil"}
ROLE_OF = {"reader": "reader", "editor": "editor", "admin": "admin", "expert": "reader"}


@pytest.fixture(scope="module")
def smtp():
    controller, inbox = start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory, smtp):
    root = tmp_path_factory.mktemp("hunt-notifications")
    content = build_site(root / "content")
    index = SearchIndex(root / "index")
    sync(content, index)
    index.close()
    (root / "db").mkdir()
    app = create_app(
        {
            **{"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index"), "INSTANCE_DIR": str(root / "instance"), "SECRET_KEY": "test"},
            **{"DATABASE_URL": f"sqlite:///{root / 'db' / 'kb.sqlite3'}", "PASSWORD_PROFILE": "cheapest", "TESTING": True},
            **{"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_STARTTLS": False, "FEEDBACK_RATE_LIMIT": "1000 per minute"},
        }
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        for role, email in USERS.items():
            add_user(app.extensions["kb.passwords"], email, role.title(), ROLE_OF[role], PASSWORD)
        run(app, app.extensions["kb.index"])  # notes where the repository is
    feeds = {role: _make_events(app, content, role) for role in USERS}
    with app.app_context():
        run(app, app.extensions["kb.index"])
    yield app, feeds
    close_app(app)


def _make_events(app, content, role: str) -> str:
    """Watch the areas of the hidden articles, report a problem quoting a planted word; the feed's path."""
    client = app.test_client()
    Auth(client).login(USERS[role])
    for area in ("fms", "logistics"):
        Auth(client).post("/watch", {"kind": "area", "id": area, "on": "1"})
    client.post(
        f"/articles/{STAFF_SLUG}/-/report",
        data={"kind": "wrong", "text": "quantorix is wrong", "csrf_token": csrf_token(client, f"/articles/{STAFF_SLUG}/-/report")},
    )
    if role == "admin":
        commit(content, "john", "Marrowquench revisited", {f"articles/{STAFF_SLUG}.md": STAFF + "\nOne more stage.\n"})
    settings = client.post("/notifications/settings", data={"action": "feed", "csrf_token": csrf_token(client, "/notifications/settings")})
    return re.search(r'class="kb-feed-url">http://localhost(/notifications/feed/[^<]+)<', settings.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("role", list(USERS))
def test_signed_in_staff_are_told_about_the_hidden_articles_everywhere(site, smtp, role):
    app, feeds = site
    client = app.test_client()
    Auth(client).login(USERS[role])
    page = client.get("/notifications").get_data(as_text=True)
    assert "Vexquill escalation protocol" in page and "Marrowquench revisited" in page
    feed = app.test_client().get(feeds[role]).get_data(as_text=True)
    assert "Vexquill escalation protocol" in feed and "Marrowquench revisited" in feed
    (message,) = smtp.to(USERS[role])
    assert "Marrowquench revisited" in parts(message)[0]
    if role == "expert":
        assert "quantorix is wrong" in page  # the expert of the staff article is told about its reports


def test_anonymous_visitors_get_nothing_of_them(site, smtp):
    app, _ = site
    client = app.test_client()
    answers = {}
    for url in (
        "/notifications",
        "/notifications/settings",
        "/notifications/feed/guess",
        "/notifications/unsubscribe/guess",
        "/",
    ):
        response = client.get(url)
        answers[url] = (response.status_code, response.get_data(as_text=True) + str(response.headers))
    token = csrf_token(client, "/login")
    for slug in (STAFF_SLUG, CUI_SLUG):
        response = client.post("/watch", data={"kind": "article", "id": slug, "on": "1", "csrf_token": token})
        answers[f"watch {slug}"] = (response.status_code, response.get_data(as_text=True) + str(response.headers))
    assert {url: leaks(text) for url, (_, text) in answers.items() if leaks(text)} == {}
    assert answers["/notifications"][0] == 302 and answers["/notifications/feed/guess"][0] == 404
    assert answers[f"watch {STAFF_SLUG}"][0] == 302  # sent to sign in, whatever the article


def test_an_unsubscribe_page_names_a_kind_never_an_article(site, smtp):
    app, _ = site
    link = re.search(r"http://localhost:5000(/notifications/unsubscribe/\S+)", parts(smtp.to(USERS["reader"])[0])[0]).group(1)
    page = app.test_client().get(link).get_data(as_text=True)
    assert "Stop email about" in page and leaks(page) == []


def test_a_revoked_feed_shows_nothing(site):
    app, feeds = site
    client = app.test_client()
    Auth(client).login(USERS["editor"])
    client.post("/notifications/settings", data={"action": "revoke", "csrf_token": csrf_token(client, "/notifications/settings")})
    response = app.test_client().get(feeds["editor"])
    assert response.status_code == 404 and leaks(response.get_data(as_text=True)) == []
