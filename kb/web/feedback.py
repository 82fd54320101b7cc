"""Readers' feedback on articles: "Was this page helpful?" and "Report a problem".

The article page carries only a GET form (Yes / No, and a "Report a problem" link), so it stays
the same for every anonymous reader and keeps its ETag; the answer is sent from the feedback
page's own form (CSRF token, optional comment) and the reader returns to the article thanked.
``static/js/feedback.js`` does the same in place. Every write is a POST with a CSRF token,
limited per client address and per signed-in user (``KB_FEEDBACK_RATE_LIMIT``). The article is
looked up as the reader first: someone who may not read it gets its 404, whatever they send.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http import HTTPStatus

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError

from .. import git
from ..accounts import feedback as store
from ..accounts import limiter, request_client
from ..accounts.models import db
from ..pages.library import ArticlePage
from .caching import keep_private
from .context import current_reader, document_url, library

bp = Blueprint("feedback", __name__)
BROWSER_KEY = "feedback_browser"  # a random id in the (signed) session cookie: one anonymous vote per browser per day


def _rate() -> str:
    return current_app.config["FEEDBACK_RATE_LIMIT"]


def _per_user() -> str:
    """The second limit's key: the signed-in user (whatever address they come from), else the address."""
    user_id = current_reader().user_id
    return f"user:{user_id}" if user_id is not None else request_client()


def limited(view):
    """Both limits, on POST only: per client address and per signed-in user."""
    view = limiter.limit(_rate, methods=["POST"], key_func=_per_user, scope="feedback-user")(view)
    return limiter.limit(_rate, methods=["POST"], scope="feedback-address")(view)


def voter() -> str:
    """Who votes: the user, or a keyed hash of this browser's random id and today's date (no address stored)."""
    reader = current_reader()
    if reader.user_id is not None:
        return f"u:{reader.user_id}"
    browser = session.setdefault(BROWSER_KEY, secrets.token_urlsafe(16))
    day = store.utcnow().date().isoformat()
    key = str(current_app.config["SECRET_KEY"]).encode()
    return "b:" + hmac.new(key, f"{browser}:{day}".encode(), hashlib.sha256).hexdigest()[:64]


def read_commit(page: ArticlePage) -> str | None:
    """The commit the article was last changed in: what the reader read."""
    commits = (page.doc.page.git or {}).get("commits") or []
    sha = commits[0].get("sha", "") if commits else ""
    return sha if git.is_sha(sha) else None


def back_to(page: ArticlePage) -> str:
    return document_url("article", page.doc.id) + "#feedback"


def _answer(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@bp.route("/articles/<path:doc_id>/-/helpful", methods=["GET", "POST"])
@limited
def helpful(doc_id: str):
    """GET: the answer chosen on the article, with a comment box; POST: record it and go back."""
    page = library().article(doc_id)
    keep_private()
    answer = _answer(request.values.get("helpful"))
    if answer is None and request.method == "GET" and "helpful" not in request.values:
        return render_template("feedback/helpful.html", page=page, answer=None)  # the address alone: ask the question
    if answer is None:
        return render_template("feedback/helpful.html", page=page, answer=None, problem="Choose Yes or No."), HTTPStatus.BAD_REQUEST
    if request.method == "GET":
        return render_template("feedback/helpful.html", page=page, answer=answer)
    try:
        store.vote(page.doc.id, voter(), current_reader().user_id, answer, request.form.get("comment", ""))
    except SQLAlchemyError:
        return _unavailable(page)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"recorded": True, "helpful": answer})
    flash("Thank you for your feedback.", "success")
    return redirect(back_to(page), HTTPStatus.SEE_OTHER)


def _unavailable(page: ArticlePage):
    db.session.rollback()
    current_app.logger.error("feedback database unavailable")
    message = "Feedback cannot be saved at the moment. Please try again later."
    return render_template("feedback/helpful.html", page=page, answer=None, problem=message), HTTPStatus.SERVICE_UNAVAILABLE


def may_report() -> bool:
    return current_reader().staff or current_app.config["ANONYMOUS_REPORTS"]


@bp.route("/articles/<path:doc_id>/-/report", methods=["GET", "POST"])
@limited
def report(doc_id: str):
    """A problem report on the article, naming the commit it was read at."""
    page = library().article(doc_id)
    keep_private()
    if not may_report():
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")), HTTPStatus.FOUND)
    values = {"kind": request.form.get("kind", ""), "text": request.form.get("text", "")}
    if request.method == "GET":
        return render_template("feedback/report.html", page=page, values=values, kinds=store.KINDS, commit=read_commit(page))
    try:
        store.report(page.doc.id, values["kind"], values["text"], read_commit(page), current_reader().user_id)
    except store.FeedbackError as exc:
        return render_template("feedback/report.html", page=page, values=values, kinds=store.KINDS, problem=str(exc)), HTTPStatus.BAD_REQUEST
    except SQLAlchemyError:
        return _unavailable(page)
    flash(
        "Thank you: your report is with the article's editors and experts." + (" You can follow it on your page." if current_reader().staff else ""),
        "success",
    )
    return redirect(back_to(page), HTTPStatus.SEE_OTHER)
