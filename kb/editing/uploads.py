"""An image or attachment uploaded from the editor: checked, written below ``media/<area>/`` and committed.

The file is its own commit by the editor, made at once (under the updater's lock, as a save), so
the article's save that links it passes the checker's "missing media file" rule and a lost form
never leaves a file outside git. Its name is made safe (lower-case ``a-z0-9.-``, the extension of
the type its bytes show); its type is sniffed, never taken from the name or the browser.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import git
from ..locks import file_lock
from ..media import MEDIA_FOLDER, clean_name, sniff
from ..repository.updater import LOCK_FILE
from .service import Workspace

EXTENSIONS = {"png": "png", "jpeg": "jpg", "gif": "gif", "webp": "webp", "pdf": "pdf"}
MAX_STEM_CHARS = 80


class UploadError(ValueError):
    """Why an upload was refused, in words for the editor."""


@dataclass(frozen=True)
class Upload:
    filename: str  # as the browser named it
    data: bytes


def safe_name(filename: str, kind: str) -> str:
    """``Case Chart (v2).PNG`` -> ``case-chart-v2.png``: the last part of the name, lower-case,
    ``a-z0-9`` runs joined by ``-``, with the extension of the sniffed type."""
    base = re.split(r"[\\/]", filename)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    words = re.findall(r"[a-z0-9]+", stem.lower())
    stem = "-".join(words)[:MAX_STEM_CHARS].strip("-")
    if not stem:
        raise UploadError("The file's name has no letters or digits: rename it (for example case-process.png) and upload it again.")
    return f"{stem}.{EXTENSIONS[kind]}"


def media_markdown(name: str, kind: str) -> str:
    """The Markdown that shows an image (alt text for the author to write) or links an attachment."""
    url = f"/{MEDIA_FOLDER}/{name}"
    label = name.rsplit("/", 1)[-1]
    return f"![Describe the image: what it shows]({url})" if kind != "pdf" else f"[{label}]({url})"


def add_media(workspace: Workspace, area: str, upload: Upload, author: git.Identity, allowed: tuple[str, ...], max_bytes: int) -> tuple[str, str]:
    """Check, write and commit ``upload`` below ``media/<area>/``; (its name below media/, its type)."""
    name, kind = checked_media(workspace.content_dir, area, upload, allowed, max_bytes)
    with file_lock(workspace.index.directory / LOCK_FILE):
        _write_and_commit(workspace, name, upload.data, author)
    return name, kind


def checked_media(content_dir: Path, area: str, upload: Upload, allowed: tuple[str, ...], max_bytes: int) -> tuple[str, str]:
    """(its name below media/, its type) for ``upload`` below ``media/<area>/``, or UploadError saying why not
    (a different published file of that name included: a proposal must not replace it unseen)."""
    if not upload.data:
        raise UploadError("No file was chosen, or it is empty.")
    if len(upload.data) > max_bytes:
        raise UploadError(f"The file is {len(upload.data):,} bytes; the limit is {max_bytes:,} (KB_MEDIA_MAX_BYTES).")
    kind = sniff(upload.data[:16])
    if kind not in allowed:
        names = ", ".join(t.upper() for t in allowed)
        raise UploadError(f"The file is not one of the allowed types ({names}), judging by its content; SVG is never accepted.")
    name = clean_name(f"{area}/{safe_name(upload.filename, kind)}")
    if name is None:
        raise UploadError("The file's name cannot be used: rename it with letters, digits and hyphens.")
    published = Path(content_dir) / MEDIA_FOLDER / name
    if published.is_file() and not published.is_symlink() and published.read_bytes() != upload.data:
        raise UploadError(f"A different file named {MEDIA_FOLDER}/{name} exists already: rename yours and upload it again.")
    return name, kind


def _write_and_commit(workspace: Workspace, name: str, data: bytes, author: git.Identity) -> None:
    rel = f"{MEDIA_FOLDER}/{name}"
    target = workspace.content_dir / rel
    linked = any(p.is_symlink() for p in (target.parent.parent, target.parent, target))
    if linked or (target.exists() and target.read_bytes() != data):
        raise UploadError(f"A different file named {rel} exists already: rename yours and upload it again.")
    if target.exists():
        return  # the same file, uploaded again: nothing to commit
    _write_bytes(target, data)
    try:
        git.commit_file(workspace.content_dir, rel, f"Add {rel}", author, workspace.committer)
    except git.GitError:
        target.unlink(missing_ok=True)
        raise UploadError("The file could not be saved in the content repository; nothing was changed.") from None


def _write_bytes(target: Path, data: bytes) -> None:
    """A hidden sibling renamed over ``target``: ``kb watch`` and readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
