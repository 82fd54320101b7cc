"""Signing in and out through the real forms, roles, CSRF, redirects, cookies and lockout."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from kb.access import Reader
from kb.accounts.models import LoginFailure, db
from kb.accounts.passwords import Passwords
from kb.accounts.service import add_user, find_user
from kb.web.accounts import local_target

from .conftest import PASSWORD, Auth, csrf_token, migrate


def text(response) -> str:
    return response.get_data(as_text=True)


def test_sign_in_shows_the_user_and_sign_out_ends_it(client, auth):
    assert "Sign in" in text(client.get("/"))
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = text(client.get("/"))
    assert "Rita Reader" in home and "My progress" in home and 'action="/logout"' in home
    assert "Users" not in home
    assert auth.logout().status_code == 302
    home = text(client.get("/"))
    assert "Rita Reader" not in home and "Sign in" in home and "Recently updated" in home


def test_sign_out_invalidates_a_copied_session_cookie(app, client, auth):
    auth.login()
    cookie = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    home = text(thief.get("/"))
    assert "Recently updated" in home and "Sign in" in home and "Rita Reader" not in home
    assert thief.get("/api/me/progress").status_code == 401


def test_sign_out_is_a_post_with_csrf(client, auth):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token
    assert "Rita Reader" in text(client.get("/"))


def account_links(body: str) -> list[tuple[str, str]]:
    """(address, label) of each link in the header's account navigation."""
    nav = re.search(r'<nav class="kb-header__account" aria-label="Account">(.*?)</nav>', body, re.S).group(1)
    return re.findall(r'<a class="usa-link" href="([^"?]+)[^"]*">([^<]+)</a>', nav)


@pytest.mark.parametrize(
    "email, links",
    [
        (None, [("/login", "Sign in")]),
        ("rita@example.mil", [("/me", "My progress")]),
        ("ed@example.mil", [("/me", "My progress"), ("/reports", "Reports")]),
        ("ada@example.mil", [("/me", "My progress"), ("/reports", "Reports"), ("/admin/users", "Users")]),
    ],
)
def test_each_role_sees_the_header_links_it_can_use(client, auth, email, links):
    """Each role's header links every page that role may open, and only those; each answers 200."""
    if email:
        auth.login(email)
    assert account_links(text(client.get("/"))) == links
    for href, _ in links:
        assert client.get(href).status_code == 200, href
    if ("/reports", "Reports") in links:  # and each report that page lists
        reports = re.findall(r'href="(/reports/[^"]+)"', text(client.get("/reports")))
        assert reports == ["/reports/freshness", "/reports/search", "/reports/content-errors", "/reports/feedback", "/reports/paths"]
        assert [client.get(href).status_code for href in reports] == [200, 200, 200, 200, 200]
    if email:
        assert client.get("/admin/users").status_code == (200 if email.startswith("ada") else 403)


def test_anonymous_admin_page_asks_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/admin/users")


def test_admin_manages_users_on_the_web_page(app, client, auth):
    auth.login("ada@example.mil")
    page = text(client.get("/admin/users"))
    assert "rita@example.mil" in page and "ed@example.mil" in page
    response = auth.post(
        "/admin/users",
        {"email": "New.Person@example.mil", "name": "New Person", "role": "editor", "password": "a long enough password"},
        page="/admin/users",
    )
    assert response.status_code == 303
    assert "new.person@example.mil" in text(client.get("/admin/users"))
    short = auth.post("/admin/users", {"email": "x@example.mil", "name": "X", "role": "reader", "password": "short"}, page="/admin/users")
    assert short.status_code == 400 and "at least 12 characters" in text(short)
    with app.app_context():
        from kb.accounts.service import find_user

        rita = find_user("rita@example.mil").id
    auth.post(f"/admin/users/{rita}", {"role": "editor"}, page="/admin/users")
    auth.post(f"/admin/users/{rita}", {"action": "disable", "confirmed": "yes"}, page="/admin/users")
    with app.app_context():
        from kb.accounts.service import find_user

        user = find_user("rita@example.mil")
        assert user.role == "editor" and not user.active
    other = app.test_client()
    from .conftest import Auth

    assert Auth(other).login("rita@example.mil").status_code == 401


def test_admin_page_refuses_a_post_without_token(client, auth):
    auth.login("ada@example.mil")
    response = client.post("/admin/users", data={"email": "e@example.mil", "name": "E", "role": "admin", "password": "a long enough password"})
    assert response.status_code == 400 and "CSRF" in text(response)
    users = text(client.get("/admin/users"))
    assert "rita@example.mil" in users and "e@example.mil" not in users


def user_state(app, email: str) -> tuple[str, bool]:
    with app.app_context():
        user = find_user(email)
        return user.role, user.active


