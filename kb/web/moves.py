"""Renaming and deleting articles from the browser (editors and admins): thin views over ``kb.editing.moves``.

Both are forms behind the global CSRF protection. The delete page lists the pages that link
to the article before anything is removed; the deletion itself is refused while any file
links to it (those links would break, an error for ``kb check``).
"""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for

from ..editing import SlugError, article_path, editing_off_reason, publish
from ..editing.moves import Change, delete, rename
from ..editing.proposals import needs_second_person
from .caching import keep_private
from .context import current_reader, document_url, library
from .editor_forms import MAX_MESSAGE_CHARS, author, workspace

bp = Blueprint("moves", __name__)
SECOND_PERSON = (
    "This article is staff-only or marked, and every change to it needs a second person (KB_REVIEW_SECOND_PERSON): "
    "it cannot be renamed or deleted from the browser. Propose the change as a merge request in the content repository."
)


@bp.before_request
def editors_only() -> Response | None:
    """Editors and admins only: readers are refused, anonymous readers sent to sign in first."""
    keep_private()
    reader = current_reader()
    if reader.has_role("editor"):
        return None
    if not reader.staff and request.method == "GET":
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    abort(HTTPStatus.FORBIDDEN)


def _off(doc_id: str):
    doc = library().article(doc_id).doc
    if needs_second_person(doc.access, current_app.config["REVIEW_SECOND_PERSON"]):
        return render_template("editing/off.html", reason=SECOND_PERSON, back=document_url("article", doc_id)), HTTPStatus.CONFLICT
    reason = editing_off_reason(workspace().content_dir)
    if reason:
        return render_template("editing/off.html", reason=reason, back=document_url("article", doc_id)), HTTPStatus.CONFLICT
    return None


def _message(default: str) -> str:
    return " ".join(request.form.get("message", "").split())[:MAX_MESSAGE_CHARS] or default


@bp.route("/articles/<path:doc_id>/-/rename", methods=["GET", "POST"])
def rename_article(doc_id: str):
    page = library().article(doc_id)
    off = _off(page.doc.id)
    if off:
        return off
    area, _, slug = page.doc.id.rpartition("/")
    form = {
        "area": request.form.get("area", area).strip(),
        "slug": request.form.get("slug", slug).strip(),
        "message": request.form.get("message", ""),
    }
    if request.method == "GET":
        return _rename_page(page, form)
    try:
        new_rel = article_path(form["area"], form["slug"])
    except SlugError as exc:
        return _rename_page(page, form, HTTPStatus.BAD_REQUEST, notes=(str(exc),))
    if form["area"] not in library().area_titles():
        return _rename_page(page, form, HTTPStatus.BAD_REQUEST, notes=("Choose one of the functional areas.",))
    change = rename(workspace(), page.doc.page.path, new_rel, author(), _message(f"Rename {page.doc.title}"), dt.date.today())
    if change.status != "done":
        return _rename_page(page, form, _status(change), change=change)
    _published(change, "Renamed. The old address now leads here.")
    return redirect(document_url("article", f"{form['area']}/{form['slug']}"))


def _rename_page(page, form: dict, status: int = HTTPStatus.OK, **extra):
    areas = sorted(library().area_titles().items(), key=lambda item: item[1])
    return render_template("editing/rename.html", page=page, form=form, areas=areas, **extra), status


@bp.route("/articles/<path:doc_id>/-/delete", methods=["GET", "POST"])
def delete_article(doc_id: str):
    page = library().article(doc_id)
    off = _off(page.doc.id)
    if off:
        return off
    if request.method == "GET":
        return render_template("editing/delete.html", page=page, linking=library().linking_to(page.doc.id), form={"message": ""})
    change = delete(workspace(), page.doc.page.path, author(), _message(f"Delete {page.doc.title}"), dt.date.today())
    if change.status != "done":
        form = {"message": request.form.get("message", "")}
        return render_template("editing/delete.html", page=page, linking=library().linking_to(page.doc.id), form=form, change=change), _status(change)
    _published(change, f"Deleted '{page.doc.title}'.")
    return redirect(document_url("area", page.doc.areas[0]) if page.doc.areas else url_for("pages.home"))


def _status(change: Change) -> int:
    return {"conflict": HTTPStatus.CONFLICT, "blocked": HTTPStatus.CONFLICT}.get(change.status, HTTPStatus.UNPROCESSABLE_ENTITY)


def _published(change: Change, done: str) -> None:
    """Tell the editor it is done, then push the commit (a failed push is said too: the commit is kept)."""
    flash(done, "success")
    for note in change.notes:
        flash(note, "success")
    for note in publish(workspace()):
        flash(note, "error")
