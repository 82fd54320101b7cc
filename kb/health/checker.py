"""``kb check``: every problem in a content folder, as ``path:line: error|warning: message``.

For the experts' pre-commit hook and their content repository's CI. Builds on the loader's
problems and ``catalog.check`` (format, required fields, unknown areas, people, related
articles, path steps, missing articles) and adds the rules between files: unknown
sources, links to missing heading anchors, duplicate titles and aliases, glossary terms
defined twice alike, orphan articles, and articles due for review. Errors fail the check;
warnings (unknown keys, orphans, reviews) do not.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from markdown.extensions.toc import slugify, unique

from .. import git
from ..catalog import Catalog, reference_problems
from ..content import Content, Document, Problem, load_content
from ..content.quizzes import quiz_problems
from ..git import file_facts
from ..media import media_files
from ..render import STAFF_LINK_TEXT, WIKI_LINK
from .freshness import SOURCES_FILE, ReviewFacts, Source, flags, load_sources
from .mediacheck import media_problems

_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_WIKI = re.compile(WIKI_LINK)
_MD_LINK = re.compile(r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*$", re.MULTILINE)
_SETEXT = re.compile(r"^(?![ \t]*(?:[-*+>]|\d+\.)[ \t])([^\n]*\S)[ \t]*\n(?:=+|-+)[ \t]*$", re.MULTILINE)
_UNDERLINE = re.compile(r"\n(?:=+|-+)[ \t]*(?:\n|$)")
_ATTR_ID = re.compile(r"[ \t]*\{:?[^}]*#([\w-]+)[^}]*\}[ \t]*$")
_ATTR = re.compile(r"[ \t]*\{:?[^}]*\}[ \t]*$")
_TAG = re.compile(r"<[^>]+>")
_UNCLOSED_WIKI = re.compile(r"\[\[(?![^\n]*?\]\])")  # a wiki-link's ``[[`` with no ``]]`` after it on its line


@dataclass(frozen=True)
class CheckResult:
    documents: int
    glossary_entries: int
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    def as_json(self) -> str:
        return json.dumps(
            {
                "documents": self.documents,
                "errors": self.errors,
                "warnings": self.warnings,
                "problems": [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in self.problems],
            },
            indent=2,
        )


def check_folder(
    root: Path | str, today: dt.date, *, max_bytes: int = 2_000_000, stale_after_days: int = 365, markings: tuple[str, ...] = ("CUI",)
) -> CheckResult:
    """Load ``root`` and check everything; reads git history (one pass) when it is a repository."""
    content = load_content(root, max_bytes)
    sources, source_problems, _ = load_sources(root)
    history = git.histories(root) if Path(root).is_dir() else None
    problems = check_content(content, today, sources=sources, history=history, stale_after_days=stale_after_days, markings=markings)
    problems += media_problems(content, media_files(root))
    problems += quiz_problems(root, {d.id for d in content.of_kind("path")})
    problems = sorted(set(problems) | set(source_problems), key=lambda p: (p.path, p.line, p.severity, p.message))
    return CheckResult(len(content.documents), len(content.glossary), tuple(problems))


def check_content(
    content: Content,
    today: dt.date,
    *,
    sources: dict[str, Source] | None = None,
    history: dict[str, list] | None = None,
    stale_after_days: int = 365,
    markings: tuple[str, ...] = ("CUI",),
) -> list[Problem]:
    """Every problem in loaded content (pure apart from rendering): see the module docstring."""
    catalog = Catalog(content)
    sources = sources or {}
    # the catalog's review-date warning is one of the review rules below
    problems = list(content.problems) + [p for p in reference_problems(catalog, today, markings) if not p.message.startswith("review date ")]
    # what a link to each slug shows, earlier slugs (which redirect) included
    titles = {slug: catalog.article_title(slug) for slug in [*catalog.ids("article"), *catalog.moved]}
    staff_only = {slug for slug in titles if catalog.staff_only(slug)}
    public_titles = {**titles, **dict.fromkeys(staff_only, STAFF_LINK_TEXT)}  # what public pages show (kb.render)
    scanned = {(doc.kind, doc.id): scan(doc.body, doc.path, (public_titles if doc.public else titles).get) for doc in content.documents}
    anchors = {doc_id: found.anchors for (kind, doc_id), found in scanned.items() if kind == "article"}
    links: dict[tuple[str, str], tuple[str, ...]] = {}
    for doc in content.documents:
        found = scanned[(doc.kind, doc.id)]
        links[(doc.kind, doc.id)] = tuple(catalog.moved.get(link.slug, link.slug) for link in found.links if link.slug in titles)
        problems += link_problems(doc, found, anchors, staff_only if doc.public else set(), catalog.moved)
        problems += unclosed_link_problems(doc)
    articles = content.of_kind("article")
    for doc in articles:
        problems += [
            Problem(doc.path, doc.line_of("sources"), "error", f"unknown source '{s}' in 'sources' (not in {SOURCES_FILE})")
            for s in doc.get("sources", ())
            if s not in sources
        ]
        problems += review_problems(doc, today, sources, history, stale_after_days)
    problems += duplicate_problems(articles)
    problems += glossary_duplicate_problems(content)
    problems += orphan_problems(content, links)
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.severity, p.message))


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _without_fences(body: str) -> str:
    return _FENCE.sub(_blank, body) if "```" in body or "~~~" in body else body


def _code_free(body: str) -> str:
    """The body with code blocks and inline code blanked (same length, same lines)."""
    body = _without_fences(body)
    return _INLINE_CODE.sub(_blank, body) if "`" in body else body


@dataclass(frozen=True)
class Link:
    slug: str
    fragment: str
    offset: int  # in the body
    labelled: bool = True  # has its own text ([[slug|text]], [text](page.md)), not the target's title


@dataclass(frozen=True)
class Scanned:
    """What the checker needs from a body, found without rendering it."""

    links: tuple[Link, ...]
    anchors: frozenset[str]


def _relative_slug(href: str, source_dir: str) -> tuple[str, str] | None:
    """The renderer's rule (kb.render._Links.slug_for): a relative link to an article's .md file."""
    if re.match(r"^[a-zA-Z][\w+.-]*:|^/|^#", href):
        return None
    target, _, fragment = href.partition("#")
    if not target.lower().endswith(".md"):
        return None
    path = posixpath.normpath(posixpath.join(source_dir, target))
    if not path.startswith("articles/"):
        return None
    return path[len("articles/") : -3], fragment


_MARKUP = re.compile(r"[\[<`*_\\&]")
_UNDERSCORES = re.compile(r"(?<!\w)_+|_+(?!\w)")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")


def _heading_text(raw: str, title_of) -> str:
    """A heading's text as the table of contents sees it (links to their text, markup removed)."""
    if not _MARKUP.search(raw):
        return raw
    text = _WIKI.sub(lambda m: (m.group(2) or "").strip() or title_of(m.group(1).split("#")[0].strip()) or m.group(1).strip(), raw)
    text = _MD_LINK.sub(lambda m: "" if m.group(1) else m.group(2), text)
    text = _TAG.sub("", text).replace("`", "").replace("*", "")
    text = _UNDERSCORES.sub("", text)
    return html.unescape(_ESCAPED.sub(r"\1", text))


