"""An article's history and one commit's change to it, for the History and diff pages.

The history comes from the page data stored at index time (one ``git log`` pass for all
files); only the diff page runs git, for a commit that is in that stored list and the
article's own path, so a request can name nothing else. The diff is made here from the
file before and after the commit, both first masked for the reader (``SlugMask``), as rows
of text (``kb.pages.diffs``) that the template escapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import git
from ..content import parse_document
from ..index import Doc
from ..slugmask import SlugMask
from .diffs import Hunk, line_diff


class UnknownCommit(LookupError):
    """Not a commit that touched this article (or not a commit id at all)."""


@dataclass(frozen=True)
class CommitDiff:
    commit: dict[str, Any]
    hunks: tuple[Hunk, ...] = ()  # the changed lines, as text (the template escapes them)
    withheld: bool = False  # the article was staff-only before or after it: not shown to this reader
    created: bool = False  # the commit added the file
    deleted: bool = False  # the commit removed the file


def commits_of(doc: Doc, mask: SlugMask | None = None) -> list[dict[str, Any]]:
    """The stored commits that touched an article, newest first (empty without git); with
    ``mask``, their messages name no article the reader may not see."""
    commits = doc.page.git.get("commits", [])
    return [mask.commit(c, doc.page.path) for c in commits] if mask else list(commits)


def commit_diff(content_dir: Path | str, doc: Doc, sha: str, mask: SlugMask | None = None) -> CommitDiff:
    """The change ``sha`` made to this article's file; raises UnknownCommit for any other id.

    ``mask`` is for a reader who may not see every article: links and slugs of the others
    are masked on both sides, and a change made while the article was staff-only is withheld.
    """
    if not git.is_sha(sha):
        raise UnknownCommit(sha)
    commit = next((c for c in commits_of(doc, mask) if c["sha"] == sha), None)
    if commit is None:
        raise UnknownCommit(sha)
    before, after = _versions(content_dir, doc, sha)
    if mask is not None:
        if not (_public(doc, before) and _public(doc, after)):
            return CommitDiff(commit, withheld=True)
        before, after = (mask.text(side, doc.page.path) if side else side for side in (before, after))
    return CommitDiff(commit, line_diff(before, after), created=before is None, deleted=after is None)


def _versions(content_dir: Path | str, doc: Doc, sha: str) -> tuple[str | None, str | None]:
    """The article before and after ``sha``: at its file, else at an earlier one (before a rename)."""
    for path in (doc.page.path, *(f"articles/{slug}.md" for slug in doc.values.get("moved_from", ()))):
        try:
            before, after = git.versions(content_dir, sha, path)
        except git.GitError as exc:
            raise UnknownCommit(f"{sha}: {exc}") from exc
        if before is not None or after is not None:
            return before, after
    raise UnknownCommit(f"{sha}: {doc.page.path} is in neither side")


def _public(doc: Doc, text: str | None) -> bool:
    """Was this version of the article public (as the loader reads it: a marking, or frontmatter
    it cannot read, makes it staff-only)? A side where the file did not exist shows nothing."""
    if text is None:
        return True
    parsed, _ = parse_document("article", doc.id, doc.page.path, text.encode("utf-8"))
    return parsed is not None and parsed.public


def edit_url(template: str | None, path: str) -> str | None:
    """The "Edit this page" link: ``KB_EDIT_URL`` with ``{path}`` filled in (URL-quoted)."""
    if not template or not path:
        return None
    return template.replace("{path}", quote(path))
