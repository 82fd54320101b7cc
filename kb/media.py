"""Media files of the content folder (``media/<area>/...``): names, types, and who uses them.

Pure apart from reading the folder. A media file is linked from Markdown as ``/media/fms/chart.png``,
``media/fms/chart.png`` (from the content folder's root) or a path relative to the document
(``../../media/fms/chart.png``, which also works on GitLab); the renderer turns each into
``/media/fms/chart.png``. Which documents use a file decides who may fetch it: the index stores
that (``usage_rows``), so a request costs a lookup. The type comes from the bytes (``sniff``),
never from the name: SVG (which can carry script) is never served.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MEDIA_FOLDER = "media"
MEDIA_URL = "/media/"
MEDIA_TABLE = "media"  # the index table: one row per used file, {"file": "fms/chart.png", "public": true}
MAX_NAME_CHARS = 200  # a whole name below the media folder; longer ones are refused
TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp", "pdf": "application/pdf"}
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # no dot files, no "..", no spaces or look-alikes
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
)
# The checker's link pattern (kb.health.checker._MD_LINK): [text](target) and ![alt](target).
_LINK = re.compile(r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")


def sniff(head: bytes) -> str | None:
    """The type (a key of ``TYPES``) the first bytes of a file show, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((kind for signature, kind in _SIGNATURES if head.startswith(signature)), None)


def clean_name(name: str) -> str | None:
    """``name`` (below the media folder) when it is safe to look up, else None: no NUL, ``..``,
    dot files, empty parts, back-slashes or characters outside ``[A-Za-z0-9._-]``, not too long."""
    if not name or len(name) > MAX_NAME_CHARS:
        return None
    parts = name.split("/")
    return name if all(_PART.fullmatch(part) for part in parts) else None


def media_name(href: str, source_dir: str) -> str | None:
    """The media file a link in a document of the folder ``source_dir`` points to (``fms/chart.png``), or None."""
    target = href.split("#", 1)[0].split("?", 1)[0]
    if target.startswith(MEDIA_URL):
        path = target[1:]
    elif target.startswith(MEDIA_FOLDER + "/"):
        path = target
    elif re.match(r"^[a-zA-Z][\w+.-]*:|^/|^#", target) or not target:
        return None
    else:
        path = posixpath.normpath(posixpath.join(source_dir, target))
    folder, _, name = path.partition("/")
    return name if folder == MEDIA_FOLDER and name else None


@dataclass(frozen=True)
class MediaLink:
    name: str  # below the media folder, as linked (it may not be a safe or existing name)
    offset: int  # in the body
    image: bool  # ![alt](...), not [text](...)
    text: str  # the alt text of an image, the text of a link


def media_links(body: str, source_path: str) -> list[MediaLink]:
    """The links to media files in a Markdown body, code blocks and inline code left out."""
    if "](" not in body:
        return []
    text = _INLINE_CODE.sub(_blank, _FENCE.sub(_blank, body))
    found, source_dir = [], posixpath.dirname(source_path)
    for match in _LINK.finditer(text):
        name = media_name(match.group(3), source_dir)
        if name is not None:
            found.append(MediaLink(name, match.start(), bool(match.group(1)), match.group(2).strip()))
    return found


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def usage_rows(documents: Iterable) -> list[dict]:
    """The index table ``MEDIA_TABLE``: each linked file, public when a public document uses it."""
    public: dict[str, bool] = {}
    for doc in documents:
        for link in media_links(doc.body, doc.path):
            public[link.name] = public.get(link.name, False) or doc.public
    return [{"file": name, "public": public[name]} for name in sorted(public)]


def media_files(root: Path | str) -> set[str]:
    """The names of the regular files below ``root/media`` (symlinks and dot files left out)."""
    found: set[str] = set()
    folder = Path(root) / MEDIA_FOLDER
    if folder.is_symlink() or not folder.is_dir():
        return found
    for directory, subfolders, files in os.walk(folder):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and not os.path.islink(os.path.join(directory, d))]
        rel = Path(directory).relative_to(folder).as_posix()
        for file in files:
            path = os.path.join(directory, file)
            if not file.startswith(".") and not os.path.islink(path) and os.path.isfile(path):
                found.add(file if rel == "." else f"{rel}/{file}")
    return found


def open_media(root: Path | str, name: str) -> Path | None:
    """The file ``name`` below ``root/media`` when it is a regular file reached without a symlink."""
    safe = clean_name(name)
    if safe is None:
        return None
    path = Path(root) / MEDIA_FOLDER
    for part in safe.split("/"):
        if path.is_symlink():
            return None
        path = path / part
    return path if not path.is_symlink() and path.is_file() else None
