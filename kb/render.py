"""Markdown to sanitized HTML, with wiki-links, glossary tooltips and a table of contents.

Pure: ``render_markdown`` takes the text and everything it needs to resolve links, and
returns the HTML plus what it found (links, missing links, headings, plain text).
"""

from __future__ import annotations

import dataclasses
import html
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from .media import MEDIA_URL, media_name

# Links between articles are stored root-relative; the web layer puts the request's URL prefix
# before every root-relative link (``kb.web.context.site_links``), so prefixes work.
ARTICLE_URL = "/articles/"
# The separator may be escaped (``\|``): _EscapeWikiPipes escapes it so tables don't split there.
WIKI_LINK = r"\[\[([^\]\|\n\\]+?)(?:\\?\|([^\]\n]+))?\]\]"

# Resolves an article slug to its title, or None when there is no such article.
Resolver = Callable[[str], "str | None"]
# A public page never shows the title of a staff-only article it links to: a link without text
# of its own says this instead (the web layer shows anyone who may not see the article only the
# text, without the link: ``kb.web.context.site_links``).
STAFF_LINK_TEXT = "a staff-only article"
# What a public document shows where its text names a staff-only article's slug (``kb.slugmask`` too).
HIDDEN_SLUG = "(hidden article)"
_PATH = re.compile(r"[\w-]+(?:/[\w-]+)+")  # where a slug may stand: area/name, in an address too
_TEXT_OR_TAG = re.compile(r"(<[^>]*>)|([^<]+)")
_SHOWN_ATTRIBUTE = re.compile(r'\b((?:title|alt|aria-label)=")([^"]*)')
# The accessible name of the link each heading in a body gets (``_HeadingAnchors``).
ANCHOR_LABEL = "Link to section: "


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str
    headings: tuple[Heading, ...]
    links: tuple[str, ...]
    missing: tuple[str, ...]
    mentions: tuple[str, ...] = ()  # articles a public document names in its text (``_Links.mask_mentions``)


class _Links:
    """Collects the article slugs one render links to."""

    def __init__(self, resolve: Resolver, staff_only: Callable[[str], bool]) -> None:
        self.resolve = resolve
        self.staff_only = staff_only
        self.start("", public=True)

    def start(self, source_path: str, public: bool) -> None:
        self.source_dir = posixpath.dirname(source_path)
        self.public = public
        self.found: list[str] = []
        self.missing: list[str] = []
        self.mentioned: list[str] = []

    def note(self, slug: str) -> str | None:
        title = self.resolve(slug)
        (self.found if title is not None else self.missing).append(slug)
        return title

    def mask_mentions(self, fragment: str) -> str:
        """A public document's HTML with the slugs of staff-only articles its text names (``see
        eum/secret``, an address written out) masked, as in public diffs; links keep their target
        (the web layer removes them for readers who may not see it). The articles named in text are
        noted (``mentioned``): the document is rendered again when their access changes."""

        def masked(match: re.Match[str]) -> str:
            tag, text = match.groups()
            if tag:
                return _SHOWN_ATTRIBUTE.sub(lambda m: m.group(1) + _PATH.sub(self.mention, m.group(2)), tag)
            return _PATH.sub(self.mention, text)

        return _TEXT_OR_TAG.sub(masked, fragment)

    def mention(self, match: re.Match[str]) -> str:
        parts = match.group().split("/")
        for start in range(len(parts) - 1):
            for end in range(len(parts), start + 1, -1):
                slug = "/".join(parts[start:end])
                if self.resolve(slug) is not None:
                    self.mentioned.append(slug)
                    if self.staff_only(slug):
                        rest = "/".join(parts[end:])
                        return "/".join([*parts[:start], HIDDEN_SLUG]) + ("/" + _PATH.sub(self.mention, rest) if rest else "")
        return match.group()

    def slug_for(self, href: str) -> tuple[str, str] | None:
        """(slug, #fragment) for a relative link to an article's .md file, else None."""
        if re.match(r"^[a-zA-Z][\w+.-]*:|^/|^#", href):
            return None
        target, _, fragment = href.partition("#")
        if not target.lower().endswith(".md"):
            return None
        path = posixpath.normpath(posixpath.join(self.source_dir, target))
        if not path.startswith("articles/"):
            return None
        return path[len("articles/") : -3], ("#" + fragment if fragment else "")


