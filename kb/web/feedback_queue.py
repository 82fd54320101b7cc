"""``/reports/feedback``: the problem reports and helpful ratios editors and experts handle.

Editors and admins see every article's reports; a signed-in reader linked to a directory person
sees the reports on the articles that list that person as an expert; everyone else gets a 404
(the queue's existence is nobody else's business). Articles are looked up as the reader, so a
report on an article they may not read is never shown to them. State changes are POSTs with a
CSRF token, through ``kb.accounts.feedback.change_state``.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from .. import git
from ..accounts import feedback as store
from ..accounts.models import User, db
from ..directory.accounts import person_of_account
from ..index import Doc
from .caching import keep_private
from .context import current_index, current_reader, library

bp = Blueprint("feedback_queue", __name__)


def handled_articles() -> dict[str, Doc] | None:
    """The articles whose reports this reader handles, by slug; None when not one (a 404)."""
    reader = current_reader()
    if reader.has_role("editor"):
        return {a.id: a for a in library().documents("article")}
    if not reader.staff or reader.user_id is None:
        return None
    articles = library().documents("article")
    user = db.session.get(User, reader.user_id)
    person_id = person_of_account(current_index(), user).person_id if user is not None else None
    mine = {a.id: a for a in articles if person_id and person_id in a.experts}
    return mine or None


def _queue_or_404() -> dict[str, Doc]:
    keep_private()
    articles = handled_articles()
    if articles is None:
        abort(HTTPStatus.NOT_FOUND)
    return articles


def by_area(reports: list[store.Report], articles: dict[str, Doc]) -> list[tuple[str, list[tuple[Doc, list[store.Report]]]]]:
    """Reports grouped by the article's first area, then by article; areas and articles by title."""
    titles = library().area_titles()
    grouped: dict[str, dict[str, list[store.Report]]] = {}
    for found in reports:
        doc = articles[found.slug]
        area = titles.get(doc.areas[0], doc.areas[0]) if doc.areas else "No area"
        grouped.setdefault(area, {}).setdefault(doc.id, []).append(found)
    return [
        (area, sorted(((articles[slug], rows) for slug, rows in docs.items()), key=lambda pair: pair[0].title))
        for area, docs in sorted(grouped.items())
    ]


@bp.get("/reports/feedback")
def queue():
    articles = _queue_or_404()
    states = store.STATES if request.args.get("all") == "1" else ("open", "acknowledged")
    reports = [r for r in store.reports_on(articles, states) if r.slug in articles]
    ratios = sorted(store.ratios(articles).values(), key=lambda r: (r.share, -r.total))
    handlers = {u.id: u.name for u in db.session.query(User).filter(User.id.in_({r.handler_id for r in reports if r.handler_id}))}
    return render_template(
        "feedback/queue.html",
        groups=by_area(reports, articles),
        ratios=ratios,
        articles=articles,
        handlers=handlers,
        comments=[c for c in store.comments(articles) if c.slug in articles][:50],
        showing_all=states == store.STATES,
    )


@bp.post("/reports/feedback/<int:report_id>")
def change(report_id: int):
    """Acknowledge, mark fixed with a commit id, or decline with a reason."""
    articles = _queue_or_404()
    found = store.find_report(report_id)
    if found is None or found.slug not in articles:
        abort(HTTPStatus.NOT_FOUND)
    commit = request.form.get("commit", "").strip().lower()
    try:
        if commit and not git.is_sha(commit):
            raise store.FeedbackError("A commit id is 7 to 40 hexadecimal digits.")
        store.change_state(found, request.form.get("state", ""), current_reader().user_id, request.form.get("note", ""), commit or None)
    except store.FeedbackError as exc:
        flash(str(exc), "error")
        return redirect(url_for("feedback_queue.queue") + f"#report-{report_id}", HTTPStatus.SEE_OTHER)
    flash(f"Report {report_id} is now {found.describe_state()}.", "success")
    return redirect(url_for("feedback_queue.queue") + f"#report-{report_id}", HTTPStatus.SEE_OTHER)


def article_notice(slug: str) -> int:
    """Open reports on an article, for its experts and editors only (0 for everyone else)."""
    articles = handled_articles() if current_reader().staff else None
    if not articles or slug not in articles:
        return 0
    return store.open_reports(slug)


def my_reports() -> list[tuple[store.Report, Doc]]:
    """The signed-in reader's reports on articles they may still read, for /me."""
    user_id = current_reader().user_id
    if user_id is None:
        return []
    reports = store.reports_by(user_id)
    docs = {d.id: d for d in library().documents("article")}
    return [(r, docs[r.slug]) for r in reports if r.slug in docs]


@bp.app_context_processor
def feedback_context() -> dict:
    return {"feedback_notice": article_notice, "my_feedback_reports": my_reports}
