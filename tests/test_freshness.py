"""Freshness: review dates, age, sources.yml and the report in text, CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from kb import create_app
from kb.accounts.feedback import Ratio
from kb.health.freshness import ReviewFacts, flags, format_report, load_sources, parse_sources, report
from kb.index import Doc, SearchIndex
from kb.repository.sync import sync

from .conftest import SAMPLE, body
from .gitrepo import commit, init

TODAY = dt.date(2026, 6, 1)


def page(review_by=None, reviewed=None, git=None, sources=()):
    """The review facts of an article (dates as the frontmatter gives them)."""
    as_date = lambda value: dt.date.fromisoformat(value) if value else None  # noqa: E731
    return ReviewFacts(as_date(review_by), as_date(reviewed), (git or {}).get("updated"), tuple(sources))


def doc(slug, title, areas, experts, facts):
    """A stored article as ``SearchIndex.find`` returns it, with only what the report reads."""
    return Doc(
        key=f"article:{slug}",
        type="article",
        id=slug,
        title=title,
        summary="",
        access="public",
        values={"areas": areas, "experts": experts},
        order=100,
        updated=None,
        page=facts,
    )


@pytest.mark.parametrize(
    "fields, updated, expected",
    [
        ({"review_by": "2026-05-31"}, None, [("overdue", "2026-05-31")]),
        ({"review_by": "2026-06-20"}, None, [("due-soon", "2026-06-20")]),
        ({"review_by": "2026-08-01"}, None, []),
        ({"git": {"updated": "2025-05-01T10:00:00"}}, None, [("overdue", "2026-05-01")]),  # 365 days without a change
        ({"git": {"updated": "2025-06-20T10:00:00"}}, None, [("due-soon", "2026-06-20")]),
        ({}, dt.datetime(2025, 1, 1), [("overdue", "2026-01-01")]),  # no git: the file's time
        ({"review_by": "2030-01-01", "git": {"updated": "2020-01-01T00:00:00"}}, None, []),  # review_by wins
        ({"reviewed": "2026-05-01", "git": {"updated": "2020-01-01T00:00:00"}}, None, []),  # reviewed counts as a change
    ],
)
def test_due_rules(fields, updated, expected):
    found = flags(page(**fields), updated, TODAY)
    assert [(f.status, f.date.isoformat()) for f in found] == expected


def test_source_changed_after_the_last_review():
    sources = [
        {"id": "SAMM C5.4", "changed": "2026-03-01", "note": "SAMM change notice 2026-01"},
        {"id": "22 U.S.C. 2776", "changed": "2025-01-01", "note": ""},
    ]
    found = flags(page(review_by="2027-01-01", git={"updated": "2026-01-15T00:00:00"}, sources=sources), None, TODAY)
    assert [(f.status, f.date.isoformat()) for f in found] == [("source-changed", "2026-03-01")]
    assert "SAMM C5.4 changed on 2026-03-01: SAMM change notice 2026-01" in found[0].message
    reviewed = flags(page(review_by="2027-01-01", reviewed="2026-03-02", sources=sources), None, TODAY)
    assert reviewed == []


def test_stale_after_is_configurable():
    assert flags(page(git={"updated": "2026-03-01T00:00:00"}), None, TODAY, stale_after_days=60)[0].status == "overdue"


def test_sources_file_is_loaded_tolerantly_with_lines():
    raw = (
        b"- id: SAMM C5.4\n  changed: 2026-03-01\n  note: change notice\n"
        b"- id: SAMM C5.4\n  changed: 2026-04-01\n"
        b"- changed: 2026-01-01\n"
        b"- id: 22 U.S.C. 2776\n  changed: soon\n  colour: red\n"
    )
    sources, problems = parse_sources("sources.yml", raw)
    assert [(s.id, s.changed) for s in sources] == [("SAMM C5.4", dt.date(2026, 3, 1)), ("22 U.S.C. 2776", None)]
    assert [str(p) for p in problems] == [
        "sources.yml:4: error: source 'SAMM C5.4' is listed twice (first on line 1)",
        "sources.yml:6: error: entry without an 'id', skipped",
        "sources.yml:7: warning: unknown keys ignored: colour",
        "sources.yml:7: error: '22 U.S.C. 2776': 'changed' must be a date as YYYY-MM-DD",
    ]
    assert parse_sources("sources.yml", b"- id: [x\n")[1][0].message.startswith("invalid YAML")


def test_report_groups_by_area_and_expert():
    docs = [
        doc("fms/a", "A", ("fms",), ("maria", "john"), page(review_by="2026-01-01")),
        doc("eum/b", "B", ("eum",), (), page(review_by="2026-06-10")),
        doc("eum/c", "C", ("eum",), ("john",), page(review_by="2029-01-01")),
    ]
    found = report(docs, TODAY)
    assert found.counts() == {"overdue": 1, "due-soon": 1, "source-changed": 0, "reports": 0, "low-rating": 0}
    assert [(area, [e.slug for e in entries]) for area, entries in found.grouped("areas")] == [("eum", ["eum/b"]), ("fms", ["fms/a"])]
    assert [(p, [e.slug for e in entries]) for p, entries in found.grouped("experts")] == [("john", ["fms/a"]), ("maria", ["fms/a"]), ("", ["eum/b"])]


def test_open_reports_and_a_low_rating_are_reasons_for_review():
    docs = [doc("fms/a", "A", ("fms",), ("maria",), page(review_by="2029-01-01")), doc("eum/b", "B", ("eum",), (), page(review_by="2029-01-01"))]
    found = report(docs, TODAY, feedback={"fms/a": (2, Ratio("fms/a", 1, 6)), "eum/b": (0, Ratio("eum/b", 1, 1))})
    assert [(e.slug, e.status, e.message) for e in found.entries] == [
        ("fms/a", "reports", "2 open problem reports"),
        ("fms/a", "low-rating", "Only 1 of 7 readers found it helpful"),
    ]  # eum/b: 2 votes are too few to call it low


@pytest.fixture
def runner(tmp_path):
    root = init(tmp_path / "repo")
    files = dict(SAMPLE)
    files["articles/fms/letter-of-request.md"] = body("articles/fms/letter-of-request.md").replace(
        "review_by: 2030-01-01", "review_by: 2030-01-01\nsources: [SAMM C5.1]"
    )
    files["sources.yml"] = "- id: SAMM C5.1\n  changed: 2026-01-01\n  note: SAMM change notice\n"
    commit(root, "maria", "Initial content", files, when="2024-01-10T09:00:00Z")
    index = SearchIndex(tmp_path / "ix")
    sync(root, index)
    index.close()
    app = create_app({"CONTENT_DIR": str(root), "INDEX_DIR": str(tmp_path / "ix"), "SECRET_KEY": "t", "INSTANCE_DIR": str(tmp_path / "instance")})
    yield app.test_cli_runner()
    app.extensions["kb.index"].close()


def test_report_command_json(runner):
    result = runner.invoke(args=["kb", "report", "freshness", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_slug = {(e["slug"], e["status"]): e for e in data["entries"]}
    assert by_slug[("fms/letter-of-request", "source-changed")]["date"] == "2026-01-01"
    assert by_slug[("eum/golden-sentry", "overdue")]["date"] == "2025-01-09"  # 365 days after 2024-01-10
    assert by_slug[("eum/internal-checklist", "overdue")]["experts"] == ["maria-delgado"]  # staff articles too
    assert data["counts"]["source-changed"] == 1


def test_report_command_csv_and_text(runner):
    rows = list(csv.DictReader(io.StringIO(runner.invoke(args=["kb", "report", "freshness", "--format", "csv"]).output)))
    assert {"slug", "status", "date", "experts"} <= set(rows[0])
    assert {"slug": "fms/letter-of-request", "status": "source-changed", "date": "2026-01-01"}.items() <= next(
        r for r in rows if r["status"] == "source-changed"
    ).items()
    out = runner.invoke(args=["kb", "report", "freshness"]).output
    assert "fms/letter-of-request\tsource-changed\t2026-01-01\tmaria-delgado\t" in out
    assert "source changed, 0 with open problem reports, 0 rated low (as of" in out.splitlines()[-1]


def test_article_page_names_the_changed_source(tmp_path):
    root = init(tmp_path / "repo")
    files = dict(SAMPLE)
    files["articles/fms/letter-of-request.md"] = body("articles/fms/letter-of-request.md").replace(
        "review_by: 2030-01-01", "review_by: 2030-01-01\nsources: [SAMM C5.1]"
    )
    commit(root, "maria", "Initial content", files, when="2025-01-10T09:00:00Z")
    commit(root, "ed", "SAMM change", {"sources.yml": "- id: SAMM C5.1\n  changed: 2025-02-01\n  note: E-Change 500\n"}, when="2025-02-02T09:00:00Z")
    index = SearchIndex(tmp_path / "ix")
    sync(root, index)
    index.close()
    app = create_app(
        {"CONTENT_DIR": str(root), "INDEX_DIR": str(tmp_path / "ix"), "SECRET_KEY": "t", "INSTANCE_DIR": str(tmp_path / "instance"), "TESTING": True}
    )
    page = app.test_client().get("/articles/fms/letter-of-request").get_data(as_text=True)
    changed = 'SAMM C5.1 changed on <time datetime="2025-02-01">1 February 2025</time>: E-Change 500'
    assert f"Source changed since last review: {changed}" in page  # the site's one date format
    app.extensions["kb.index"].close()


def test_a_change_to_sources_yml_reaches_the_articles_citing_it(tmp_path, content_dir):
    path = content_dir / "articles/fms/letter-of-request.md"
    path.write_text(path.read_text().replace("review_by: 2030-01-01", "review_by: 2030-01-01\nsources: [SAMM C5.1]"))
    (content_dir / "sources.yml").write_text("- id: SAMM C5.1\n  changed: 2020-01-01\n")
    index = SearchIndex(tmp_path / "ix2")
    sync(content_dir, index)
    (content_dir / "sources.yml").write_text("- id: SAMM C5.1\n  changed: 2026-02-01\n  note: E-Change 600\n")
    report_ = sync(content_dir, index)
    assert report_.updated == 1
    assert index.get("article:fms/letter-of-request", ["public"]).page.sources == (
        {"id": "SAMM C5.1", "changed": "2026-02-01", "note": "E-Change 600"},
    )
    index.close()


def test_a_symlinked_sources_file_is_refused(tmp_path):
    """As everywhere in the content folder: no symlinks (issue 17)."""
    (tmp_path / "elsewhere.yml").write_text("- id: SAMM C5.1\n  changed: 2026-01-01\n")
    (tmp_path / "sources.yml").symlink_to(tmp_path / "elsewhere.yml")
    sources, problems, _ = load_sources(tmp_path)
    assert sources == {}
    assert [str(p) for p in problems] == ["sources.yml:1: error: symlink, skipped: the content folder may hold no symlinks (to files or folders)"]
    (tmp_path / "sources.yml").unlink()
    (tmp_path / "sources.yml").write_text("- id: SAMM C5.1\n  changed: 2026-01-01\n")
    assert list(load_sources(tmp_path)[0]) == ["SAMM C5.1"]


def test_the_csv_report_never_hands_a_spreadsheet_a_formula():
    """A title is text an author typed: one starting with = + - @ (or a tab) is a formula in a spreadsheet unless quoted."""
    titles = ['=HYPERLINK("https://evil.example","open")', "+SUM(1)", "-1", "@cmd", "Plain title"]
    docs = [doc(f"fms/a{n}", title, ("fms",), (), page(review_by="2026-05-01")) for n, title in enumerate(titles)]
    rows = list(csv.DictReader(io.StringIO(format_report(report(docs, TODAY), "csv"))))
    assert sorted(r["title"] for r in rows) == sorted(['\'=HYPERLINK("https://evil.example","open")', "'+SUM(1)", "'-1", "'@cmd", "Plain title"])