def user_id(app, email: str) -> int:
    with app.app_context():
        return find_user(email).id


@pytest.mark.parametrize("form", [{"role": "admin"}, {"action": "disable"}])
def test_changing_a_user_without_token_is_rejected(app, client, auth, form):
    auth.login("ada@example.mil")
    response = client.post(f"/admin/users/{user_id(app, 'rita@example.mil')}", data=form)
    assert response.status_code == 400 and "CSRF" in text(response)
    assert user_state(app, "rita@example.mil") == ("reader", True)


@pytest.mark.parametrize("form", [{"role": "reader"}, {"action": "disable", "confirmed": "yes"}])
def test_an_admin_cannot_change_their_own_account(app, client, auth, form):
    auth.login("ada@example.mil")
    response = auth.post(f"/admin/users/{user_id(app, 'ada@example.mil')}", form, page="/admin/users", follow_redirects=True)
    assert "You cannot change your own account here" in text(response)
    assert user_state(app, "ada@example.mil") == ("admin", True)


@pytest.mark.parametrize("form", [{"role": "editor"}, {"action": "disable", "confirmed": "yes"}])
def test_the_last_active_admin_stays_on_the_web_page(app, client, auth, form):
    """An admin never reaches this by hand (they cannot change themselves); an identity the
    ``kb.identify`` hook supplies, not in the users table, stands in for a concurrent change."""
    auth.login("ada@example.mil")
    token = csrf_token(client, "/admin/users")
    app.extensions["kb.identify"] = lambda: Reader(name="Operator", staff=True, role="admin")
    response = client.post(f"/admin/users/{user_id(app, 'ada@example.mil')}", data={**form, "csrf_token": token}, follow_redirects=True)
    assert "ada@example.mil is the last active admin" in text(response)
    assert user_state(app, "ada@example.mil") == ("admin", True)


def test_sign_in_without_or_with_a_wrong_csrf_token_is_rejected(client):
    response = client.post("/login", data={"email": "rita@example.mil", "password": PASSWORD})
    assert response.status_code == 400 and "CSRF" in text(response)
    csrf_token(client)
    response = client.post("/login", data={"email": "rita@example.mil", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    home = text(client.get("/"))
    assert "Recently updated" in home and "Sign in" in home and "Rita Reader" not in home


def test_marking_a_step_needs_a_csrf_token(client, auth):
    auth.login()
    response = client.post("/paths/new-to-sc/steps/fms/letter-of-request", data={"done": "1"})
    assert response.status_code == 400
    assert client.get("/api/me/progress").get_json()["paths"]["new-to-sc"]["done"] == []


def form_token(app, client, hours_ago: float) -> str:
    """The sign-in form's CSRF token as Flask-WTF signs it, stamped ``hours_ago`` (a form left open that long)."""
    csrf_token(client)
    with client.session_transaction() as session:
        raw = session["csrf_token"]

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - hours_ago * 3600)

    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=Then).dumps(raw)


def test_a_form_older_than_its_lifetime_is_refused_with_a_clear_message(app, client):
    """CSRF tokens expire after KB_CSRF_HOURS (12); they never did."""
    form = {"email": "rita@example.mil", "password": PASSWORD}
    stale = client.post("/login", data={**form, "csrf_token": form_token(app, client, hours_ago=13)})
    assert stale.status_code == 400
    assert "This form has expired" in text(stale) and "loaded more than 12 hours ago" in text(stale)
    home = text(client.get("/"))
    assert "Recently updated" in home and "Sign in" in home and "Rita Reader" not in home
    assert client.post("/login", data={**form, "csrf_token": form_token(app, client, hours_ago=11)}).status_code == 302


