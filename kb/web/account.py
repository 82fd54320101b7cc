"""``/account/password``: a signed-in user changes their own password.

The current password is asked again (re-authentication: a borrowed or stolen session alone
cannot take the account over), through ``sign_in`` so wrong guesses count toward the same
lockout as at ``/login``, and the requests are limited like sign-ins. Afterwards every other
session of the user ends and the one in use stays. Accounts without a password (single
sign-on) are told where their password is managed instead of seeing the form.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..accounts import limiter, lockout, passwords, request_client
from ..accounts.models import User, db
from ..accounts.passwords import MIN_LENGTH
from ..accounts.service import AccountError, change_own_password, sentence, sign_in
from .accounts import signed_in_required
from .context import current_reader

bp = Blueprint("account", __name__)


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1000)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=1000)])
    confirm = PasswordField("New password again", validators=[DataRequired(), EqualTo("new", "The two new passwords are not the same.")])


def _signed_in_user() -> User:
    """The account of the signed-in reader (an identity without an account has no password to change)."""
    user_id = current_reader().user_id
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        abort(404)
    return user


def _session_token() -> str | None:
    """The session in use, kept after the change (none when the proxy signed the user in)."""
    return None if g.get("signed_in_by_proxy") else getattr(current_user, "session_token", None)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def password():
    user = _signed_in_user()
    form = ChangePasswordForm()
    if user.password_hash is None:
        status = 400 if request.method == "POST" else 200
        return render_template("account/password.html", form=form, single_sign_on=True, min_length=MIN_LENGTH), status
    message, status = None, 200
    if form.validate_on_submit():
        checked = sign_in(passwords(), user.email, form.current.data, request_client(), lockout())
        if checked.user is None or checked.user.id != user.id:
            message, status = _refusal(checked.locked)
        else:
            try:
                change_own_password(passwords(), user, form.new.data, _session_token())
            except AccountError as exc:
                message, status = sentence(str(exc)), 400
            else:
                flash("Your password is changed. You stay signed in here; every other sign-in of yours has ended.", "success")
                return redirect(url_for("paths.me"), 303)
    elif request.method == "POST":
        message, status = _form_problem(form), 400
    return render_template("account/password.html", form=form, message=message, single_sign_on=False, min_length=MIN_LENGTH), status


def _refusal(locked: bool) -> tuple[str, int]:
    if locked:
        return f"Too many wrong passwords: changing it is paused for {lockout().minutes:g} minutes.", 429
    return "Your current password is not right.", 400


def _form_problem(form: ChangePasswordForm) -> str:
    if form.confirm.errors and form.current.data and form.new.data:
        return form.confirm.errors[0]
    return "Fill in your current password and the new one twice."
