"""``/admin/users``: admins add users, change roles, disable and enable accounts."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from ..access import ROLES
from ..accounts import passwords
from ..accounts.models import User, db
from ..accounts.service import AccountError, add_user, list_users, set_active, set_role
from .accounts import signed_in_required
from .context import current_reader

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
    return render_template("admin/users.html", users=list_users(), form=form, roles=ROLES), status


@bp.post("/users/<int:user_id>")
@admin_required
def change(user_id: int):
    """One change from the users table: ``role=<role>`` or ``action=disable|enable``."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_reader().user_id:
        flash("You cannot change your own account here (ask another administrator, or use the CLI).", "error")
        return redirect(url_for("admin.users"), 303)
    try:
        if request.form.get("role"):
            set_role(user.email, request.form["role"])
            flash(f"{user.email} is now {user.role}.", "success")
        elif request.form.get("action") in ("disable", "enable"):
            set_active(user.email, request.form["action"] == "enable")
            flash(f"{user.email} is {'enabled' if user.active else 'disabled'}.", "success")
        else:
            abort(400)
    except AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.users"), 303)
