"""The account pages: changing one's password, the admin's reset, disable confirmation and
directory links, and ``/me``'s profile line; every route for every role and without a CSRF token.

Real app, index and SQLite database made by the migrations (the PostgreSQL variants of the
database are in tests/accounts).
"""

from __future__ import annotations

import html
import re

import pytest

from kb.accounts.service import add_user, find_user

from ..accounts.conftest import PASSWORD, USERS, Auth, close_app, make_app, migrate

NEW = "a brand new long password"
ROLE_EMAILS = {role: email for email, _, role in USERS}


@pytest.fixture
def new_app(tmp_path, content_dir, index):
    """Apps on the test content and a SQLite database made by the migrations, with the test users."""
    made = []

    def build(**settings):
        made.append(make_app(tmp_path, content_dir, index.directory, f"sqlite:///{tmp_path / 'db' / 'kb.sqlite3'}", **settings))
        migrate(made[-1])
        return made[-1]

    yield build
    for built in made:
        close_app(built)


@pytest.fixture
def app(new_app):
    built = new_app()
    with built.app_context():
        for email, name, role in USERS:
            add_user(built.extensions["kb.passwords"], email, name, role, PASSWORD)
    return built


def text(response) -> str:
    return response.get_data(as_text=True)


def plain(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text(response))).split())


def uid(app, email: str) -> int:
    with app.app_context():
        return find_user(email).id


def user(app, email: str):
    with app.app_context():
        found = find_user(email)
        return found.role, found.active, found.password_hash


def signed_in(client) -> bool:
    return client.get("/me").status_code == 200


def as_role(client, role: str) -> Auth:
    auth = Auth(client)
    if role != "anonymous":
        assert auth.login(ROLE_EMAILS[role]).status_code == 302
    return auth


# --- every new route, every role ------------------------------------------------------------