def _link_element(links: _Links, slug: str, text: str | None, fragment: str = "") -> etree.Element:
    title = links.note(slug)
    if title is None:
        element = etree.Element("span", {"class": "kb-missing-link", "title": f"No article '{slug}' yet"})
    else:
        element = etree.Element("a", {"href": ARTICLE_URL + slug + fragment})
        if links.public and links.staff_only(slug):
            title = STAFF_LINK_TEXT
    element.text = text or title or slug
    return element


class _WikiLinkProcessor(InlineProcessor):
    def __init__(self, pattern: str, links: _Links) -> None:
        super().__init__(pattern)
        self.links = links

    def handleMatch(self, m, data):
        slug, text = m.group(1).strip(), (m.group(2) or "").strip() or None
        slug, _, fragment = slug.partition("#")  # [[fms/loa#pricing]] links to a heading
        return _link_element(self.links, slug.strip(), text, "#" + fragment.strip() if fragment.strip() else ""), m.start(0), m.end(0)


class _RelativeLinkProcessor(Treeprocessor):
    """Turns ``[text](../area/page.md)`` into a link to that article's page."""

    def __init__(self, md: markdown.Markdown, links: _Links) -> None:
        super().__init__(md)
        self.links = links

    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag != "a":
                    continue
                target = self.links.slug_for(child.get("href", ""))
                if target is None:
                    continue
                slug, fragment = target
                replacement = _link_element(self.links, slug, None, fragment)
                if replacement.tag == "a":
                    child.set("href", replacement.get("href"))
                else:
                    replacement.text, replacement.tail = child.text, child.tail
                    replacement[:] = list(child)
                    parent[index] = replacement


class _MediaLinks(Treeprocessor):
    """Points images and links to media files (``media/fms/chart.png``, ``../../media/...``) at ``/media/``."""

    def __init__(self, md: markdown.Markdown, links: _Links) -> None:
        super().__init__(md)
        self.links = links

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attribute = {"img": "src", "a": "href"}.get(element.tag)
            name = media_name(element.get(attribute, ""), self.links.source_dir) if attribute else None
            if name is not None:
                element.set(attribute, MEDIA_URL + name)


class _EscapeWikiPipes(Preprocessor):
    """``[[slug|text]]`` inside a table row would split the cell; escape that pipe (in table rows only,
    so inline code elsewhere keeps its text as written)."""

    def run(self, lines: list[str]) -> list[str]:
        return [re.sub(r"(\[\[[^\]\|\n\\]+?)\|", r"\1\\|", line) if _is_table_row(line) else line for line in lines]


def _is_table_row(line: str) -> bool:
    return "|" in re.sub(WIKI_LINK, "", line)


class _HeadingAnchors(Treeprocessor):
    """Gives every heading with an id a link to itself, for copying a section's address. The link
    has no text of its own (the page's text and the index stay as written): its name is an
    ``aria-label``, its visible mark comes from CSS (``.kb-anchor``)."""

    def run(self, root: etree.Element) -> None:
        names = {h.anchor: h.text for h in _headings(getattr(self.md, "toc_tokens", []))}
        for element in root.iter():
            anchor = element.get("id")
            if re.fullmatch(r"h[2-6]", element.tag) and anchor in names:
                link = etree.SubElement(element, "a", {"class": "kb-anchor", "href": "#" + anchor, "aria-label": ANCHOR_LABEL + names[anchor]})
                link.text = ""


