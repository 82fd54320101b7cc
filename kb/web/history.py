"""An article's History page, the diff of one of its commits, and the freshness notice data."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from ..pages.history import UnknownCommit, commit_diff, commits_of
from ..slugmask import SlugMask
from .context import current_reader, library, staff_slugs

bp = Blueprint("history", __name__)


def slug_mask() -> SlugMask | None:
    """What hides the other articles' slugs from this reader; None for staff, who see them all."""
    if current_reader().staff:
        return None
    return SlugMask(library().article_slugs(), staff_slugs())


@bp.get("/articles/<path:doc_id>/-/history")
def history(doc_id: str):
    page = library().article(doc_id)
    return render_template("history.html", page=page, commits=commits_of(page.doc, slug_mask()))


@bp.get("/articles/<path:doc_id>/-/commits/<sha>")
def commit(doc_id: str, sha: str):
    page = library().article(doc_id)
    try:
        diff = commit_diff(current_app.config["CONTENT_DIR"], page.doc, sha, slug_mask())
    except UnknownCommit:
        abort(404)
    return render_template("commit.html", page=page, diff=diff)
