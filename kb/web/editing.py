"""Editing in the browser (editors and admins): the article editor, its preview, and new articles in an area.

Thin views over ``kb.editing``. The editor's forms check their CSRF token here rather than in
the global hook, so a refused or expired token (or a session that ended mid-edit) answers the
form again with the user's text in it instead of an error page: an edit is never lost.
"""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for

from ..access import levels
from ..accounts import csrf
from ..editing import (
    Edit,
    SlugError,
    article_path,
    article_template,
    current,
    editing_off_reason,
    form_values,
    publish,
    save,
)
from ..editing.checks import document_key
from ..editing.proposals import needs_second_person
from ..editing.uploads import Upload, UploadError, add_media, media_markdown
from .caching import keep_private
from .context import current_index, current_reader, document_url, library
from .editor_forms import PREVIEW_HEADER, allow_editor_forms, author, csrf_problem, form_again, preview, render, submitted, workspace

bp = Blueprint("editing", __name__)
bp.before_request(allow_editor_forms)  # first: before anything reads the form
csrf.exempt(bp)  # checked in each view (``csrf_problem``), so a refused form keeps its text
PREVIEW_SLUG = "new-article"  # where a new article is previewed before it has a short name


@bp.before_request
def editors_only() -> Response | None:
    """Editors and admins only; a form sent by someone who is no longer signed in comes back with its text."""
    keep_private()  # the form carries a CSRF token and someone's unsaved text
    reader = current_reader()
    if reader.has_role("editor"):
        return None
    if request.method == "POST" and "body" in request.form and not request.headers.get(PREVIEW_HEADER):
        note = (
            "Sign-in is unavailable at the moment (the accounts database), so nothing was saved. Your text is below: save again in a few minutes."
            if g.get("accounts_unavailable")
            else "You are not signed in as an editor any more (your session ended). Your text is below: sign in again in another tab, then save."
        )
        new = request.path.endswith("/-/new")
        return form_again(submitted("", new=new), HTTPStatus.FORBIDDEN, notes=(note,), slug=request.form.get("slug", ""))
    if not reader.staff and request.method == "GET":
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    abort(HTTPStatus.FORBIDDEN)


@bp.route("/articles/<path:doc_id>/-/edit", methods=["GET", "POST"])
def edit(doc_id: str):
    page = library().article(doc_id)
    rel = page.doc.page.path
    off = editing_off_reason(workspace().content_dir)
    if off:
        return render_template("editing/off.html", reason=off, back=document_url("article", page.doc.id)), HTTPStatus.CONFLICT
    if needs_second_person(page.doc.access, current_app.config["REVIEW_SECOND_PERSON"]):
        return _to_proposal(page.doc.id)
    if request.method == "POST":
        return _sent(submitted(rel), page.doc.title)
    text, head = current(workspace().content_dir, rel)
    values, body = form_values(text or "")
    edit_form = Edit(rel, head, values, body, f"Update {page.doc.title}")
    return render(edit_form, page.doc.title)


PAGE_KINDS = {"areas": "area", "paths": "path", "people": "person"}  # pages edited as files too
# What the page editor's form takes of each; the rest of the frontmatter (an area's order, a path's steps, a
# profile's name, contacts, expertise, languages...) is kept exactly as written (edited through git).
PAGE_FIELDS = {"areas": ("title", "summary"), "paths": ("title", "summary"), "people": ("title",)}
PAGE_FORMS = {"people": {"legend": "About the person", "field_labels": {"title": "Position"}}}
PAGE_SECOND_PERSON = (
    "This page is staff-only, and every change to it needs a second person (KB_REVIEW_SECOND_PERSON): "
    "propose the change as a merge request in the content repository."
)


@bp.route("/<any(areas, paths, people):folder>/<doc_id>/-/edit", methods=["GET", "POST"])
def edit_page(folder: str, doc_id: str):
    """An area's, onboarding path's or person's page: its title (a person's position), summary and text,
    checked and saved as an article's."""
    kind = PAGE_KINDS[folder]
    doc = current_index().get(f"{kind}:{doc_id}", levels(current_reader()))
    rel = f"{folder}/{doc_id}.md"
    if doc is None or not (workspace().content_dir / rel).is_file():
        abort(HTTPStatus.NOT_FOUND)
    off = editing_off_reason(workspace().content_dir)
    if not off and needs_second_person(doc.access, current_app.config["REVIEW_SECOND_PERSON"]):
        off = PAGE_SECOND_PERSON
    if off:
        return render_template("editing/off.html", reason=off, back=document_url(kind, doc.id)), HTTPStatus.CONFLICT
    fields = PAGE_FIELDS[folder]
    extra = {"fields": fields, "area": doc.id if kind == "area" else folder, **PAGE_FORMS.get(folder, {})}  # uploads go by the address
    if request.method == "POST":
        return _sent(submitted(rel, fields=fields), doc.title, **extra)
    text, head = current(workspace().content_dir, rel)
    values, body = form_values(text or "")
    return render(Edit(rel, head, {name: values[name] for name in fields}, body, f"Update {doc.title}"), doc.title, **extra)


