"""Watching and notifications in the app: the Watch forms, /notifications, the header count, the
feedback events (a report and a "not helpful" vote to the experts, a report's new state to its
reader), the private feed, settings, unsubscribe links; route by role, CSRF, bad input.

Real app, index and database made by the migrations (SQLite; the migration on PostgreSQL too).
"""

from __future__ import annotations

import re

import flask_migrate
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect

from kb.accounts import MIGRATIONS
from kb.accounts import feedback as store
from kb.accounts.models import User, db
from kb.notifications import notify
from kb.notifications.delivery import prune
from kb.notifications.models import Delivery, Event, Watch
from kb.repository.sync import sync

from ..accounts.conftest import PASSWORD, Auth, close_app, csrf_token, postgres_server  # noqa: F401 (a fixture)
from .test_account_pages import ROLE_EMAILS, plain, text
from .test_feedback import LOA, MARIA, OTHER, STAFF, as_role, build, send_report, vote

ROLES = ["anonymous", "reader", "editor", "admin", "expert"]


@pytest.fixture
def settings_() -> dict:
    return {}


@pytest.fixture
def app(tmp_path, content_dir, index, settings_):
    built = build(tmp_path, content_dir, index, **settings_)
    yield built
    close_app(built)


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.query(User.id).filter(User.email == email).scalar()


def deliveries(app, email: str) -> list[tuple[str, str, str]]:
    """(kind, subject, text) of a user's deliveries, oldest first."""
    with app.app_context():
        rows = db.session.query(Event.kind, Event.subject_id, Event.text).join(Delivery, Delivery.event_id == Event.id)
        return [tuple(r) for r in rows.filter(Delivery.user_id == user_id(app, email)).order_by(Delivery.id)]


def watch(client, kind: str, subject: str, on: str = "1", page: str = "/"):
    return client.post("/watch", data={"kind": kind, "id": subject, "on": on, "csrf_token": csrf_token(client, page)})


def header_count(client) -> str | None:
    found = re.search(r'kb-header__notifications"[^>]*>Notifications(?: <span class="kb-count"[^>]*>([^<]+)</span>)?', text(client.get("/")))
    assert found, "no Notifications link in the header"
    return found.group(1)


# --- watching ---------------------------------------------------------------------------------


SUBJECTS = [
    ("article", f"/articles/{OTHER}", OTHER),
    ("area", "/areas/fms", "fms"),
    ("person", "/people/john-smith", "john-smith"),
    ("path", "/paths/new-to-sc", "new-to-sc"),
]


@pytest.mark.parametrize(("kind", "url", "subject"), SUBJECTS)
def test_a_signed_in_reader_watches_and_unwatches_from_the_page(app, kind, url, subject):
    client = app.test_client()
    as_role(client, "reader")
    page = text(client.get(url))
    assert 'action="/watch"' in page and ">Watch</button>" in page
    response = watch(client, kind, subject, page=url)
    assert response.status_code == 303 and response.headers["Location"] == url
    assert ">Unwatch</button>" in text(client.get(url))
    watch(client, kind, subject, on="0", page=url)
    assert ">Watch</button>" in text(client.get(url))


def test_anonymous_readers_see_no_watch_form_and_cannot_watch(app):
    client = app.test_client()
    assert 'action="/watch"' not in text(client.get(f"/articles/{LOA}"))
    response = watch(client, "article", LOA, page=f"/articles/{LOA}/-/helpful?helpful=no")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_watch_form_needs_its_csrf_token(app):
    client = app.test_client()
    as_role(client, "reader")
    assert client.post("/watch", data={"kind": "article", "id": LOA, "on": "1"}).status_code == 400


def test_an_expert_watches_their_article_without_asking_and_can_stop(app):
    client = app.test_client()
    as_role(client, "expert")
    assert ">Unwatch</button>" in text(client.get(f"/articles/{LOA}"))
    watch(client, "article", LOA, on="0", page=f"/articles/{LOA}")
    assert ">Watch</button>" in text(client.get(f"/articles/{LOA}"))
    with app.app_context():
        assert db.session.get(Watch, (user_id(app, MARIA), "article", LOA)).on is False
        notify(app.extensions["kb.index"], "changed", "article", LOA, text="New figures")
    assert deliveries(app, MARIA) == []


