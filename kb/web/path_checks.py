"""Knowledge checks of onboarding paths: answer in the browser, scored here, and the completion record.

The form carries the questions and their choices only; the correct answers and explanations are
shown after a submission. Each form has a one-time token kept in the reader's session, so a
replayed or second-tab submission is refused with a clear message instead of counted twice.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, render_template, request, session

from ..accounts.models import User, db
from ..accounts.starts import best_score, completed_at, record_attempt
from ..content.quizzes import Quiz
from .accounts import signed_in_required
from .caching import keep_private
from .context import current_reader
from .paths import my_progress, onboarding, quiz_of, settle_completion

bp = Blueprint("checks", __name__)
FORMS = "kb_check_forms"  # session key: path id -> the token of the check form last shown


def _quiz_or_404(doc_id: str) -> Quiz:
    onboarding().path(doc_id)  # 404 when this reader cannot see the path
    quiz = quiz_of(doc_id)
    if quiz is None:
        abort(404)
    keep_private()
    return quiz


def _new_form_token(doc_id: str) -> str:
    token = secrets.token_urlsafe(16)
    session[FORMS] = {**session.get(FORMS, {}), doc_id: token}
    return token


def _take_form_token(doc_id: str) -> str | None:
    forms = dict(session.get(FORMS, {}))
    token = forms.pop(doc_id, None)
    session[FORMS] = forms
    return token


def _given_answers(quiz: Quiz) -> dict[str, frozenset[str]]:
    """The reader's choices per question; a field for another check or a choice not offered is refused."""
    questions = {q.id: q for q in quiz.questions}
    given: dict[str, frozenset[str]] = {}
    for field in request.form:
        if not field.startswith("q-"):
            continue
        question = questions.get(field[2:])
        values = frozenset(request.form.getlist(field))
        if question is None or not values <= set(question.choices):
            abort(400, description="These answers do not belong to this check. Open the check again and answer its questions.")
        given[question.id] = values
    return given


def _page(doc_id: str):
    return next(p for p in my_progress() if p.id == doc_id)


@bp.get("/paths/<doc_id>/check")
@signed_in_required
def check(doc_id: str):
    quiz = _quiz_or_404(doc_id)
    best = best_score(current_reader().user_id, doc_id)
    return render_template("paths/check.html", page=_page(doc_id), quiz=quiz, best=best, form_token=_new_form_token(doc_id))


@bp.post("/paths/<doc_id>/check")
@signed_in_required
def answer(doc_id: str):
    quiz = _quiz_or_404(doc_id)
    expected = _take_form_token(doc_id)
    if expected is None or not secrets.compare_digest(expected, request.form.get("form_token", "")):
        page = _page(doc_id)
        return render_template("paths/check_resubmitted.html", page=page), 409
    given = _given_answers(quiz)
    score = quiz.score(given)
    user_id = current_reader().user_id
    record_attempt(user_id, doc_id, score, score >= quiz.pass_mark)
    settle_completion(doc_id)
    page = _page(doc_id)
    context = {"best": best_score(user_id, doc_id), "completed": completed_at(user_id, doc_id)}
    return render_template("paths/check_result.html", page=page, quiz=quiz, given=given, score=score, **context)


@bp.get("/paths/<doc_id>/record")
@signed_in_required
def record(doc_id: str):
    """The printable completion record: name, path, date and best score."""
    onboarding().path(doc_id)
    keep_private()
    user_id = current_reader().user_id
    done = completed_at(user_id, doc_id)
    if done is None:
        abort(404, description="You have not completed this path yet.")
    user = db.session.get(User, user_id)
    best = best_score(user_id, doc_id) if quiz_of(doc_id) else None
    return render_template("paths/record.html", page=_page(doc_id), user=user, completed=done, best=best)
