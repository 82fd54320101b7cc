"""Onboarding paths: the list, one path, marking steps done and not done, /me, the API, persistence."""

from __future__ import annotations

import re

from kb.repository.sync import sync

from ..conftest import write_tree
from .conftest import Auth, csrf_token

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


READ_IN_PATH = "/articles/fms/letter-of-request?path=new-to-sc"
CONTINUE = "/paths/new-to-sc/continue/fms/letter-of-request"


def test_start_this_path_records_the_date_and_opens_the_first_step(client, auth):
    auth.login()
    assert "Start this path" in text(client.get("/paths/new-to-sc"))
    response = auth.post("/paths/new-to-sc/start", page="/paths/new-to-sc")
    assert response.status_code == 303 and response.headers["Location"] == READ_IN_PATH
    page = plain(client.get("/paths/new-to-sc"))
    assert "Start this path" not in page and re.search(r"Started \d+ \w+ 20\d\d\. Continue: Letter of Request", page)
    auth.post("/paths/new-to-sc/start", page="/paths/new-to-sc")  # a replayed form keeps the first date
    assert "Started" in plain(client.get("/paths/new-to-sc"))


def test_the_path_bar_marks_the_step_and_opens_the_next(client, auth):
    auth.login()
    page = plain(client.get(READ_IN_PATH))
    assert "Step 1 of 3 · New to Security Cooperation" in page and "Take away: How cases start." in page
    assert "Mark as done and continue" in page and "Next: Letter of Offer and Acceptance" in page and "Previous:" not in page
    response = auth.post(CONTINUE, page=READ_IN_PATH)
    assert response.status_code == 303
    assert response.headers["Location"] == "/articles/fms/letter-of-offer-and-acceptance?path=new-to-sc"
    assert progress(client)["new-to-sc"]["done"] == ["fms/letter-of-request"]
    assert 'href="/articles/fms/letter-of-offer-and-acceptance?path=new-to-sc"' in text(client.get("/me"))  # continue in flow
    second = plain(client.get(response.headers["Location"]))
    assert "Step 2 of 3" in second and "Previous: Letter of Request" in second and "1 of 3 steps done" in second
    again = auth.post(CONTINUE, page=READ_IN_PATH)  # the second tab's mark: the same outcome, nothing doubled
    assert again.status_code == 303 and progress(client)["new-to-sc"]["done"] == ["fms/letter-of-request"]
    assert "You marked this step done." in plain(client.get(READ_IN_PATH))


def test_the_active_path_shows_its_bar_without_the_parameter(client, auth):
    auth.login()
    assert "Step 1 of" not in plain(client.get("/articles/fms/letter-of-request"))
    auth.post("/paths/new-to-sc/start", page="/paths/new-to-sc")
    assert "Step 1 of 3 · New to Security Cooperation" in plain(client.get("/articles/fms/letter-of-request"))


def test_the_last_step_continues_to_the_path_page(client, auth):
    auth.login()
    response = auth.post("/paths/new-to-sc/continue/eum/internal-checklist", page="/paths/new-to-sc")
    assert response.status_code == 303 and response.headers["Location"] == "/paths/new-to-sc"


def test_anonymous_readers_see_the_navigation_and_an_invitation(client):
    response = client.get(READ_IN_PATH)
    page = plain(response)
    assert "Step 1 of 2 · New to Security Cooperation" in page and "Next: Letter of Offer and Acceptance" in page
    assert "to mark steps done and keep your progress" in page and "Mark as done and continue" not in page
    assert client.post(CONTINUE).status_code == 400  # no CSRF token
    assert client.post("/paths/new-to-sc/start").status_code == 400


def test_signed_out_posts_with_a_token_go_to_sign_in(client, auth):
    for url in (CONTINUE, "/paths/new-to-sc/start"):
        response = auth.post(url, page="/login")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_tampered_path_forms_change_nothing(client, auth):
    auth.login()
    assert auth.post("/paths/new-to-sc/continue/fms/not-in-the-path", page="/").status_code == 404
    assert auth.post("/paths/no-such-path/continue/fms/letter-of-request", page="/").status_code == 404
    assert auth.post("/paths/no-such-path/start", page="/").status_code == 404
    assert progress(client)["new-to-sc"]["done"] == []
    assert "Start this path" in text(client.get("/paths/new-to-sc"))