def test_watching_an_area_tells_about_its_articles(app):
    client = app.test_client()
    as_role(client, "reader")
    watch(client, "area", "fms")
    with app.app_context():
        notify(app.extensions["kb.index"], "changed", "article", LOA, text="New figures", commit="a" * 40)
        notify(app.extensions["kb.index"], "changed", "article", OTHER, text="Not in fms")
    assert deliveries(app, ROLE_EMAILS["reader"]) == [("changed", LOA, "New figures")]
    page = text(client.get("/notifications"))
    assert "Published change" in page and "New figures" in page and f'href="/articles/{LOA}/-/commits/{"a" * 40}"' in page


@pytest.mark.parametrize(("kind", "subject"), [("article", "no/such"), ("glossary", "loa"), ("nonsense", LOA), ("article", "")])
def test_watching_what_does_not_exist_is_a_404(app, kind, subject):
    client = app.test_client()
    as_role(client, "reader")
    assert watch(client, kind, subject).status_code == 404


# --- the feedback loop: report -> expert, new state -> reader ----------------------------------


def test_a_report_reaches_the_expert_and_its_resolution_the_reader(app):
    reader, expert, editor = app.test_client(), app.test_client(), app.test_client()
    as_role(reader, "reader")
    as_role(expert, "expert")
    as_role(editor, "editor")
    send_report(reader, LOA, words="The 2019 figure is outdated")
    assert header_count(expert) == "1"
    page = text(expert.get("/notifications"))
    assert "Problem report" in page and "Outdated: The 2019 figure is outdated" in page
    assert header_count(editor) is None  # editors see the queue; experts are told
    with app.app_context():
        report_id = db.session.query(store.Report.id).scalar()
    token = csrf_token(editor, "/reports/feedback")
    editor.post(f"/reports/feedback/{report_id}", data={"state": "fixed", "commit": "abc1234", "csrf_token": token})
    assert header_count(reader) == "1"
    told = plain(reader.get("/notifications"))
    assert "Your problem report" in told and "is now fixed by commit abc1234" in told


def test_a_not_helpful_vote_tells_the_expert_once(app):
    client = app.test_client()
    as_role(client, "reader")
    vote(client, LOA, "no", "Too <b>old</b>")
    vote(client, LOA, "yes")
    assert deliveries(app, MARIA) == [("rating", LOA, "Not helpful: Too <b>old</b>")]
    expert = app.test_client()
    as_role(expert, "expert")
    assert "Not helpful: Too &lt;b&gt;old&lt;/b&gt;" in text(expert.get("/notifications"))


def test_mark_one_read_then_all_read(app):
    client = app.test_client()
    as_role(client, "reader")
    with app.app_context():
        rita = user_id(app, ROLE_EMAILS["reader"])
        for words in ("first", "second", "third"):
            notify(app.extensions["kb.index"], "changed", "article", LOA, text=words, recipients=[rita])
        first = db.session.query(Delivery.id).order_by(Delivery.id).first()[0]
    assert header_count(client) == "3"
    client.post(f"/notifications/{first}/read", data={"csrf_token": csrf_token(client, "/notifications")})
    assert header_count(client) == "2"
    assert client.post("/notifications/read", data={"csrf_token": csrf_token(client, "/notifications")}).status_code == 303
    assert header_count(client) is None
    assert "Nothing new." in plain(client.get("/notifications")) and "third" in plain(client.get("/notifications"))


def test_one_cannot_mark_another_users_notification_read(app):
    with app.app_context():
        rita = user_id(app, ROLE_EMAILS["reader"])
        notify(app.extensions["kb.index"], "changed", "article", LOA, text="x", recipients=[rita])
    client = app.test_client()
    as_role(client, "editor")
    client.post("/notifications/1/read", data={"csrf_token": csrf_token(client, "/notifications")})
    reader = app.test_client()
    as_role(reader, "reader")
    assert header_count(reader) == "1"


def test_the_actor_and_inactive_users_are_not_told(app):
    with app.app_context():
        rita, ed = user_id(app, ROLE_EMAILS["reader"]), user_id(app, ROLE_EMAILS["editor"])
        db.session.get(User, ed).active = False
        db.session.commit()
        notify(app.extensions["kb.index"], "changed", "article", LOA, text="x", actor_id=rita, recipients=[rita, ed])
    assert deliveries(app, ROLE_EMAILS["reader"]) == [] and deliveries(app, ROLE_EMAILS["editor"]) == []


