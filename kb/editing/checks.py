"""An edited file checked and rendered as if it were saved, in the context of the whole content folder.

The same ``kb check`` rules (``kb.health.checker.check_content``) run on the folder with the
one file replaced by the edited text, and the preview is the same renderer and sanitizer as the
real page (the catalog's ``Renderer``: wiki-links, glossary, admonitions, staff-only links).
Errors in the file block the save; so do errors the edit would cause in other files (a
heading another article links to, removed). Warnings are shown and allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import git
from ..catalog import Catalog
from ..content import KINDS, Content, ParseCache, Problem, load_content, parse_document
from ..health.checker import check_content
from ..health.freshness import load_sources
from ..health.mediacheck import media_problems
from ..media import media_files

_CACHES: dict[tuple[str, int], ParseCache] = {}  # per content folder: its files as last parsed
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Limits:
    """The checker's settings, as ``kb check`` takes them from the app."""

    max_bytes: int = 2_000_000
    stale_after_days: int = 365
    markings: tuple[str, ...] = ("CUI",)
    edit_max_bytes: int = 200_000  # the browser editor's limit (KB_EDIT_MAX_BYTES): larger files are edited through git


@dataclass(frozen=True)
class Evaluation:
    problems: tuple[Problem, ...]  # in the edited file, and errors it would cause elsewhere
    html: str  # the preview: the body as the page shows it
    body_line: int  # the line of the file where the Markdown body starts
    public: bool

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def blocked(self) -> bool:
        return bool(self.errors)


def document_key(rel: str) -> tuple[str, str]:
    """(kind, id) of a content path: ``articles/fms/x.md`` -> ("article", "fms/x")."""
    folder, _, rest = rel.partition("/")
    return KINDS[folder], str(PurePosixPath(rest).with_suffix(""))


def evaluate(  # noqa: PLR0913 - the edit, and what comes or goes with it (a moved file, a proposal's media)
    content_dir: Path, rel: str, text: str, today: dt.date, limits: Limits = Limits(), removed: str | None = None, media: Collection[str] = ()
) -> Evaluation:
    """Check and render ``text`` as the file ``rel`` of ``content_dir`` (nothing is written); ``removed``: a file
    moved away; ``media``: names of media files that come with the edit (a proposal's, on its branch)."""
    raw = text.encode("utf-8")
    if len(raw) > limits.edit_max_bytes:  # checked and rendered, it would hold the save lock for many seconds
        return Evaluation((_too_large(rel, len(raw), limits),), "", 1, False)
    content = loaded(content_dir, limits.max_bytes)
    kind, doc_id = document_key(rel)
    doc, own_problems = parse_document(kind, doc_id, rel, raw)
    if len(raw) > limits.max_bytes:  # the loader would skip the file: refused here instead
        own_problems.append(Problem(rel, 1, "error", f"the file would be {len(raw):,} bytes; the limit is {limits.max_bytes:,} (KB_MAX_FILE_BYTES)"))
    others = tuple(d for d in content.documents if d.path not in (rel, removed))
    edited = dataclasses.replace(
        content,
        documents=(*others, doc) if doc else others,
        problems=(*(p for p in content.problems if p.path not in (rel, removed)), *own_problems),
    )
    after = _check(content_dir, rel, edited, today, limits, media)
    caused = {(p.path, p.message) for p in after if p.path != rel and p.severity == "error"}
    if caused:
        caused -= {(p.path, p.message) for p in _check(content_dir, rel, content, today, limits)}
    problems = tuple(p for p in after if p.path == rel or (p.path, p.message) in caused)
    html = Catalog(edited).render(doc).html if doc else ""
    return Evaluation(problems, html, doc.body_line if doc else 1, doc.public if doc else False)


def _too_large(rel: str, size: int, limits: Limits) -> Problem:
    message = (
        f"the file would be {size:,} bytes; the browser editor takes files of at most {limits.edit_max_bytes:,} bytes "
        "(KB_EDIT_MAX_BYTES): split the article, or edit it through git"
    )
    return Problem(rel, 1, "error", message)


def loaded(content_dir: Path, max_bytes: int) -> Content:
    """The content folder as it is now, re-reading only the files changed since the last call (their
    modification time and size), as ``kb index`` does with its parse cache: a save does not parse every file."""
    key = (str(Path(content_dir).resolve()), max_bytes)
    with _CACHE_LOCK:
        cache = _CACHES.get(key) or ParseCache()
        content = load_content(content_dir, max_bytes, cache)
        _CACHES.clear()  # one content folder per server: keep only the last one's
        _CACHES[key] = cache.carried()
    return content


def _check(content_dir: Path, rel: str, content: Content, today: dt.date, limits: Limits, media: Collection[str] = ()) -> list[Problem]:
    sources = load_sources(content_dir)[0]
    history = git.histories(content_dir, [rel])
    problems = check_content(content, today, sources=sources, history=history, stale_after_days=limits.stale_after_days, markings=limits.markings)
    return problems + [p for p in media_problems(content, media_files(content_dir) | set(media)) if p.path == rel]


def removal_errors(content_dir: Path, rel: str, today: dt.date, limits: Limits = Limits()) -> tuple[Problem, ...]:
    """The errors that removing ``rel`` would cause in other files (links to it that would break)."""
    content = loaded(content_dir, limits.max_bytes)
    without = dataclasses.replace(
        content,
        documents=tuple(d for d in content.documents if d.path != rel),
        problems=tuple(p for p in content.problems if p.path != rel),
    )
    before = {(p.path, p.message) for p in _check(content_dir, rel, content, today, limits)}
    return tuple(p for p in _check(content_dir, rel, without, today, limits) if p.severity == "error" and (p.path, p.message) not in before)
