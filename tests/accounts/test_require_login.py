"""``KB_REQUIRE_LOGIN=1``: every page and API call needs sign-in; /healthz, /login and static files stay open."""

from __future__ import annotations

import pytest


@pytest.fixture
def settings():
    return {"REQUIRE_LOGIN": 1}


@pytest.mark.parametrize(
    "url", ["/", "/search?q=LOA", "/articles/fms/letter-of-request", "/paths", "/glossary", "/people/maria-delgado", "/me", "/nope"]
)
def test_pages_redirect_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("url", ["/api/search?q=LOA", "/api/suggest?q=le", "/api/articles/fms/letter-of-request", "/api/me/progress"])
def test_api_answers_401_json(client, url):
    response = client.get(url)
    assert response.status_code == 401 and response.get_json()["error"] == "Sign-in required"


@pytest.mark.parametrize("url", ["/healthz", "/login", "/static/css/kb.css", "/static/js/kb.js"])
def test_open_urls(client, url):
    response = client.get(url)
    response.close()  # static files are streamed from an open file
    assert response.status_code == 200


def test_after_sign_in_everything_opens_and_next_returns(client, auth):
    target = client.get("/search?q=LOA").headers["Location"]
    response = auth.login(next=target.split("next=")[1])
    assert response.status_code == 302 and response.headers["Location"] == "/search?q=LOA"
    assert client.get("/").status_code == 200
    assert client.get("/api/search?q=LOA").status_code == 200


def test_login_page_says_nothing_about_content(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Letter of Request" not in html and "Sign in" in html
