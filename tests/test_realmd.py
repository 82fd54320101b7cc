"""Robustness at scale: ~5,000 real Markdown files whose frontmatter does not follow our format.

Uses ../shared/corpora/realmd (skipped where absent). Its two folders go under articles/ of a
scratch content folder, as a user would point KB_CONTENT_DIR at a repository we have never seen.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from kb.access import ANONYMOUS
from kb.content import load_content
from kb.health.checker import check_content
from kb.index import SearchIndex
from kb.queries import SearchRequest
from kb.repository.sync import sync
from kb.search import search

from .conftest import shared_or_skip

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def realmd(tmp_path_factory):
    corpus = shared_or_skip("corpora/realmd")
    content = tmp_path_factory.mktemp("realmd") / "content"
    for folder in ("PowerShell-Docs", "opentelemetry.io"):
        shutil.copytree(corpus / folder, content / "articles" / folder)
    index = SearchIndex(content.parent / "index")
    report = sync(content, index)
    yield content, index, report
    index.close()


def test_every_readable_file_becomes_a_searchable_article(realmd):
    content, index, report = realmd
    visible = [p for p in (content / "articles").rglob("*.md") if not any(part.startswith(".") for part in p.relative_to(content).parts)]
    assert report.added == len(visible) > 4900
    assert index.document_count(["public", "staff"]) == len(visible)
    # a file whose frontmatter cannot be read may have said 'access: staff': it is kept staff-only
    unreadable = {p.path for p in report.problems if "kept staff-only" in p.message}
    assert 0 < len(unreadable) < 20
    assert index.document_count(["public"]) == len(visible) - len(unreadable)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Get-ChildItem", "Get-ChildItem"),
        ('"execution policy"', "about_Execution_Policies"),
        ("collector configuration", "collector"),
        ("日本語", "ja/"),
    ],
)
def test_searches_find_the_right_pages_in_the_top_3(realmd, query, expected):
    _, index, _ = realmd
    page = search(index, ANONYMOUS, SearchRequest(q=query))
    assert page.total > 0 and any(expected in hit.id for hit in page.hits[:3])


def test_typos_get_a_suggestion(realmd):
    _, index, _ = realmd
    assert search(index, ANONYMOUS, SearchRequest(q="opentelemtry")).suggestion == "opentelemetry"


def test_check_reports_the_problems_with_file_and_line(realmd):
    content, _, _ = realmd
    problems = [str(p) for p in check_content(load_content(content), dt.date.today())]
    assert any(
        p.startswith("articles/PowerShell-Docs/reference/7.5/Microsoft.PowerShell.Core/ForEach-Object.md:9: error: invalid YAML frontmatter")
        for p in problems
    )
    assert any("missing required 'title'" in p for p in problems)
    assert any("unknown frontmatter keys ignored" in p for p in problems)
