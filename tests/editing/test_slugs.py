"""New articles' short names: only a-z, digits and hyphens name a file; everything else is refused with the reason."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.content import parse_document
from kb.editing.slugs import SlugError, article_path, article_template, check_slug, slug_from_title


@pytest.mark.parametrize(
    "hostile",
    ["../../etc/passwd", "..", "a/b", "a\x00b", "\u0430bc", "caf\u00e9", "Upper", "a--b", "-a", "a b", "x" * 81, "", "a.md", "a\\b", "\u2024\u2024"],
)
def test_hostile_short_names_are_refused(hostile):
    with pytest.raises(SlugError):
        check_slug(hostile)
    with pytest.raises(SlugError):
        article_path("fms", hostile)


def test_a_safe_short_name_makes_the_path_in_its_area():
    assert article_path("fms", "letter-of-request-2") == "articles/fms/letter-of-request-2.md"
    with pytest.raises(SlugError):
        article_path("../areas", "x")


def test_a_title_suggests_a_safe_short_name():
    assert slug_from_title("Café: Letter of Request / LOR!") == "cafe-letter-of-request-lor"
    assert check_slug(slug_from_title("T" * 200)) == "t" * 80


def test_the_template_fills_what_the_checker_requires():
    text = article_template("Case closure", "Closing an FMS case.", "fms", dt.date(2026, 1, 1))
    doc, problems = parse_document("article", "fms/case-closure", "articles/fms/case-closure.md", text.encode())
    assert [p for p in problems if p.severity == "error"] == []
    assert doc.title == "Case closure" and doc.get("areas") == ("fms",) and doc.get("review_by") == dt.date(2027, 1, 1)
