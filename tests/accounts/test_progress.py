"""Path progress reports and assignments on the web: who sees whose progress, the exports, the
assign form, and "Assigned to you" on /me and the home page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest

from kb.accounts.assignments import assign_path, supervise
from kb.accounts.service import add_user, find_user

from ..conftest import write_tree
from .conftest import PASSWORD, Auth, csrf_token
from .test_path_checks import CHECK, RIGHT, WRONG, finish_steps, submit

REPORT = "/reports/paths/new-to-sc"
YESTERDAY, NEXT_WEEK = dt.date.today() - dt.timedelta(days=1), dt.date.today() + dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def people(app, content_dir):
    """Sam supervises Rita; Olga supervises Nora; Rita has completed new-to-sc (failed the check once)."""
    write_tree(content_dir, {"paths/new-to-sc.check.yml": CHECK})
    with app.app_context():
        for email, name in (("sam@example.mil", "Sam Supervisor"), ("olga@example.mil", "Olga Other"), ("nora@example.mil", "Nora Newcomer")):
            add_user(app.extensions["kb.passwords"], email, name, "reader", PASSWORD)
        supervise("sam@example.mil", "rita@example.mil", "test")
        supervise("olga@example.mil", "nora@example.mil", "test")
        assign_path(find_user("ed@example.mil"), "new-to-sc", [find_user("nora@example.mil").id], NEXT_WEEK)
    client = app.test_client()
    auth = Auth(client)
    auth.login()
    finish_steps(auth)
    submit(client, WRONG)
    submit(client, RIGHT)
    return app


def plain(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def signed_in(app, email: str | None):
    client = app.test_client()
    if email:
        assert Auth(client).login(email).status_code == 302
    return client


ROLES = {"anonymous": None, "reader": "nora@example.mil", "other supervisor": "olga@example.mil", "supervisor": "sam@example.mil"}
ROLES |= {"editor": "ed@example.mil", "admin": "ada@example.mil"}
# who sees Rita's row (Sam supervises her), Nora's row (Olga supervises her); the others get a 404
SEES = {"other supervisor": {"Nora"}, "supervisor": {"Rita"}, "editor": {"Rita", "Nora"}, "admin": {"Rita", "Nora"}}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ["/reports/paths", REPORT, REPORT + "?format=csv", REPORT + "?format=json"])
def test_reports_by_role(people, role, url):
    response = signed_in(people, ROLES[role]).get(url)
    if role not in SEES:
        assert response.status_code == 404 and "Rita" not in response.get_data(as_text=True)
        return
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    if url != "/reports/paths":
        assert {name for name in ("Rita", "Nora") if name in body} == SEES[role]


def test_the_report_shows_steps_score_completion_and_due_dates(people):
    page = plain(signed_in(people, "ed@example.mil").get(REPORT))
    assert "Rita Reader rita@example.mil" in page and "3 of 3" in page and "100%" in page and "Complete, " in page
    assert "Nora Newcomer nora@example.mil not started 0 of 3 no attempt not yet" in page
    assert "2 people, 1 started, 1 completed, 0 overdue" in page
    index = signed_in(people, "sam@example.mil").get("/reports/paths").get_data(as_text=True)
    assert "New to Security Cooperation</a></th>\n      <td>1</td><td>1</td><td>1</td><td>0</td>" in index


def test_csv_and_json_exports(people):
    client = signed_in(people, "ed@example.mil")
    response = client.get(REPORT + "?format=csv")
    assert response.mimetype == "text/csv" and 'filename="progress-new-to-sc.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    rita = next(r for r in rows if r["email"] == "rita@example.mil")
    assert rita["steps_done"] == "3" and rita["best_score"] == "100" and rita["check_passed"] == "True" and rita["completed"]
    data = client.get(REPORT + "?format=json").get_json()
    nora = next(p for p in data["people"] if p["email"] == "nora@example.mil")
    assert nora == {**nora, "due": NEXT_WEEK.isoformat(), "overdue": False, "started": None, "best_score": None}
    assert data["counts"] == {"people": 2, "started": 1, "completed": 1, "overdue": 0}
    assert client.get(REPORT + "?format=xml").status_code == 400
    assert client.get("/reports/paths/no-such-path").status_code == 404


def test_csv_cells_are_neutralised_against_formulas(people):
    with people.app_context():
        add_user(people.extensions["kb.passwords"], "evil@example.mil", '=HYPERLINK("http://x","y")', "reader", PASSWORD)
        assign_path(find_user("ed@example.mil"), "new-to-sc", [find_user("evil@example.mil").id], None)
    text = signed_in(people, "ed@example.mil").get(REPORT + "?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def assign(client, users: list[str], due: str = ""):
    with client.application.app_context():
        ids = [str(find_user(u).id) for u in users]
    return client.post(REPORT + "/assign", data={"user": ids, "due": due, "csrf_token": csrf_token(client, REPORT)})


def test_an_editor_assigns_and_the_assignee_sees_it_on_me_and_home(people):
    editor = signed_in(people, "ed@example.mil")
    response = assign(editor, ["olga@example.mil", "sam@example.mil"], NEXT_WEEK.isoformat())
    assert response.status_code == 303
    assert f"Assigned “New to Security Cooperation” to Olga Other, Sam Supervisor, due {NEXT_WEEK.isoformat()}." in plain(editor.get(REPORT))
    olga = signed_in(people, "olga@example.mil")
    for url in ("/me", "/"):
        page = plain(olga.get(url))
        assert "Assigned to you" in page and "New to Security Cooperation" in page and "0 of 3 steps done" in page and "Overdue" not in page


def test_an_assignment_is_told_to_each_assignee_once_per_due_date(people):
    """Notifications (issue 21): "Assigned to you" on the assignee's notifications page; assigning
    again with the same date tells nothing new, a changed due date is told again."""
    editor = signed_in(people, "ed@example.mil")
    for due in (NEXT_WEEK, NEXT_WEEK, NEXT_WEEK + dt.timedelta(days=1)):
        assert assign(editor, ["olga@example.mil"], due.isoformat()).status_code == 303
    page = plain(signed_in(people, "olga@example.mil").get("/notifications"))
    assert page.count("assigned this path to you") == 2 and "Assigned to you" in page and "New to Security Cooperation" in page
    assert f"due {NEXT_WEEK.day} {NEXT_WEEK:%B %Y}." in page
    assert "assigned this path to you" not in plain(signed_in(people, "sam@example.mil").get("/notifications"))


def test_overdue_assignments_are_marked(people):
    with people.app_context():
        nora = find_user("nora@example.mil")
        from kb.accounts.models import PathAssignment, db

        db.session.get(PathAssignment, (nora.id, "new-to-sc")).due = YESTERDAY
        db.session.commit()
    page = plain(signed_in(people, "nora@example.mil").get("/me"))
    assert f"Due {YESTERDAY.day} {YESTERDAY:%B %Y}. Overdue" in page
    assert "1 overdue" in plain(signed_in(people, "olga@example.mil").get(REPORT))


def test_a_supervisor_assigns_to_their_people_only(people):
    sam = signed_in(people, "sam@example.mil")
    form = plain(sam.get(REPORT))
    assert "Rita Reader (rita@example.mil)" in form and "nora@example.mil" not in form
    response = assign(sam, ["nora@example.mil"])
    assert response.status_code == 400 and "only to active people you supervise" in plain(response)
    assert assign(sam, ["rita@example.mil"]).status_code == 303


@pytest.mark.parametrize(
    "data, message",
    [
        ({"user": ["abc"]}, "choose people from the list"),
        ({"due": "next week"}, "Write the due date as YYYY-MM-DD"),
        ({"due": "2020-01-01"}, "is in the past"),
        ({}, "Choose at least one person"),
    ],
)
def test_bad_assign_forms_are_400_with_a_message(people, data, message):
    editor = signed_in(people, "ed@example.mil")
    with people.app_context():
        base = {"user": [str(find_user("olga@example.mil").id)]} if "user" not in data and data else {}
    response = editor.post(REPORT + "/assign", data={**base, **data, "csrf_token": csrf_token(editor, REPORT)})
    assert response.status_code == 400 and message in plain(response)
    assert "Assigned to you" not in plain(signed_in(people, "olga@example.mil").get("/me"))


@pytest.mark.parametrize("role", ROLES)
def test_assign_by_role(people, role):
    client = signed_in(people, ROLES[role])
    with people.app_context():
        target = str(find_user("rita@example.mil").id)
    token = csrf_token(client, "/" if ROLES[role] else "/login")
    response = client.post(REPORT + "/assign", data={"user": [target], "csrf_token": token})
    allowed = role in ("supervisor", "editor", "admin")
    assert response.status_code == (303 if allowed else 404 if role != "other supervisor" else 400)
    assert client.post("/reports/paths/no-such-path/assign", data={"user": [target], "csrf_token": token}).status_code == 404
    assert signed_in(people, "ed@example.mil").post(REPORT + "/assign", data={"user": [target]}).status_code == 400  # no CSRF token
    assert ("Assigned to you" in plain(signed_in(people, "rita@example.mil").get("/me"))) == allowed


def test_nobody_else_sees_a_readers_progress(people):
    """Rita's progress: herself, her supervisor, editors and admins; not another reader nor anonymous pages."""
    assert "Completed" in plain(signed_in(people, "rita@example.mil").get("/me"))
    for email in (None, "nora@example.mil", "olga@example.mil"):
        client = signed_in(people, email)
        for url in ("/", "/paths", "/paths/new-to-sc", "/feed.atom", "/sitemap.xml", "/api/search?q=rita", "/search?q=Rita", REPORT):
            body = client.get(url).get_data(as_text=True)
            assert "rita@example.mil" not in body and "Rita Reader" not in body, (email, url)


