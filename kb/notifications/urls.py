"""Where a notification links to: its subject's page, or the diff of the commit it is about."""

from __future__ import annotations

from flask import url_for

from .. import git, kinds
from .models import Event


def subject_url(event: Event, external: bool = False) -> str:
    return url_for(kinds.BY_NAME[event.subject_kind].endpoint, doc_id=event.subject_id, _external=external)


def event_url(event: Event, external: bool = False) -> str:
    """An article's change links to its diff page (``/articles/<slug>/-/commits/<sha>``), a proposal to
    the review queue, the rest to the subject."""
    if event.kind == "proposal":
        return url_for("review.queue", _external=external)
    if event.subject_kind == "article" and event.commit and git.is_sha(event.commit):
        return url_for("history.commit", doc_id=event.subject_id, sha=event.commit, _external=external)
    return subject_url(event, external)