def test_wrong_password_and_unknown_account_get_the_same_answer(client, auth):
    wrong = auth.login("rita@example.mil", "not the password")
    unknown = auth.login("nobody@example.mil", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "The email or password is not right." in text(wrong)

    assert without_token(wrong, "rita@example.mil") == without_token(unknown, "nobody@example.mil")


def without_token(response, email: str) -> str:
    """The page with ``email`` blanked and without its CSRF token (time-stamped, so it may tick between two)."""
    return re.sub(r'<input\b[^>]*\bname="csrf_token"[^>]*>', "", text(response).replace(email, "X"))


def test_unknown_accounts_take_as_long_as_known_ones(app, client, auth):
    """A dummy hash is verified for unknown accounts (real argon2 cost here, not the cheap test profile)."""
    from kb.accounts.passwords import Passwords
    from kb.accounts.service import set_password

    app.extensions["kb.passwords"] = Passwords()
    with app.app_context():
        set_password(app.extensions["kb.passwords"], "ed@example.mil", PASSWORD)

    def timed(email: str) -> float:
        started = time.perf_counter()
        auth.login(email, "wrong password")
        return time.perf_counter() - started

    timed("nobody@example.mil")  # the dummy hash is computed once, on first use
    known = min(timed("ed@example.mil") for _ in range(2))
    unknown = min(timed(f"nobody{i}@example.mil") for i in range(2))
    assert known > 0.05 and unknown > 0.05
    assert 0.5 < unknown / known < 2, (known, unknown)


def test_a_disabled_account_cannot_sign_in(app, auth):
    with app.app_context():
        from kb.accounts.service import set_active

        set_active("rita@example.mil", False)
    assert auth.login().status_code == 401


@pytest.mark.parametrize(
    "target",
    [
        "http://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https:evil.example",
        "%2F%2Fevil.example%2F",
        "/%2F%2Fevil.example/",
        "/%5Cevil.example/",
        "%68ttp://evil.example",
        "http%3A%2F%2Fevil.example%2F",
        "/%252F%252Fevil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        " //evil.example",
    ],
)
def test_next_never_leaves_the_site(client, auth, target):
    from urllib.parse import quote

    response = auth.login(next=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/", target


@pytest.mark.parametrize("target", ["/articles/fms/letter-of-request", "/search?q=LOA&type=article", "/me"])
def test_next_goes_to_a_local_page(client, auth, target):
    from urllib.parse import quote

    response = auth.login(next=quote(target, safe=""))
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/paths", "/paths"),
        ("//evil.example", None),
        ("/\\evil", None),
        ("http://x", None),
        ("x", None),
        ("/%2f%2fevil", None),
        ("/%25%32%66%25%32%66evil", None),
        ("", None),
        (None, None),
        ("/a%20b", "/a%20b"),
    ],
)
def test_local_target(target, expected):
    assert local_target(target) == expected


def test_session_cookie_is_httponly_and_lax_and_secure_over_https(app, client, auth):
    cookie = auth.login().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    over_https = app.test_client().get("/login", base_url="https://kb.example")
    assert "Secure" in over_https.headers["Set-Cookie"]


def test_secure_cookies_can_be_forced(new_app):
    app = new_app(SECURE_COOKIES=1)
    from .conftest import migrate

    migrate(app)
    assert "Secure" in app.test_client().get("/login").headers["Set-Cookie"]


