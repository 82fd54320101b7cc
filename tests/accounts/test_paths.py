"""Onboarding paths: the list, one path, marking steps done and not done, /me, the API, persistence."""

from __future__ import annotations

import re

from kb.repository.sync import sync

from ..conftest import write_tree
from .conftest import Auth

STEP = "/paths/new-to-sc/steps/fms/letter-of-request"


def text(response) -> str:
    return response.get_data(as_text=True)


def plain(response) -> str:
    """The page's words without tags, for sentences built from several elements."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text(response)))


def progress(client) -> dict:
    response = client.get("/api/me/progress")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    return response.get_json()["paths"]


def test_paths_list_shows_audience_steps_and_time(client):
    response = client.get("/paths")
    assert response.status_code == 200
    html = text(response)
    assert "New to Security Cooperation" in html and "For: Newcomers" in html
    assert "2 steps" in html and re.search(r"About \d+ min", html)
    assert "Sign in</a> to mark steps done" in html


def test_anonymous_readers_follow_a_path_and_are_invited_to_sign_in(client):
    html = text(client.get("/paths/new-to-sc"))
    assert "How cases start." in html and "Letter of Offer and Acceptance" in html and "min read" in html
    assert "to mark steps done and keep your progress" in html
    assert "Mark as done" not in html and 'class="kb-step-form"' not in html
    assert client.post(STEP, data={"done": "1"}).status_code in (400, 302)  # no token, or not signed in


def test_anonymous_post_with_a_token_goes_to_sign_in_and_back_to_the_path(client, auth):
    response = auth.post(STEP, {"done": "1"}, page="/login", headers={"Referer": "http://localhost/paths/new-to-sc"})
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/paths/new-to-sc"
    elsewhere = auth.post(STEP, {"done": "1"}, page="/login", headers={"Referer": "http://evil.example/paths/x"})
    assert elsewhere.headers["Location"] == "/login"


def test_api_progress_needs_sign_in(client):
    response = client.get("/api/me/progress")
    assert response.status_code == 401 and response.get_json()["error"] == "Sign-in required"


def test_mark_and_unmark_a_step_without_javascript(client, auth):
    auth.login()
    assert "0 of 3 steps done" in plain(client.get("/paths/new-to-sc"))
    html = text(client.get("/paths/new-to-sc"))
    assert "usa-step-indicator" in html and html.count(">Mark as done<") == 3
    response = auth.post(STEP, {"done": "1"}, page="/paths/new-to-sc")
    assert response.status_code == 303 and response.headers["Location"] == "/paths/new-to-sc#step-fms-letter-of-request"
    assert "1 of 3 steps done" in plain(client.get("/paths/new-to-sc"))
    html = text(client.get("/paths/new-to-sc"))
    assert "Mark as not done" in html
    assert "usa-step-indicator__segment--complete" in html
    assert progress(client) == {"new-to-sc": {"done": ["fms/letter-of-request"], "total": 3}}
    auth.post(STEP, {"done": "1"}, page="/paths/new-to-sc")  # twice is harmless
    assert progress(client)["new-to-sc"]["done"] == ["fms/letter-of-request"]
    auth.post(STEP, {"done": "0"}, page="/paths/new-to-sc")
    assert progress(client)["new-to-sc"]["done"] == []


def test_marking_answers_json_for_the_script(client, auth):
    auth.login()
    response = auth.post(STEP, {"done": "1"}, page="/paths/new-to-sc", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert response.get_json() == {"path": "new-to-sc", "slug": "fms/letter-of-request", "done": True, "count": 1, "total": 3, "percent": 33}


def test_steps_that_are_not_in_the_path_are_refused(client, auth):
    auth.login()
    assert auth.post("/paths/new-to-sc/steps/fms/nope", {"done": "1"}, page="/paths/new-to-sc").status_code == 404
    assert auth.post("/paths/nope/steps/fms/letter-of-request", {"done": "1"}).status_code == 404


def test_home_continues_where_you_left_off_and_me_shows_progress(client, auth):
    auth.login()
    home = text(client.get("/"))
    assert "Recently updated" in home and "Continue where you left off" not in home
    auth.post(STEP, {"done": "1"}, page="/paths/new-to-sc")
    home = text(client.get("/"))
    assert "Continue where you left off" in home and "1 of 3 steps done" in home
    assert "Letter of Offer and Acceptance" in home.split("Continue where you left off")[1].split("</section>")[0]
    me = text(client.get("/me"))
    assert "My progress" in me and "New to Security Cooperation" in me
    assert "1 of 3 steps done" in plain(client.get("/me"))
    assert me.count('href="/paths/new-to-sc"') >= 1


def test_progress_is_per_user(app, client, auth):
    auth.login()
    auth.post(STEP, {"done": "1"}, page="/paths/new-to-sc")
    other = app.test_client()
    Auth(other).login("ed@example.mil")
    assert progress(other)["new-to-sc"]["done"] == []
    home = text(other.get("/"))
    assert "Recently updated" in home and "Continue where you left off" not in home


def test_progress_survives_a_restart_and_a_content_change(content_dir, index, new_app, app, client, auth):
    auth.login()
    auth.post(STEP, {"done": "1"}, page="/paths/new-to-sc")
    auth.post("/paths/new-to-sc/steps/fms/letter-of-offer-and-acceptance", {"done": "1"}, page="/paths/new-to-sc")
    with app.app_context():
        from kb.accounts.models import db

        db.engine.dispose()
    # the content changes: one step's article is renamed
    (content_dir / "articles/fms/letter-of-offer-and-acceptance.md").rename(content_dir / "articles/fms/loa.md")
    sync(content_dir, index)
    restarted = new_app()  # a new process: a new app on the same database
    again = restarted.test_client()
    Auth(again).login()
    assert progress(again)["new-to-sc"] == {"done": ["fms/letter-of-request"], "total": 2}
    html = text(again.get("/paths/new-to-sc"))
    assert "Step not available" in html and "fms/letter-of-offer-and-acceptance" in html
    assert "1 of 2 steps done" in plain(again.get("/paths/new-to-sc"))
    # renamed back: the old mark is still there
    (content_dir / "articles/fms/loa.md").rename(content_dir / "articles/fms/letter-of-offer-and-acceptance.md")
    sync(content_dir, index)
    assert sorted(progress(again)["new-to-sc"]["done"]) == ["fms/letter-of-offer-and-acceptance", "fms/letter-of-request"]


def test_kb_check_reports_a_step_whose_article_is_gone(content_dir, runner):
    write_tree(content_dir, {"paths/broken.md": "---\ntitle: Broken\nsteps:\n  - fms/renamed-away\n---\n"})
    result = runner.invoke(args=["kb", "check"])
    assert result.exit_code == 1
    assert "paths/broken.md:4: error: step names unknown article 'fms/renamed-away'" in result.output


def test_user_state_never_enters_the_shared_caches(app, client, auth):
    auth.login()
    auth.post(STEP, {"done": "1"}, page="/paths/new-to-sc")
    cached = app.extensions["kb.index"].per_generation("onboarding:public,staff", lambda: None)
    assert cached and all(not step.done for path in cached for step in path.steps)
