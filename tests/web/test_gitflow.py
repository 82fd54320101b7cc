"""The git workflow in the browser: git facts, History, diffs, edit link, notices, reports, webhook, feeds."""

from __future__ import annotations

import hashlib
import hmac
import re
import xml.etree.ElementTree as ET

import pytest

from kb import create_app
from kb.access import Reader
from kb.index import SearchIndex
from kb.repository.sync import sync

from ..conftest import SAMPLE, body
from ..gitrepo import commit, init

LOR = "articles/fms/letter-of-request.md"
EDITOR = Reader(name="Ed", staff=True, role="editor")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def repo(tmp_path):
    root = init(tmp_path / "repo")
    shas = [
        commit(root, "maria", "Initial content", SAMPLE, when="2025-01-10T09:00:00Z"),
        commit(root, "john", "LOR: add funding note", {LOR: body(LOR) + "\nFunding: national funds.\n"}, when="2025-03-05T10:00:00Z"),
        commit(root, "maria", "LOR: <script>alert(1)</script>", {LOR: body(LOR) + "\nFunding: <b>FMF</b>.\n"}, when="2025-04-01T11:00:00Z"),
    ]
    return root, shas


def make_app(tmp_path, content, **config):
    index = SearchIndex(tmp_path / "gitindex")
    sync(content, index)
    index.close()
    app = create_app(
        {
            "CONTENT_DIR": str(content),
            "INDEX_DIR": str(tmp_path / "gitindex"),
            "SECRET_KEY": "t",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "TESTING": True,  # a bug in a page raises in the test
            **config,
        }
    )
    return app


@pytest.fixture
def gitapp(tmp_path, repo):
    app = make_app(tmp_path, repo[0], EDIT_URL="https://git.example.mil/sc/kb-content/-/edit/main/{path}", WEBHOOK_SECRET="s3cret")
    started = []
    app.extensions["kb.start_updater"] = lambda: started.append(1)
    app.extensions["started"] = started
    yield app
    app.extensions["kb.index"].close()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_article_shows_git_facts_and_the_edit_link(gitapp):
    page = text(gitapp.test_client().get("/articles/fms/letter-of-request"))
    assert 'Last updated <time datetime="2025-04-01">1 April 2025</time> by Maria Delgado' in page
    assert "Edited by Maria Delgado, John Smith" in page
    assert 'href="/articles/fms/letter-of-request/-/history"' in page
    assert 'href="https://git.example.mil/sc/kb-content/-/edit/main/articles/fms/letter-of-request.md"' in page


def test_no_git_says_so_and_no_edit_link_without_a_template(client):
    page = text(client.get("/articles/fms/letter-of-request"))
    assert "not a git repository" in page and "Edit this page" not in page and "/-/history" not in page


def test_history_page_lists_the_commits(gitapp, repo):
    _, (first, second, third) = repo
    page = text(gitapp.test_client().get("/articles/fms/letter-of-request/-/history"))
    assert "3 changes" in page
    assert page.index(third[:10]) < page.index(second[:10]) < page.index(first[:10])
    assert "John Smith" in page and "LOR: add funding note" in page and "2025-03-05" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_diff_page_is_escaped_and_marks_the_changed_words(gitapp, repo):
    _, (_, _, third) = repo
    response = gitapp.test_client().get(f"/articles/fms/letter-of-request/-/commits/{third}")
    assert response.status_code == 200
    page = text(response)
    removed = 'class="kb-diff__line kb-diff__line--removed"'
    added = 'class="kb-diff__line kb-diff__line--added"'
    assert page.count(removed) == 1 and page.count(added) == 1
    assert '<span class="usa-sr-only">Removed: </span>Funding: <del>national funds</del>.</td>' in page
    assert '<span class="usa-sr-only">Added: </span>Funding: <ins>&lt;b&gt;FMF&lt;/b&gt;</ins>.</td>' in page
    assert "<b>FMF</b>" not in page


def test_diff_page_names_the_article_not_the_diff_header(gitapp, repo):
    _, (first, _, third) = repo
    client = gitapp.test_client()
    page = text(client.get(f"/articles/fms/letter-of-request/-/commits/{third}"))
    assert '<h2 id="diff-file" class="kb-diff__file"><a class="usa-link" href="/articles/fms/letter-of-request">Letter of Request</a></h2>' in page
    assert "diff --git" not in page and "+++ b/" not in page and "--- a/" not in page and "@@" not in page
    assert '<time datetime="2025-04-01">1 April 2025</time>' in page
    created = text(client.get(f"/articles/fms/letter-of-request/-/commits/{first}"))
    assert 'Letter of Request</a> <span class="usa-tag">created</span></h2>' in created
    assert "kb-diff__line--removed" not in created and "kb-diff__line--added" in created