ROLES = ["anonymous", "reader", "editor", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_the_password_page_is_for_every_signed_in_role(client, role):
    as_role(client, role)
    response = client.get("/account/password")
    if role == "anonymous":
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/account/password")
    else:
        assert response.status_code == 200 and "Current password" in text(response) and "New password again" in text(response)


ADMIN_PAGES = ["/admin/users/{rita}/disable", "/admin/users/{rita}/password"]
ADMIN_POSTS = [
    ("/admin/users/{rita}/password", {"new": NEW, "confirm": NEW}),
    ("/admin/users/{rita}/person", {"action": "link", "person_id": "john-smith"}),
    ("/admin/users/{rita}", {"action": "disable", "confirmed": "yes"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_the_admin_pages_are_for_admins_only(app, client, role, page):
    as_role(client, role)
    response = client.get(page.format(rita=uid(app, "rita@example.mil")))
    expected = {"anonymous": 302, "reader": 403, "editor": 403, "admin": 200}[role]
    assert response.status_code == expected
    if role == "admin":
        assert "rita@example.mil" in text(response)


@pytest.mark.parametrize("role", ["reader", "editor"])
@pytest.mark.parametrize(("url", "form"), ADMIN_POSTS)
def test_the_admin_actions_refuse_other_roles(app, client, role, url, form):
    auth = as_role(client, role)
    response = auth.post(url.format(rita=uid(app, "rita@example.mil")), form)
    assert response.status_code == 403
    assert user(app, "rita@example.mil")[:2] == ("reader", True)
    assert Auth(app.test_client()).login("rita@example.mil").status_code == 302  # the password is unchanged


@pytest.mark.parametrize(("url", "form"), ADMIN_POSTS)
def test_the_admin_actions_ask_anonymous_readers_to_sign_in(app, client, url, form):
    response = Auth(client).post(url.format(rita=uid(app, "rita@example.mil")), form, page="/login")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert user(app, "rita@example.mil")[:2] == ("reader", True)


@pytest.mark.parametrize(("url", "form"), [*ADMIN_POSTS, ("/account/password", {"current": PASSWORD, "new": NEW, "confirm": NEW})])
def test_every_new_form_refuses_a_post_without_its_csrf_token(app, client, url, form):
    as_role(client, "admin")
    response = client.post(url.format(rita=uid(app, "rita@example.mil")), data=form)
    assert response.status_code == 400 and "CSRF" in text(response)
    assert user(app, "rita@example.mil")[:2] == ("reader", True)
    assert Auth(app.test_client()).login("ada@example.mil").status_code == 302  # ada's password is unchanged
    assert "not linked" in plain(client.get("/admin/users"))


# --- changing one's own password -------------------------------------------------------------


def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, client):
    auth = as_role(client, "reader")
    other = app.test_client()
    as_role(other, "reader")
    response = auth.post("/account/password", {"current": PASSWORD, "new": NEW, "confirm": NEW}, page="/account/password")
    assert response.status_code == 303 and response.headers["Location"] == "/me"
    assert "Your password is changed" in text(client.get("/me"))
    assert signed_in(client) and not signed_in(other)
    assert Auth(app.test_client()).login("rita@example.mil").status_code == 401
    assert Auth(app.test_client()).login("rita@example.mil", NEW).status_code == 302


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"current": "not my password at all", "new": NEW, "confirm": NEW}, "Your current password is not right."),
        ({"current": PASSWORD, "new": NEW, "confirm": NEW + "x"}, "The two new passwords are not the same."),
        ({"current": PASSWORD, "new": "short", "confirm": "short"}, "The password must have at least 12 characters."),
        ({"current": PASSWORD, "new": "", "confirm": ""}, "Fill in your current password and the new one twice."),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(app, client, form, message):
    auth = as_role(client, "reader")
    response = auth.post("/account/password", form, page="/account/password")
    assert response.status_code == 400 and message in text(response)
    assert Auth(app.test_client()).login("rita@example.mil").status_code == 302


def test_wrong_current_passwords_lock_like_sign_ins(app, client):
    auth = as_role(client, "reader")
    wrong = {"current": "wrong guess number", "new": NEW, "confirm": NEW}
    for _ in range(4):
        assert auth.post("/account/password", wrong, page="/account/password").status_code == 400
    locked = auth.post("/account/password", wrong, page="/account/password")
    assert locked.status_code == 429 and "paused for 15 minutes" in text(locked)
    right = auth.post("/account/password", {"current": PASSWORD, "new": NEW, "confirm": NEW}, page="/account/password")
    assert right.status_code == 429  # a session thief cannot guess on
    assert Auth(app.test_client()).login("rita@example.mil", NEW).status_code != 302


@pytest.fixture
def proxied(new_app):
    """An app behind a single sign-on proxy; its users have no password."""
    return new_app(TRUSTED_USER_HEADER="X-Remote-User", TRUSTED_PROXIES="127.0.0.1")


def test_a_single_sign_on_account_is_told_where_its_password_is(proxied):
    client = proxied.test_client()
    headers = {"X-Remote-User": "sso.user@example.mil"}
    page = client.get("/account/password", headers=headers)
    assert page.status_code == 200 and "signs in through single sign-on" in plain(page) and "Current password" not in text(page)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(client.get("/login", headers=headers))).group(1)
    post = client.post("/account/password", data={"current": "x", "new": NEW, "confirm": NEW, "csrf_token": token}, headers=headers)
    assert post.status_code == 400 and "signs in through single sign-on" in plain(post)
    assert user(proxied, "sso.user@example.mil")[2] is None


# --- the admin's reset, and disabling after a confirmation -------------------------------------


def test_an_admin_resets_a_password_and_that_users_sessions_end(app, client):
    rita = app.test_client()
    as_role(rita, "reader")
    auth = as_role(client, "admin")
    url = f"/admin/users/{uid(app, 'rita@example.mil')}/password"
    assert 'href="' + url + '"' in text(client.get("/admin/users"))
    mismatch = auth.post(url, {"new": NEW, "confirm": "something else entirely"}, page=url)
    assert mismatch.status_code == 400 and "The two passwords are not the same." in text(mismatch)
    short = auth.post(url, {"new": "short", "confirm": "short"}, page=url)
    assert short.status_code == 400 and "at least 12 characters" in text(short)
    done = auth.post(url, {"new": NEW, "confirm": NEW}, page=url, follow_redirects=True)
    assert "New password set for rita@example.mil" in text(done)
    assert not signed_in(rita)
    assert Auth(app.test_client()).login("rita@example.mil", NEW).status_code == 302


def test_an_admin_cannot_reset_their_own_password_here(app, client):
    auth = as_role(client, "admin")
    url = f"/admin/users/{uid(app, 'ada@example.mil')}/password"
    response = auth.post(url, {"new": NEW, "confirm": NEW}, page="/admin/users", follow_redirects=True)
    assert "Change your own password on your page" in text(response)
    assert Auth(app.test_client()).login("ada@example.mil").status_code == 302


