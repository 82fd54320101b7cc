"""Supervisors and assignments as operations: the relation, the CLI, the admin form, the migration."""

from __future__ import annotations

import datetime as dt

import flask_migrate
import pytest
from sqlalchemy import inspect

from kb.accounts import MIGRATIONS
from kb.accounts.assignments import assign_path, assignments_of, may_see_progress, supervise, supervised, unsupervise
from kb.accounts.models import db
from kb.accounts.service import AccountError, add_user, find_user

from .conftest import PASSWORD, Auth, csrf_token

TOMORROW = dt.date.today() + dt.timedelta(days=1)


@pytest.fixture
def people(app):
    """Sam supervises Rita; Nora is a newcomer nobody supervises."""
    with app.app_context():
        for email, name in (("sam@example.mil", "Sam Supervisor"), ("nora@example.mil", "Nora Newcomer")):
            add_user(app.extensions["kb.passwords"], email, name, "reader", PASSWORD)
        supervise("sam@example.mil", "rita@example.mil", "test")
    return app


def ids(*emails: str) -> list[int]:
    return [find_user(e).id for e in emails]


def test_migration_0009_adds_supervisions_and_assignments_and_goes_back(app):
    """Up and down on SQLite and PostgreSQL."""
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("path_assignments")}
        assert columns == {"user_id", "path_id", "due", "assigned_by", "assigned_at"}
        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0008")
        db.session.remove()
        tables = set(inspect(db.engine).get_table_names())
        assert not {"supervisions", "path_assignments"} & tables and "path_completions" in tables
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        assert {"supervisions", "path_assignments"} <= set(inspect(db.engine).get_table_names())


def test_a_supervisor_sees_their_people_only(people):
    with people.app_context():
        sam, rita, nora, ed = (find_user(e) for e in ("sam@example.mil", "rita@example.mil", "nora@example.mil", "ed@example.mil"))
        assert supervised(sam.id) == {rita.id}
        assert may_see_progress(sam, rita.id) and not may_see_progress(sam, nora.id) and may_see_progress(ed, nora.id)
        assert may_see_progress(nora, nora.id) and not may_see_progress(rita, sam.id)
        with pytest.raises(AccountError, match="cannot supervise themselves"):
            supervise("sam@example.mil", "SAM@example.mil", "test")
        unsupervise("sam@example.mil", "rita@example.mil")
        assert not may_see_progress(sam, rita.id)


def test_assigning_checks_who_may_assign_to_whom_and_the_date(people):
    with people.app_context():
        sam, ed = find_user("sam@example.mil"), find_user("ed@example.mil")
        assert [u.email for u in assign_path(sam, "new-to-sc", ids("rita@example.mil"), TOMORROW)] == ["rita@example.mil"]
        with pytest.raises(AccountError, match="only to active people you supervise"):
            assign_path(sam, "new-to-sc", ids("nora@example.mil"), None)
        with pytest.raises(AccountError, match="in the past"):
            assign_path(ed, "new-to-sc", ids("nora@example.mil"), dt.date(2020, 1, 1))
        with pytest.raises(AccountError, match="at least one person"):
            assign_path(ed, "new-to-sc", [], None)
        assign_path(ed, "new-to-sc", ids("rita@example.mil", "nora@example.mil", "rita@example.mil"), None)  # again: the date changes
        (rita,) = assignments_of(find_user("rita@example.mil").id)
        assert rita.due is None and rita.assigned_by == "ed@example.mil"
        assert [a.path_id for a in assignments_of(find_user("nora@example.mil").id)] == ["new-to-sc"]


def test_cli_supervise_unsupervise_and_list(people, runner):
    result = runner.invoke(args=["kb", "users", "supervise", "sam@example.mil", "Nora@example.mil"])
    assert result.exit_code == 0 and "sam@example.mil supervises nora@example.mil" in result.output
    listing = runner.invoke(args=["kb", "users", "supervisors"]).output
    assert "sam@example.mil\tnora@example.mil" in listing and "sam@example.mil\trita@example.mil" in listing
    result = runner.invoke(args=["kb", "users", "unsupervise", "sam@example.mil", "nora@example.mil"])
    assert result.exit_code == 0 and "sam@example.mil no longer supervises nora@example.mil" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["supervise", "nobody@example.mil", "rita@example.mil"], "no user 'nobody@example.mil'"),
        (["supervise", "sam@example.mil", "sam@example.mil"], "cannot supervise themselves"),
        (["unsupervise", "sam@example.mil", "nora@example.mil"], "sam@example.mil does not supervise nora@example.mil"),
        (["supervise", "sam@example.mil"], "Missing argument 'USER'"),
    ],
)
def test_cli_bad_arguments_exit_2_with_a_clear_message(people, runner, args, message):
    result = runner.invoke(args=["kb", "users", *args])
    assert result.exit_code == 2 and message in result.output


def test_admins_record_and_remove_supervisors_on_the_users_page(people, client):
    auth = Auth(client)
    auth.login("ada@example.mil")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Supervisors" in page and "Sam Supervisor (sam@example.mil)</td><td>Rita Reader (rita@example.mil)" in page
    form = {"action": "add", "supervisor": "sam@example.mil", "user": "nora@example.mil"}
    response = auth.post("/admin/supervision", form, page="/admin/users", follow_redirects=True)
    assert "sam@example.mil now supervises nora@example.mil." in response.get_data(as_text=True)
    response = auth.post("/admin/supervision", {**form, "user": "nobody@example.mil"}, page="/admin/users", follow_redirects=True)
    assert "No user &#39;nobody@example.mil&#39;." in response.get_data(as_text=True)
    response = auth.post("/admin/supervision", {**form, "action": "remove"}, page="/admin/users", follow_redirects=True)
    assert "sam@example.mil no longer supervises nora@example.mil." in response.get_data(as_text=True)
    assert client.post("/admin/supervision", data=form).status_code == 400  # no CSRF token
    with people.app_context():
        assert supervised(find_user("sam@example.mil").id) == {find_user("rita@example.mil").id}


@pytest.mark.parametrize("email, status", [(None, 302), ("rita@example.mil", 403), ("sam@example.mil", 403), ("ed@example.mil", 403)])
def test_only_admins_record_supervisors(people, client, email, status):
    auth = Auth(client)
    if email:
        auth.login(email)
    token = csrf_token(client, "/" if email else "/login")
    response = client.post(
        "/admin/supervision", data={"action": "add", "supervisor": "sam@example.mil", "user": "nora@example.mil", "csrf_token": token}
    )
    assert response.status_code == status
    with people.app_context():
        assert find_user("nora@example.mil").id not in supervised(find_user("sam@example.mil").id)