def test_forwarded_https_counts_only_from_a_trusted_proxy(new_app):
    from .conftest import migrate

    app = new_app(TRUSTED_PROXIES="10.0.0.0/8")
    migrate(app)
    client = app.test_client()
    trusted = client.get("/login", headers={"X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert "Secure" in trusted.headers["Set-Cookie"]
    other = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert "Secure" not in other.headers["Set-Cookie"]


def test_failed_sign_ins_lock_the_account_for_everyone(app, client, auth):
    for _ in range(4):
        assert auth.login("rita@example.mil", "wrong").status_code == 401
    fifth = auth.login("rita@example.mil", "wrong")
    assert fifth.status_code == 429 and "paused for 15 minutes" in text(fifth)
    # the right password from another address does not get in while locked
    other = app.test_client()
    from .conftest import Auth

    locked = Auth(other).login("rita@example.mil", PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert locked.status_code == 429
    home = text(other.get("/"))
    assert "Recently updated" in home and "Sign in" in home and "Rita Reader" not in home
    # an unknown account locks the same way, so the lock tells nothing about existence
    for _ in range(5):
        unknown = auth.login("ghost@example.mil", "wrong", environ_base={"REMOTE_ADDR": "192.0.2.50"})
    known = auth.login("rita@example.mil", "wrong", environ_base={"REMOTE_ADDR": "192.0.2.51"})
    assert unknown.status_code == known.status_code == 429
    assert without_token(unknown, "ghost@example.mil") == without_token(known, "rita@example.mil")


def test_failed_sign_ins_lock_the_client_address(app, client, auth):
    for i in range(5):
        auth.login(f"user{i}@example.mil", "wrong", environ_base={"REMOTE_ADDR": "192.0.2.1"})
    response = auth.login("ed@example.mil", PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert response.status_code == 429
    assert auth.login("ed@example.mil", PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.2"}).status_code == 302


def test_the_lock_ends_after_the_window(app, client, auth):
    for _ in range(5):
        auth.login("rita@example.mil", "wrong")
    assert auth.login().status_code == 429
    with app.app_context():  # 16 minutes later
        import datetime as dt

        for failure in db.session.scalars(db.select(LoginFailure)):
            failure.at -= dt.timedelta(minutes=16)
        db.session.commit()
    assert auth.login().status_code == 302


def test_failed_sign_ins_answer_at_once_with_the_lock_state(client, auth):
    """No sleep holds the worker (it slept 0.5 s more per earlier failure, 5 s for these five): the lock slows a guesser."""
    started = time.perf_counter()
    answers = [auth.login("rita@example.mil", "wrong") for _ in range(5)]
    assert time.perf_counter() - started < 2.5
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    assert "The email or password is not right." in text(answers[0])
    assert "sign-in is paused for 15 minutes" in text(answers[4]) and answers[4].headers["Retry-After"] == "900"


class CountingPasswords(Passwords):
    """The real argon2 hasher, counting its verifications."""

    def __init__(self) -> None:
        super().__init__("cheapest")
        self.verified = 0

    def verify(self, stored: str | None, password: str) -> bool:
        self.verified += 1
        return super().verify(stored, password)


def test_a_locked_account_or_address_is_refused_before_any_hashing(app, client, auth):
    """A flood against a locked account or from a locked address costs a lookup each, not an argon2 verification."""
    passwords = app.extensions["kb.passwords"] = CountingPasswords()
    for _ in range(5):
        auth.login("rita@example.mil", "wrong", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    for i in range(5):
        auth.login(f"user{i}@example.mil", "wrong", environ_base={"REMOTE_ADDR": "192.0.2.20"})
    assert passwords.verified == 10
    locked_account = auth.login("rita@example.mil", PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.30"})
    locked_address = auth.login("ed@example.mil", PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.20"})
    assert locked_account.status_code == locked_address.status_code == 429
    assert "sign-in is paused" in text(locked_account) and "sign-in is paused" in text(locked_address)
    assert passwords.verified == 10
    assert auth.login("ed@example.mil", PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.40"}).status_code == 302
    assert passwords.verified == 11


def test_sign_in_attempts_are_limited_per_client_address(new_app):
    """``KB_LOGIN_RATE_LIMIT``, per client address as the trusted proxies tell it, before the form is read."""
    app = new_app(LOGIN_RATE_LIMIT="3 per minute", LOGIN_MAX_FAILURES=100, TRUSTED_PROXIES="10.0.0.1")
    migrate(app)
    with app.app_context():
        add_user(app.extensions["kb.passwords"], "rita@example.mil", "Rita Reader", "reader", PASSWORD)
    auth = Auth(app.test_client())

    def login(client_address: str, password: str = "wrong"):  # noqa: S107
        return auth.login("rita@example.mil", password, headers={"X-Forwarded-For": client_address}, environ_base={"REMOTE_ADDR": "10.0.0.1"})

    assert [login("198.51.100.7").status_code for _ in range(3)] == [401, 401, 401]
    limited = login("198.51.100.7", PASSWORD)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in text(limited) and "3 per 1 minute" in text(limited)
    home = text(auth.client.get("/"))
    assert "Recently updated" in home and "Sign in" in home and "Rita Reader" not in home
    assert login("198.51.100.8", PASSWORD).status_code == 302  # another client behind the same proxy


def test_the_unlock_command_lifts_a_lock(client, auth, runner):
    for _ in range(5):
        auth.login("rita@example.mil", "wrong")
    assert auth.login().status_code == 429
    assert runner.invoke(args=["kb", "users", "unlock", "rita@example.mil"]).exit_code == 0
    assert auth.login().status_code == 302


def test_signed_in_pages_are_private(client, auth):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.login()
    for url in ("/", "/articles/fms/letter-of-request", "/me", "/api/me/progress", "/paths/new-to-sc"):
        assert client.get(url).headers["Cache-Control"] == "private, no-store", url


def test_a_session_expires_after_its_lifetime(app, client, auth):
    import datetime as dt

    from kb.accounts.models import UserSession
    from kb.accounts.service import SESSION_DAYS

    auth.login()
    with app.app_context():
        for row in db.session.scalars(db.select(UserSession)):
            row.created_at -= dt.timedelta(days=SESSION_DAYS + 1)
        db.session.commit()
    home = text(client.get("/"))
    assert "Recently updated" in home and "Sign in" in home and "Rita Reader" not in home


def test_admin_page_writes_last_sign_in_as_a_date_in_words(client, auth):
    auth.login("ada@example.mil")
    page = text(client.get("/admin/users"))
    today = dt.datetime.now(dt.UTC)
    shown = re.search(r'<time datetime="(\d{4}-\d\d-\d\dT\d\d:\d\dZ)">(\d{1,2} [A-Z][a-z]+ \d{4}), (\d\d:\d\d) UTC</time>', page)
    assert shown and shown[2] == f"{today.day} {today:%B %Y}" and "never" in page  # the others have not signed in
