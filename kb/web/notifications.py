"""Watching and notifications in the app: Watch/Unwatch forms, ``/notifications`` (unread and read,
mark one or all read), its settings (email, the private feed), the feed itself and the one-click
unsubscribe page of emails.

Every form is a POST with a CSRF token, except the unsubscribe link's (its signed token is the
proof, RFC 8058 mail clients POST it without a form), and the watch forms are rate limited like
the feedback forms. Subjects are looked up as the reader: a page they may not read is a 404.
Nothing here sends mail: ``flask kb notify`` does (``kb.notifications.mail``).
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from ..access import levels
from ..accounts import csrf
from ..accounts.models import User, db
from ..notifications import delivery, feed, mail
from ..notifications.models import EMAIL_MODES, SUBJECT_KINDS
from ..notifications.urls import event_url
from ..notifications.watching import is_watching, set_watch, watched_by
from .caching import keep_private
from .context import current_index, current_reader, document_url
from .feedback import limited

bp = Blueprint("notifications", __name__)


def _user() -> User:
    """The signed-in user; others are sent to sign in."""
    reader = current_reader()
    user = db.session.get(User, reader.user_id) if reader.user_id is not None else None
    if user is None:
        abort(redirect(url_for("accounts.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)))
    keep_private()
    return user


def _subject_or_404(kind: str, subject_id: str):
    doc = current_index().get(f"{kind}:{subject_id}", levels(current_reader())) if kind in SUBJECT_KINDS and subject_id else None
    if doc is None:
        abort(HTTPStatus.NOT_FOUND)
    return doc


@bp.post("/watch")
@limited
def watch():
    """Watch (``on=1``) or stop watching (``on=0``) a subject the reader may see, then back to its page."""
    user = _user()
    kind, subject_id = request.form.get("kind", ""), request.form.get("id", "")[:500]
    doc = _subject_or_404(kind, subject_id)
    on = request.form.get("on") == "1"
    set_watch(user.id, kind, doc.id, on)
    flash(f"You are watching “{doc.title}”." if on else f"You no longer watch “{doc.title}”.", "success")
    return redirect(document_url(kind, doc.id), HTTPStatus.SEE_OTHER)


@bp.get("/notifications")
def page():
    user = _user()
    index = current_index()
    return render_template(
        "notifications/index.html",
        unread=delivery.notices(index, user, unread=True),
        read=delivery.notices(index, user, unread=False, limit=20),
        keep_days=current_app.config["NOTIFICATIONS_KEEP_DAYS"],
    )


@bp.post("/notifications/read")
def read_all():
    user = _user()
    delivery.mark_read(user.id, None)
    flash("All notifications are marked read.", "success")
    return redirect(url_for("notifications.page"), HTTPStatus.SEE_OTHER)


@bp.post("/notifications/<int:delivery_id>/read")
def read_one(delivery_id: int):
    user = _user()
    delivery.mark_read(user.id, delivery_id)
    return redirect(url_for("notifications.page"), HTTPStatus.SEE_OTHER)


@bp.route("/notifications/settings", methods=["GET", "POST"])
def settings():
    """Email (immediate, daily digest, off) and the private feed (create, regenerate, revoke)."""
    user = _user()
    token = None
    if request.method == "POST":
        token = _change_settings(user)
    pref = mail.preference(user.id)
    feed_url = url_for("notifications.feed_of", token=token, _external=True) if token else None
    return render_template(
        "notifications/settings.html",
        pref=pref,
        modes=EMAIL_MODES,
        has_feed=pref.feed_token_hash is not None,
        feed_url=feed_url,
        watches=[(w, current_index().get(f"{w.subject_kind}:{w.subject_id}", levels(current_reader()))) for w in watched_by(user.id)],
        smtp=current_app.config["SMTP_HOST"] != "",
    )


def _change_settings(user: User) -> str | None:
    """Apply the settings form; the new feed token when one was made (shown once)."""
    action = request.form.get("action", "")
    if action == "email" and request.form.get("mode") in EMAIL_MODES:
        pref = mail.preference(user.id)
        pref.email_mode, pref.muted_kinds = request.form["mode"], ""
        db.session.add(pref)
        db.session.commit()
        flash("Your email setting is saved.", "success")
    elif action == "feed":
        return feed.new_token(user.id)
    elif action == "revoke":
        feed.revoke(user.id)
        flash("Your feed address no longer works.", "success")
    return None


@bp.get("/notifications/feed/<token>")
def feed_of(token: str):
    """The private feed: no cookie needed, the token is the key; 404 for a wrong or revoked one."""
    user = feed.owner(token)
    if user is None:
        abort(HTTPStatus.NOT_FOUND)
    title = f"{current_app.config['SITE_NAME']}: notifications for {user.name}"
    body = feed.feed(current_index(), user, title, request.base_url, url_for("notifications.page", _external=True))
    return Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"})


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail clients POST it (RFC 8058) without a form token
def unsubscribe(token: str):
    """GET asks (a link checker must not unsubscribe anyone); POST unsubscribes, signed in or not."""
    keep_private()
    found = mail.read_unsubscribe_token(current_app.config["SECRET_KEY"], token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        abort(HTTPStatus.NOT_FOUND)
    kind = found[1]
    label = "any notification" if kind == mail.EVERY_KIND else f"“{mail.KINDS[kind]}” notifications"
    if request.method == "POST":
        try:
            mail.unsubscribe(user.id, kind)
        except SQLAlchemyError:
            db.session.rollback()
            abort(HTTPStatus.SERVICE_UNAVAILABLE)
        return render_template("notifications/unsubscribe.html", label=label, done=True)
    return render_template("notifications/unsubscribe.html", label=label, done=False, token=token)


def watching(kind: str, subject_id: str) -> bool | None:
    """For the Watch button: does the signed-in reader watch this? None when not signed in."""
    user_id = current_reader().user_id
    if user_id is None:
        return None
    try:
        return is_watching(current_index(), user_id, kind, subject_id)
    except SQLAlchemyError:
        db.session.rollback()
        return None


def unread() -> int:
    """The header's count of unread notifications (0 when not signed in or the database is down)."""
    reader = current_reader()
    if reader.user_id is None:
        return 0
    try:
        user = db.session.get(User, reader.user_id)
        return delivery.unread_count(current_index(), user) if user is not None else 0
    except SQLAlchemyError:
        db.session.rollback()
        return 0


@bp.app_context_processor
def notifications_context() -> dict:
    return {
        "watching": watching,
        "unread_notifications": unread,
        "notifications_cap": delivery.COUNT_CAP,
        "notification_labels": mail.KINDS,
        "event_url": event_url,
    }


@bp.record_once
def _listen(state) -> None:
    from ..notifications.sources import connect

    connect()
