"""The editor's form, shared by the editor (``kb.web.editing``) and proposals (``kb.web.review``):
the form as sent, its CSRF check (in the view, so a refused form comes back with its text), the
preview, and the page. The path always comes from the address, never from the form.
"""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

from flask import abort, current_app, jsonify, render_template, request
from flask_wtf.csrf import ValidationError, validate_csrf

from .. import git
from ..accounts.models import User, db
from ..editing import FIELDS, Edit, Limits, Workspace, evaluate, starting_text
from .context import current_index, current_reader, site_links

PREVIEW_HEADER = "X-KB-Preview"  # the editor's script asks for the preview as JSON
MAX_MESSAGE_CHARS = 500


EDITOR_BLUEPRINTS = ("editing", "review")


def request_limit() -> int:
    """The largest request an editor's form may be: a whole article (``KB_MAX_CONTENT_LENGTH``, as
    for any form) and one media file (``KB_MEDIA_MAX_BYTES``), so that a file the server accepts
    never makes the form's text too large to be read, and a refused one comes back with the text."""
    cfg = current_app.config
    return cfg["MAX_CONTENT_LENGTH"] + cfg["MEDIA_MAX_BYTES"]


def allow_editor_forms() -> None:
    """Raise this request's limits to ``request_limit()`` (the text fields too: Flask holds them to 500 kB)."""
    request.max_content_length = request.max_form_memory_size = request_limit()


def workspace() -> Workspace:
    cfg = current_app.config
    limits = Limits(cfg["MAX_FILE_BYTES"], cfg["STALE_AFTER_DAYS"], current_app.extensions["kb.markings"], cfg["EDIT_MAX_BYTES"])
    return Workspace(cfg["CONTENT_DIR"], current_index(), git.Identity(cfg["COMMITTER_NAME"], cfg["COMMITTER_EMAIL"]), limits)


def submitted(rel: str, new: bool = False, fields: tuple[str, ...] = FIELDS) -> Edit:
    """The editor form as sent (only ``fields`` of the frontmatter: the others stay as they are in the
    file); the path comes from the address, never from the form."""
    form = request.form
    values = {name: form.get(name, "")[: current_app.config["MAX_FILE_BYTES"]] for name in fields}
    base = form.get("base", "")
    message = " ".join(form.get("message", "").split())[:MAX_MESSAGE_CHARS]
    return Edit(rel, base if git.is_sha(base) else None, values, form.get("body", "").replace("\r\n", "\n"), message, new=new)


def csrf_problem() -> str | None:
    try:
        validate_csrf(request.form.get("csrf_token") or request.headers.get("X-CSRFToken"))
    except ValidationError as exc:
        if "expired" in str(exc):
            return "This form had expired (it was open for a long time). Your text is below: save again."
        return "This form was not accepted (its security token is missing or from another session). Your text is below: save again."
    return None


def preview(edit_form: Edit, heading: str, **extra):
    text = starting_text(workspace(), edit_form)
    evaluation = evaluate(workspace().content_dir, edit_form.path, text, dt.date.today(), workspace().limits)
    if request.headers.get(PREVIEW_HEADER):
        problems = [{"line": p.line, "severity": p.severity, "message": p.message} for p in evaluation.problems]
        return jsonify({"html": str(site_links(evaluation.html)), "problems": problems})
    return render(edit_form, heading, evaluation=evaluation, **extra)


def form_again(edit_form: Edit, status: int, notes: tuple[str, ...], **extra):
    if request.headers.get(PREVIEW_HEADER):
        return jsonify({"error": notes[0]}), status
    return render(edit_form, "Your edit was not saved", status=status, notes=notes, **extra)


def render(edit_form: Edit, heading: str, status: int = HTTPStatus.OK, **extra):
    cfg = current_app.config
    sizes = {"file": cfg["MEDIA_MAX_BYTES"], "request": request_limit(), "text": cfg["EDIT_MAX_BYTES"]}
    fields = extra.pop("fields", FIELDS)
    page = render_template("editing/edit.html", form=edit_form, heading=heading, fields=fields, action=request.path, sizes=sizes, **extra)
    return page, status


def author() -> git.Identity:
    """The signed-in editor as the commit's author (name and email of their account)."""
    user = db.session.get(User, current_reader().user_id)
    if user is None:
        abort(HTTPStatus.FORBIDDEN)
    return git.Identity(user.name, user.email)
