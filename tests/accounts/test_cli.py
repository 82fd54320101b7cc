"""``flask kb db upgrade`` and ``flask kb users ...`` through Flask's CLI runner."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat

import pytest
from sqlalchemy import inspect

from kb import create_app
from kb.accounts.models import db
from kb.accounts.service import add_user, find_user

from .conftest import PASSWORD, Auth, close_app


def test_users_add_with_password_stdin_then_sign_in(app, runner):
    result = runner.invoke(
        args=["kb", "users", "add", "New@Example.mil", "New Person", "--role", "editor", "--password-stdin"], input="a long enough password\n"
    )
    assert result.exit_code == 0, result.output
    assert "added new@example.mil (editor)" in result.output
    assert Auth(app.test_client()).login("new@example.mil", "a long enough password").status_code == 302


def test_users_add_prompts_for_the_password_twice(app, runner):
    result = runner.invoke(args=["kb", "users", "add", "p@example.mil", "Prompted"], input="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output and "added p@example.mil (reader)" in result.output


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["add", "rita@example.mil", "Again", "--password-stdin"], "a long enough password\n", "exists already"),
        (["add", "x@example.mil", "Short", "--password-stdin"], "short\n", "at least 12 characters"),
        (["add", "not-an-email", "X", "--password-stdin"], "a long enough password\n", "is not an email address"),
        (["add", "x@example.mil", "X", "--role", "boss", "--password-stdin"], "a long enough password\n", "boss"),
        (["set-role", "nobody@example.mil", "admin"], "", "no user 'nobody@example.mil'"),
        (["disable", "nobody@example.mil"], "", "no user"),
    ],
)
def test_mistakes_are_one_line_errors(runner, args, stdin, message):
    result = runner.invoke(args=["kb", "users", *args], input=stdin)
    assert result.exit_code != 0
    assert message in result.output


def test_set_role_disable_enable_list_passwd(app, runner):
    assert runner.invoke(args=["kb", "users", "set-role", "rita@example.mil", "admin"]).exit_code == 0
    listing = runner.invoke(args=["kb", "users", "list"]).output
    assert "rita@example.mil\tadmin\tactive\tRita Reader" in listing and "ed@example.mil\teditor" in listing
    client = app.test_client()
    auth = Auth(client)
    auth.login()
    assert 'href="/admin/users"' in client.get("/").get_data(as_text=True)
    assert runner.invoke(args=["kb", "users", "disable", "rita@example.mil"]).exit_code == 0
    home = client.get("/").get_data(as_text=True)
    assert "Recently updated" in home and "Sign in" in home and "Rita" not in home  # disabling ends the sessions at once
    assert "disabled" in runner.invoke(args=["kb", "users", "list"]).output
    assert auth.login().status_code == 401
    assert runner.invoke(args=["kb", "users", "enable", "rita@example.mil"]).exit_code == 0
    assert auth.login().status_code == 302
    result = runner.invoke(args=["kb", "users", "passwd", "rita@example.mil", "--password-stdin"], input="another long password\n")
    assert result.exit_code == 0, result.output
    home = client.get("/").get_data(as_text=True)
    assert "Recently updated" in home and "Sign in" in home and "Rita" not in home  # a new password signs out everywhere
    assert auth.login().status_code == 401
    assert auth.login(password="another long password").status_code == 302


def test_db_upgrade_creates_the_schema_and_is_safe_to_repeat(new_app):
    app = new_app()
    runner = app.test_cli_runner()
    before = runner.invoke(args=["kb", "users", "list"])
    assert before.exit_code == 1 and "run 'flask kb db upgrade'" in before.output
    for _ in range(2):
        result = runner.invoke(args=["kb", "db", "upgrade"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "user_sessions", "login_failures", "steps_done", "alembic_version"} <= tables


def test_first_admin_from_the_cli(app, runner):
    result = runner.invoke(args=["kb", "users", "add", "boss@example.mil", "The Boss", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0
    with app.app_context():
        assert find_user("BOSS@example.mil").role == "admin"


def test_the_migrations_make_exactly_the_models_schema(app):
    """A model change without a migration fails here (generate one with 'flask db migrate')."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []


@pytest.mark.parametrize("args", [["set-role", "ada@example.mil", "editor"], ["disable", "ada@example.mil"]])
def test_the_last_active_admin_cannot_be_demoted_or_disabled(app, runner, args):
    result = runner.invoke(args=["kb", "users", *args])
    assert result.exit_code == 1
    assert "ada@example.mil is the last active admin" in result.output
    with app.app_context():
        ada = find_user("ada@example.mil")
        assert ada.role == "admin" and ada.active