def scan(body: str, path: str, title_of=lambda slug: None) -> Scanned:
    """Links (with their offsets) and heading anchors of a Markdown body, the way ``kb.render``
    makes them (the same id rules as Markdown's ``toc``), at a fraction of a render's cost.

    A test compares this with the renderer on the shipped content.
    """
    text = _code_free(body)
    source_dir = posixpath.dirname(path)
    links = []
    if "[[" in text:
        for match in _WIKI.finditer(text):
            slug, _, fragment = match.group(1).strip().partition("#")
            links.append(Link(slug.strip(), fragment.strip(), match.start(), bool((match.group(2) or "").strip())))
    if "](" in text:
        for match in _MD_LINK.finditer(text):
            target = None if match.group(1) else _relative_slug(match.group(3), source_dir)
            if target is not None:
                links.append(Link(target[0], target[1], match.start()))
    blocks = _without_fences(body)  # headings keep their inline code
    headings = [(m.start(), m.group(2).rstrip("#").rstrip() or m.group(2)) for m in _ATX.finditer(blocks)]
    if _UNDERLINE.search(blocks):
        headings += [(m.start(), m.group(1).strip()) for m in _SETEXT.finditer(blocks) if not m.group(1).lstrip().startswith("#")]
    used: set[str] = set()
    explicit = []
    for _, raw in headings:
        found = _ATTR_ID.search(raw)
        if found:
            explicit.append(found.group(1))
    used.update(explicit)
    counters: dict[str, int] = {}
    for _, raw in sorted(headings):
        if _ATTR_ID.search(raw):
            continue
        unique(slugify(_heading_text(_ATTR.sub("", raw) if "{" in raw else raw, title_of), "-"), used, counters)
    return Scanned(tuple(sorted(links, key=lambda link: link.offset)), frozenset(used))