@pytest.mark.parametrize(
    "sha",
    [
        "HEAD",
        "0000000",
        "a" * 40,
        "--output=x",
        "..",
        "%2e%2e%2fetc",
        "main",
        "1234567;ls",
    ],
)
def test_hostile_or_unknown_commit_ids_are_404(gitapp, sha):
    assert gitapp.test_client().get(f"/articles/fms/letter-of-request/-/commits/{sha}").status_code == 404


def test_a_commit_of_another_file_or_a_hostile_path_is_404(gitapp, repo):
    _, (first, _, third) = repo
    client = gitapp.test_client()
    assert client.get(f"/articles/eum/golden-sentry/-/commits/{third}").status_code == 404  # did not touch it
    first_diff = client.get(f"/articles/eum/golden-sentry/-/commits/{first}")
    assert first_diff.status_code == 200 and "Golden Sentry" in text(first_diff)
    for path in ("../../etc/passwd", "..%2f..%2fetc%2fpasswd", "fms/../../people/maria-delgado"):
        assert client.get(f"/articles/{path}/-/commits/{first}").status_code == 404
        assert client.get(f"/articles/{path}/-/history").status_code == 404


def test_an_article_named_history_is_still_an_article(tmp_path, repo):
    root, _ = repo
    commit(root, "ed", "an article called history", {"articles/fms/history.md": "---\ntitle: History of FMS\n---\n[[fms/letter-of-request]]"})
    app = make_app(tmp_path, root)
    assert "History of FMS" in text(app.test_client().get("/articles/fms/history"))
    assert "History of History of FMS" in text(app.test_client().get("/articles/fms/history/-/history"))
    app.extensions["kb.index"].close()


def test_staff_only_history_is_hidden_from_anonymous_readers(gitapp):
    client = gitapp.test_client()
    assert client.get("/articles/eum/internal-checklist/-/history").status_code == 404
    gitapp.extensions["kb.identify"] = lambda: EDITOR
    history = client.get("/articles/eum/internal-checklist/-/history")
    assert history.status_code == 200 and "Zebra compliance checklist" in text(history)


def test_person_page_lists_the_articles_they_changed_most(gitapp):
    page = text(gitapp.test_client().get("/people/maria-delgado"))
    assert "Articles changed most" in page and "Letter of Request</a> (2 changes)" in page


def test_freshness_notice_on_an_overdue_article(gitapp):
    # golden-sentry has no review_by and last changed 2025-01-10, more than 365 days ago
    page = text(gitapp.test_client().get("/articles/eum/golden-sentry"))
    assert "usa-alert--warning" in page and "Due for review since" in page and "check with its experts" in page
    fresh = text(gitapp.test_client().get("/articles/fms/letter-of-request"))  # review_by 2030
    assert "Review by" in fresh and "Due for review" not in fresh


def test_freshness_report_is_for_editors_only(gitapp):
    client = gitapp.test_client()
    assert client.get("/reports/freshness").status_code == 404
    gitapp.extensions["kb.identify"] = lambda: Reader(name="Sam", staff=True, role="reader")
    assert client.get("/reports/freshness").status_code == 404
    gitapp.extensions["kb.identify"] = lambda: EDITOR
    page = text(client.get("/reports/freshness"))
    assert "Freshness report" in page and "By functional area" in page and "By expert" in page
    assert "Golden Sentry program" in page and "Zebra compliance checklist" in page  # staff articles too
    assert "overdue" in page
    main = page[page.index("<main") : page.index("</main>")]
    shown = re.sub(r"<[^>]+>", "", main)  # the text a reader sees: every date in words (issue 19, item 21)
    assert re.search(r"As of \d{1,2} [A-Z][a-z]+ \d{4}:", shown) and not re.search(r"\d{4}-\d\d-\d\d", shown)


# --- webhook ---------------------------------------------------------------------


def test_webhook_with_the_gitlab_token_starts_one_updater(gitapp):
    response = gitapp.test_client().post("/hooks/content", json={"ref": "refs/heads/main"}, headers={"X-Gitlab-Token": "s3cret"})
    assert response.status_code == 202 and gitapp.extensions["started"] == [1]


def test_webhook_with_the_github_signature(gitapp):
    payload = b'{"ref": "refs/heads/main"}'
    signature = "sha256=" + hmac.new(b"s3cret", payload, hashlib.sha256).hexdigest()
    response = gitapp.test_client().post("/hooks/content", data=payload, content_type="application/json", headers={"X-Hub-Signature-256": signature})
    assert response.status_code == 202


