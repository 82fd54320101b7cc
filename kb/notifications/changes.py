"""Published changes: every commit since the background command's last round (browser saves,
approved proposals, commits pulled by ``kb sync`` or ``kb watch``) told to the watchers of each
document it touched, with its message and its diff. Read from git, so every way a commit arrives
is covered by one source; the first round only notes where the repository is.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from .. import git
from ..accounts.models import User, db
from ..index import SearchIndex
from .events import notify
from .models import Mark
from .sources import key_of

FOLDERS = {"articles": "article", "areas": "area", "paths": "path", "people": "person"}
LAST_COMMIT = "last-commit"
COMMITS_PER_RUN = 200  # a larger jump (a first sync of a big history) tells about the newest only


def commits_since(content_dir: Path, old: str, new: str, limit: int = COMMITS_PER_RUN) -> list[tuple[git.Commit, list[str]]]:
    """The commits after ``old`` up to ``new``, oldest first (the newest ``limit``), with the files each touched."""
    if not (git.is_sha(old) and git.is_sha(new)):
        return []
    try:
        out = git._git(
            content_dir, "log", f"--format={git.LOG_FORMAT}", "--name-only", "--relative", "--no-renames", f"-n{limit}", f"{old}..{new}", "--"
        )
    except git.GitError:
        return []
    found: dict[str, tuple[git.Commit, list[str]]] = {}
    for path, commits in git._parse_log(out).items():
        for commit in commits:
            found.setdefault(commit.sha, (commit, []))[1].append(path)
    return sorted(found.values(), key=lambda pair: pair[0].date)


def subject_of(path: str) -> tuple[str, str] | None:
    """The document a content file is: ``articles/fms/x.md`` -> ("article", "fms/x")."""
    folder, _, rest = path.partition("/")
    kind = FOLDERS.get(folder)
    if kind is None or not rest.endswith((".md", ".yml")):
        return None
    return kind, rest.rsplit(".", 1)[0]


def _mark(name: str) -> Mark | None:
    return db.session.get(Mark, name)


def _set_mark(name: str, value: str) -> None:
    row = _mark(name) or Mark(name=name, value=value)
    row.value = value
    db.session.add(row)


def _author_ids(commits) -> dict[str, int]:
    emails = {c.email.lower() for c, _ in commits}
    return dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all()) if emails else {}


def published_changes(index: SearchIndex, content_dir: Path) -> int:
    """Tell watchers about every commit since the last run (saves, approved proposals, pulls); how many events.

    The first run only notes where the repository is: the history before it is not news."""
    head = git.head(content_dir)
    mark = _mark(LAST_COMMIT)
    if head is None or (mark is not None and mark.value == head):
        return 0
    commits = commits_since(content_dir, mark.value, head) if mark is not None else []
    authors = _author_ids(commits)
    told = 0
    for commit, paths in commits:
        for kind, subject_id in filter(None, map(subject_of, paths)):
            key = key_of("changed", commit.sha, kind, subject_id)
            actor = authors.get(commit.email.lower())
            event = notify(index, "changed", kind, subject_id, text=commit.subject, commit=commit.sha, actor_id=actor, key=key, commit_now=False)
            told += event is not None
    _set_mark(LAST_COMMIT, head)
    db.session.commit()
    return told