def test_a_notification_about_an_article_now_gone_is_not_shown(app, content_dir):
    client = app.test_client()
    as_role(client, "reader")
    with app.app_context():
        rita = user_id(app, ROLE_EMAILS["reader"])
        notify(app.extensions["kb.index"], "changed", "article", OTHER, text="gone soon", recipients=[rita])
    assert header_count(client) == "1"
    (content_dir / f"articles/{OTHER}.md").unlink()
    from kb.repository.sync import sync

    sync(content_dir, app.extensions["kb.index"])
    assert header_count(client) is None and "gone soon" not in text(client.get("/notifications"))


def test_retention_deletes_old_events_and_their_deliveries(app):
    import datetime as dt

    with app.app_context():
        rita = user_id(app, ROLE_EMAILS["reader"])
        notify(app.extensions["kb.index"], "changed", "article", LOA, text="old", recipients=[rita])
        assert prune(180, dt.datetime.now() + dt.timedelta(days=179)) == 0
        assert prune(180, dt.datetime.now() + dt.timedelta(days=181)) == 1
        assert db.session.query(Delivery).count() == 0


# --- route by role ----------------------------------------------------------------------------

PAGES = ["/notifications", "/notifications/settings"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", PAGES)
def test_notification_pages_by_role(app, role, url):
    client = app.test_client()
    as_role(client, role)
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
        assert "Notification" in text(response)


@pytest.mark.parametrize("role", ROLES)
def test_the_header_links_notifications_for_signed_in_readers_only(app, role):
    client = app.test_client()
    as_role(client, role)
    assert ('href="/notifications"' in text(client.get("/"))) is (role != "anonymous")


# --- the private feed -------------------------------------------------------------------------


def feed_url(client) -> str:
    page = text(client.post("/notifications/settings", data={"action": "feed", "csrf_token": csrf_token(client, "/notifications/settings")}))
    return re.search(r'class="kb-feed-url">http://localhost(/notifications/feed/[^<]+)<', page).group(1)


def test_the_private_feed_lists_the_users_notifications_and_can_be_revoked(app):
    client = app.test_client()
    as_role(client, "reader")
    with app.app_context():
        rita = user_id(app, ROLE_EMAILS["reader"])
        notify(app.extensions["kb.index"], "changed", "article", STAFF, text="Zebra step added", recipients=[rita])
    url = feed_url(client)
    anonymous = app.test_client()
    response = anonymous.get(url)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    assert "Zebra step added" in text(response) and "Published change: Zebra compliance checklist" in text(response)
    assert "no-store" in response.headers["Cache-Control"]
    newer = feed_url(client)
    assert anonymous.get(url).status_code == 404 and anonymous.get(newer).status_code == 200
    client.post("/notifications/settings", data={"action": "revoke", "csrf_token": csrf_token(client, "/notifications/settings")})
    assert anonymous.get(newer).status_code == 404


def test_a_deactivated_users_feed_answers_404(app):
    client = app.test_client()
    as_role(client, "reader")
    url = feed_url(client)
    with app.app_context():
        db.session.get(User, user_id(app, ROLE_EMAILS["reader"])).active = False
        db.session.commit()
    assert app.test_client().get(url).status_code == 404


@pytest.mark.parametrize("token", ["x", "a" * 43, "a" * 5000, "%00", "..%2F..%2Fetc"])
def test_a_wrong_feed_token_is_a_404(app, token):
    assert app.test_client().get(f"/notifications/feed/{token}").status_code == 404


# --- settings and bad input -------------------------------------------------------------------


def test_the_email_setting_is_kept(app):
    client = app.test_client()
    as_role(client, "reader")
    client.post("/notifications/settings", data={"action": "email", "mode": "daily", "csrf_token": csrf_token(client, "/notifications/settings")})
    assert 'value="daily" checked' in text(client.get("/notifications/settings"))


@pytest.mark.parametrize("url", ["/notifications/read", "/notifications/1/read", "/notifications/settings", "/watch"])
def test_every_notifications_form_needs_its_csrf_token(app, url):
    client = app.test_client()
    as_role(client, "reader")
    assert client.post(url, data={"action": "feed", "kind": "article", "id": LOA}).status_code == 400


FIELDS = st.dictionaries(
    st.sampled_from(["kind", "id", "on", "action", "mode"]),
    st.one_of(st.text(max_size=1000), st.sampled_from(["article", "area", LOA, "fms", "1", "0", "feed", "revoke", "email", "daily", "\x00"])),
)


@pytest.mark.parametrize("settings_", [{"LOGIN_RATE_LIMIT": "1000 per minute", "FEEDBACK_RATE_LIMIT": "1000 per minute"}])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=FIELDS)
def test_fuzzed_notification_forms_never_answer_500(app, form):
    client = app.test_client()
    as_role(client, "reader")
    token = csrf_token(client, "/notifications/settings")
    for url in ("/watch", "/notifications/settings", "/notifications/read", "/notifications/7/read"):
        assert client.post(url, data={**form, "csrf_token": token}).status_code in (200, 303, 404), url


