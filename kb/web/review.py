"""Review before publishing: readers propose edits, editors and the article's experts review them.

Thin views over ``kb.editing.proposals``. The proposal form is the editor's form (its CSRF
token checked in the view, so a refused form comes back with the text); the review actions are
ordinary forms under the global CSRF check. A proposal is shown only to people who may read its
article (``may_see_article``, through the reader's access levels) and reviewed only by those
``may_review`` allows.
"""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus
from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from .. import git, gitbranches
from ..access import levels
from ..accounts import csrf
from ..accounts.models import User, db
from ..editing import Edit, SlugError, article_path, article_template, current, editing_off_reason, form_values, publish
from ..editing.proposals import (
    MAX_COMMENT_CHARS,
    PENDING,
    Proposal,
    approve,
    change_of,
    comments_of,
    is_new_article,
    may_review_proposal,
    pending_count,
    proposals_of,
    propose,
    review,
    reviewable,
    revise,
)
from ..editing.uploads import Upload, UploadError, checked_media, media_markdown
from ..locks import file_lock
from ..media import MEDIA_FOLDER
from ..notifications.sources import proposal_waiting
from ..repository.publishing import receive, retire
from ..repository.updater import LOCK_FILE
from .accounts import signed_in_required
from .caching import keep_private
from .context import current_index, current_reader, document_url, library
from .editor_forms import allow_editor_forms, csrf_problem, form_again, preview, render, submitted, workspace

bp = Blueprint("review", __name__)
bp.before_request(allow_editor_forms)  # first: before anything reads the form


@bp.app_context_processor
def review_helpers() -> dict:
    return {"proposal_count": _proposal_count, "my_proposals": _my_proposals}


def _proposal_count(slug: str) -> int:
    return pending_count(current_index(), current_reader(), slug) if current_reader().user_id is not None else 0


def _my_proposals() -> list[tuple[Proposal, list]]:
    user_id = current_reader().user_id
    return [(p, comments_of(p)) for p in proposals_of(user_id)] if user_id is not None else []


@bp.route("/articles/<path:doc_id>/-/propose", methods=["GET", "POST"])
@csrf.exempt  # checked in the view (``csrf_problem``), so a refused form keeps its text
@signed_in_required
def suggest(doc_id: str):
    """The editor's form for any signed-in reader; saving keeps the edit as a proposal."""
    keep_private()
    page = library().article(doc_id)
    rel, heading = page.doc.page.path, f"Suggest an edit: {page.doc.title}"
    off = editing_off_reason(workspace().content_dir)
    if off:
        return render_template("editing/off.html", reason=off, back=document_url("article", page.doc.id)), HTTPStatus.CONFLICT
    if request.method == "GET":
        text, head = current(workspace().content_dir, rel)
        values, body = form_values(text or "")
        return render(Edit(rel, head, values, body, f"Update {page.doc.title}"), heading, submit_label="Propose")
    edit = submitted(rel)
    problem = csrf_problem()
    if problem or request.form.get("action") == "preview":
        return _again_or_preview(edit, heading, problem)
    if request.form.get("action") == "upload":
        return _with_upload(_with_message(edit, page.doc.title), heading, page.doc.id, None)
    outcome, proposal = propose(workspace(), _with_message(edit, page.doc.title), page.doc.id, _user(), dt.date.today())
    if proposal is not None:
        proposal_waiting(None, proposal=proposal)  # notifications (issue 21)
        flash("Your proposal was sent for review. You can follow it on your page (My progress).", "success")
        _send()
        return redirect(document_url("article", page.doc.id))
    return _outcome_form(edit, outcome, heading)


@bp.route("/areas/<doc_id>/-/propose-new", methods=["GET", "POST"])
@csrf.exempt  # as ``suggest``
@signed_in_required
def suggest_new(doc_id: str):
    """A new article in an area, proposed by any signed-in reader: the new-article form; it is published
    when an editor approves it."""
    keep_private()
    area = library().area(doc_id).doc
    heading = f"Propose a new article in {area.title}"
    off = editing_off_reason(workspace().content_dir)
    if off:
        return render_template("editing/off.html", reason=off, back=document_url("area", area.id)), HTTPStatus.CONFLICT
    if request.method == "GET":
        values, body = form_values(article_template("", "", area.id, dt.date.today()))
        return render(Edit("", None, values, body, "", new=True), heading, area=area.id, submit_label="Propose")
    return _new_proposal_sent(area, heading)


