"""Renames and deletions from the browser over a real git repository, index and database: roles, CSRF, 301s, backlinks."""

from __future__ import annotations

import re

import pytest

from ..accounts.conftest import Auth, close_app
from ..editing.conftest import LOR, sample_repository
from ..gitrepo import git as run_git
from .test_editing import build

RENAME = "/articles/fms/letter-of-request/-/rename"
DELETE = "/articles/eum/golden-sentry/-/delete"
DELETE_LINKED = "/articles/fms/letter-of-request/-/delete"
ROUTES = [("GET", RENAME), ("POST", RENAME), ("GET", DELETE), ("POST", DELETE)]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def repo(tmp_path):
    return sample_repository(tmp_path / "repo")


@pytest.fixture
def client(tmp_path, repo):
    app = build(tmp_path, repo)
    yield app.test_client()
    close_app(app)


@pytest.fixture
def auth(client):
    return Auth(client)


def token(browser, url: str) -> str:
    return TOKEN.search(browser.get(url).get_data(as_text=True)).group(1)


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_anonymous_readers_are_sent_to_sign_in_or_refused(client, method, url):
    response = client.open(url, method=method, data={"slug": "x"})
    if method == "GET":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code in (400, 403)  # the CSRF check or the role check: nothing changes either way


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_a_signed_in_reader_is_refused(client, auth, repo, method, url):
    auth.login("rita@example.mil")
    data = {"slug": "request-letter", "area": "fms", "csrf_token": token(client, "/login")}
    assert client.open(url, method=method, data=data).status_code == 403
    assert (repo / LOR).exists() and (repo / "articles/eum/golden-sentry.md").exists()
    assert "Rename or move" not in client.get("/articles/fms/letter-of-request").get_data(as_text=True)


@pytest.mark.parametrize("email", ["ed@example.mil", "ada@example.mil"])
def test_editors_and_admins_get_the_links_and_the_forms(client, auth, email):
    auth.login(email)
    article = client.get("/articles/fms/letter-of-request").get_data(as_text=True)
    assert f'href="{RENAME}"' in article and f'href="{DELETE_LINKED}"' in article
    assert 'value="letter-of-request"' in client.get(RENAME).get_data(as_text=True)
    assert "No other page links to this article." in client.get(DELETE).get_data(as_text=True)


def test_a_rename_moves_the_file_in_one_commit_and_the_old_address_answers_301(client, auth, repo):
    auth.login("ed@example.mil")
    data = {"area": "fms", "slug": "request-letter", "message": "Shorter name", "csrf_token": token(client, RENAME)}
    response = client.post(RENAME, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/articles/fms/request-letter")
    assert not (repo / LOR).exists()
    moved = (repo / "articles/fms/request-letter.md").read_text()
    assert "redirect_from: [fms/letter-of-request]" in moved and "aliases: [request letter]" in moved
    assert run_git(repo, "log", "-1", "--format=%an %s", "-M", "--name-status").startswith("Ed Editor Shorter name")
    assert "R" in run_git(repo, "show", "--format=", "-M", "--name-status", "HEAD").split()[0]
    old = client.get("/articles/fms/letter-of-request")
    assert old.status_code == 301 and old.headers["Location"].endswith("/articles/fms/request-letter")
    page = client.get("/articles/fms/request-letter").get_data(as_text=True)
    assert "Renamed." in page and "Letter of Request" in page
    area = client.get("/areas/fms").get_data(as_text=True)
    assert 'href="/articles/fms/request-letter"' in area or 'href="/articles/fms/letter-of-request"' in area  # the wiki-link still reaches it
    history = client.get("/articles/fms/request-letter/-/history").get_data(as_text=True)
    assert "Shorter name" in history and "Initial content" in history  # History follows the file across the move
    first = run_git(repo, "rev-list", "--max-parents=0", "HEAD")
    change = client.get(f"/articles/fms/request-letter/-/commits/{first}")  # a change made before the move, at the old file
    assert change.status_code == 200 and "A partner sends an LOR" in change.get_data(as_text=True)


def test_a_rename_onto_an_existing_article_is_refused(client, auth, repo):
    auth.login("ed@example.mil")
    data = {"area": "fms", "slug": "letter-of-offer-and-acceptance", "csrf_token": token(client, RENAME)}
    response = client.post(RENAME, data=data)
    assert response.status_code == 409 and "has this address already" in response.get_data(as_text=True)
    assert (repo / LOR).exists()


@pytest.mark.parametrize("slug", ["../../etc", "Request Letter", "rеquest"])  # the last has a Cyrillic е
def test_a_rename_to_an_unsafe_short_name_is_refused_with_the_reason(client, auth, repo, slug):
    auth.login("ed@example.mil")
    response = client.post(RENAME, data={"area": "fms", "slug": slug, "csrf_token": token(client, RENAME)})
    assert response.status_code == 400 and "The short name may only use" in response.get_data(as_text=True)
    assert (repo / LOR).exists()


def test_a_rename_whose_result_fails_the_checker_is_refused_with_the_errors(client, auth, repo):
    """Moved to another area folder, its relative Markdown link to the LOA would break: an error, nothing moved."""
    auth.login("ed@example.mil")
    response = client.post(RENAME, data={"area": "eum", "slug": "letter-of-request", "csrf_token": token(client, RENAME)})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "the content checker found these errors" in text and "articles/eum/letter-of-request.md" in text
    assert (repo / LOR).exists() and not (repo / "articles/eum/letter-of-request.md").exists()


def test_a_rename_without_the_csrf_token_is_refused(client, auth, repo):
    auth.login("ed@example.mil")
    assert client.post(RENAME, data={"area": "fms", "slug": "request-letter", "csrf_token": "forged"}).status_code == 400
    assert (repo / LOR).exists()


def test_the_delete_page_lists_the_pages_that_link_here_and_deleting_is_refused(client, auth, repo):
    auth.login("ed@example.mil")
    page = client.get(DELETE_LINKED).get_data(as_text=True)
    assert "page(s) link to this article" in page and "Letter of Offer and Acceptance" in page and "Zebra compliance checklist" in page
    response = client.post(DELETE_LINKED, data={"csrf_token": token(client, DELETE_LINKED)})
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Not deleted" in text and "articles/fms/letter-of-offer-and-acceptance.md" in text
    assert (repo / LOR).exists()


def test_deleting_an_article_nobody_links_to_commits_the_removal(client, auth, repo):
    auth.login("ed@example.mil")
    response = client.post(DELETE, data={"message": "Program ended", "csrf_token": token(client, DELETE)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/areas/eum")
    assert not (repo / "articles/eum/golden-sentry.md").exists()
    assert run_git(repo, "log", "-1", "--format=%an %s") == "Ed Editor Program ended"
    assert run_git(repo, "status", "--porcelain") == ""
    assert "Deleted" in client.get("/areas/eum").get_data(as_text=True)
    assert client.get("/articles/eum/golden-sentry").status_code == 404


def test_a_deletion_without_the_csrf_token_is_refused(client, auth, repo):
    auth.login("ed@example.mil")
    assert client.post(DELETE, data={"csrf_token": "forged"}).status_code == 400
    assert (repo / "articles/eum/golden-sentry.md").exists()
