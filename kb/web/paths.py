"""Onboarding paths with progress: the list, one path, marking steps, /me and its API."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.models import User, db
from ..accounts.service import mark_step, steps_done
from ..directory.accounts import person_of_account
from ..pages.onboarding import Onboarding, OnboardingPath, progress
from .accounts import signed_in_required
from .caching import PRIVATE, keep_private
from .context import current_index, current_reader

bp = Blueprint("paths", __name__)


def onboarding() -> Onboarding:
    return Onboarding(current_index(), current_reader())


def my_progress() -> list[OnboardingPath]:
    """Every path this reader sees, with the signed-in user's done marks (none for anonymous readers)."""
    reader = current_reader()
    paths = onboarding().paths()
    if reader.user_id is None:
        return paths
    keep_private()
    return progress(paths, steps_done(reader.user_id))


def resume() -> list[OnboardingPath]:
    """Started and unfinished paths, for "Continue where you left off" on the home page."""
    if current_reader().user_id is None:
        return []
    try:
        return [p for p in my_progress() if p.done and p.next_step is not None]
    except SQLAlchemyError as exc:  # the home page still works while the database is away
        db.session.rollback()
        current_app.logger.error("accounts database unavailable, no progress on the home page: %s", exc)
        return []


@bp.get("/paths")
def index():
    return render_template("paths/index.html", paths=my_progress())


@bp.get("/paths/<doc_id>")
def path(doc_id: str):
    onboarding().path(doc_id)  # 404 before anything else when this reader cannot see it
    page = next(p for p in my_progress() if p.id == doc_id)
    return render_template("paths/path.html", page=page)


@bp.post("/paths/<doc_id>/steps/<path:slug>")
@signed_in_required
def mark(doc_id: str, slug: str):
    """Mark a step done (``done=1``) or not done (``done=0``). JSON for scripts, else back to the path."""
    page = onboarding().path(doc_id)
    if slug not in {s.slug for s in page.available_steps}:
        abort(404)
    mark_step(current_reader().user_id, doc_id, slug, request.form.get("done") == "1")
    if request.accept_mimetypes.best == "application/json":
        updated = next(p for p in my_progress() if p.id == doc_id)
        response = jsonify(
            {
                "path": doc_id,
                "slug": slug,
                "done": slug in updated.done,
                "count": len(updated.done),
                "total": updated.total,
                "percent": updated.percent,
            }
        )
        response.headers["Cache-Control"] = PRIVATE
        return response
    return redirect(url_for("paths.path", doc_id=doc_id) + f"#step-{slug.replace('/', '-')}", 303)


@bp.get("/me")
@signed_in_required
def me():
    user = db.session.get(User, current_reader().user_id) if current_reader().user_id is not None else None
    profile = person_of_account(current_index(), user) if user is not None else None
    return render_template("paths/me.html", paths=my_progress(), profile=profile)


@bp.get("/api/me/progress")
@signed_in_required
def api_progress():
    response = jsonify({"paths": {p.id: {"done": list(p.done), "total": p.total} for p in my_progress()}})
    response.headers["Cache-Control"] = PRIVATE
    return response