@bp.route("/areas/<doc_id>/-/new", methods=["GET", "POST"])
def new(doc_id: str):
    area = library().area(doc_id).doc
    off = editing_off_reason(workspace().content_dir)
    if off:
        return render_template("editing/off.html", reason=off, back=document_url("area", area.id)), HTTPStatus.CONFLICT
    if request.method == "POST":
        return _new_sent(area.id, area.title)
    values, body = form_values(article_template("", "", area.id, dt.date.today()))
    return render(Edit("", None, values, body, "", new=True), f"New article in {area.title}", area=area.id)


def _to_proposal(doc_id: str):
    """A staff-only or marked article under ``KB_REVIEW_SECOND_PERSON``: the edit goes to the proposal form
    (a form sent here is sent on there as it is, 307, so its text is kept)."""
    target = url_for("review.suggest", doc_id=doc_id)
    if request.method == "POST":
        return redirect(target, HTTPStatus.TEMPORARY_REDIRECT)
    flash("This article is staff-only or marked: every change to it is reviewed by a second person. Your edit will be a proposal.", "success")
    return redirect(target, HTTPStatus.SEE_OTHER)


def _new_sent(area_id: str, area_title: str):
    """A new article's form: its short name checked before anything else (a preview needs none yet)."""
    slug = request.form.get("slug", "").strip()
    heading = f"New article in {area_title}"
    try:
        rel = article_path(area_id, slug)
    except SlugError as exc:
        if request.headers.get(PREVIEW_HEADER) or request.form.get("action") == "preview":
            placeholder = f"articles/{area_id}/{PREVIEW_SLUG}.md"  # the area's id comes from the index, not the form
            return _sent(submitted(placeholder, new=True), heading, area=area_id, slug=slug)
        return form_again(submitted("", new=True), HTTPStatus.BAD_REQUEST, notes=(str(exc),), area=area_id, slug=slug)
    return _sent(submitted(rel, new=True), heading, area=area_id, slug=slug)


def _sent(edit_form: Edit, heading: str, **extra):
    """Preview or save what the form sent; anything but a save shows the form again with the text."""
    problem = csrf_problem()
    if problem:
        return form_again(edit_form, HTTPStatus.BAD_REQUEST, notes=(problem,), **extra)
    if request.form.get("action") == "upload" and not request.headers.get(PREVIEW_HEADER):
        return _uploaded(edit_form, heading, **extra)
    if request.headers.get(PREVIEW_HEADER) or request.form.get("action") == "preview":
        return preview(edit_form, heading, **extra)
    if not edit_form.message:
        edit_form = Edit(edit_form.path, edit_form.base, edit_form.values, edit_form.body, _default_message(edit_form), edit_form.new)
    outcome = save(workspace(), edit_form, author(), dt.date.today())
    if outcome.status in ("saved", "unchanged"):
        flash("Saved." if outcome.status == "saved" else "No changes to save.", "success")
        for note in outcome.notes:
            flash(note, "success")
        for note in publish(workspace()) if outcome.status == "saved" else ():
            flash(note, "error")
        return redirect(_page_url(edit_form.path))
    status = HTTPStatus.CONFLICT if outcome.status == "conflict" else HTTPStatus.UNPROCESSABLE_ENTITY
    values, body = form_values(outcome.text)
    again = Edit(edit_form.path, outcome.base, values, body, edit_form.message, edit_form.new)
    return render(again, heading, status=status, outcome=outcome, **extra)


def _uploaded(edit_form: Edit, heading: str, **extra):
    """Commit the chosen file at once (``kb.editing.uploads``); the form comes back with a link to it
    added to the end of the text, unsaved, or with why the file was refused."""
    cfg, chosen = current_app.config, request.files.get("media")
    upload = Upload(chosen.filename or "", chosen.read(cfg["MEDIA_MAX_BYTES"] + 1)) if chosen else Upload("", b"")
    area = extra.get("area") or edit_form.path.split("/")[1]  # from the address, never from the form
    try:
        name, kind = add_media(workspace(), area, upload, author(), cfg["MEDIA_TYPES"], cfg["MEDIA_MAX_BYTES"])
    except UploadError as exc:
        return render(edit_form, heading, status=HTTPStatus.UNPROCESSABLE_ENTITY, notes=(f"The file was not added: {exc}",), **extra)
    body = f"{edit_form.body.rstrip()}\n\n{media_markdown(name, kind)}\n".lstrip()
    note = f"Added media/{name} to the content repository. A link to it is at the end of the text: describe the image, then save the article."
    return render(Edit(edit_form.path, edit_form.base, edit_form.values, body, edit_form.message, edit_form.new), heading, notes=(note,), **extra)


def _default_message(edit_form: Edit) -> str:
    title = edit_form.values.get("title", "").strip() or edit_form.path
    return f"{'Add' if edit_form.new else 'Update'} {title}"


def _page_url(rel: str) -> str:
    return document_url(*document_key(rel))
