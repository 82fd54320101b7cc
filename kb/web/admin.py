"""``/admin/users``: admins add users, change roles, disable (after a confirmation page) and enable
accounts, reset a password, link an account to its directory person by hand, and record who supervises whom."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length

from ..access import ROLES
from ..accounts import passwords
from ..accounts.assignments import supervise, supervisions, unsupervise
from ..accounts.links import link_by_email, unlink_by_hand
from ..accounts.models import User, db
from ..accounts.passwords import MIN_LENGTH
from ..accounts.service import AccountError, add_user, list_users, sentence, set_active, set_password, set_role
from ..directory.accounts import link_account, people_of_accounts, person_of_account
from .accounts import signed_in_required
from .context import current_index, current_reader

bp = Blueprint("admin", __name__, url_prefix="/admin")


class AddUserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Display name", validators=[DataRequired(), Length(max=200)])
    role = StringField("Role", validators=[AnyOf(ROLES)], default="reader")
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=1000)])


def admin_required(view):
    @functools.wraps(view)
    @signed_in_required
    def wrapper(*args, **kwargs):
        if not current_reader().has_role("admin"):
            abort(403, "Only administrators manage users.")
        return view(*args, **kwargs)

    return wrapper


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    form = AddUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = add_user(passwords(), form.email.data, form.name.data, form.role.data, form.password.data)
        except AccountError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(f"Added {user.email} as {user.role}.", "success")
            return redirect(url_for("admin.users"), 303)
    elif request.method == "POST":
        flash("Fill in every field.", "error")
        status = 400
    everyone = list_users()
    people = people_of_accounts(current_index(), everyone)
    page = {"users": everyone, "people": people, "form": form, "roles": ROLES, "supervisions": supervisions()}
    return render_template("admin/users.html", **page), status


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/users/<int:user_id>")
@admin_required
def change(user_id: int):
    """One change from the users table: ``role=<role>`` or ``action=disable|enable``."""
    user = _user(user_id)
    if user.id == current_reader().user_id:
        flash("You cannot change your own account here (ask another administrator, or use the CLI).", "error")
        return redirect(url_for("admin.users"), 303)
    try:
        if request.form.get("role"):
            set_role(user.email, request.form["role"])
            flash(f"{user.email} is now {user.role}.", "success")
        elif request.form.get("action") == "disable" and request.form.get("confirmed") != "yes":
            return redirect(url_for("admin.confirm_disable", user_id=user.id), 303)  # never without the confirmation page
        elif request.form.get("action") in ("disable", "enable"):
            set_active(user.email, request.form["action"] == "enable")
            flash(f"{user.email} is {'enabled' if user.active else 'disabled'}.", "success")
        else:
            abort(400)
    except AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.users"), 303)


@bp.get("/users/<int:user_id>/disable")
@admin_required
def confirm_disable(user_id: int):
    """The confirmation step before disabling: a page with one form, so it works without JavaScript."""
    user = _user(user_id)
    if user.id == current_reader().user_id or not user.active:
        return redirect(url_for("admin.users"), 303)
    return render_template("admin/confirm_disable.html", user=user)


class ResetPasswordForm(FlaskForm):
    new = PasswordField("New password", validators=[DataRequired(), Length(max=1000)])
    confirm = PasswordField("New password again", validators=[DataRequired(), EqualTo("new", "The two passwords are not the same.")])


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def reset_password(user_id: int):
    """An admin sets a new password they type (and tell the user); the user's sessions all end."""
    user = _user(user_id)
    if user.id == current_reader().user_id:
        flash("Change your own password on your page (My progress, Change your password).", "error")
        return redirect(url_for("admin.users"), 303)
    form = ResetPasswordForm()
    message, status = None, 200
    if form.validate_on_submit():
        try:
            set_password(passwords(), user.email, form.new.data)
        except AccountError as exc:
            message, status = sentence(str(exc)), 400
        else:
            flash(f"New password set for {user.email}; every sign-in of that user has ended.", "success")
            return redirect(url_for("admin.users"), 303)
    elif request.method == "POST":
        message, status = (form.confirm.errors or ["Type the new password twice."])[0], 400
    return render_template("admin/reset_password.html", user=user, form=form, message=message, min_length=MIN_LENGTH), status


@bp.post("/users/<int:user_id>/person")
@admin_required
def link_person(user_id: int):
    """``action=link`` with ``person_id``, ``action=unlink`` (sticks), or ``action=relink`` (by email again)."""
    user = _user(user_id)
    by = _admin_email()
    action = request.form.get("action")
    try:
        if action == "link":
            link_account(current_index(), user.email, request.form.get("person_id", ""), by)
        elif action == "unlink":
            unlink_by_hand(user.email, by)
        elif action == "relink":
            link_by_email(user.email)
        else:
            abort(400)
    except AccountError as exc:
        flash(sentence(str(exc)), "error")
        return redirect(url_for("admin.users") + f"#user-{user.id}", 303)
    flash(f"{user.email}: {person_of_account(current_index(), user).describe()}.", "success")
    return redirect(url_for("admin.users") + f"#user-{user.id}", 303)


@bp.post("/supervision")
@admin_required
def supervision():
    """``action=add|remove`` with ``supervisor`` and ``user`` (emails): who supervises whom."""
    action = request.form.get("action")
    if action not in ("add", "remove"):
        abort(400)
    boss, person = request.form.get("supervisor", ""), request.form.get("user", "")
    try:
        if action == "add":
            boss_user, user = supervise(boss, person, _admin_email())
            flash(f"{boss_user.email} now supervises {user.email}.", "success")
        else:
            boss_user, user = unsupervise(boss, person)
            flash(f"{boss_user.email} no longer supervises {user.email}.", "success")
    except AccountError as exc:
        flash(sentence(str(exc)), "error")
    return redirect(url_for("admin.users") + "#supervisors", 303)


def _admin_email() -> str:
    admin = db.session.get(User, current_reader().user_id) if current_reader().user_id is not None else None
    return admin.email if admin is not None else str(current_reader().name)
