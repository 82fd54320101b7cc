"""Handling markings: a marked article is staff-only whatever its access; ``kb check`` knows the allowed list."""

from __future__ import annotations

from kb import create_app
from kb.content import parse_document
from kb.index import SearchIndex
from kb.repository.sync import sync

from .conftest import write_tree

MARKED = b"---\ntitle: Marked\naccess: public\nmarking: CUI\n---\nSecret words.\n"


def test_a_marked_article_is_staff_only():
    doc, problems = parse_document("article", "fms/marked", "articles/fms/marked.md", MARKED)
    assert problems == [] and doc.get("marking") == "CUI" and doc.get("access") == "staff"


def test_the_marking_travels_in_the_record(tmp_path, content_dir):
    write_tree(content_dir, {"articles/fms/marked.md": MARKED.decode()})
    index = SearchIndex(tmp_path / "ix")
    try:
        sync(content_dir, index)
        assert index.get("article:fms/marked", ("public",)) is None
        doc = index.get("article:fms/marked", ("public", "staff"))
        assert doc.access == "staff" and doc.page.marking == "CUI"
        assert index.get("article:fms/letter-of-request", ("public",)).page.marking is None
    finally:
        index.close()


def check_output(content_dir, tmp_path, **settings):
    app = create_app(
        {
            "CONTENT_DIR": str(content_dir),
            "INDEX_DIR": str(tmp_path / "ix"),
            "SECRET_KEY": "t",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            **settings,
        }
    )
    return app.test_cli_runner().invoke(args=["kb", "check"])


def test_check_reports_an_unknown_marking_with_file_and_line(content_dir, tmp_path):
    write_tree(
        content_dir,
        {
            "articles/fms/marked.md": "---\ntitle: M\nsummary: s\nmarking: SECRET-ISH\n---\nx\n",
            "articles/fms/cui.md": "---\ntitle: C\nmarking: cui\n---\nx\n",
        },
    )
    result = check_output(content_dir, tmp_path)
    assert result.exit_code == 1
    assert "articles/fms/marked.md:4: error: unknown marking 'SECRET-ISH' (allowed: CUI; KB_MARKINGS)" in result.output
    assert not any(line.startswith("articles/fms/cui.md") and "error" in line for line in result.output.splitlines())


def test_the_allowed_markings_come_from_the_setting(content_dir, tmp_path):
    write_tree(content_dir, {"articles/fms/marked.md": "---\ntitle: M\nmarking: PROPIN\n---\nx\n"})
    assert check_output(content_dir, tmp_path, MARKINGS="CUI, PROPIN").exit_code == 0
    assert check_output(content_dir, tmp_path).exit_code == 1
