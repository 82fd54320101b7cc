"""Sign-in and sign-out, and the hooks that guard every request (sign-in required, 503).

Who reads is decided once per request (``kb.accounts.identify`` via ``context.identify_reader``);
these views only sign in and out and read ``current_reader()``.
"""

from __future__ import annotations

import functools
import time
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Response, current_app, g, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..accounts import limiter, lockout, passwords, request_client
from ..accounts.models import db
from ..accounts.service import end_session, sign_in, start_session
from ..pages.markings import access_of, marking_of
from .caching import PRIVATE
from .context import current_index, current_reader
from .errors import _respond

bp = Blueprint("accounts", __name__)

# Reachable without sign-in under KB_REQUIRE_LOGIN (the webhook authenticates with its own secret).
OPEN_ENDPOINTS = {"static", "accounts.login", "api.healthz", "hooks.content_changed", "pages.favicon"}
# Guarded by their own blueprint hook (editors only), which gives a form's text back to someone whose session ended.
SELF_GUARDED_ENDPOINTS = {"editing.edit", "editing.new"}


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])


def local_target(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirect).

    Refused: absolute URLs, scheme-relative ``//host``, ``/\\host`` (browsers read ``\\`` as ``/``),
    control characters, and all of these percent-encoded once or several times.
    """
    if not target:
        return None
    candidate = target
    for _ in range(4):
        if not candidate.startswith("/") or candidate[1:2] in ("/", "\\") or "\\" in candidate:
            return None
        if not candidate.isprintable():  # control characters (and line breaks) in an address
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
        decoded = unquote(candidate)
        if decoded == candidate:
            return target
        candidate = decoded
    return None


def signed_in_required(view):
    """Pages send anonymous readers to the sign-in page; API calls answer 401 JSON."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_reader().staff:
            return _sign_in_required()
        return view(*args, **kwargs)

    return wrapper


def _sign_in_required() -> Response:
    if g.get("accounts_unavailable"):  # the reader may well be signed in: say what is wrong instead
        return _unavailable()
    if request.path.startswith("/api/"):
        response = make_response(jsonify({"error": "Sign-in required", "message": "Sign in to use this."}), 401)
        response.headers["WWW-Authenticate"] = 'Cookie realm="kb", form="/login"'
        return response
    return redirect(url_for("accounts.login", next=_back_here()))


def _back_here() -> str | None:
    """Where to return after signing in: this page, or for a form post the page the form was on."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return local_target(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def require_sign_in() -> Response | None:
    """``KB_REQUIRE_LOGIN``: every request but /login, /healthz, static files and the webhook needs sign-in (``before_request``)."""
    if current_app.config["REQUIRE_LOGIN"] and not current_reader().staff and request.endpoint not in OPEN_ENDPOINTS | SELF_GUARDED_ENDPOINTS:
        if "kb.export.edition" in request.environ:  # a public bundle's pages (kb export), rendered in this process
            return None
        return _sign_in_required()
    return None


@bp.app_context_processor
def account_context() -> dict:
    """Templates see the reader (header: sign in, or name, progress, reports, users, sign out), markings and access."""
    return {
        "current_reader": current_reader,
        "marking_of": lambda kind, doc_id: marking_of(current_index(), kind, doc_id),
        "access_of": lambda kind, doc_id: access_of(current_index(), kind, doc_id),
    }


@bp.app_errorhandler(SQLAlchemyError)
def accounts_unavailable(error: SQLAlchemyError):
    """The database failed: say so (503); nothing half-done is kept, and the next request tries again."""
    db.session.rollback()
    current_app.logger.error("accounts database unavailable: %s", error)
    return _unavailable()


def _unavailable() -> Response:
    response = _respond(
        503,
        "Sign-in is unavailable",
        "Accounts and progress are unavailable at the moment. Reading and search still work; please try again in a few minutes.",
    )
    response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = PRIVATE
    return response


@bp.app_errorhandler(RateLimitExceeded)
def too_many_sign_ins(error: RateLimitExceeded) -> Response:
    """``KB_LOGIN_RATE_LIMIT`` reached by this client address: 429, before any password is checked."""
    wait = max(1, limiter.current_limit.reset_at - int(time.time()))
    response = _respond(
        429,
        "Too many sign-in attempts",
        f"This address has tried to sign in too often ({error.description}). Please try again in {wait} seconds.",
    )
    response.headers["Cache-Control"] = PRIVATE
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    target = local_target(request.args.get("next")) or url_for("pages.home")
    message, status = None, 200
    if form.validate_on_submit():
        result = sign_in(passwords(), form.email.data, form.password.data, request_client(), lockout())
        if result.user is not None:
            session.clear()  # a fresh session: no fixation, a new CSRF token
            start_session(result.user)
            login_user(result.user)
            return redirect(target)
        status = 429 if result.locked else 401
        message = (
            f"Too many failed sign-ins: sign-in is paused for {lockout().minutes:g} minutes. If you forgot your password, ask an administrator."
            if result.locked
            else "The email or password is not right."
        )
    elif request.method == "POST":
        message, status = "Enter your email and password.", 400
    if request.method == "GET":
        if current_reader().staff and "next" in request.args:
            return redirect(target)
        if g.get("accounts_unavailable"):
            return _unavailable()
        db.session.execute(select(1))  # say at once when sign-in cannot work (503 via the handler)
    retry = {"Retry-After": f"{lockout().minutes * 60:.0f}"} if status == HTTPStatus.TOO_MANY_REQUESTS else {}  # the lock lasts at most this long
    return (
        render_template(
            "accounts/login.html", form=form, message=message, next=request.args.get("next") if local_target(request.args.get("next")) else None
        ),
        status,
        retry,
    )


@bp.post("/logout")
def logout():
    """Ends the session: its row is deleted, so even a copy of the cookie no longer signs in."""
    token = getattr(current_user, "session_token", None) if current_reader().staff else None
    try:
        end_session(token)
    except SQLAlchemyError as exc:  # the cookie is cleared anyway; the row expires (SESSION_DAYS) or ends with
        # the user's next password
        db.session.rollback()
        current_app.logger.error("could not delete session row: %s", exc)
    logout_user()
    session.clear()
    return redirect(url_for("pages.home"))
