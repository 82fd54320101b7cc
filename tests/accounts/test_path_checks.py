"""Knowledge checks in the browser: scored on the server, attempts kept, completion and its record."""

from __future__ import annotations

import re

import pytest

from kb.repository.sync import sync

from ..conftest import write_tree
from .conftest import Auth

CHECK = """
pass_mark: 50
questions:
  - id: lor
    question: What starts an FMS case?
    choices: [A Letter of Request, A contract]
    answer: A Letter of Request
    explanation: The partner's written request starts it.
  - id: loa-signed
    question: The partner signs the LOA.
    type: true-false
    answer: true
    explanation: The partner accepts the offer by signing it.
"""
RIGHT = {"q-lor": "A Letter of Request", "q-loa-signed": "True"}
WRONG = {"q-lor": "A contract", "q-loa-signed": "False"}


@pytest.fixture(autouse=True)
def with_check(content_dir):
    write_tree(content_dir, {"paths/new-to-sc.check.yml": CHECK})


def plain(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def submit(client, answers: dict, url: str = "/paths/new-to-sc/check"):
    """Open the check (a fresh one-time form) and send these answers."""
    html = client.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|form_token)" value="([^"]+)"', html))
    return client.post(url, data={**fields, **answers}), fields


def finish_steps(auth):
    for slug in ("fms/letter-of-request", "fms/letter-of-offer-and-acceptance", "eum/internal-checklist"):
        auth.post(f"/paths/new-to-sc/continue/{slug}", page="/paths/new-to-sc")


def test_the_check_page_has_the_questions_but_not_the_answers(client, auth):
    auth.login()
    response = client.get("/paths/new-to-sc/check")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert "What starts an FMS case?" in html and "pass with 50 %" in plain(response)
    assert "The partner&#39;s written request" not in html and "written request starts it" not in html
    assert "Knowledge check" in plain(client.get("/paths/new-to-sc")) and "2 questions; pass mark 50 %" in plain(client.get("/paths/new-to-sc"))


def test_a_failed_then_passed_check_completes_the_path_and_opens_the_record(client, auth):
    auth.login()
    finish_steps(auth)
    failed, _ = submit(client, WRONG)
    page = plain(failed)
    assert failed.status_code == 200 and "You scored 0 %: not passed yet" in page
    assert "Correct: A Letter of Request." in page and "written request starts it" in page and "Try again" in page
    assert client.get("/paths/new-to-sc/record").status_code == 404
    passed, _ = submit(client, RIGHT)
    assert "You scored 100 %: passed" in plain(passed) and "You completed this path." in plain(passed)
    record = plain(client.get("/paths/new-to-sc/record"))
    assert "Completion record" in record and "Rita Reader" in record and "New to Security Cooperation" in record
    assert "100 % (best score)" in record and re.search(r"Completed ?\d+ \w+ 20\d\d", record)
    assert "You completed this path on" in plain(client.get("/paths/new-to-sc"))
    me = client.get("/me").get_data(as_text=True)
    assert 'href="/paths/new-to-sc/record"' in me and "Completed" in me
    submit(client, WRONG)  # a worse try later: the best score still counts
    assert "100 % (best score)" in plain(client.get("/paths/new-to-sc/record"))


def test_passing_the_check_first_completes_with_the_last_step(client, auth):
    auth.login()
    submit(client, RIGHT)
    assert client.get("/paths/new-to-sc/record").status_code == 404  # steps not done yet
    finish_steps(auth)
    assert client.get("/paths/new-to-sc/record").status_code == 200


def test_a_replayed_submission_is_refused_and_not_counted(client, auth):
    auth.login()
    _, fields = submit(client, WRONG)
    replay = client.post("/paths/new-to-sc/check", data={**fields, **RIGHT})
    assert replay.status_code == 409 and "This check was already submitted" in plain(replay)
    assert "Your best score: 0 %" in plain(client.get("/paths/new-to-sc"))


def test_answers_to_another_check_or_not_offered_are_refused(client, auth):
    auth.login()
    other, _ = submit(client, {"q-someone-elses-question": "x"})
    assert other.status_code == 400 and "do not belong to this check" in plain(other)
    invented, _ = submit(client, {"q-lor": "Something not offered"})
    assert invented.status_code == 400
    assert "Your best score" not in plain(client.get("/paths/new-to-sc"))


def test_check_routes_need_sign_in_and_a_token(client, auth):
    for url in ("/paths/new-to-sc/check", "/paths/new-to-sc/record"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post("/paths/new-to-sc/check", data=RIGHT).status_code == 400  # no CSRF token
    assert "Sign in</a> to take the check" in client.get("/paths/new-to-sc").get_data(as_text=True)


@pytest.mark.parametrize("email", ["rita@example.mil", "ed@example.mil", "ada@example.mil"])
def test_every_role_takes_its_own_check(client, email):
    auth = Auth(client)
    auth.login(email)
    response, _ = submit(client, RIGHT)
    assert response.status_code == 200 and "You scored 100 %" in plain(response)


def test_no_check_no_page_and_a_path_without_a_check_completes_with_its_steps(client, auth, content_dir):
    (content_dir / "paths/new-to-sc.check.yml").unlink()
    auth.login()
    assert client.get("/paths/new-to-sc/check").status_code == 404
    assert client.get("/paths/no-such-path/check").status_code == 404
    finish_steps(auth)
    assert "Completion record" in plain(client.get("/paths/new-to-sc/record"))


def test_progress_and_scores_stay_out_of_public_pages(client, auth):
    auth.login()
    finish_steps(auth)
    submit(client, RIGHT)
    assert "best score" in plain(client.get("/paths/new-to-sc")) and "You completed" in plain(client.get("/paths/new-to-sc"))
    auth.logout()
    for url in ("/paths/new-to-sc", "/paths", "/", "/articles/fms/letter-of-request?path=new-to-sc"):
        page = plain(client.get(url))
        assert "best score" not in page and "You completed" not in page and "Rita" not in page


def test_a_completion_stands_when_the_path_gets_a_new_step(client, auth, content_dir, index):
    auth.login()
    finish_steps(auth)
    submit(client, RIGHT)
    path = content_dir / "paths/new-to-sc.md"
    path.write_text(
        path.read_text().replace("  - fms/letter-of-offer-and-acceptance\n", "  - fms/letter-of-offer-and-acceptance\n  - eum/golden-sentry\n")
    )
    sync(content_dir, index)
    assert "Completion record" in plain(client.get("/paths/new-to-sc/record"))
    page = plain(client.get("/paths/new-to-sc"))
    assert "You completed this path on" in page and "3 of 4 steps done" in page  # the new step shows as not done