def _new_proposal_sent(area, heading: str):
    """The new-article proposal as sent: its short name first (from the form, checked), then as ``suggest``."""
    slug = request.form.get("slug", "").strip()
    try:
        rel = article_path(area.id, slug)
    except SlugError as exc:
        return form_again(submitted("", new=True), HTTPStatus.BAD_REQUEST, notes=(str(exc),), area=area.id, slug=slug, submit_label="Propose")
    edit, problem = submitted(rel, new=True), csrf_problem()
    if problem or request.form.get("action") == "preview":
        return _again_or_preview(edit, heading, problem, area=area.id, slug=slug)
    if (workspace().content_dir / rel).exists() or not is_new_article(current_index(), f"{area.id}/{slug}"):
        notes = ("An article with this address exists already: choose another short name.",)
        return render(edit, heading, status=HTTPStatus.CONFLICT, notes=notes, area=area.id, slug=slug, submit_label="Propose")
    edit = _with_message(edit, edit.values.get("title", "").strip() or slug, verb="Add")
    if request.form.get("action") == "upload":
        return _with_upload(edit, heading, f"{area.id}/{slug}", None)
    outcome, proposal = propose(workspace(), edit, f"{area.id}/{slug}", _user(), dt.date.today())
    if proposal is not None:
        proposal_waiting(None, proposal=proposal, area=area.id)  # notifications (issue 21)
        flash("Your new article was sent for review. You can follow it on your page (My progress).", "success")
        _send()
        return redirect(document_url("area", area.id))
    return _outcome_form(edit, outcome, heading, area=area.id, slug=slug)


@bp.get("/review")
@signed_in_required
def queue():
    keep_private()
    today, pending = dt.date.today(), reviewable(current_index(), current_reader(), _second_person())
    _fetched(pending)
    items = [(p, change_of(workspace(), p, today), _doc(p.slug), db.session.get(User, p.proposer_id), comments_of(p)) for p in pending]
    return render_template("review/queue.html", items=items, now=dt.datetime.now(dt.UTC).replace(tzinfo=None), max_comment=MAX_COMMENT_CHARS)


@bp.post("/review/<int:proposal_id>/approve")
@signed_in_required
def approve_one(proposal_id: int):
    proposal = _reviewable(proposal_id)
    if not _fetched([proposal]):
        return redirect(url_for("review.queue"), HTTPStatus.SEE_OTHER)
    result = approve(workspace(), proposal, _user(), dt.date.today())
    if result == "published":
        flash(f"Published proposal {proposal.id}.", "success")
        _send(retired=proposal)
    elif result == "invalid":
        flash(f"Proposal {proposal.id} has errors against the content as it is now (listed with it): nothing was published.", "error")
    elif result == "conflict":
        flash(
            f"Proposal {proposal.id} conflicts with changes saved since it was made: nothing was published. "
            "Request changes, or edit the article yourself.",
            "error",
        )
    else:
        flash(f"Proposal {proposal.id}'s branch is missing from the content repository: nothing was published.", "error")
    return redirect(url_for("review.queue"), HTTPStatus.SEE_OTHER)


@bp.post("/review/<int:proposal_id>/<any(changes, decline):action>")
@signed_in_required
def respond(proposal_id: int, action: str):
    proposal = _reviewable(proposal_id)
    comment = " ".join(request.form.get("comment", "").split())
    if not comment:
        flash("Write a comment for the proposer: what to change, or why the proposal is declined.", "error")
        return redirect(url_for("review.queue"), HTTPStatus.SEE_OTHER)
    review(proposal, _user(), "changes_requested" if action == "changes" else "declined", comment)
    flash(f"Proposal {proposal.id}: {'changes requested' if action == 'changes' else 'declined'}.", "success")
    return redirect(url_for("review.queue"), HTTPStatus.SEE_OTHER)


@bp.route("/review/<int:proposal_id>/revise", methods=["GET", "POST"])
@csrf.exempt  # as ``suggest``
@signed_in_required
def revise_one(proposal_id: int):
    """The proposer's own form over their branch; a save is a new commit on it."""
    keep_private()
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.proposer_id != current_reader().user_id or proposal.state not in PENDING:
        abort(HTTPStatus.NOT_FOUND)
    heading = f"Revise your proposal {proposal.id}"
    if not _fetched([proposal]):
        return redirect(url_for("paths.me"), HTTPStatus.SEE_OTHER)
    if request.method == "GET":
        tip = change_of(workspace(), proposal, dt.date.today()).tip
        values, body = form_values(_text_at(tip, proposal.path))
        return render(Edit(proposal.path, tip, values, body, proposal.message), heading, submit_label="Send the revision")
    edit = submitted(proposal.path)
    problem = csrf_problem()
    if problem or request.form.get("action") == "preview":
        return _again_or_preview(edit, heading, problem)
    if request.form.get("action") == "upload":
        return _with_upload(_with_message(edit, proposal.slug), heading, proposal.slug, proposal)
    outcome = revise(workspace(), proposal, _with_message(edit, proposal.slug), _user(), dt.date.today())
    if outcome.status == "saved":
        proposal_waiting(None, proposal=proposal)  # notifications (issue 21)
        flash("Your revision was sent for review.", "success")
        _send()
        return redirect(url_for("paths.me"))
    return _outcome_form(edit, outcome, heading)


