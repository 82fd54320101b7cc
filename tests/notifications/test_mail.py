"""Notification email over a real SMTP server (aiosmtpd on 127.0.0.1): sent by the background round
only, one message per user and round (a digest a day), plain text and escaped HTML, one-click
unsubscribe links per kind (RFC 8058), nothing when SMTP is not configured; bounded under a burst."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kb.accounts.models import User, db
from kb.notifications import notify
from kb.notifications.mail import preference
from kb.notifications.models import Delivery
from kb.notifications.worker import run
from kb.repository.sync import sync

from ..accounts.conftest import close_app
from ..web.test_feedback import LOA, MARIA, as_role, build, send_report
from .smtp import parts, start

RITA = "rita@example.mil"


@pytest.fixture
def smtp():
    controller, inbox = start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def inbox(smtp):
    return smtp[1]


@pytest.fixture
def app(tmp_path, content_dir, index, smtp):
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp[0].port, "SMTP_STARTTLS": False, "SITE_URL": "https://kb.example.mil/kb"}
    built = build(tmp_path, content_dir, index, **settings)
    yield built
    close_app(built)


def notify_round(app, now: dt.datetime | None = None):
    with app.app_context():
        return run(app, app.extensions["kb.index"], now)


def tell(app, email: str, count: int = 1, kind: str = "changed", text: str = "New figures") -> None:
    with app.app_context():
        user_id = db.session.query(User.id).filter(User.email == email).scalar()
        for n in range(count):
            notify(
                app.extensions["kb.index"], kind, "article", LOA, text=f"{text} {n}" if count > 1 else text, recipients=[user_id], commit_now=False
            )
        db.session.commit()


def set_mode(app, email: str, mode: str) -> None:
    with app.app_context():
        pref = preference(db.session.query(User.id).filter(User.email == email).scalar())
        pref.email_mode = mode
        db.session.add(pref)
        db.session.commit()


def test_a_report_is_mailed_to_the_expert_by_the_round_not_by_the_request(app, inbox):
    reader = app.test_client()
    as_role(reader, "reader")
    send_report(reader, LOA, words="The <b>2019</b> figure is outdated")
    assert inbox.messages == []  # the request sent nothing
    assert notify_round(app).messages == 1
    (message,) = inbox.to(MARIA)
    assert message["Subject"] == "SC Knowledge Base: Problem report: Letter of Offer and Acceptance"
    plain, html = parts(message)
    assert "Outdated: The <b>2019</b> figure is outdated" in plain
    assert "Outdated: The &lt;b&gt;2019&lt;/b&gt; figure is outdated" in html and "<b>2019</b>" not in html
    assert f'href="https://kb.example.mil/kb/articles/{LOA}"' in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<https://kb\.example\.mil/kb/notifications/unsubscribe/[^>]+>", message["List-Unsubscribe"])
    assert notify_round(app).messages == 0  # sent once


def test_many_notifications_come_as_one_message(app, inbox):
    tell(app, RITA, count=5)
    notify_round(app)
    (message,) = inbox.to(RITA)
    assert message["Subject"] == "SC Knowledge Base: 5 notifications"
    assert all(f"New figures {n}" in parts(message)[0] for n in range(5))


def test_a_daily_digest_comes_at_most_once_a_day(app, inbox):
    set_mode(app, RITA, "daily")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    tell(app, RITA, text="Morning")
    notify_round(app, now)
    tell(app, RITA, text="Noon")
    notify_round(app, now + dt.timedelta(hours=4))
    assert len(inbox.to(RITA)) == 1 and "(daily digest)" not in inbox.to(RITA)[0]["Subject"]
    notify_round(app, now + dt.timedelta(days=1, minutes=1))
    assert len(inbox.to(RITA)) == 2 and "Noon" in parts(inbox.to(RITA)[1])[0] and "Morning" not in parts(inbox.to(RITA)[1])[0]


def test_a_burst_of_a_thousand_events_is_one_message_per_user(app, inbox):
    tell(app, RITA, count=1000)
    set_mode(app, "ed@example.mil", "daily")
    tell(app, "ed@example.mil", count=1000)
    notify_round(app)
    assert len(inbox.to(RITA)) == 1 and len(inbox.to("ed@example.mil")) == 1
    plain = parts(inbox.to(RITA)[0])[0]
    assert "… and 970 more" in plain and plain.count("New figures") == 30
    notify_round(app)
    assert len(inbox.messages) == 2


def unsubscribe_links(message) -> dict[str, str]:
    """Kind label -> the path of its unsubscribe link, from the plain text."""
    found = re.findall(r'Unsubscribe from (?:"([^"]+)"|(all email)): https://kb\.example\.mil/kb(\S+)', parts(message)[0])
    return {label or every: path for label, every, path in found}


def test_one_click_unsubscribe_works_signed_out_by_post_only(app, inbox):
    tell(app, RITA, kind="changed")
    tell(app, RITA, kind="rating", text="Not helpful")
    notify_round(app)
    links = unsubscribe_links(inbox.to(RITA)[0])
    assert set(links) == {"Published change", "Rated not helpful", "all email"}
    client = app.test_client()  # signed out, no CSRF token: mail clients POST the link as it is
    asked = client.get(links["Published change"])
    assert asked.status_code == 200 and "Stop email about “Published change” notifications?" in asked.get_data(as_text=True)
    assert client.post(links["Published change"], data={"List-Unsubscribe": "One-Click"}).status_code == 200
    tell(app, RITA, kind="changed", text="Muted")
    tell(app, RITA, kind="rating", text="Still mailed")
    notify_round(app)
    assert "Still mailed" in parts(inbox.to(RITA)[-1])[0] and "Muted" not in parts(inbox.to(RITA)[-1])[0]
    client.post(links["all email"])
    tell(app, RITA, kind="rating", text="Off")
    notify_round(app)
    assert len(inbox.to(RITA)) == 2


@pytest.mark.parametrize("token", ["x", "WzEsImFsbCJd.forged", "a" * 3000])
def test_a_forged_unsubscribe_token_is_a_404(app, token):
    client = app.test_client()
    assert client.get(f"/notifications/unsubscribe/{token}").status_code == 404
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 404


def test_email_off_sends_nothing(app, inbox):
    set_mode(app, RITA, "off")
    tell(app, RITA)
    notify_round(app)
    assert inbox.to(RITA) == []


def test_without_smtp_nothing_is_sent_and_nothing_piles_up(tmp_path, content_dir, index, inbox):
    app = build(tmp_path, content_dir, index)
    try:
        tell(app, RITA)
        assert notify_round(app).messages == 0 and inbox.messages == []
        with app.app_context():
            assert {d.mail for d in db.session.query(Delivery)} == {"skipped"}
    finally:
        close_app(app)


def test_a_title_with_a_line_break_is_mailed_on_one_subject_line_and_stops_no_other_mail(app, inbox, content_dir):
    """A header may not hold a line break: a title with one (``"…\\r\\nBcc: …"``) stopped the whole round."""
    article = content_dir / "articles" / f"{LOA}.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(re.sub(r"(?m)^title: .*$", lambda _: r'title: "Letter of\r\nBcc: x@evil.example"', text, count=1), encoding="utf-8")
    sync(content_dir, app.extensions["kb.index"])
    tell(app, RITA)
    tell(app, MARIA)
    assert notify_round(app).messages == 2
    (message,) = inbox.to(RITA)
    assert message["Subject"].endswith("Published change: Letter of Bcc: x@evil.example") and message["Bcc"] is None
    assert len(inbox.to(MARIA)) == 1


def test_an_address_the_mail_server_refuses_stops_no_other_mail(app, inbox):
    """One account with a dead address made every round fail for everyone (``SMTPRecipientsRefused``)."""
    inbox.refused.add(RITA)
    tell(app, RITA)
    tell(app, MARIA)
    assert notify_round(app).messages == 1
    assert len(inbox.to(MARIA)) == 1 and inbox.to(RITA) == []
    assert notify_round(app).messages == 0  # the refused mail is not tried at every round
