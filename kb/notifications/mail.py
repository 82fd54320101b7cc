"""Notification email: pending deliveries sent as one message per user and run (immediate), or a
daily digest, by the background command only (``kb notify``, ``kb watch``), never in a request.

Each message is plain text plus HTML (escaped by Jinja), lists at most ``MAIL_ITEMS`` notices
(and how many more), and carries a one-click unsubscribe link per kind (a signed token that works
signed out; the ``List-Unsubscribe``/``List-Unsubscribe-Post`` headers of RFC 8058 for the
message as a whole). Without ``KB_SMTP_HOST`` nothing is sent and pending mail is dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.message import EmailMessage

from flask import Flask, render_template, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from ..accounts.models import User, db, utcnow
from ..index import SearchIndex
from .delivery import Notice, subject_doc
from .events import KINDS
from .models import DEFAULT_EMAIL_MODE, Delivery, Event, Preference

MAIL_ITEMS = 30
DIGEST_EVERY = dt.timedelta(days=1)
EVERY_KIND = "all"  # unsubscribing from it turns email off
SALT = "kb-notifications-unsubscribe"
log = logging.getLogger(__name__)


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(str(secret), salt=SALT)


def unsubscribe_token(secret: str, user_id: int, kind: str) -> str:
    return _serializer(secret).dumps([user_id, kind])


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, str] | None:
    """(user id, kind) of a genuine token; None for anything else."""
    try:
        user_id, kind = _serializer(secret).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or (kind not in KINDS and kind != EVERY_KIND):
        return None
    return user_id, kind


def preference(user_id: int) -> Preference:
    """The user's settings (stored on first change)."""
    return db.session.get(Preference, user_id) or Preference(user_id=user_id, email_mode=DEFAULT_EMAIL_MODE, muted_kinds="")


def unsubscribe(user_id: int, kind: str) -> None:
    """No more email of this kind (``all``: no email at all)."""
    pref = preference(user_id)
    if kind == EVERY_KIND:
        pref.email_mode = "off"
    else:
        pref.muted_kinds = " ".join(sorted(pref.muted | {kind}))
    db.session.add(pref)
    db.session.commit()


def _pending(user_id: int) -> list[tuple[Delivery, Event]]:
    query = select(Delivery, Event).join(Event, Delivery.event_id == Event.id)
    query = query.where(Delivery.user_id == user_id, Delivery.mail == "pending").order_by(Delivery.id)
    return [(delivery, event) for delivery, event in db.session.execute(query)]


def _mark(deliveries: list[Delivery], state: str) -> None:
    ids = [d.id for d in deliveries]
    if ids:
        db.session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(mail=state))


def _due(pref: Preference, now: dt.datetime) -> bool:
    """Immediate mail is due at every run; a digest a day after the last one."""
    if pref.email_mode == "daily":
        return pref.last_digest_at is None or now - pref.last_digest_at >= DIGEST_EVERY
    return pref.email_mode == "immediate"


def batch_for(index: SearchIndex, user: User, now: dt.datetime) -> list[Notice] | None:
    """The notices to mail this user now (None: none due yet); the rest of their pending mail dropped."""
    pref = preference(user.id)
    rows = _pending(user.id)
    if pref.email_mode != "off" and user.active and not _due(pref, now):
        return None
    wanted, dropped = [], []
    for delivery, event in rows:
        doc = subject_doc(index, user, event) if pref.email_mode != "off" and event.kind not in pref.muted else None
        (wanted if doc is not None else dropped).append(Notice(delivery, event, doc) if doc is not None else delivery)
    _mark(dropped, "skipped")
    return wanted


def compose(app: Flask, user: User, notices: list[Notice], daily: bool) -> EmailMessage:
    """The message: plain text and HTML, an unsubscribe link per kind and the RFC 8058 headers."""
    secret = app.config["SECRET_KEY"]
    kinds = sorted({n.event.kind for n in notices})
    links = {kind: url_for("notifications.unsubscribe", token=unsubscribe_token(secret, user.id, kind), _external=True) for kind in kinds}
    every = url_for("notifications.unsubscribe", token=unsubscribe_token(secret, user.id, EVERY_KIND), _external=True)
    more = max(0, len(notices) - MAIL_ITEMS)
    values = {"user": user, "notices": notices[:MAIL_ITEMS], "more": more, "links": links, "every": every, "labels": KINDS, "daily": daily}
    message = EmailMessage()
    message["Subject"] = " ".join(_subject(app.config["SITE_NAME"], notices, daily).split())  # a title may hold a line break
    message["From"], message["To"] = app.config["SMTP_FROM"], user.email
    message["List-Unsubscribe"] = f"<{links[kinds[0]] if len(kinds) == 1 else every}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_template("notifications/mail.txt", **values))
    message.add_alternative(render_template("notifications/mail.html", **values), subtype="html")
    return message


def _subject(site: str, notices: list[Notice], daily: bool) -> str:
    if len(notices) == 1:
        return f"{site}: {KINDS[notices[0].event.kind]}: {notices[0].doc.title}"
    return f"{site}: {len(notices)} notifications" + (" (daily digest)" if daily else "")


def _connect(app: Flask) -> smtplib.SMTP:
    cfg = app.config
    smtp = smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=30)
    if cfg["SMTP_STARTTLS"]:
        smtp.starttls()
    if cfg["SMTP_USER"]:
        smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
    return smtp


def _waiting_users() -> list[User]:
    ids = select(Delivery.user_id).where(Delivery.mail == "pending").distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))


def send_pending(app: Flask, index: SearchIndex, now: dt.datetime | None = None) -> int:
    """Mail every user what is due (at most one message each); how many messages were sent."""
    now = now or utcnow()
    if not app.config["SMTP_HOST"]:
        db.session.execute(update(Delivery).where(Delivery.mail == "pending").values(mail="skipped"))
        db.session.commit()
        return 0
    sent = 0
    with app.test_request_context(base_url=app.config["SITE_URL"]), _connect(app) as smtp:
        for user in _waiting_users():
            sent += _send_to(app, index, smtp, user, now)
    return sent


def _send_to(app: Flask, index: SearchIndex, smtp: smtplib.SMTP, user: User, now: dt.datetime) -> int:
    notices = batch_for(index, user, now)
    if not notices:
        db.session.commit()
        return 0
    pref = preference(user.id)
    try:
        smtp.send_message(compose(app, user, notices, pref.email_mode == "daily"))
    except smtplib.SMTPRecipientsRefused:  # this address only: everyone else's mail goes on
        log.warning("notification email to %s refused by the mail server: not sent", user.email)
        _mark([n.delivery for n in notices], "skipped")
        db.session.commit()
        return 0
    _mark([n.delivery for n in notices], "sent")
    if pref.email_mode == "daily":
        pref.last_digest_at = now
        db.session.add(pref)
    db.session.commit()
    return 1
