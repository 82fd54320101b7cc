"""Renaming and deleting an article from the browser, each as one commit by the editor.

A rename moves the file (what ``git mv`` records) and adds the old slug to the article's
``redirect_from``, so ``/articles/<old>`` answers 301 and wiki-links in other articles that
name the old slug keep reaching it (the catalog resolves earlier slugs): no other file is
rewritten. A deletion is refused while other files link to the article, because those links
would become ``kb check`` errors; the editor is shown which pages, and changes them first (or
renames the article into another one's ``redirect_from``). Both run the checker on the result,
hold the updater's lock as a save does, and put the file back when the commit fails.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .. import git
from ..content import Problem
from ..locks import file_lock
from ..repository.updater import LOCK_FILE
from .checks import evaluate, removal_errors
from .frontmatter import blocks, dump, load_meta, split
from .service import Workspace, current, index_changed, write_atomically

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    status: str  # done, invalid (the checker's errors), blocked (links to it), conflict, failed
    problems: tuple[Problem, ...] = ()
    commit: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def slug_of(rel: str) -> str:
    """``articles/fms/x.md`` -> ``fms/x``."""
    return str(PurePosixPath(rel.removeprefix("articles/")).with_suffix(""))


def with_redirect(text: str, old_slug: str, new_slug: str) -> str:
    """The file with ``old_slug`` added to ``redirect_from`` (and ``new_slug`` dropped from it); other keys kept as written."""
    parts = split(text)
    earlier = load_meta(parts.front).get("redirect_from") or []
    earlier = [str(s) for s in (earlier if isinstance(earlier, list) else [earlier]) if str(s) not in (old_slug, new_slug)]
    line = dump("redirect_from", [*earlier, old_slug])
    if not parts.head:
        return f"---\n{line}---\n{parts.body}"
    kept = "".join(block for key, block in blocks(parts.front) if key != "redirect_from")
    kept += "\n" if kept and not kept.endswith("\n") else ""
    return parts.head + kept + line + parts.middle + parts.body


def rename(workspace: Workspace, rel: str, new_rel: str, author: git.Identity, message: str, today: dt.date) -> Change:
    """Move ``rel`` to ``new_rel`` (both checked paths of the content folder) in one commit by ``author``."""
    with file_lock(workspace.index.directory / LOCK_FILE):
        directory = workspace.content_dir
        text = current(directory, rel)[0]
        if text is None:
            return Change("failed", notes=("The article is not in the content folder any more (someone moved or deleted it).",))
        if rel == new_rel:
            return Change("failed", notes=("The new address is the one the article has already.",))
        if (directory / new_rel).exists():
            return Change("conflict", notes=("Another article has this address already: choose another short name.",))
        moved = with_redirect(text, slug_of(rel), slug_of(new_rel))
        evaluation = evaluate(directory, new_rel, moved, today, workspace.limits, removed=rel)
        if evaluation.blocked:
            return Change("invalid", evaluation.problems)
        try:
            commit = _move_and_commit(workspace, (rel, new_rel), (text, moved), (author, workspace.committer), message)
        except (OSError, git.GitError) as exc:
            log.error("editing: could not rename %s: %s", rel, exc)
            return Change("failed", notes=(f"The rename failed and nothing was changed: {exc}",))
        return Change("done", evaluation.problems, commit, index_changed(workspace, {rel, new_rel}))


def _move_and_commit(workspace: Workspace, paths: tuple[str, str], texts: tuple[str, str], who, message: str) -> str:
    (rel, new_rel), (text, moved) = paths, texts
    old_file, new_file = workspace.content_dir / rel, workspace.content_dir / new_rel
    write_atomically(new_file, moved)
    old_file.unlink()
    try:
        return git.commit_paths(workspace.content_dir, [rel, new_rel], message, *who)
    except git.GitError:
        write_atomically(old_file, text)
        new_file.unlink(missing_ok=True)
        raise


def delete(workspace: Workspace, rel: str, author: git.Identity, message: str, today: dt.date) -> Change:
    """Remove ``rel`` in one commit by ``author``; refused while other files link to it."""
    with file_lock(workspace.index.directory / LOCK_FILE):
        directory = workspace.content_dir
        text = current(directory, rel)[0]
        if text is None:
            return Change("failed", notes=("The article is not in the content folder any more (someone moved or deleted it).",))
        errors = removal_errors(directory, rel, today, workspace.limits)
        if errors:
            return Change("blocked", errors)
        (directory / rel).unlink()
        try:
            commit = git.commit_paths(directory, [rel], message, author, workspace.committer)
        except git.GitError as exc:
            write_atomically(directory / rel, text)
            log.error("editing: could not delete %s: %s", rel, exc)
            return Change("failed", notes=(f"The deletion failed and nothing was changed: {exc}",))
        return Change("done", (), commit, index_changed(workspace, {rel}))
