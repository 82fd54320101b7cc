"""The editor's fields in and out of frontmatter: unknown keys, comments and untouched values keep their exact text."""

from __future__ import annotations

import datetime as dt

import yaml

from kb.editing.frontmatter import compose, form_values, split

FILE = """---
# written by a git user: this comment stays
title: Letter of Request
summary: How a partner asks.
tags: [case-development, lor]
owner_note: |
  kept exactly,
    with its indentation
custom:
- one
-   two   # odd spacing stays
review_by: 2030-01-01
---
The body.
"""


def test_an_unchanged_form_gives_the_file_back_byte_for_byte():
    values, body = form_values(FILE)
    assert values["title"] == "Letter of Request" and values["tags"] == "case-development, lor" and values["review_by"] == "2030-01-01"
    assert body == "The body.\n"
    assert compose(FILE, values, body) == FILE


def test_unknown_keys_and_comments_keep_their_exact_text_when_fields_change():
    values, _ = form_values(FILE)
    values.update(title="Letter of Request (LOR)", tags="lor, new-tag", marking="CUI")
    text = compose(FILE, values, "New body.\n")
    assert "# written by a git user: this comment stays\n" in text
    assert "owner_note: |\n  kept exactly,\n    with its indentation\n" in text
    assert "custom:\n- one\n-   two   # odd spacing stays\n" in text
    assert "summary: How a partner asks.\n" in text and "review_by: 2030-01-01\n" in text
    meta = yaml.safe_load(split(text).front)
    assert meta["title"] == "Letter of Request (LOR)"
    assert meta["tags"] == ["lor", "new-tag"]
    assert meta["marking"] == "CUI"
    assert meta["review_by"] == dt.date(2030, 1, 1)
    assert split(text).body == "New body.\n"


def test_an_emptied_field_removes_its_key_and_others_stay():
    values, body = form_values(FILE)
    values["summary"] = ""
    text = compose(FILE, values, body)
    assert "summary:" not in text
    assert "title: Letter of Request\n" in text and "owner_note: |" in text


def test_a_file_without_frontmatter_gets_one():
    text = compose("Just a body.\n", {"title": "Fresh", "areas": "fms"}, "Just a body.\n")
    assert text == "---\ntitle: Fresh\nareas: [fms]\n---\nJust a body.\n"


def test_values_that_yaml_would_misread_are_quoted():
    values, body = form_values(FILE)
    values["title"] = "yes: no # not a comment"
    text = compose(FILE, values, body)
    assert yaml.safe_load(split(text).front)["title"] == "yes: no # not a comment"


def test_a_key_the_line_scan_does_not_see_is_still_changed_correctly():
    original = '---\n"title": Old title\nowner_note: kept\n---\nBody.\n'
    values, body = form_values(original)
    values["title"] = "New title"
    meta = yaml.safe_load(split(compose(original, values, body)).front)
    assert meta == {"title": "New title", "owner_note": "kept"}


def test_broken_yaml_is_not_doubled_and_the_checker_still_sees_it():
    original = "---\ntitle: [unclosed\nsummary: S\n---\nBody.\n"
    values, body = form_values(original)
    text = compose(original, {**values, "title": "Fixed"}, body)
    assert text.count("title:") == 1
