"""Saving an edit: merge with what was saved since, check, write atomically, commit as the author, index.

One save at a time, and never beside ``kb sync`` or ``kb watch``'s pull: the whole save holds
the updater's lock (``kb.repository.updater.LOCK_FILE``), and the index update after it takes
the index lock as ``kb index`` does. The file is replaced by a rename, so readers and
``kb watch`` never see half of it; when the commit fails the old file is put back. Every
outcome but "saved" hands the user's text back for the form: an edit is never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import git
from ..content import Problem
from ..index import IndexBusy, IndexUnavailable, SearchIndex
from ..locks import file_lock
from ..repository.publishing import send
from ..repository.sync import sync
from ..repository.updater import LOCK_FILE
from .checks import Evaluation, Limits, evaluate
from .frontmatter import compose
from .merge import three_way

log = logging.getLogger(__name__)
NOT_A_REPOSITORY = (
    "Editing in the browser is off: the content folder is not a git repository, so a save could not be "
    "recorded with its author or undone. Ask an administrator to make it a clone of the content repository."
)


@dataclass(frozen=True)
class Workspace:
    """Where edits go: the content folder (a git work tree), its index, and who commits."""

    content_dir: Path
    index: SearchIndex
    committer: git.Identity
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Edit:
    """What the editor form sends."""

    path: str  # the file, relative to the content folder (checked by the caller)
    base: str | None  # the commit the form was loaded at
    values: dict[str, str]
    body: str
    message: str
    new: bool = False  # a new article: the file must not exist yet


@dataclass(frozen=True)
class Outcome:
    status: str  # saved, unchanged, conflict, invalid, failed
    text: str  # the text for the form (the user's; after a clean merge, the merged one)
    base: str | None  # the commit the form carries from now on
    evaluation: Evaluation | None = None
    theirs: str | None = None  # on a conflict: the file as saved since
    commit: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.evaluation.problems if self.evaluation else ()


def editing_off_reason(content_dir: Path) -> str | None:
    """Why editing is off here, or None when it is on."""
    return None if git.is_repository(content_dir) else NOT_A_REPOSITORY


def current(content_dir: Path, rel: str) -> tuple[str | None, str | None]:
    """(the file's text or None when absent, the commit it was read at) for a new form."""
    return _read(content_dir / rel), git.head(content_dir)


def starting_text(workspace: Workspace, edit: Edit) -> str:
    """The user's whole file: the form's fields and body applied to the version the form was loaded from."""
    original = git.file_at(workspace.content_dir, edit.base, edit.path) if edit.base else None
    if original is None and not edit.new:
        original = _read(workspace.content_dir / edit.path)
    return compose(original or "", edit.values, edit.body)


def save(workspace: Workspace, edit: Edit, author: git.Identity, today: dt.date) -> Outcome:
    """Save ``edit`` as a commit by ``author``, or say why not with the user's text kept."""
    with file_lock(workspace.index.directory / LOCK_FILE):
        return _save_locked(workspace, edit, author, today)


def _save_locked(workspace: Workspace, edit: Edit, author: git.Identity, today: dt.date) -> Outcome:
    directory, rel = workspace.content_dir, edit.path
    ours = starting_text(workspace, edit)
    theirs, head = current(directory, rel)
    if edit.new and theirs is not None:
        return Outcome("conflict", ours, head, theirs=theirs, notes=("An article with this address exists already: choose another short name.",))
    base_text = git.file_at(directory, edit.base, rel) if edit.base else None
    merged = three_way(base_text, theirs, ours)
    if merged.conflict:
        return Outcome("conflict", ours, head, theirs=theirs)
    form_base = head if merged.merged else edit.base
    evaluation = evaluate(directory, rel, merged.text, today, workspace.limits)
    if evaluation.blocked:
        return Outcome("invalid", merged.text, form_base, evaluation)
    if merged.text == theirs:
        return Outcome("unchanged", merged.text, head, evaluation)
    try:
        commit = _write_and_commit(directory, edit, theirs, merged.text, (author, workspace.committer))
    except (OSError, git.GitError) as exc:
        log.error("editing: could not save %s: %s", rel, exc)
        return Outcome("failed", merged.text, form_base, evaluation, notes=(f"The save failed and nothing was changed: {exc}",))
    notes = ("Your edit was combined with changes saved since you opened the page.",) if merged.merged else ()
    return Outcome("saved", merged.text, commit, evaluation, commit=commit, notes=notes + _index(workspace, rel))


def _write_and_commit(content_dir: Path, edit: Edit, previous: str | None, text: str, who: tuple[git.Identity, git.Identity]) -> str:
    """Replace the file and commit it; on a failed commit the previous file is put back (or removed)."""
    target = content_dir / edit.path
    if target.is_symlink() or not target.resolve().is_relative_to(content_dir.resolve()):
        raise OSError(f"refused: {edit.path} is not a plain file of the content folder")
    write_atomically(target, text)
    try:
        return git.commit_file(content_dir, edit.path, edit.message, *who)
    except git.GitError:
        if previous is None:
            target.unlink(missing_ok=True)
        else:
            write_atomically(target, previous)
        raise


def write_atomically(target: Path, text: str) -> None:
    """Write a sibling file (hidden, so ``kb watch`` ignores it) and rename it over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _index(workspace: Workspace, rel: str) -> tuple[str, ...]:
    """Index the saved file at once (as ``kb sync`` does), so search and History show the edit."""
    return index_changed(workspace, {rel})


def index_changed(workspace: Workspace, paths: set[str]) -> tuple[str, ...]:
    """Index the files a save, rename, deletion or merge changed, at once; a note when it must wait."""
    try:
        sync(workspace.content_dir, workspace.index, max_bytes=workspace.limits.max_bytes, changed=paths)
    except (IndexBusy, IndexUnavailable) as exc:
        log.warning("editing: saved %s, index update deferred: %s", ", ".join(sorted(paths)), exc)
        return ("Saved. Search will show the change after the next index update.",)
    return ()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def publish(workspace: Workspace) -> tuple[str, ...]:
    """Push the published commits to the central repository when there is one; notes for the editor when it failed.

    Holds the updater's lock (a merge of the remote's commits changes the work tree) and indexes what a merge brought.
    """
    with file_lock(workspace.index.directory / LOCK_FILE):
        state = send(workspace.content_dir, workspace.index.directory, workspace.committer)
        merged = state.merged if state else None
        if merged and merged.old and merged.new and merged.old != merged.new:
            index_changed(workspace, {path for _, path in git.changed_paths(workspace.content_dir, merged.old, merged.new) or ()})
    if state is None or state.ok:
        return ()
    waiting = f"{state.unpushed} commit(s) waiting"
    return (f"Saved here, but not sent to the central repository yet ({waiting}): {state.error}. The next save or content sync tries again.",)