class _KnowledgeBaseLinks(Extension):
    def __init__(self, links: _Links) -> None:
        super().__init__()
        self.links = links

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_EscapeWikiPipes(md), "kb_wiki_pipes", 15)
        # above "escape" (180), so the escaped separator reaches us; below "backtick" (190), so code stays literal
        md.inlinePatterns.register(_WikiLinkProcessor(WIKI_LINK, self.links), "kb_wikilink", 185)
        md.treeprocessors.register(_RelativeLinkProcessor(md, self.links), "kb_relative_links", 5)
        md.treeprocessors.register(_MediaLinks(md, self.links), "kb_media_links", 3)
        md.treeprocessors.register(_HeadingAnchors(md), "kb_heading_anchors", 4)  # after "toc" (5) has set the ids


_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href", "aria-label"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},  # alignment as an attribute: the CSP forbids inline styles
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
}


def sanitize(fragment: str) -> str:
    """Allowlist sanitizing: no scripts, event handlers, inline styles or unsafe URLs."""
    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


_BLOCK_TAG = re.compile(r"</?(?:p|h[1-6]|li|t[dhr]|div|pre|br|d[dlt]|blockquote|table|[ou]l|hr|figure)\b[^>]*>")


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment, for indexing and snippets."""
    spaced = _BLOCK_TAG.sub(" ", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", spaced)).split())


def _headings(tokens: list[dict]) -> list[Heading]:
    found = []
    for token in tokens:
        found.append(Heading(token["level"], token["id"], html.unescape(plain_text(token["name"]))))
        found += _headings(token.get("children", []))
    return found


class Renderer:
    """Renders many documents with one configured Markdown instance (building one costs ~1 ms)."""

    def __init__(self, resolve: Resolver, glossary: Mapping[str, str] | None = None, staff_only: Callable[[str], bool] = lambda slug: False) -> None:
        self._links = _Links(resolve, staff_only)
        self._md = markdown.Markdown(
            extensions=[
                "toc",
                "tables",
                "fenced_code",
                "footnotes",
                "admonition",
                "def_list",
                "attr_list",
                "codehilite",
                "abbr",
                _KnowledgeBaseLinks(self._links),
            ],
            extension_configs={
                "toc": {"permalink": False, "toc_depth": "2-4"},
                "codehilite": {"css_class": "highlight", "guess_lang": False},
                "abbr": {"glossary": dict(glossary or {})},
                "tables": {"use_align_attribute": True},
            },
            output_format="html",
        )

    def render(self, text: str, source_path: str, public: bool = True) -> Rendered:
        """Render one document's Markdown body. ``source_path`` is its path in the content folder;
        a ``public`` document never shows the titles of staff-only articles it links to."""
        self._md.reset()
        self._links.start(source_path, public)
        body = sanitize(self._md.convert(text))
        headings = tuple(_headings(self._md.toc_tokens))
        if public:
            body = self._links.mask_mentions(body)
            headings = tuple(dataclasses.replace(h, text=_PATH.sub(self._links.mention, h.text)) for h in headings)
        return Rendered(
            html=body,
            text=plain_text(body),
            headings=headings,
            links=tuple(dict.fromkeys(self._links.found)),
            missing=tuple(dict.fromkeys(self._links.missing)),
            mentions=tuple(dict.fromkeys(self._links.mentioned)),
        )


def render_markdown(
    text: str,
    *,
    source_path: str,
    resolve: Resolver,
    glossary: Mapping[str, str] | None = None,
    staff_only: Callable[[str], bool] = lambda slug: False,
    public: bool = True,
) -> Rendered:
    """Render a single body (a fresh ``Renderer``; use one ``Renderer`` for many)."""
    return Renderer(resolve, glossary, staff_only).render(text, source_path, public)


def line_of(text: str, needle: str, first_line: int) -> int:
    """Line (in the file) of the first occurrence of ``needle`` in a body starting at ``first_line``."""
    index = text.find(needle)
    return first_line + text.count("\n", 0, index) if index >= 0 else first_line