def test_kb_report_paths_text_csv_json(people):
    runner = people.test_cli_runner()
    text = runner.invoke(args=["kb", "report", "paths"])
    assert text.exit_code == 0, text.output
    assert "new-to-sc\tRita Reader <rita@example.mil>\t3/3 steps\tbest 100%\tcompleted " in text.output
    assert f"new-to-sc\tNora Newcomer <nora@example.mil>\t0/3 steps\tbest -\tnot started\tdue {NEXT_WEEK.isoformat()}" in text.output
    assert "new-to-sc: 2 people, 1 started, 1 completed, 0 overdue" in text.output
    rows = list(csv.DictReader(io.StringIO(runner.invoke(args=["kb", "report", "paths", "--path", "new-to-sc", "--format", "csv"]).output)))
    found = {(r["path"], r["email"], r["steps_done"]) for r in rows}
    assert found == {("new-to-sc", "rita@example.mil", "3"), ("new-to-sc", "nora@example.mil", "0")}
    data = json.loads(runner.invoke(args=["kb", "report", "paths", "--format", "json"]).output)
    assert [p["path"] for p in data["paths"]] == ["new-to-sc"] and data["paths"][0]["counts"]["completed"] == 1


def test_kb_report_paths_bad_arguments_exit_2(people):
    runner = people.test_cli_runner()
    result = runner.invoke(args=["kb", "report", "paths", "--path", "no-such-path"])
    assert result.exit_code == 2 and "'no-such-path' is not an onboarding path. Choose from: new-to-sc." in result.output
    assert runner.invoke(args=["kb", "report", "paths", "--format", "xml"]).exit_code == 2