def test_an_admin_may_go_once_another_admin_is_active(app, runner):
    assert runner.invoke(args=["kb", "users", "set-role", "ed@example.mil", "admin"]).exit_code == 0
    assert runner.invoke(args=["kb", "users", "disable", "ada@example.mil"]).exit_code == 0
    refused = runner.invoke(args=["kb", "users", "set-role", "ed@example.mil", "reader"])  # ada is disabled: ed is the last
    assert refused.exit_code == 1 and "ed@example.mil is the last active admin" in refused.output
    assert runner.invoke(args=["kb", "users", "set-role", "ada@example.mil", "reader"]).exit_code == 0  # a disabled admin counts for nothing


@pytest.fixture
def usual_umask():
    """Files created 0644 unless asked otherwise, as on most servers."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_db_upgrade_creates_the_database_file_readable_by_its_owner_only(tmp_path, content_dir, index, usual_umask):
    """Issue 17: the default SQLite file (password hashes inside) was created 0644."""
    instance = tmp_path / "new-instance"
    app = create_app(
        {"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(index.directory), "INSTANCE_DIR": str(instance), "PASSWORD_PROFILE": "cheapest"}
    )
    try:
        result = app.test_cli_runner().invoke(args=["kb", "db", "upgrade"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            add_user(app.extensions["kb.passwords"], "new@example.mil", "New Person", "reader", PASSWORD)
            assert find_user("new@example.mil").name == "New Person"
            database = instance / "kb.sqlite3"
            assert sorted(p.name for p in instance.glob("kb.sqlite3*")) == ["kb.sqlite3", "kb.sqlite3-shm", "kb.sqlite3-wal"]
            assert {p.name: mode(p) for p in instance.glob("kb.sqlite3*")} == dict.fromkeys(["kb.sqlite3", "kb.sqlite3-shm", "kb.sqlite3-wal"], 0o600)
        assert mode(instance) == 0o700 and mode(instance / "secret_key") == 0o600 and database.stat().st_size > 0
    finally:
        close_app(app)


def test_app_start_tightens_a_database_file_readable_by_others(tmp_path, content_dir, index, usual_umask, caplog):
    database = tmp_path / "data" / "accounts.sqlite3"
    database.parent.mkdir()
    sqlite3.connect(database).close()
    os.chmod(database, 0o644)
    with caplog.at_level(logging.WARNING):
        app = create_app(
            {
                "CONTENT_DIR": str(content_dir),
                "INDEX_DIR": str(index.directory),
                "INSTANCE_DIR": str(tmp_path / "i"),
                "DATABASE_URL": f"sqlite:///{database}",
            }
        )
    try:
        assert mode(database) == 0o600
        assert f"{database} was readable by others (mode 644): now 600" in caplog.text
    finally:
        close_app(app)


def test_users_link_unlink_relink_and_person(app, runner):
    with app.app_context():
        add_user(app.extensions["kb.passwords"], "maria.delgado@example.mil", "Maria", "reader", PASSWORD)
    shown = runner.invoke(args=["kb", "users", "person", "MARIA.DELGADO@example.mil"])
    assert shown.exit_code == 0 and "maria.delgado@example.mil: Maria Delgado (maria-delgado), linked by email" in shown.output
    linked = runner.invoke(args=["kb", "users", "link", "ed@example.mil", "john-smith"])
    assert linked.exit_code == 0, linked.output
    assert "ed@example.mil: John Smith (john-smith), linked by command line" in linked.output
    unlinked = runner.invoke(args=["kb", "users", "unlink", "maria.delgado@example.mil"])
    assert unlinked.exit_code == 0 and "not linked (it stays so until 'kb users relink')" in unlinked.output
    assert "not linked (kept unlinked by command line)" in runner.invoke(args=["kb", "users", "person", "maria.delgado@example.mil"]).output
    relinked = runner.invoke(args=["kb", "users", "relink", "maria.delgado@example.mil"])
    assert relinked.exit_code == 0 and "Maria Delgado (maria-delgado), linked by email" in relinked.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["link", "ghost@example.mil", "john-smith"], "no user 'ghost@example.mil'"),
        (["link", "rita@example.mil", "no-such-person"], "no person 'no-such-person' in the directory"),
        (["unlink", "ghost@example.mil"], "no user 'ghost@example.mil'"),
        (["relink", "ghost@example.mil"], "no user 'ghost@example.mil'"),
        (["person", "ghost@example.mil"], "no user 'ghost@example.mil'"),
    ],
)
def test_users_link_commands_exit_2_for_an_unknown_email_or_person(app, runner, args, message):
    result = runner.invoke(args=["kb", "users", *args])
    assert result.exit_code == 2 and message in result.output
    assert "not linked" in runner.invoke(args=["kb", "users", "person", "rita@example.mil"]).output
