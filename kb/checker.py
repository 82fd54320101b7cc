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
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from . import git
from .catalog import Catalog, link_problems, reference_problems
from .content import Content, Document, Problem, load_content
from .freshness import SOURCES_FILE, Source, flags, load_sources
from .git import file_facts

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_WIKI_FRAGMENT = re.compile(r"\[\[([^\]\|\n\\#]+)#([^\]\|\n\\]+?)\s*(?:\\?\|[^\]\n]+)?\]\]")
_MD_FRAGMENT = re.compile(r"\]\(\s*([^)\s#]+\.md)#([^)\s]+)\s*\)", re.IGNORECASE)


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
        return json.dumps({
            "documents": self.documents, "errors": self.errors, "warnings": self.warnings,
            "problems": [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message}
                         for p in self.problems],
        }, indent=2)


def check_folder(root: Path | str, today: dt.date, *, max_bytes: int = 2_000_000,
                 stale_after_days: int = 365) -> CheckResult:
    """Load ``root`` and check everything; reads git history (one pass) when it is a repository."""
    content = load_content(root, max_bytes)
    sources, source_problems, _ = load_sources(root)
    history = git.histories(root) if Path(root).is_dir() else None
    problems = check_content(content, today, sources=sources, history=history, stale_after_days=stale_after_days)
    problems = sorted(set(problems) | set(source_problems), key=lambda p: (p.path, p.line, p.severity, p.message))
    return CheckResult(len(content.documents), len(content.glossary), tuple(problems))


def check_content(content: Content, today: dt.date, *, sources: dict[str, Source] | None = None,
                  history: dict[str, list] | None = None, stale_after_days: int = 365) -> list[Problem]:
    """Every problem in loaded content (pure apart from rendering): see the module docstring."""
    catalog = Catalog(content)
    sources = sources or {}
    # the catalog's review-date warning is one of the review rules below
    problems = list(content.problems) + [p for p in reference_problems(catalog, today)
                                         if not p.message.startswith("review date ")]
    anchors: dict[str, set[str]] = {}
    links: dict[tuple[str, str], tuple[str, ...]] = {}
    for doc in content.documents:
        rendered = catalog.render(doc)
        problems += link_problems(catalog, doc, rendered)
        links[(doc.kind, doc.id)] = rendered.links
        if doc.kind == "article":
            anchors[doc.id] = {h.anchor for h in rendered.headings}
    articles = content.of_kind("article")
    for doc in content.documents:
        problems += anchor_problems(doc, anchors)
    for doc in articles:
        problems += [Problem(doc.path, doc.line_of("sources"), "error", f"unknown source '{s}' in 'sources' "
                             f"(not in {SOURCES_FILE})") for s in doc.get("sources", ()) if s not in sources]
        problems += review_problems(doc, today, sources, history, stale_after_days)
    problems += duplicate_problems(articles)
    problems += glossary_duplicate_problems(content)
    problems += orphan_problems(content, links)
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.severity, p.message))


def _code_free(body: str) -> str:
    """The body with code blocks and inline code blanked (same length, same lines)."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
    return _INLINE_CODE.sub(blank, _FENCE.sub(blank, body))


def anchor_problems(doc: Document, anchors: dict[str, set[str]]) -> list[Problem]:
    """Links to an existing article's heading that it does not have (``[[a#x]]``, ``a.md#x``)."""
    body = _code_free(doc.body)
    found = []
    for match in _WIKI_FRAGMENT.finditer(body):
        found.append((match.group(1).strip(), match.group(2).strip(), match.start()))
    source_dir = posixpath.dirname(doc.path)
    for match in _MD_FRAGMENT.finditer(body):
        target = posixpath.normpath(posixpath.join(source_dir, match.group(1)))
        if target.startswith("articles/"):
            found.append((target[len("articles/"):-3], match.group(2), match.start()))
    problems = []
    for slug, fragment, offset in found:
        if slug in anchors and fragment not in anchors[slug]:
            line = doc.body_line + body.count("\n", 0, offset)
            problems.append(Problem(doc.path, line, "error", f"link to missing heading '#{fragment}' in '{slug}'"))
    return problems


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
                problems.append(Problem(doc.path, line, "error", f"duplicate {what} '{name}': already used by "
                                        f"'{owner[0].id}' ({'title' if owner[1] == 'title' else 'alias'})"))
    return problems


def glossary_duplicate_problems(content: Content) -> list[Problem]:
    """A term listed twice with the same expansion (a term may have several different ones)."""
    seen: dict[tuple[str, str], int] = {}
    problems = []
    for entry in content.glossary:
        key = (entry.term.casefold(), " ".join(entry.expansion.casefold().split()))
        if key in seen:
            problems.append(Problem("glossary.yml", entry.line, "error", f"'{entry.term}' is defined twice with the "
                                    f"same expansion (first on line {seen[key]})"))
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
    return [Problem(doc.path, 1, "warning", "orphan article: no page links to it and no path uses it")
            for doc in content.of_kind("article") if doc.id not in reached]


def review_problems(doc: Document, today: dt.date, sources: dict[str, Source], history: dict[str, list] | None,
                    stale_after_days: int) -> list[Problem]:
    """Warnings for an article past its review date, unchanged too long, or resting on a changed source."""
    commits = (history or {}).get(doc.path)
    page = {
        "review_by": doc.get("review_by").isoformat() if doc.get("review_by") else None,
        "reviewed": doc.get("reviewed").isoformat() if doc.get("reviewed") else None,
        "git": file_facts(commits, history is not None),
        "sources": [sources[s].as_dict() for s in doc.get("sources", ()) if s in sources],
    }
    problems = []
    for flag in flags(page, None, today, stale_after_days):
        if flag.status == "overdue":
            line = doc.line_of("review_by") if doc.get("review_by") else 1
            message = (f"review date {flag.date.isoformat()} has passed" if doc.get("review_by")
                       else f"not changed for {stale_after_days} days: due for review since {flag.date.isoformat()}")
            problems.append(Problem(doc.path, line, "warning", message))
        elif flag.status == "source-changed":
            problems.append(Problem(doc.path, doc.line_of("sources"), "warning", flag.message.replace(
                "Source changed since last review", "source changed since last review")))
    return problems