def test_a_completion_stands_in_the_report_when_the_path_gets_a_new_step(people, content_dir, index):
    from kb.repository.sync import sync

    path = content_dir / "paths/new-to-sc.md"
    loa = "  - fms/letter-of-offer-and-acceptance\n"
    path.write_text(path.read_text().replace(loa, loa + "  - eum/golden-sentry\n"))
    sync(content_dir, index)
    data = signed_in(people, "sam@example.mil").get(REPORT + "?format=json").get_json()
    (rita,) = data["people"]
    assert data["steps"] == 4 and rita["steps_done"] == 3 and rita["completed"] and rita["best_score"] == 100


def test_two_assigners_at_the_same_moment_make_one_assignment(people):
    """Two editors' tabs assign the same path to the same person at once: both succeed, one row, no 500."""
    import threading

    from kb.accounts.models import PathAssignment, db

    tabs = [signed_in(people, email) for email in ("ed@example.mil", "ada@example.mil")]
    with people.app_context():
        olga = str(find_user("olga@example.mil").id)
    forms = [{"user": [olga], "due": NEXT_WEEK.isoformat(), "csrf_token": csrf_token(tab, REPORT)} for tab in tabs]
    statuses: list[int] = []
    start = threading.Barrier(2)

    def assign_once(tab, form):
        start.wait()
        try:
            statuses.append(tab.post(REPORT + "/assign", data=form).status_code)
        finally:
            people.extensions["kb.index"].close()  # this thread's searcher

    threads = [threading.Thread(target=assign_once, args=pair) for pair in zip(tabs, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303, 303]
    with people.app_context():
        assert db.session.query(PathAssignment).filter_by(user_id=int(olga)).count() == 1