def _with_upload(edit: Edit, heading: str, slug: str, proposal: Proposal | None):
    """The chosen file checked, then kept on the proposal's branch (a new proposal, or a revision) with the
    form's text and a link to it at the end; the proposer goes on in the revision form to describe it."""
    cfg, chosen = current_app.config, request.files.get("media")
    upload = Upload(chosen.filename or "", chosen.read(cfg["MEDIA_MAX_BYTES"] + 1)) if chosen else Upload("", b"")
    try:  # the area from the article's id (the address), never from the form
        name, kind = checked_media(workspace().content_dir, slug.split("/")[0], upload, cfg["MEDIA_TYPES"], cfg["MEDIA_MAX_BYTES"])
    except UploadError as exc:
        return render(edit, heading, status=HTTPStatus.UNPROCESSABLE_ENTITY, notes=(f"The file was not added: {exc}",), submit_label="Propose")
    body = f"{edit.body.rstrip()}\n\n{media_markdown(name, kind)}\n".lstrip()
    edit = Edit(edit.path, edit.base, edit.values, body, edit.message)
    media = {f"{MEDIA_FOLDER}/{name}": upload.data}
    if proposal is None:
        outcome, proposal = propose(workspace(), edit, slug, _user(), dt.date.today(), media=media)
    else:
        outcome = revise(workspace(), proposal, edit, _user(), dt.date.today(), media=media)
    if outcome.status != "saved" or proposal is None:
        return _outcome_form(edit, outcome, heading)
    flash(f"Added media/{name} to your proposal {proposal.id}, with a link at the end of the text: describe the image, then send.", "success")
    _send()
    return redirect(url_for("review.revise_one", proposal_id=proposal.id), HTTPStatus.SEE_OTHER)


def _send(retired: Proposal | None = None) -> None:
    """Push the main branch and the proposal branches to the central repository when there is one
    (``kb.repository.publishing``); a merged proposal's branch is then deleted."""
    for note in publish(workspace()):
        flash(note, "error")
    if retired is not None:
        retire(workspace().content_dir, retired.branch)


def _fetched(proposals: list[Proposal]) -> bool:
    """The branches of ``proposals`` made on another server (missing from this server's clone) fetched from the
    central repository, under the updater's lock; False, with a message, when it cannot be reached."""
    content_dir, index_dir = workspace().content_dir, workspace().index.directory
    if all(gitbranches.branch_head(content_dir, p.branch) is not None for p in proposals):
        return True
    try:
        with file_lock(index_dir / LOCK_FILE):
            receive(content_dir, index_dir)
    except git.GitError:
        flash(
            "A proposal was made on another server and its branch is not in this server's copy of the content "
            "repository; the central repository could not be reached to fetch it. Nothing was changed: try again later.",
            "error",
        )
        return False
    return True


def _reviewable(proposal_id: int) -> Proposal:
    """The pending proposal, when this reader may review it; 404 otherwise (it is not shown to others)."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.state not in PENDING or not may_review_proposal(current_index(), current_reader(), proposal, _second_person()):
        abort(HTTPStatus.NOT_FOUND)
    return proposal


def _again_or_preview(edit: Edit, heading: str, problem: str | None, **extra):
    if problem:
        return form_again(edit, HTTPStatus.BAD_REQUEST, notes=(problem,), submit_label="Propose", **extra)
    return preview(edit, heading, submit_label="Propose", **extra)


def _outcome_form(edit: Edit, outcome, heading: str, **extra):
    status = {"conflict": HTTPStatus.CONFLICT, "unchanged": HTTPStatus.OK}.get(outcome.status, HTTPStatus.UNPROCESSABLE_ENTITY)
    values, body = form_values(outcome.text)
    notes = ("No changes to propose.",) if outcome.status == "unchanged" else ()
    again = Edit(edit.path, outcome.base, values, body, edit.message, edit.new)
    return render(again, heading, status=status, outcome=outcome, notes=notes, submit_label="Propose", **extra)


def _with_message(edit: Edit, title: str, verb: str = "Update") -> Edit:
    return edit if edit.message else Edit(edit.path, edit.base, edit.values, edit.body, f"{verb} {title}", edit.new)


def _text_at(sha: str | None, path: str) -> str:
    return (git.file_at(workspace().content_dir, sha, path) if sha else None) or ""


def _second_person() -> bool:
    """``KB_REVIEW_SECOND_PERSON``: nobody approves their own proposal."""
    return current_app.config["REVIEW_SECOND_PERSON"]


def _doc(slug: str):
    """The article, or for a proposed new one what the queue's diff names it by."""
    return current_index().get(f"article:{slug}", levels(current_reader())) or SimpleNamespace(id=slug, title=f"New article {slug}")


def _user() -> User:
    user = db.session.get(User, current_reader().user_id)
    if user is None:
        abort(HTTPStatus.FORBIDDEN)
    return user
