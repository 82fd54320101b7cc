"""An article's history and one commit's change to it, for the History and diff pages.

The history comes from the page data stored at index time (one ``git log`` pass for all
files); only the diff page runs git, once, for a commit that is in that stored list and
the article's own path, so a request can name nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import DiffLexer

from . import git
from .index import Doc


class UnknownCommit(LookupError):
    """Not a commit that touched this article (or not a commit id at all)."""


@dataclass(frozen=True)
class CommitDiff:
    commit: dict[str, Any]
    html: Markup  # Pygments' rendering: every character of the patch escaped


def commits_of(doc: Doc) -> list[dict[str, Any]]:
    """The stored commits that touched an article, newest first (empty without git)."""
    return list(doc.page.git.get("commits", []))


def commit_diff(content_dir: Path | str, doc: Doc, sha: str) -> CommitDiff:
    """The change ``sha`` made to this article's file; raises UnknownCommit for any other id."""
    if not git.is_sha(sha):
        raise UnknownCommit(sha)
    commit = next((c for c in commits_of(doc) if c["sha"] == sha), None)
    if commit is None:
        raise UnknownCommit(sha)
    try:
        patch = git.show(content_dir, sha, doc.page.path)
    except git.GitError as exc:
        raise UnknownCommit(f"{sha}: {exc}") from exc
    rendered = highlight(patch or "(no textual change)\n", DiffLexer(), HtmlFormatter(cssclass="highlight", wrapcode=True))
    return CommitDiff(commit, Markup(rendered))  # noqa: S704 - Pygments escapes every character of the patch


def edit_url(template: str | None, path: str) -> str | None:
    """The "Edit this page" link: ``KB_EDIT_URL`` with ``{path}`` filled in (URL-quoted)."""
    if not template or not path:
        return None
    return template.replace("{path}", quote(path))
