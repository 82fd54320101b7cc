"""Accounts linked to directory people (``kb.accounts.links`` and ``kb.directory.accounts``), on
the real index and a database made by the migrations (SQLite and PostgreSQL)."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import inspect, text

from kb.accounts import MIGRATIONS
from kb.accounts.links import link_by_email, unlink_by_hand
from kb.accounts.models import db
from kb.accounts.service import AccountError, add_user, find_user, set_active
from kb.directory.accounts import accounts_of_person, expert_accounts, link_account, person_of_account
from kb.repository.sync import sync

from ..conftest import write_tree
from .conftest import PASSWORD


def add(app, email: str, name: str = "Someone") -> None:
    with app.app_context():
        add_user(app.extensions["kb.passwords"], email, name, "reader", PASSWORD)


def person(app, email: str):
    with app.app_context():
        return person_of_account(app.extensions["kb.index"], find_user(email))


def experts(app, slug: str) -> list[str]:
    with app.app_context():
        return [u.email for u in expert_accounts(app.extensions["kb.index"], slug)]


def test_an_account_is_the_person_with_its_email_whatever_the_case(app):
    add(app, "Maria.Delgado@EXAMPLE.mil", "Maria")  # the profile says maria.delgado@example.mil
    link = person(app, "maria.delgado@example.mil")
    assert link.linked and link.person.id == "maria-delgado" and link.person.title == "Maria Delgado" and link.how == "email"
    assert person(app, "rita@example.mil").person is None and person(app, "rita@example.mil").how == "none"


def test_a_person_added_to_the_directory_later_is_linked_at_once(app, content_dir, index):
    assert not person(app, "rita@example.mil").linked  # the account came first
    write_tree(content_dir, {"people/rita-reader.md": "---\nname: Rita Reader\nemail: RITA@example.mil\n---\nRita.\n"})
    sync(content_dir, index)
    link = person(app, "rita@example.mil")
    assert link.linked and link.person.id == "rita-reader" and link.how == "email"


@pytest.fixture
def maria(app):
    add(app, "maria.delgado@example.mil", "Maria")
    return "maria.delgado@example.mil"


def test_an_unlink_by_hand_sticks_through_directory_changes_until_relinked(app, content_dir, index, maria):
    with app.app_context():
        unlink_by_hand(maria, "ada@example.mil")
    assert person(app, maria).person is None and person(app, maria).how == "unlinked"
    write_tree(content_dir, {"people/maria-delgado.md": "---\nname: Maria Delgado\nemail: Maria.Delgado@example.mil\n---\nMoved office.\n"})
    sync(content_dir, index)  # the directory changes: still unlinked
    assert person(app, maria).how == "unlinked"
    assert experts(app, "fms/letter-of-request") == []
    with app.app_context():
        link_by_email(maria)
    assert person(app, maria).person.id == "maria-delgado"
    assert experts(app, "fms/letter-of-request") == [maria]


def test_an_admin_links_an_account_whose_email_differs(app):
    with app.app_context():
        link_account(app.extensions["kb.index"], "ed@example.mil", "john-smith", "ada@example.mil")
    link = person(app, "ed@example.mil")
    assert link.person.id == "john-smith" and link.how == "admin" and link.set_by == "ada@example.mil"
    assert link.describe() == "John Smith (john-smith), linked by ada@example.mil"


def test_the_experts_of_an_article_are_the_accounts_of_its_people_in_order(app, maria):
    with app.app_context():
        link_account(app.extensions["kb.index"], "ed@example.mil", "john-smith", "ada@example.mil")
    assert experts(app, "fms/letter-of-offer-and-acceptance") == [maria, "ed@example.mil"]  # experts: [maria-delgado, john-smith]
    assert experts(app, "eum/internal-checklist") == [maria]  # staff-only articles too: identity, not reading
    assert experts(app, "eum/golden-sentry") == [] and experts(app, "no/such-article") == []
    with app.app_context():
        set_active(maria, False)
    assert experts(app, "fms/letter-of-offer-and-acceptance") == ["ed@example.mil"]  # a disabled account cannot act


def test_an_email_two_profiles_share_links_nobody_by_itself(app, content_dir, index, maria):
    write_tree(content_dir, {"people/maria-copy.md": "---\nname: Maria Copy\nemail: maria.delgado@example.mil\n---\nA duplicate.\n"})
    sync(content_dir, index)
    assert not person(app, maria).linked
    with app.app_context():
        assert accounts_of_person(app.extensions["kb.index"], "maria-delgado") == []


def test_linking_to_a_person_not_in_the_directory_is_refused(app):
    with app.app_context(), pytest.raises(AccountError, match="no person 'nobody-here' in the directory"):
        link_account(app.extensions["kb.index"], "rita@example.mil", "nobody-here", "ada@example.mil")
    with app.app_context(), pytest.raises(AccountError, match="in the directory"):
        link_account(app.extensions["kb.index"], "rita@example.mil", "x" * 5000, "ada@example.mil")  # longer than the column: refused, not a 500
    with app.app_context(), pytest.raises(AccountError, match="no user"):
        link_account(app.extensions["kb.index"], "ghost@example.mil", "john-smith", "ada@example.mil")
    assert person(app, "rita@example.mil").how == "none"


def test_deleting_an_account_deletes_its_link(app, maria):
    with app.app_context():
        unlink_by_hand(maria, "ada@example.mil")
        db.session.delete(find_user(maria))
        db.session.commit()
        assert db.session.execute(text("select count(*) from account_links")).scalar() == 0


def test_migration_0003_adds_the_links_table_and_goes_back(app):
    """Up and down on SQLite and PostgreSQL (the ``app`` fixture upgraded to the newest already)."""
    with app.app_context():
        assert "account_links" in inspect(db.engine).get_table_names()
        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0002")
        db.session.remove()
        tables = inspect(db.engine).get_table_names()
        assert "account_links" not in tables and "users" in tables
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        assert {c["name"] for c in inspect(db.engine).get_columns("account_links")} == {"user_id", "person_id", "set_by", "set_at"}