def test_a_path_parameter_for_another_path_or_article_shows_no_bar(client, auth):
    assert "Step 1 of 2 · New to Security Cooperation" in plain(client.get(READ_IN_PATH))
    assert "Step " not in plain(client.get("/articles/fms/letter-of-request?path=no-such-path"))
    assert "kb-path-bar" not in text(client.get("/articles/eum/internal-checklist?path=new-to-sc"))  # staff-only: 404 anyway
    assert "kb-path-bar" not in text(client.get("/articles/fms/letter-of-request?path=<script>"))


def test_the_path_bar_is_private_for_signed_in_readers(client, auth):
    auth.login()
    response = client.get(READ_IN_PATH)
    assert response.headers["Cache-Control"] == "private, no-store" and "Step 1 of 3" in plain(response)


def test_a_removed_step_keeps_its_progress_and_the_bar_skips_it(client, auth, content_dir, index):
    auth.login()
    auth.post(CONTINUE, page=READ_IN_PATH)
    (content_dir / "articles/fms/letter-of-request.md").unlink()
    sync(content_dir, index)
    assert "Step not available" in text(client.get("/paths/new-to-sc"))
    assert "Step 1 of 2" in plain(client.get("/articles/fms/letter-of-offer-and-acceptance?path=new-to-sc"))
    assert auth.post(CONTINUE, page="/").status_code == 404
    assert progress(client)["new-to-sc"]["done"] == []  # not counted while unavailable ...
    (content_dir / "articles/fms/letter-of-request.md").write_text("---\ntitle: Letter of Request\n---\nBack.\n")
    sync(content_dir, index)
    assert progress(client)["new-to-sc"]["done"] == ["fms/letter-of-request"]  # ... and kept


def test_a_step_whose_article_was_renamed_with_a_redirect_keeps_working_and_its_progress(client, auth, content_dir, index):
    """Renamed the way kb mv does it (``redirect_from``): the step follows the article, and its done mark stays."""
    auth.login()
    auth.post(CONTINUE, page=READ_IN_PATH)
    old = content_dir / "articles/fms/letter-of-request.md"
    text_of = old.read_text().replace("---\n", "---\nredirect_from: [fms/letter-of-request]\n", 1)
    old.unlink()
    (content_dir / "articles/fms/partner-request.md").write_text(text_of)
    sync(content_dir, index)
    page = text(client.get("/paths/new-to-sc"))
    assert "Step not available" not in page and 'href="/articles/fms/partner-request"' in page
    assert progress(client)["new-to-sc"]["done"] == ["fms/letter-of-request"]
    assert "Step 1 of 3" in plain(client.get("/articles/fms/partner-request?path=new-to-sc"))


def test_concurrent_marks_from_two_tabs_lose_nothing(app, auth):
    """Two signed-in tabs mark the same steps at the same moment, in opposite orders: every answer is
    a redirect (no 500), every step is done once, and the completion is recorded once."""
    import threading

    from kb.accounts.models import PathCompletion, StepDone, db

    slugs = ["fms/letter-of-request", "fms/letter-of-offer-and-acceptance", "eum/internal-checklist"]
    tabs = [app.test_client() for _ in range(2)]
    forms = []
    for tab in tabs:
        Auth(tab).login()
        forms.append(csrf_token(tab, "/paths/new-to-sc"))
    statuses: list[int] = []
    start = threading.Barrier(2)

    def mark_all(tab, token, order):
        start.wait()
        try:
            for slug in order:
                statuses.append(tab.post(f"/paths/new-to-sc/continue/{slug}", data={"csrf_token": token}).status_code)
        finally:
            app.extensions["kb.index"].close()  # this thread's searcher

    threads = [threading.Thread(target=mark_all, args=(tabs[i], forms[i], slugs[:: 1 - 2 * i])) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 6
    with app.app_context():
        assert db.session.query(StepDone).filter_by(path_id="new-to-sc").count() == 3
        assert db.session.query(PathCompletion).filter_by(path_id="new-to-sc").count() == 1
