"""Onboarding paths with progress: the list, one path, marking steps, /me and its API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.assignments import assignments_of
from ..accounts.models import User, db
from ..accounts.service import mark_step, steps_done
from ..accounts.starts import best_score, complete_path, completed_at, completions, path_starts, start_path
from ..content.quizzes import Quiz, load_quiz
from ..directory.accounts import person_of_account
from ..pages.onboarding import Onboarding, OnboardingPath, PathBar, Step, path_bar, progress
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


def my_starts() -> dict:
    """When the signed-in reader started each path (nothing for anonymous readers)."""
    reader = current_reader()
    return {} if reader.user_id is None else path_starts(reader.user_id)


def step_url(page: OnboardingPath, step: Step | None) -> str:
    """A step's article read in the path (``?path=``), or the path page when there is no such step."""
    if step is None or step.article is None:
        return url_for("paths.path", doc_id=page.id)
    return url_for("pages.article", doc_id=step.article.id, path=page.id)


def reading_bar(article_id: str) -> PathBar | None:
    """The path bar for an article: the path in ``?path=``, else the reader's most recently started path that has it."""
    try:
        paths = {p.id: p for p in my_progress()}
        wanted = request.args.get("path", "")
        candidates = [wanted] if wanted in paths else [p for p in my_starts() if p in paths]
    except SQLAlchemyError as exc:  # the article still shows while the database is away
        db.session.rollback()
        current_app.logger.error("accounts database unavailable, no path bar: %s", exc)
        return None
    bars = (path_bar(paths[p], article_id) for p in candidates)
    return next((bar for bar in bars if bar is not None), None)


def quiz_of(doc_id: str) -> Quiz | None:
    """The path's knowledge check, read from the content folder (never from the index)."""
    return load_quiz(current_app.config["CONTENT_DIR"], doc_id)


def settle_completion(doc_id: str) -> None:
    """Record the completion once every step is done and the check (if any) passed."""
    user_id = current_reader().user_id
    page = next(p for p in my_progress() if p.id == doc_id)
    if not page.total or page.next_step is not None:
        return
    best = best_score(user_id, doc_id) if quiz_of(doc_id) else (100, True)
    if best is not None and best[1]:
        complete_path(user_id, doc_id)


@bp.get("/paths")
def index():
    return render_template("paths/index.html", paths=my_progress())


@bp.get("/paths/<doc_id>")
def path(doc_id: str):
    onboarding().path(doc_id)  # 404 before anything else when this reader cannot see it
    page = next(p for p in my_progress() if p.id == doc_id)
    user_id = current_reader().user_id
    mine = {"started": my_starts().get(doc_id), "continue_url": step_url(page, page.next_step)}
    if user_id is not None:
        mine |= {"best": best_score(user_id, doc_id), "completed": completed_at(user_id, doc_id)}
    return render_template("paths/path.html", page=page, quiz=quiz_of(doc_id), **mine)


@bp.post("/paths/<doc_id>/start")
@signed_in_required
def start(doc_id: str):
    """Record the start date (once) and open the first step not done yet."""
    onboarding().path(doc_id)
    start_path(current_reader().user_id, doc_id)
    page = next(p for p in my_progress() if p.id == doc_id)
    return redirect(step_url(page, page.next_step), 303)


@bp.post("/paths/<doc_id>/continue/<path:slug>")
@signed_in_required
def mark_and_continue(doc_id: str, slug: str):
    """ "Mark as done and continue" in the path bar: mark the step and open the one after it."""
    page = onboarding().path(doc_id)
    step = next((s for s in page.available_steps if s.slug == slug), None)
    if step is None:
        abort(404)  # a step not in this path (or no longer): nothing is marked
    start_path(current_reader().user_id, doc_id)
    mark_step(current_reader().user_id, doc_id, slug, True)
    settle_completion(doc_id)
    bar = path_bar(page, step.article.id)
    return redirect(step_url(page, bar.next if bar else None), 303)


@bp.post("/paths/<doc_id>/steps/<path:slug>")
@signed_in_required
def mark(doc_id: str, slug: str):
    """Mark a step done (``done=1``) or not done (``done=0``). JSON for scripts, else back to the path."""
    page = onboarding().path(doc_id)
    if slug not in {s.slug for s in page.available_steps}:
        abort(404)
    mark_step(current_reader().user_id, doc_id, slug, request.form.get("done") == "1")
    settle_completion(doc_id)
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
    done = completions(current_reader().user_id)
    return render_template("paths/me.html", paths=my_progress(), profile=profile, completions=done, assigned=assigned_to_me())


@bp.get("/api/me/progress")
@signed_in_required
def api_progress():
    response = jsonify({"paths": {p.id: {"done": list(p.done), "total": p.total} for p in my_progress()}})
    response.headers["Cache-Control"] = PRIVATE
    return response


@dataclass(frozen=True)
class Assigned:
    """A path assigned to the reader, as "Assigned to you" shows it."""

    path: OnboardingPath
    due: dt.date | None
    completed: dt.datetime | None

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.completed is None and self.due < dt.datetime.now(dt.UTC).date()


def assigned_to_me() -> list[Assigned]:
    """The signed-in reader's assigned paths that they can see, the soonest due first."""
    user_id = current_reader().user_id
    if user_id is None:
        return []
    try:
        paths = {p.id: p for p in my_progress()}
        done = completions(user_id)
        return [Assigned(paths[a.path_id], a.due, done.get(a.path_id)) for a in assignments_of(user_id) if a.path_id in paths]
    except SQLAlchemyError as exc:  # the home page still works while the database is away
        db.session.rollback()
        current_app.logger.error("accounts database unavailable, no assignments shown: %s", exc)
        return []