def test_disable_asks_for_confirmation_first(app, client):
    auth = as_role(client, "admin")
    rita = uid(app, "rita@example.mil")
    users = text(client.get("/admin/users"))
    assert f'href="/admin/users/{rita}/disable"' in users
    unconfirmed = auth.post(f"/admin/users/{rita}", {"action": "disable"}, page="/admin/users")
    assert unconfirmed.status_code == 303 and unconfirmed.headers["Location"] == f"/admin/users/{rita}/disable"
    assert user(app, "rita@example.mil")[1] is True
    page = client.get(f"/admin/users/{rita}/disable")
    assert "Disable rita@example.mil?" in text(page) and 'name="confirmed" value="yes"' in text(page) and "Cancel" in text(page)
    done = auth.post(f"/admin/users/{rita}", {"action": "disable", "confirmed": "yes"}, page=f"/admin/users/{rita}/disable", follow_redirects=True)
    assert "rita@example.mil is disabled" in text(done)
    assert user(app, "rita@example.mil")[1] is False


# --- directory links on the admin page and /me -----------------------------------------------


def test_me_shows_the_directory_profile_or_not_linked(app, client):
    with app.app_context():
        add_user(app.extensions["kb.passwords"], "maria.delgado@example.mil", "Maria", "reader", PASSWORD)
    auth = Auth(client)
    auth.login("maria.delgado@example.mil")
    me = text(client.get("/me"))
    assert 'Your directory profile: <a class="usa-link" href="/people/maria-delgado">Maria Delgado</a>' in me
    assert 'href="/account/password"' in me
    auth.logout()
    auth.login("rita@example.mil")
    assert "Your directory profile: not linked" in plain(client.get("/me"))


def test_an_admin_links_unlinks_and_relinks_on_the_users_page(app, client):
    with app.app_context():
        add_user(app.extensions["kb.passwords"], "maria.delgado@example.mil", "Maria", "reader", PASSWORD)
    auth = as_role(client, "admin")
    maria, rita = uid(app, "maria.delgado@example.mil"), uid(app, "rita@example.mil")
    page = plain(client.get("/admin/users"))
    assert "Maria Delgado (by email)" in page
    unknown = auth.post(f"/admin/users/{rita}/person", {"action": "link", "person_id": "no-such-person"}, page="/admin/users", follow_redirects=True)
    assert "No person 'no-such-person' in the directory" in plain(unknown)
    linked = auth.post(f"/admin/users/{rita}/person", {"action": "link", "person_id": "john-smith"}, page="/admin/users", follow_redirects=True)
    assert "rita@example.mil: John Smith (john-smith), linked by ada@example.mil." in plain(linked)
    assert "John Smith (by hand)" in plain(linked)
    unlinked = auth.post(f"/admin/users/{maria}/person", {"action": "unlink"}, page="/admin/users", follow_redirects=True)
    assert "not linked (unlinked by hand)" in plain(unlinked)
    relinked = auth.post(f"/admin/users/{maria}/person", {"action": "relink"}, page="/admin/users", follow_redirects=True)
    assert "Maria Delgado (by email)" in plain(relinked)


def test_the_person_page_shows_nothing_new_to_anonymous_readers(app, client):
    with app.app_context():
        add_user(app.extensions["kb.passwords"], "maria.delgado@example.mil", "Maria", "reader", PASSWORD)
    page = plain(client.get("/people/maria-delgado"))
    assert "Maria Delgado" in page and "Country Program Director" in page
    assert "maria.delgado@example.mil" not in page and "account" not in page.lower() and "linked" not in page.lower()


def test_password_changes_are_limited_per_client_address_like_sign_ins(new_app):
    app = new_app(LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        add_user(app.extensions["kb.passwords"], "rita@example.mil", "Rita Reader", "reader", PASSWORD)
    client = app.test_client()
    auth = Auth(client)
    assert auth.login().status_code == 302
    wrong = {"current": "wrong guess number", "new": NEW, "confirm": NEW}
    assert [auth.post("/account/password", wrong, page="/account/password").status_code for _ in range(4)] == [400, 400, 400, 429]
    assert "Too many" in text(auth.post("/account/password", wrong, page="/account/password"))