def link_problems(
    doc: Document, found: Scanned, anchors: dict[str, set[str]], staff_only: set[str] = frozenset(), moved: dict[str, str] | None = None
) -> list[Problem]:
    """Links to missing articles, and to an existing article's heading it does not have, each on
    its line; from a public page, links to ``staff_only`` articles without text of their own;
    links to an earlier slug that redirects (``moved``: they work, but cost a redirect)."""
    problems = []
    line, counted = doc.body_line, 0  # links come in order: count each line break once, not once per link
    for link in found.links:
        line, counted = line + doc.body.count("\n", counted, link.offset), link.offset
        if link.slug in (moved or {}):
            problems.append(Problem(doc.path, line, "warning", f"link to '{link.slug}', which moved to '{moved[link.slug]}': link to the new slug"))
        elif link.slug not in anchors:
            problems.append(Problem(doc.path, line, "error", f"link to missing article '{link.slug}'"))
        elif link.fragment and link.fragment not in anchors[link.slug]:
            problems.append(Problem(doc.path, line, "error", f"link to missing heading '#{link.fragment}' in '{link.slug}'"))
        elif link.slug in staff_only and not link.labelled:
            message = (
                f"link to staff-only article '{link.slug}' without text of its own: "
                f"readers who are not signed in see '{STAFF_LINK_TEXT}'; write [[{link.slug}|text]]"
            )
            problems.append(Problem(doc.path, line, "warning", message))
    return problems


def unclosed_link_problems(doc: Document) -> list[Problem]:
    """A ``[[`` whose ``]]`` is not on the same line: the renderer shows it as plain text (a wiki-link
    broken across a line break), so the link silently disappears."""
    text = _code_free(doc.body)
    if "[[" not in text:
        return []
    return [
        Problem(
            doc.path,
            doc.body_line + text.count("\n", 0, match.start()),
            "warning",
            "wiki-link '[[' without ']]' on the same line: keep a link on one line",
        )
        for match in _UNCLOSED_WIKI.finditer(text)
    ]


def duplicate_problems(articles: list[Document]) -> list[Problem]:
    """The same title or alias (ignoring case) on two articles: searches could not tell them apart."""
    first: dict[str, tuple[Document, str]] = {}
    problems = []
    for doc in articles:
        names = [("title", doc.title)] + [("aliases", a) for a in doc.get("aliases", ())]
        for key, name in names:
            folded = " ".join(name.casefold().split())
            owner = first.get(folded)
            if owner is None:
                first[folded] = (doc, key)
            elif owner[0].id != doc.id:
                line = 1 if key == "title" and "title" not in doc.meta_lines else doc.line_of(key)
                what = "title" if key == "title" else "alias"
                problems.append(
                    Problem(
                        doc.path,
                        line,
                        "error",
                        f"duplicate {what} '{name}': already used by '{owner[0].id}' ({'title' if owner[1] == 'title' else 'alias'})",
                    )
                )
    return problems


def glossary_duplicate_problems(content: Content) -> list[Problem]:
    """A term listed twice with the same expansion (a term may have several different ones)."""
    seen: dict[tuple[str, str], int] = {}
    problems = []
    for entry in content.glossary:
        key = (entry.term.casefold(), " ".join(entry.expansion.casefold().split()))
        if key in seen:
            problems.append(
                Problem("glossary.yml", entry.line, "error", f"'{entry.term}' is defined twice with the same expansion (first on line {seen[key]})")
            )
        else:
            seen[key] = entry.line
    return problems


def orphan_problems(content: Content, links: dict[tuple[str, str], tuple[str, ...]]) -> list[Problem]:
    """Articles that no other page links to, lists as related or sees (glossary), and no path uses.

    :param links: (kind, id) -> the article slugs that document's body links to (from rendering)
    """
    reached: set[str] = set()
    for doc in content.documents:
        reached.update(s for s in links.get((doc.kind, doc.id), ()) if not (doc.kind == "article" and s == doc.id))
        reached.update(s for s in doc.get("related", ()) if s != doc.id)
        reached.update(step.article for step in doc.get("steps", ()))
    reached.update(e.see for e in content.glossary if e.see)
    return [
        Problem(doc.path, 1, "warning", "orphan article: no page links to it and no path uses it")
        for doc in content.of_kind("article")
        if doc.id not in reached
    ]


def review_problems(
    doc: Document, today: dt.date, sources: dict[str, Source], history: dict[str, list] | None, stale_after_days: int
) -> list[Problem]:
    """Warnings for an article past its review date, unchanged too long, or resting on a changed source."""
    commits = (history or {}).get(doc.path)
    facts = ReviewFacts(
        doc.get("review_by"),
        doc.get("reviewed"),
        file_facts(commits, history is not None).get("updated"),
        tuple(sources[s].as_dict() for s in doc.get("sources", ()) if s in sources),
    )
    problems = []
    for flag in flags(facts, None, today, stale_after_days):
        if flag.status == "overdue":
            line = doc.line_of("review_by") if doc.get("review_by") else 1
            message = (
                f"review date {flag.date.isoformat()} has passed"
                if doc.get("review_by")
                else f"not changed for {stale_after_days} days: due for review since {flag.date.isoformat()}"
            )
            problems.append(Problem(doc.path, line, "warning", message))
        elif flag.status == "source-changed":
            problems.append(
                Problem(
                    doc.path,
                    doc.line_of("sources"),
                    "warning",
                    flag.message.replace("Source changed since last review", "source changed since last review"),
                )
            )
    return problems
