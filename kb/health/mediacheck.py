"""``kb check``'s rules for media files: broken image and attachment links, images without alt
text, and files in ``media/`` no document uses."""

from __future__ import annotations

from collections.abc import Collection

from ..content import Content, Problem
from ..media import MEDIA_FOLDER, clean_name, media_links


def media_problems(content: Content, files: Collection[str]) -> list[Problem]:
    """Problems of the media links of every document, and of the files in ``media/`` (``files``)."""
    problems, used = [], set()
    for doc in content.documents:
        for link in media_links(doc.body, doc.path):
            line = doc.body_line + doc.body.count("\n", 0, link.offset)
            what = "image" if link.image else "attachment"
            used.add(link.name)
            if clean_name(link.name) is None:
                message = f"{what} link to '{MEDIA_FOLDER}/{link.name}': media names may hold only letters, digits, '.', '-', '_' and '/'"
                problems.append(Problem(doc.path, line, "error", message))
            elif link.name not in files:
                problems.append(Problem(doc.path, line, "error", f"{what} link to missing media file '{MEDIA_FOLDER}/{link.name}'"))
            if link.image and not link.text:
                message = f"image '{MEDIA_FOLDER}/{link.name}' without alt text: write ![what it shows]({MEDIA_FOLDER}/{link.name})"
                problems.append(Problem(doc.path, line, "warning", message))
    problems += [
        Problem(f"{MEDIA_FOLDER}/{name}", 1, "warning", "media file no document uses (it is not served to readers who are not signed in)")
        for name in sorted(set(files) - used)
    ]
    return problems
