"""The editors' reports (``kb/web/reports.py``): the index the header links to, and the freshness report's experts."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kb.access import ANONYMOUS, Reader
from kb.pages.library import Library

from ..conftest import SAMPLE, close_app, indexed_app, write_tree

SOON = (dt.date.today() + dt.timedelta(days=10)).isoformat()
CONTENT = {
    **SAMPLE,
    "articles/fms/overdue-guide.md": """
        ---
        title: Overdue guide
        summary: Past its review date.
        review_by: 2020-01-01
        experts: [maria-delgado, no-such-person, hana-hidden]
        ---
        Overdue.
        """,
    "articles/fms/soon-guide.md": f"""
        ---
        title: Soon guide
        summary: Due for review within 30 days.
        review_by: {SOON}
        experts: [john-smith]
        ---
        Soon.
        """,
    "people/hana-hidden.md": """
        ---
        name: Hana Hidden
        title: Analyst
        access: staff
        areas: [fms]
        ---
        A staff-only profile.
        """,
}
EDITOR = Reader(name="Ed", staff=True, role="editor")


@pytest.fixture(scope="module")
def reports_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    app = indexed_app(write_tree(root / "content", CONTENT), root)
    yield app
    close_app(app)


def as_reader(app, reader: Reader | None):
    app.extensions["kb.identify"] = (lambda: reader) if reader else (lambda: Reader())
    return app.test_client()


def expert_headings(body: str) -> list[str]:
    """The headings of the "By expert" section, as markup."""
    return re.findall(r"<h3>(.*?)</h3>", body[body.index("By expert") :], re.S)


def test_the_freshness_report_names_each_expert_and_links_their_profile(reports_app):
    body = as_reader(reports_app, EDITOR).get("/reports/freshness").get_data(as_text=True)
    headings = expert_headings(body)
    assert '<a class="usa-link" href="/people/maria-delgado">Maria Delgado</a> (1)' in headings
    assert '<a class="usa-link" href="/people/john-smith">John Smith</a> (1)' in headings
    assert '<a class="usa-link" href="/people/hana-hidden">Hana Hidden</a> (1)' in headings  # editors are staff: they see her
    assert 'no-such-person <span class="usa-hint">(no such person in the directory)</span> (1)' in headings
    assert not any(re.search(r">(maria-delgado|john-smith)<", h) for h in headings)  # ids only where nobody has them


def test_the_freshness_report_keeps_status_and_date_cells_on_one_line(reports_app):
    body = as_reader(reports_app, EDITOR).get("/reports/freshness").get_data(as_text=True)
    assert f'<td class="kb-nowrap"><span class="usa-tag">due-soon</span></td>\n        <td class="kb-nowrap"><time datetime="{SOON}">' in body


def test_the_reports_page_lists_each_report_for_editors_only(reports_app):
    editor = as_reader(reports_app, EDITOR)
    body = editor.get("/reports").get_data(as_text=True)
    main = body[body.index('id="main-content"') :]
    links = re.findall(r'<li><a class="usa-link" href="([^"]+)">([^<]+)</a>:', main)
    assert links == [
        ("/reports/freshness", "Freshness"),
        ("/reports/search", "Search gaps"),
        ("/reports/content-errors", "Content errors"),
        ("/reports/feedback", "Feedback"),
        ("/reports/paths", "Path progress"),
    ]
    assert editor.get("/reports/freshness").status_code == 200
    for reader in (None, Reader(name="Rita", staff=True, role="reader")):
        assert as_reader(reports_app, reader).get("/reports").status_code == 404


def test_experts_are_named_only_from_profiles_the_reader_may_see(reports_app):
    """The report's names come through the directory's access filter: a staff-only profile is named to staff only."""
    index = reports_app.extensions["kb.index"]
    ids = ["john-smith", "hana-hidden", "no-such-person"]
    assert {k: p.title for k, p in Library(index, ANONYMOUS).people_by_id(ids).items()} == {"john-smith": "John Smith"}
    assert {k: p.title for k, p in Library(index, EDITOR).people_by_id(ids).items()} == {"john-smith": "John Smith", "hana-hidden": "Hana Hidden"}