def test_a_replayed_github_delivery_starts_nothing(gitapp, tmp_path):
    """GitHub names each delivery: the same one again (a replay of a captured request) is answered and ignored."""
    payload = b'{"ref": "refs/heads/main"}'
    signed = {"X-Hub-Signature-256": "sha256=" + hmac.new(b"s3cret", payload, hashlib.sha256).hexdigest()}
    client = gitapp.test_client()

    def deliver(delivery: str):
        return client.post("/hooks/content", data=payload, content_type="application/json", headers={**signed, "X-GitHub-Delivery": delivery})

    assert deliver("72d3162e-cc78-11e3-81ab-4c9367dc0958").status_code == 202
    token = (tmp_path / "gitindex" / "SYNC.request").read_text()
    replay = deliver("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    assert replay.status_code == 200 and replay.get_json() == {"status": "ignored", "message": "this delivery was received before"}
    assert gitapp.extensions["started"] == [1] and (tmp_path / "gitindex" / "SYNC.request").read_text() == token  # not even requested
    assert deliver("9a1b2c3d-cc78-11e3-81ab-4c9367dc0958").status_code == 202 and gitapp.extensions["started"] == [1, 1]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Gitlab-Token": "wrong"},
        {"X-Gitlab-Token": ""},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": hmac.new(b"s3cret", b"other body", hashlib.sha256).hexdigest()},
    ],
)
def test_webhook_without_or_with_a_wrong_secret_is_401(gitapp, headers):
    response = gitapp.test_client().post("/hooks/content", data=b"{}", headers=headers)
    assert response.status_code == 401 and gitapp.extensions["started"] == []


def test_webhook_works_on_a_site_that_requires_sign_in(tmp_path, repo):
    """The git server never signs in: under KB_REQUIRE_LOGIN the webhook still answers by its secret."""
    app = make_app(tmp_path, repo[0], WEBHOOK_SECRET="s3cret", REQUIRE_LOGIN=1)
    started = []
    app.extensions["kb.start_updater"] = lambda: started.append(1)
    client = app.test_client()
    assert client.post("/hooks/content", headers={"X-Gitlab-Token": "wrong"}).status_code == 401
    assert client.post("/hooks/content", headers={"X-Gitlab-Token": "s3cret"}).status_code == 202 and started == [1]
    assert client.get("/").status_code == 302  # the rest of the site still needs sign-in
    app.extensions["kb.index"].close()


def test_webhook_is_404_when_no_secret_is_configured(client):
    assert client.post("/hooks/content", headers={"X-Gitlab-Token": ""}).status_code == 404


def test_webhook_records_the_request_for_a_running_updater(gitapp, tmp_path):
    gitapp.test_client().post("/hooks/content", headers={"X-Gitlab-Token": "s3cret"})
    assert (tmp_path / "gitindex" / "SYNC.request").read_text()


# --- feeds -----------------------------------------------------------------------


def entries(response):
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314 - our own feed
    return feed, [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]


def test_site_feed_lists_recent_articles_newest_first(gitapp):
    feed, titles = entries(gitapp.test_client().get("/feed.atom"))
    assert titles[0] == "Letter of Request" and "Golden Sentry program" in titles
    assert "Zebra compliance checklist" not in titles  # staff only
    first = feed.find(f"{ATOM}entry")
    assert first.find(f"{ATOM}link").get("href") == "http://localhost/articles/fms/letter-of-request"
    assert first.find(f"{ATOM}updated").text.startswith("2025-04-01T11:00:00")
    assert first.find(f"{ATOM}author/{ATOM}name").text == "Maria Delgado"


def test_feeds_include_staff_articles_for_staff_only(gitapp):
    gitapp.extensions["kb.identify"] = lambda: EDITOR
    _, titles = entries(gitapp.test_client().get("/feed.atom"))
    assert "Zebra compliance checklist" in titles


def test_area_feed_and_its_link_in_the_page_head(gitapp):
    _, titles = entries(gitapp.test_client().get("/areas/eum/feed.atom"))
    assert titles == ["Golden Sentry program"]
    assert gitapp.test_client().get("/areas/nowhere/feed.atom").status_code == 404
    page = text(gitapp.test_client().get("/areas/eum"))
    assert '<link rel="alternate" type="application/atom+xml" title="SC Knowledge Base: End-Use Monitoring" href="/areas/eum/feed.atom">' in page
    assert 'type="application/atom+xml"' in text(gitapp.test_client().get("/")) and 'href="/feed.atom"' in text(gitapp.test_client().get("/"))


def test_article_and_history_pages_run_no_git(gitapp, monkeypatch):
    """Git facts come from the index (one git log pass at index time), never from git per page view."""
    from kb import git

    def refuse(*args, **kwargs):
        raise AssertionError(f"git ran during a page view: {args}")

    monkeypatch.setattr(git, "_git", refuse)
    client = gitapp.test_client()
    for url in ("/articles/fms/letter-of-request", "/articles/fms/letter-of-request/-/history", "/feed.atom", "/people/maria-delgado"):
        assert client.get(url).status_code == 200, url
