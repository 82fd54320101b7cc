"""When users started paths: kept once, the most recent first, and the migration that holds them."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import inspect

from kb.accounts import MIGRATIONS
from kb.accounts.models import db
from kb.accounts.service import find_user
from kb.accounts.starts import best_score, complete_path, completed_at, completions, path_starts, record_attempt, start_path


def test_a_start_is_recorded_once_and_the_latest_comes_first(app):
    with app.app_context():
        rita = find_user("rita@example.mil").id
        start_path(rita, "new-to-sc")
        first = path_starts(rita)["new-to-sc"]
        start_path(rita, "new-to-sc")  # replayed: the first date stands
        start_path(rita, "other")
        starts = path_starts(rita)
        assert starts["new-to-sc"] == first and next(iter(starts)) == "other"
        assert path_starts(find_user("ed@example.mil").id) == {}


def test_migration_0005_adds_the_onboarding_tables_and_goes_back(app):
    """Up and down on SQLite and PostgreSQL: starts, check attempts and completions."""
    with app.app_context():
        assert {c["name"] for c in inspect(db.engine).get_columns("path_starts")} == {"user_id", "path_id", "started_at"}
        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0004")
        db.session.remove()
        tables = inspect(db.engine).get_table_names()
        assert not {"path_starts", "check_attempts", "path_completions"} & set(tables) and "account_links" in tables
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        assert {"path_starts", "check_attempts", "path_completions"} <= set(inspect(db.engine).get_table_names())


def test_the_best_attempt_counts_and_a_completion_is_kept_once(app):
    with app.app_context():
        rita = find_user("rita@example.mil").id
        assert best_score(rita, "new-to-sc") is None
        record_attempt(rita, "new-to-sc", 50, False)
        record_attempt(rita, "new-to-sc", 90, True)
        record_attempt(rita, "new-to-sc", 40, False)
        assert best_score(rita, "new-to-sc") == (90, True)
        complete_path(rita, "new-to-sc")
        first = completed_at(rita, "new-to-sc")
        complete_path(rita, "new-to-sc")  # a second tab: the first date stands
        assert completed_at(rita, "new-to-sc") == first and completions(rita) == {"new-to-sc": first}
