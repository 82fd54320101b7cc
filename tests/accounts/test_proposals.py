"""The proposals' records (``kb.editing.proposals``) on a database made by the migrations: SQLite and PostgreSQL."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import inspect

from kb.accounts import MIGRATIONS
from kb.accounts.models import db
from kb.accounts.service import find_user
from kb.editing.proposals import Proposal, comments_of, proposals_of, review


def test_a_proposal_its_comments_and_states_are_stored(app):
    with app.app_context():
        rita, ed = find_user("rita@example.mil"), find_user("ed@example.mil")
        proposal = Proposal(
            branch="proposals/1-fms-letter-of-request",
            slug="fms/letter-of-request",
            path="articles/fms/letter-of-request.md",
            proposer_id=rita.id,
            message="Wombats",
        )
        db.session.add(proposal)
        db.session.commit()
        review(proposal, ed, "changes_requested", "Say who pays.")
        review(proposal, ed, "declined", "Out of scope.")
        rita_id = rita.id
        db.session.remove()
        stored = proposals_of(rita_id)
        assert [(p.id, p.state, p.message) for p in stored] == [(1, "declined", "Wombats")]
        assert [(c.author_name, c.kind, c.text) for c in comments_of(stored[0])] == [
            ("Ed Editor", "changes_requested", "Say who pays."),
            ("Ed Editor", "declined", "Out of scope."),
        ]
        assert stored[0].updated_at >= stored[0].created_at


def test_migration_0006_adds_the_proposal_tables_and_goes_back(app):
    with app.app_context():
        assert {"proposals", "proposal_comments"} <= set(inspect(db.engine).get_table_names())
        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0005")
        db.session.remove()
        tables = inspect(db.engine).get_table_names()
        assert "proposals" not in tables and "proposal_comments" not in tables and "path_starts" in tables
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        columns = {c["name"] for c in inspect(db.engine).get_columns("proposals")}
        assert columns == {"id", "branch", "slug", "path", "proposer_id", "state", "message", "created_at", "updated_at"}
