"""``KB_TRUSTED_USER_HEADER``: believed only from ``KB_TRUSTED_PROXIES``; first visit creates a reader."""

from __future__ import annotations

import pytest

from kb.accounts.service import find_user

PROXY = {"REMOTE_ADDR": "10.0.0.5"}
STRANGER = {"REMOTE_ADDR": "192.0.2.66"}
HEADER = {"X-Remote-User": "Sam.Sso@example.mil"}


@pytest.fixture
def settings():
    return {"TRUSTED_USER_HEADER": "X-Remote-User", "TRUSTED_PROXIES": "10.0.0.0/24, 127.0.0.2"}


def text(response) -> str:
    return response.get_data(as_text=True)


def test_header_from_a_trusted_proxy_signs_in_and_creates_a_reader(app, client):
    html = text(client.get("/", headers=HEADER, environ_base=PROXY))
    assert "Sam.sso" in html or "sam.sso" in html
    assert "My progress" in html and 'action="/logout"' not in html
    with app.app_context():
        user = find_user("sam.sso@example.mil")
        assert user.role == "reader" and user.password_hash is None
    staff = client.get("/articles/eum/internal-checklist", headers=HEADER, environ_base=PROXY)
    assert staff.status_code == 200
    assert client.get("/api/me/progress", headers=HEADER, environ_base=PROXY).status_code == 200


def test_header_from_another_address_is_ignored(app, client):
    html = text(client.get("/", headers=HEADER, environ_base=STRANGER))
    assert "sam.sso" not in html.lower() and "Sign in" in html
    assert client.get("/articles/eum/internal-checklist", headers=HEADER, environ_base=STRANGER).status_code == 404
    assert client.get("/api/me/progress", headers=HEADER, environ_base=STRANGER).status_code == 401
    with app.app_context():
        assert find_user("sam.sso@example.mil") is None


def test_header_names_an_existing_user_with_its_role(app, client):
    html = text(client.get("/", headers={"X-Remote-User": "ada@example.mil"}, environ_base={"REMOTE_ADDR": "127.0.0.2"}))
    assert "Ada Admin" in html and 'href="/admin/users"' in html


def test_a_disabled_user_is_not_let_in_by_the_header(app, client, runner):
    runner.invoke(args=["kb", "users", "disable", "rita@example.mil"])
    html = text(client.get("/", headers={"X-Remote-User": "rita@example.mil"}, environ_base=PROXY))
    assert "Recently updated" in html and "Sign in" in html and "Rita Reader" not in html


def test_sso_users_have_no_password_to_guess(app, client, auth):
    client.get("/", headers=HEADER, environ_base=PROXY)
    assert auth.login("sam.sso@example.mil", "").status_code == 400
    assert auth.login("sam.sso@example.mil", "anything at all").status_code == 401


def test_lockout_counts_the_client_behind_the_proxy(app, client, auth):
    for _ in range(5):
        auth.login("x@example.mil", "wrong", headers={"X-Forwarded-For": "198.51.100.7"}, environ_base=PROXY)
    blocked = auth.login("ed@example.mil", "correct horse battery staple", headers={"X-Forwarded-For": "198.51.100.7"}, environ_base=PROXY)
    assert blocked.status_code == 429
    other = auth.login("ed@example.mil", "correct horse battery staple", headers={"X-Forwarded-For": "198.51.100.8"}, environ_base=PROXY)
    assert other.status_code == 302