@pytest.mark.parametrize("settings_", [{"FEEDBACK_RATE_LIMIT": "3 per minute"}])
def test_the_watch_form_is_rate_limited(app):
    client = app.test_client()
    as_role(client, "reader")
    token = csrf_token(client, "/")
    answers = [client.post("/watch", data={"kind": "area", "id": "fms", "on": "1", "csrf_token": token}).status_code for _ in range(5)]
    assert answers[:3] == [303, 303, 303] and 429 in answers[3:]


# --- the migration ----------------------------------------------------------------------------


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_migration_0008_makes_the_notification_tables_and_goes_back(tmp_path, content_dir, index, request, database):
    url = f"sqlite:///{tmp_path / 'db' / 'kb.sqlite3'}" if database == "sqlite" else request.getfixturevalue("postgres_server").new_database()
    app = build(tmp_path, content_dir, index, url)
    tables = {"notification_events", "notification_watches", "notification_deliveries", "notification_preferences", "notification_marks"}
    try:
        with app.app_context():
            assert tables <= set(inspect(db.engine).get_table_names())
            rita = db.session.query(User.id).filter(User.email == ROLE_EMAILS["reader"]).scalar()
            assert notify(app.extensions["kb.index"], "due", "article", LOA, text="due", recipients=[rita], key="k") is not None
            assert notify(app.extensions["kb.index"], "due", "article", LOA, text="due", recipients=[rita], key="k") is None
            db.session.remove()  # its open transaction would hold PostgreSQL's DROP TABLE
            flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0007")
            assert not tables & set(inspect(db.engine).get_table_names())
            flask_migrate.upgrade(directory=str(MIGRATIONS))
            assert tables <= set(inspect(db.engine).get_table_names())
    finally:
        close_app(app)


@pytest.mark.parametrize(
    "url", ["/notifications/{}/read", "/review/{}/approve", "/review/{}/decline", "/reports/feedback/{}", "/admin/users/{}", "/admin/users/{}/person"]
)
def test_an_id_larger_than_any_database_integer_is_a_404_not_an_overflow(app, url):
    """``<int:…>`` ids go to the database: 10**30 (or 2**31, past PostgreSQL's integer) is no id of ours."""
    client = app.test_client()
    as_role(client, "admin")
    token = csrf_token(client, "/notifications")
    for number in (10**30, 2**31):
        assert client.post(url.format(number), data={"csrf_token": token}).status_code == 404
    assert client.get(f"/admin/users/{2**31 - 1}/password").status_code == 404
    assert client.post("/notifications/1/read", data={"csrf_token": token}).status_code == 303


def test_a_title_with_a_control_character_is_fed_without_it(app, content_dir):
    """XML may not hold ``\\v`` or ``\\x01`` (a YAML escape in a title): lxml refused the whole feed, a 500."""
    article = content_dir / "articles" / f"{LOA}.md"
    source = article.read_text(encoding="utf-8")
    article.write_text(re.sub(r"(?m)^title: .*$", lambda _: r'title: "Letter\vof\x01offer"', source, count=1), encoding="utf-8")
    sync(content_dir, app.extensions["kb.index"])
    client = app.test_client()
    as_role(client, "reader")
    with app.app_context():
        notify(app.extensions["kb.index"], "changed", "article", LOA, text="Zebra step added", recipients=[user_id(app, ROLE_EMAILS["reader"])])
    for url in (feed_url(client), "/feed.atom", "/areas/fms/feed.atom"):
        response = app.test_client().get(url)
        assert response.status_code == 200 and "Letterofoffer" in text(response), url
