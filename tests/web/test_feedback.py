"""Feedback on articles: helpful votes, problem reports, the editors' and experts' queue, /me.

Real app, index and database made by the migrations (SQLite here; the migration on PostgreSQL too),
CSRF protection on as in production.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from kb.accounts import feedback as store
from kb.accounts.service import add_user

from ..accounts.conftest import PASSWORD, USERS, Auth, close_app, csrf_token, make_app, migrate, postgres_server  # noqa: F401 (a fixture)
from .test_account_pages import ROLE_EMAILS, plain, text

LOA = "fms/letter-of-offer-and-acceptance"  # experts: maria-delgado, john-smith
STAFF = "eum/internal-checklist"  # staff-only, experts: maria-delgado; words: zebra, quokka
OTHER = "eum/golden-sentry"  # no experts
MARIA = "maria.delgado@example.mil"
ROLES = ["anonymous", "reader", "editor", "admin", "expert"]
FORM_PAGE = f"/articles/{LOA}/-/helpful?helpful=no"  # a page with a CSRF token for every role


def build(tmp_path, content_dir, index, url: str | None = None, **settings):
    app = make_app(tmp_path, content_dir, index.directory, url or f"sqlite:///{tmp_path / 'db' / 'kb.sqlite3'}", **settings)
    migrate(app)
    with app.app_context():
        for email, name, role in [*USERS, (MARIA, "Maria Delgado", "reader")]:
            add_user(app.extensions["kb.passwords"], email, name, role, PASSWORD)
    return app


@pytest.fixture
def settings_() -> dict:
    return {}


@pytest.fixture
def app(tmp_path, content_dir, index, settings_):
    built = build(tmp_path, content_dir, index, **settings_)
    yield built
    close_app(built)


def as_role(client, role: str) -> Auth:
    auth = Auth(client)
    if role != "anonymous":
        email = MARIA if role == "expert" else ROLE_EMAILS[role]
        assert auth.login(email).status_code == 302
    return auth


def vote(client, slug: str, answer: str, comment: str = ""):
    token = csrf_token(client, f"/articles/{slug}/-/helpful?helpful={answer}")
    return client.post(f"/articles/{slug}/-/helpful", data={"helpful": answer, "comment": comment, "csrf_token": token})


def send_report(client, slug: str, kind: str = "outdated", words: str = "The figure is from 2019."):
    token = csrf_token(client, f"/articles/{slug}/-/report")
    return client.post(f"/articles/{slug}/-/report", data={"kind": kind, "text": words, "csrf_token": token})


def rows(app, model) -> list:
    with app.app_context():
        found = store.db.session.query(model).order_by(model.id).all()
        store.db.session.expunge_all()
        return found


def report_id(app) -> int:
    return rows(app, store.Report)[-1].id


# --- the article's feedback form -----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_article_asks_whether_it_was_helpful_and_offers_a_report(app, role):
    client = app.test_client()
    as_role(client, role)
    page = text(client.get(f"/articles/{LOA}"))
    assert "Was this page helpful?" in page
    assert f'action="/articles/{LOA}/-/helpful"' in page and 'value="yes"' in page and 'value="no"' in page
    assert f'href="/articles/{LOA}/-/report"' in page


def test_no_asks_what_was_missing_and_yes_asks_for_more(app):
    client = app.test_client()
    assert "What was missing or wrong?" in text(client.get(f"/articles/{LOA}/-/helpful?helpful=no"))
    assert "Anything to add?" in text(client.get(f"/articles/{LOA}/-/helpful?helpful=yes"))
    assert client.get(f"/articles/{LOA}/-/helpful?helpful=maybe").status_code == 400
    asked = client.get(f"/articles/{LOA}/-/helpful")  # the address alone (a link checker, a bookmark): the question
    assert asked.status_code == 200 and 'name="helpful" value="yes">Yes</button>' in text(asked)


@pytest.mark.parametrize("role", ROLES)
def test_a_vote_is_recorded_and_the_reader_returns_to_the_article_thanked(app, role):
    client = app.test_client()
    as_role(client, role)
    response = vote(client, LOA, "no", "The <b>figures</b> are old")
    assert response.status_code == 303 and response.headers["Location"] == f"/articles/{LOA}#feedback"
    assert "Thank you for your feedback." in plain(client.get(response.headers["Location"]))
    (row,) = rows(app, store.Vote)
    assert (row.slug, row.helpful, row.comment) == (LOA, False, "The <b>figures</b> are old")
    assert row.voter.startswith("b:" if role == "anonymous" else "u:")


def test_a_signed_in_reader_has_one_vote_per_article_and_may_change_it(app):
    client = app.test_client()
    as_role(client, "reader")
    vote(client, LOA, "no", "old")
    vote(client, LOA, "yes")
    (row,) = rows(app, store.Vote)
    assert row.helpful is True and row.comment == ""


def test_an_anonymous_browser_has_one_vote_per_article_per_day_and_no_address_is_kept(app):
    first, second = app.test_client(), app.test_client()
    vote(first, LOA, "no")
    vote(first, LOA, "yes")  # the same browser the same day: changed, not added
    vote(second, LOA, "no")  # another browser
    votes = rows(app, store.Vote)
    assert [v.helpful for v in votes] == [True, False]
    assert all("127.0.0.1" not in v.voter and v.user_id is None for v in votes)


def test_a_vote_without_its_csrf_token_is_refused(app):
    client = app.test_client()
    as_role(client, "reader")
    response = client.post(f"/articles/{LOA}/-/helpful", data={"helpful": "no"})
    assert response.status_code == 400 and "CSRF" in text(response)
    response = client.post(f"/articles/{LOA}/-/report", data={"kind": "wrong", "text": "x"})
    assert response.status_code == 400
    assert rows(app, store.Vote) == [] and rows(app, store.Report) == []


@pytest.mark.parametrize("settings_", [{"FEEDBACK_RATE_LIMIT": "3 per minute"}])
def test_votes_are_rate_limited_per_address_and_per_user(app):
    client = app.test_client()
    as_role(client, "reader")
    statuses = [vote(client, LOA, "yes").status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    other = app.test_client()  # the same address, another browser: the address's limit holds too
    assert vote(other, OTHER, "yes").status_code == 429


# --- problem reports -------------------------------------------------------------------------


def test_anonymous_readers_are_sent_to_sign_in_to_report(app):
    client = app.test_client()
    response = client.get(f"/articles/{LOA}/-/report")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("settings_", [{"ANONYMOUS_REPORTS": True}])
def test_anonymous_reports_behind_the_setting(app):
    client = app.test_client()
    assert send_report(client, LOA).status_code == 303
    (row,) = rows(app, store.Report)
    assert row.user_id is None and row.state == "open"


@pytest.mark.parametrize("role", ["reader", "editor", "admin", "expert"])
def test_a_report_names_the_article_and_the_commit_it_was_read_at(app, role):
    client = app.test_client()
    as_role(client, role)
    response = send_report(client, LOA, "outdated", "Call me at 555-0100 about the 2019 figure")
    assert response.status_code == 303
    (row,) = rows(app, store.Report)
    assert (row.slug, row.kind, row.state) == (LOA, "outdated", "open")
    assert row.text == "Call me at 555-0100 about the 2019 figure"  # kept for the editors


def test_a_report_needs_a_kind(app):
    client = app.test_client()
    as_role(client, "reader")
    response = send_report(client, LOA, "nonsense")
    assert response.status_code == 400 and "Choose what kind of problem" in plain(response)
    assert rows(app, store.Report) == []


# --- the queue -----------------------------------------------------------------------------


@pytest.fixture
def reported(app):
    client = app.test_client()
    as_role(client, "reader")
    send_report(client, LOA, "outdated", "Call 555-0100: the <script>x</script> figure is old")
    vote(client, LOA, "no", "Missing the 2025 numbers")
    return report_id(app)


@pytest.mark.parametrize("role", ROLES)
def test_the_queue_is_for_editors_and_the_articles_experts(app, reported, role):
    client = app.test_client()
    as_role(client, role)
    response = client.get("/reports/feedback")
    if role in ("anonymous", "reader"):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = plain(response)
    assert "Letter of Offer and Acceptance" in page and "Outdated" in page and "open" in page
    assert "Call 555-0100: the <script>x</script> figure is old" in page  # escaped in the HTML, kept in words
    assert "<script>x</script>" not in text(response)
    assert "Missing the 2025 numbers" in page and "0%" in page


def test_an_expert_sees_only_their_articles_reports(app):
    client = app.test_client()
    as_role(client, "reader")
    send_report(client, OTHER, "wrong", "Golden report words")
    expert = app.test_client()
    as_role(expert, "expert")
    assert expert.get("/reports/feedback").status_code == 200
    assert "Golden report words" not in plain(expert.get("/reports/feedback"))
    assert as_role(expert, "expert").post(f"/reports/feedback/{report_id(app)}", {"state": "acknowledged"}, page=FORM_PAGE).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_state_changes_are_for_editors_and_experts(app, reported, role):
    client = app.test_client()
    auth = as_role(client, role)
    response = auth.post(f"/reports/feedback/{reported}", {"state": "acknowledged"}, page=FORM_PAGE)
    expected = {"anonymous": 404, "reader": 404}.get(role, 303)
    assert response.status_code == expected
    assert rows(app, store.Report)[0].state == ("open" if expected == 404 else "acknowledged")


def test_a_state_change_without_its_csrf_token_is_refused(app, reported):
    client = app.test_client()
    as_role(client, "editor")
    assert client.post(f"/reports/feedback/{reported}", data={"state": "fixed", "commit": "abc1234"}).status_code == 400
    assert rows(app, store.Report)[0].state == "open"


def test_fixed_needs_a_commit_and_declined_a_reason(app, reported):
    auth = as_role(app.test_client(), "editor")
    for form, says in [
        ({"state": "fixed"}, "Give the commit"),
        ({"state": "fixed", "commit": "xyz"}, "hexadecimal"),
        ({"state": "declined"}, "reason"),
    ]:
        response = auth.post(f"/reports/feedback/{reported}", form, page=FORM_PAGE)
        assert response.status_code == 303 and says in plain(auth.client.get("/reports/feedback"))
    assert rows(app, store.Report)[0].state == "open"
    auth.post(f"/reports/feedback/{reported}", {"state": "declined", "note": "Duplicate of an earlier report"}, page=FORM_PAGE)
    row = rows(app, store.Report)[0]
    assert row.state == "declined" and row.describe_state() == "declined: Duplicate of an earlier report"


def test_the_reader_sees_on_me_that_the_report_was_fixed(app, reported):
    editor = as_role(app.test_client(), "editor")
    assert editor.post(f"/reports/feedback/{reported}", {"state": "fixed", "commit": "ABC1234def"}, page=FORM_PAGE).status_code == 303
    row = rows(app, store.Report)[0]
    assert row.state == "fixed" and row.fix_commit == "abc1234def" and row.handler_id is not None
    reader = app.test_client()
    as_role(reader, "reader")
    page = plain(reader.get("/me"))
    assert "Your problem reports" in page and "Letter of Offer and Acceptance : Outdated" in page and "fixed by commit abc1234" in page
    assert "(Ed Editor)" in plain(editor.client.get("/reports/feedback?all=1"))


@pytest.mark.parametrize("role", ROLES)
def test_open_reports_show_a_notice_to_experts_and_editors_only(app, reported, role):
    client = app.test_client()
    as_role(client, role)
    page = plain(client.get(f"/articles/{LOA}"))
    shown = role in ("editor", "admin", "expert")
    assert ("1 open problem report on this article." in page) is shown
    assert "Was this page helpful?" in page


def test_the_freshness_report_counts_open_reports_and_low_ratings_as_reasons_for_review(app, reported):
    for n in range(5):  # five readers, one finds it helpful: below the low ratio
        with app.app_context():
            store.vote(OTHER, f"u:{100 + n}", None, n == 0)
    editor = as_role(app.test_client(), "editor").client
    page = plain(editor.get("/reports/freshness"))
    assert "1 with open problem reports" in page and "1 rated low by readers" in page
    assert "1 open problem report" in page and "Only 1 of 5 readers found it helpful" in page
    out = app.test_cli_runner().invoke(args=["kb", "report", "freshness"]).output
    assert f"{LOA}\treports\t" in out and f"{OTHER}\tlow-rating\t" in out
    editor.post(f"/reports/feedback/{reported}", data={"state": "declined", "note": "dup", "csrf_token": csrf_token(editor, "/reports/feedback")})
    assert "0 with open problem reports" in plain(editor.get("/reports/freshness"))


# --- staff-only articles ---------------------------------------------------------------------


def test_a_staff_only_article_takes_no_anonymous_feedback_and_leaks_nothing(app):
    reader = as_role(app.test_client(), "reader")
    send_report(reader.client, STAFF, "wrong", "Zebra step three is wrong")
    vote(reader.client, STAFF, "no", "Quokka counts missing")
    anonymous = app.test_client()
    for url in (f"/articles/{STAFF}/-/helpful?helpful=no", f"/articles/{STAFF}/-/report"):
        response = anonymous.get(url)
        assert response.status_code == 404 and "zebra" not in text(response).lower() and "quokka" not in text(response).lower()
    token = csrf_token(anonymous, f"/articles/{LOA}/-/helpful?helpful=no")
    response = anonymous.post(f"/articles/{STAFF}/-/helpful", data={"helpful": "no", "csrf_token": token})
    assert response.status_code == 404 and len(rows(app, store.Vote)) == 1
    assert anonymous.get("/reports/feedback").status_code == 404
    editor = as_role(app.test_client(), "editor").client
    page = plain(editor.get("/reports/feedback"))
    assert "Zebra compliance checklist" in page and "Zebra step three is wrong" in page and "Quokka counts missing" in page


# --- bad input -------------------------------------------------------------------------------

FIELDS = st.dictionaries(
    st.sampled_from(["helpful", "comment", "kind", "text", "state", "commit", "note"]),
    st.one_of(st.text(max_size=3000), st.sampled_from(["yes", "no", "fixed", "declined", "outdated", "abc1234", "\x00", "%00"])),
)


@pytest.mark.parametrize("settings_", [{"LOGIN_RATE_LIMIT": "1000 per minute", "FEEDBACK_RATE_LIMIT": "1000 per minute"}])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=FIELDS)
def test_fuzzed_forms_never_answer_500(app, form):
    client = app.test_client()
    as_role(client, "editor")
    token = csrf_token(client, f"/articles/{LOA}/-/report")
    for url in (f"/articles/{LOA}/-/helpful", f"/articles/{LOA}/-/report", "/reports/feedback/1", "/reports/feedback/999"):
        response = client.post(url, data={**form, "csrf_token": token})
        assert response.status_code in (303, 400, 404), (url, response.status_code)
    assert all(len(v.comment) <= store.MAX_COMMENT_CHARS for v in rows(app, store.Vote))


# --- the migration ---------------------------------------------------------------------------


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_migration_makes_the_feedback_tables(tmp_path, content_dir, index, request, database):
    url = f"sqlite:///{tmp_path / 'db' / 'kb.sqlite3'}" if database == "sqlite" else request.getfixturevalue("postgres_server").new_database()
    app = build(tmp_path, content_dir, index, url)
    try:
        with app.app_context():
            tables = inspect(store.db.engine).get_table_names()
            assert {"feedback_votes", "feedback_reports"} <= set(tables)
            user_id = store.db.session.execute(select(store.Vote.id).limit(1)).first()
            assert user_id is None
            store.vote(LOA, "u:1", 1, True)
            store.vote(LOA, "u:1", 1, False, "x" * 5000)
            found = store.report(LOA, "wrong", "text", "a" * 40, 1)
            store.change_state(found, "fixed", 2, fix_commit="b" * 40)
            assert store.ratios([LOA])[LOA].no == 1 and store.reports_by(1)[0].describe_state() == "fixed by commit bbbbbbb"
            assert len(store.comments(None)[0].comment) == store.MAX_COMMENT_CHARS
    finally:
        close_app(app)
