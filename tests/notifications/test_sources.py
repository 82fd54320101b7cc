"""Where notifications come from, over a real content repository, index and migrated database:
proposals awaiting review, published commits (browser saves, approved proposals, pulled commits),
review reminders from the freshness rules; and the ``flask kb notify`` command that reads them."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.accounts.models import User, db
from kb.notifications.models import Delivery, Event
from kb.notifications.sources import review_reminders
from kb.notifications.worker import run
from kb.repository.sync import sync

from ..accounts.conftest import Auth
from ..gitrepo import commit
from ..web.test_review import act, auth, client, propose, propose_new, repo  # noqa: F401
from ..web.test_review import app as review_app  # noqa: F401 - the fixtures of the review tests

LOR = "fms/letter-of-request"  # its expert: maria-delgado
MARIA = "maria.delgado@example.mil"
ROB = "rob@example.mil"  # any other reader


@pytest.fixture
def app(review_app):  # noqa: F811
    return review_app


def told(app, email: str, kinds: tuple[str, ...] = ("changed", "proposal")) -> list[tuple[str, str, str, str | None]]:
    """(kind, subject, text, commit) of a user's notifications of these kinds, oldest first."""
    with app.app_context():
        user_id = db.session.query(User.id).filter(User.email == email).scalar()
        rows = db.session.query(Event.kind, Event.subject_id, Event.text, Event.commit).join(Delivery, Delivery.event_id == Event.id)
        rows = rows.filter(Delivery.user_id == user_id, Event.kind.in_(kinds))
        return [tuple(r) for r in rows.order_by(Delivery.id)]


def notify_round(app, now: dt.datetime | None = None):
    with app.app_context():
        return run(app, app.extensions["kb.index"], now)


def test_a_proposal_awaiting_review_reaches_the_articles_expert_and_the_editors(app, client, auth):  # noqa: F811
    propose(client, auth, message="Mention wombats")
    assert told(app, MARIA) == [("proposal", LOR, "Proposal 1: Mention wombats", None)]
    assert told(app, "ed@example.mil")[0][0] == "proposal"
    assert told(app, "rita@example.mil") == []  # the proposer is not told about their own proposal
    auth.login(MARIA)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Proposed change awaiting your review" in page and 'href="/review"' in page


def test_a_proposed_new_article_is_told_to_the_editors_about_its_area(app, client, auth):  # noqa: F811
    """A new article has no page and no experts yet: its proposal is about its area, for the editors."""
    assert propose_new(client, auth).status_code == 302
    assert told(app, "ed@example.mil") == [("proposal", "fms", "Proposal 1: Add Wombat sales", None)]
    assert told(app, MARIA) == [] and told(app, "rita@example.mil") == []
    auth.login("ed@example.mil")
    assert "Proposal 1: Add Wombat sales" in client.get("/notifications").get_data(as_text=True)


def test_an_approved_proposal_is_a_published_change_for_the_watchers_with_its_diff(app, client, auth, repo):  # noqa: F811
    notify_round(app)  # the first round notes where the repository is: its history is not news
    auth.login(ROB)
    auth.post("/watch", {"kind": "article", "id": LOR, "on": "1"})
    auth.logout()
    propose(client, auth, message="Mention wombats")
    act(client, auth, "ed@example.mil", "approve")
    assert notify_round(app).changes == 1
    ((kind, subject, text, sha),) = told(app, ROB)
    assert (kind, subject, text) == ("changed", LOR, "Mention wombats") and len(sha) == 40
    auth.login(ROB)
    assert f'href="/articles/{LOR}/-/commits/{sha}"' in client.get("/notifications").get_data(as_text=True)
    assert notify_round(app).changes == 0  # told once


def test_pulled_commits_tell_the_watchers_and_the_author_is_not_told(app, repo):  # noqa: F811
    notify_round(app)
    commit(repo, "john", "New LOR deadlines", {f"articles/{LOR}.md": (repo / f"articles/{LOR}.md").read_text() + "\nNew deadlines.\n"})
    commit(repo, "maria", "Typo", {f"articles/{LOR}.md": (repo / f"articles/{LOR}.md").read_text() + "\nTypo.\n"})
    notify_round(app)
    assert [t[2] for t in told(app, MARIA)] == ["New LOR deadlines"]  # Maria wrote "Typo" herself


def test_the_notify_command_reports_its_round(app, repo):  # noqa: F811
    runner = app.test_cli_runner()
    assert runner.invoke(args=["kb", "notify"]).exit_code == 0
    commit(repo, "john", "New LOR deadlines", {f"articles/{LOR}.md": (repo / f"articles/{LOR}.md").read_text() + "\nMore.\n"})
    result = runner.invoke(args=["kb", "notify"])
    assert result.exit_code == 0 and "notifications: 1 changes" in result.output


def test_a_due_review_is_told_to_the_experts_once(app):
    later = dt.datetime.now() + dt.timedelta(days=3 * 365)  # every sample article is overdue by then
    with app.app_context():
        first = review_reminders(app.extensions["kb.index"], later.date(), 365)
        again = review_reminders(app.extensions["kb.index"], later.date(), 365)
    assert first >= 1 and again == 0
    due = told(app, MARIA, ("due",))
    assert due and all(text.startswith("Due for review") for _, _, text, _ in due)


def test_a_burst_of_a_thousand_changed_files_is_bounded(app, repo):  # noqa: F811
    notify_round(app)
    files = {f"articles/fms/burst-{n:04}.md": f"---\ntitle: Burst {n}\nareas: [fms]\n---\nBody {n}.\n" for n in range(1000)}
    commit(repo, "john", "A thousand new articles", files)
    sync(repo, app.extensions["kb.index"])
    reader = app.test_client()
    Auth(reader).login("rita@example.mil")
    Auth(reader).post("/watch", {"kind": "area", "id": "fms", "on": "1"})
    assert notify_round(app).changes == 1000
    assert len(told(app, "rita@example.mil")) == 1000
    page = reader.get("/notifications").get_data(as_text=True)
    assert page.count('class="kb-notification ') <= 50 + 20  # one page of unread, a few read
    assert '<span class="kb-count" aria-label="more than 99 unread">99+</span>' in reader.get("/").get_data(as_text=True)


def test_review_reminders_are_read_at_most_hourly_by_the_rounds(app):
    later = dt.datetime.now() + dt.timedelta(days=3 * 365)  # due everywhere; older events are pruned by then
    first = notify_round(app, later).reminders
    assert first >= 1
    assert notify_round(app, later + dt.timedelta(minutes=10)).reminders == 0  # kb watch rounds in between
    assert notify_round(app, later + dt.timedelta(hours=2)).reminders == first  # pruned, so told again
