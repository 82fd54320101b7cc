"""An article's source as a reader who may not see every article may see it: without the
slugs of the others.

A diff of an article's Markdown shows what its page never does: the slugs its links and its
``related`` and ``redirect_from`` fields name. ``SlugMask`` replaces each one that is not an
article the reader may see (a staff-only one, or one that is gone and may have been) by
``MASK``, in every form a file names an article:

* wiki-links: ``[[slug]]``, ``[[slug#part|text]]``;
* Markdown links and images, reference definitions and HTML ``href``/``src``: relative
  ``.md`` paths (from the file's folder), root-relative ``/articles/<slug>`` addresses, and
  page-relative ones as a browser resolves them from the article's address;
* root-relative addresses written as text (``/articles/<slug>``, ``</articles/<slug>>``);
* the frontmatter fields that name articles (``SLUG_FIELDS``), inline or as block lists;
* anywhere else (prose, code, absolute URLs, commit messages): the slugs, current and earlier,
  of the articles the reader may not see, wherever they stand as a path (``area/name``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .render import ARTICLE_URL, HIDDEN_SLUG, WIKI_LINK

MASK = HIDDEN_SLUG
SLUG_FIELDS = ("related", "redirect_from")  # frontmatter keys whose values are article slugs

_WIKI = re.compile(WIKI_LINK)
_LINK_TARGETS = (
    re.compile(r"\]\(\s*<?([^()\s<>]+)"),  # [text](target "title"), ![alt](target)
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?([^\s<>]+)"),  # [ref]: target
    re.compile(r"\b(?:href|src)\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE),  # HTML
    re.compile(r"(?<![\w/:.-])(" + ARTICLE_URL + r"[^\s<>()\[\]\"'|,]*[^\s<>()\[\]\"'|,.;:!?])"),  # an address as text
)
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:(.*)$")
_YAML_WORD = re.compile(r"[^\s\[\],'\"{}]+")
_PATH = re.compile(r"[\w-]+(?:/[\w-]+)+")
_SCHEME = re.compile(r"^[a-zA-Z][\w+.-]*:")


def _replace_group(pattern: re.Pattern[str], line: str, keep: Callable[[str], bool]) -> str:
    """``line`` with group 1 of each match replaced by ``MASK`` where ``keep(group 1)`` is false."""

    def masked(match: re.Match[str]) -> str:
        if keep(match.group(1)):
            return match.group(0)
        start, end = match.start(1) - match.start(0), match.end(1) - match.start(0)
        return match.group(0)[:start] + MASK + match.group(0)[end:]

    return pattern.sub(masked, line)


def _after_articles(path: str) -> str | None:
    """The slug in an address ``…/articles/<slug>[.md][/-/…]``, or None."""
    found = path.find(ARTICLE_URL)
    if found < 0:
        return None
    slug = path[found + len(ARTICLE_URL) :].split("/-/")[0].strip("/")
    return slug.removesuffix(".md") or None


def slug_of(target: str, source_path: str) -> str | None:
    """The article a link target in the file ``source_path`` names, or None when it names none
    (an external address, another kind of page, a file that is not an article)."""
    path = unquote(re.sub(r"[#?].*", "", target.strip()))
    if not path or _SCHEME.match(path):
        return None  # absolute URLs: only the names of hidden articles are masked in them
    if path.startswith("/"):
        return _after_articles(path)
    if path.endswith(".md"):
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source_path), path))
        return resolved[len("articles/") : -3] if resolved.startswith("articles/") else None
    if "." in posixpath.basename(path):
        return None  # an image or a download next to the page
    page = ARTICLE_URL + source_path.removeprefix("articles/").removesuffix(".md")
    return _after_articles(posixpath.normpath(posixpath.join(posixpath.dirname(page), path)))


def _frontmatter_end(lines: list[str]) -> int:
    """The index of the line that closes the frontmatter, 0 when the text has none."""
    if not lines or lines[0].strip().lstrip("\ufeff") != "---":
        return 0
    return next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), 0)


@dataclass(frozen=True)
class SlugMask:
    visible: frozenset[str]  # slugs and earlier slugs of the articles the reader may see
    hidden: frozenset[str]  # slugs and earlier slugs of the articles it may not see

    def text(self, text: str, source_path: str) -> str:
        """A file's text (or a commit message) with every other article's slug masked."""
        lines = text.split("\n")
        end = _frontmatter_end(lines)
        key = None
        for number, line in enumerate(lines):
            if 0 < number < end:
                line, key = self._front_line(line, key)
            lines[number] = self._names(self._links(line, source_path))
        return "\n".join(lines)

    def commit(self, commit: dict[str, Any], source_path: str) -> dict[str, Any]:
        """A stored commit whose message names no article the reader may not see."""
        return {**commit, "subject": self.text(commit.get("subject", ""), source_path)}

    def _links(self, line: str, source_path: str) -> str:
        line = _replace_group(_WIKI, line, lambda target: target.partition("#")[0].strip() in self.visible)
        for pattern in _LINK_TARGETS:
            line = _replace_group(pattern, line, lambda target: (slug := slug_of(target, source_path)) is None or slug in self.visible)
        return line

    def _front_line(self, line: str, key: str | None) -> tuple[str, str | None]:
        """A frontmatter line with the values of ``SLUG_FIELDS`` masked; the key it belongs to."""
        match = _KEY.match(line)
        if match:
            key, start = match.group(1).lower(), match.start(2)
        elif line[:1] in (" ", "\t", "-"):
            start = 0  # a continuation of the key before (a block list, a folded value)
        else:
            return line, None
        if key in SLUG_FIELDS:
            value = _YAML_WORD.sub(lambda w: w.group() if w.group() == "-" or w.group() in self.visible else MASK, line[start:])
            line = line[:start] + value
        return line, key

    def _names(self, line: str) -> str:
        """Paths in which a hidden article's slug stands (``eum/secret``, ``articles/eum/secret.md``)."""
        return _PATH.sub(lambda match: self._path(match.group()), line) if self.hidden else line

    def _path(self, path: str) -> str:
        parts = path.split("/")
        for start in range(len(parts)):
            for end in range(len(parts), start, -1):
                if "/".join(parts[start:end]) in self.hidden:
                    rest = "/".join(parts[end:])
                    return "/".join([*parts[:start], MASK]) + ("/" + self._path(rest) if rest else "")
        return path
