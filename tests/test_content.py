"""The tolerant loader: every bad input gives a precise problem and loses no good content."""

from __future__ import annotations

import os
import re

import pytest

from kb.content import ParseCache, load_content, parse_document, parse_glossary

from .conftest import write_tree


def parse(text: str | bytes, kind: str = "article", rel: str = "articles/fms/x.md"):
    raw = text if isinstance(text, bytes) else text.encode()
    return parse_document(kind, "fms/x", rel, raw)


def messages(problems):
    return [str(p) for p in problems]


def test_article_fields_are_typed():
    doc, problems = parse("---\ntitle: T\ntags: one\nreview_by: 2027-01-31\naccess: Staff\n---\nBody\n")
    assert problems == []
    assert doc.title == "T" and doc.get("tags") == ("one",) and doc.get("access") == "staff"
    assert doc.get("review_by").isoformat() == "2027-01-31"
    assert doc.body == "Body\n" and doc.body_line == 7


def test_invalid_yaml_names_the_line_and_keeps_the_body():
    doc, problems = parse("---\ntitle: ok\naliases:\n  - %\n---\n# Heading here\ntext\n")
    assert messages(problems)[0].startswith("articles/fms/x.md:4: error: invalid YAML frontmatter")
    assert doc.title == "Heading here" and "text" in doc.body


def test_missing_title_is_an_error_with_a_fallback():
    doc, problems = parse("---\nsummary: s\n---\nno heading\n")
    assert doc.title == "X"
    assert any("missing required 'title'" in m for m in messages(problems))


def test_person_requires_a_name_and_keeps_the_job_title():
    doc, problems = parse("---\nname: Ada\ntitle: Engineer\n---\nbio\n", kind="person", rel="people/ada.md")
    assert problems == [] and doc.title == "Ada" and doc.get("title") == "Engineer"


def test_not_utf8_reports_the_line_and_keeps_the_text():
    doc, problems = parse(b"---\ntitle: T\n---\nline one\ncaf\xe9\n")
    assert messages(problems) == ["articles/fms/x.md:5: error: not valid UTF-8 (byte 0xe9); undecodable bytes shown as \ufffd"]
    assert "caf\ufffd" in doc.body


def test_binary_file_is_skipped():
    doc, problems = parse(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert doc is None and "binary file" in messages(problems)[0]


@pytest.mark.parametrize(
    "text",
    [
        "\ufeff---\ntitle: BOM\n---\nbody",
        "---\r\ntitle: BOM\r\n---\r\nbody",
    ],
)
def test_bom_and_crlf_are_read(text):
    doc, problems = parse(text)
    assert problems == [] and doc.title == "BOM" and doc.body.strip() == "body"


def test_empty_frontmatter_and_no_frontmatter():
    doc, _problems = parse("---\n---\n# From heading\n")
    assert doc.title == "From heading"
    doc, _ = parse("# Only a heading\nbody")
    assert doc.title == "Only a heading"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("---\n- a\n- b\n---\nx", "frontmatter must be a mapping"),
        ("---\ntitle: T\naccess: secret\n---\nx", "'access' must be 'public' or 'staff'"),
        ("---\ntitle: T\nreview_by: next year\n---\nx", "'review_by' must be a date"),
        ("---\ntitle: T\ntags: {a: 1}\n---\nx", "'tags' must be a list of text"),
        ("---\ntitle: T\nms.date: 01/18/2026\n---\nx", "unknown frontmatter keys ignored: ms.date"),
    ],
)
def test_bad_metadata_is_reported(text, expected):
    _, problems = parse(text)
    assert any(expected in m for m in messages(problems)), messages(problems)


def test_unknown_access_value_is_treated_as_staff():
    doc, _ = parse("---\ntitle: T\naccess: secret\n---\nx")
    assert doc.get("access") == "staff"


def test_non_string_title_becomes_text():
    doc, problems = parse("---\ntitle: 2019\n---\nx")
    assert doc.title == "2019" and problems == []


def test_glossary_entries_keep_lines_and_collisions():
    raw = b"- term: TCN\n  expansion: A\n- term: TCN\n  expansion: B\n- expansion: no term\n"
    entries, problems = parse_glossary("glossary.yml", raw)
    assert [(e.term, e.expansion, e.line) for e in entries] == [("TCN", "A", 1), ("TCN", "B", 3)]
    assert messages(problems) == ["glossary.yml:5: error: entry without a 'term', skipped"]


def test_broken_glossary_yaml_does_not_stop_loading(content_dir):
    (content_dir / "glossary.yml").write_text("- term: [unclosed\n")
    content = load_content(content_dir)
    assert content.glossary == () and len(content.of_kind("article")) == 4
    assert any(p.path == "glossary.yml" and p.severity == "error" for p in content.problems)


def test_loader_survives_every_bad_file_and_keeps_the_good_ones(tmp_path, content_dir):
    outside = tmp_path / "secret.md"
    outside.write_text("---\ntitle: Secret\n---\nsecret text")
    write_tree(
        content_dir,
        {
            "articles/fms/bad-yaml.md": "---\ntitle: [oops\n---\nbody",
            "articles/fms/binary.md": b"\x00\x01\x02",
            "articles/fms/latin1.md": b"---\ntitle: Caf\xe9\n---\nx",
            "articles/fms/huge.md": "---\ntitle: Huge\n---\n" + "x" * 20_000_000,
        },
    )
    os.symlink(outside, content_dir / "articles/fms/escape.md")
    content = load_content(content_dir, max_bytes=2_000_000)
    slugs = {d.id for d in content.of_kind("article")}
    assert {"fms/letter-of-request", "fms/bad-yaml", "fms/latin1"} <= slugs
    assert not {"fms/binary", "fms/huge", "fms/escape"} & slugs
    reported = "\n".join(messages(content.problems))
    assert "articles/fms/huge.md:1: error: file is 20.0 MB, over the 2.0 MB limit" in reported
    assert "articles/fms/escape.md:1: error: symlink, skipped: the content folder may hold no symlinks" in reported
    assert "articles/fms/binary.md:1: error: binary file" in reported
    assert "articles/fms/bad-yaml.md:2: error: invalid YAML frontmatter" in reported
    assert "articles/fms/latin1.md:2: error: not valid UTF-8" in reported


def test_nested_article_slugs_and_flat_other_kinds(content_dir):
    write_tree(content_dir, {"articles/fms/cases/closure.md": "---\ntitle: Closure\n---\nx", "people/nested/ignored.md": "---\nname: N\n---\nx"})
    content = load_content(content_dir)
    assert "fms/cases/closure" in {d.id for d in content.of_kind("article")}
    assert "ignored" not in {d.id for d in content.of_kind("person")}


def test_missing_content_folder_is_a_problem_not_a_crash(tmp_path):
    content = load_content(tmp_path / "nowhere")
    assert content.documents == () and "content folder not found" in str(content.problems[0])


def test_symlinked_folders_are_not_followed(tmp_path, content_dir):
    outside = tmp_path / "elsewhere"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "x.md").write_text("---\ntitle: X\n---\nx")
    os.symlink(outside, content_dir / "articles" / "escape")
    os.symlink(content_dir / "articles" / "fms", content_dir / "articles" / "again")
    content = load_content(content_dir)
    reported = "\n".join(messages(content.problems))
    assert "articles/escape:1: error: symlink, skipped: the content folder may hold no symlinks (to files or folders)" in reported
    assert "articles/again:1: error: symlink, skipped" in reported
    assert not any(d.id.startswith(("escape/", "again/")) for d in content.of_kind("article"))


# -- access and marking: any doubt keeps a document staff-only (issue 17, item 2) ---------------------

DOUBTFUL = [
    ("marking: [CUI]", 3, "'marking' must be one marking as text, such as CUI, not ['CUI']"),
    ("marking: {level: CUI}", 3, "'marking' must be one marking as text, such as CUI, not {'level': 'CUI'}"),
    ("marking:", 3, "'marking' must be one marking as text, such as CUI, not None"),
    ("access: yes", 3, "'access' must be 'public' or 'staff', not True"),
    ("access:", 3, "'access' must be 'public' or 'staff', not None"),
    ("access: [staff]", 3, "'access' must be 'public' or 'staff', not ['staff']"),
    ("Access: staff", 3, "'Access' is not a known key but looks like 'access' (misspelled, or in another case)"),
    ("ACCESS: staff", 3, "'ACCESS' is not a known key but looks like 'access' (misspelled, or in another case)"),
    ("Marking: CUI", 3, "'Marking' is not a known key but looks like 'marking' (misspelled, or in another case)"),
    ("acess: staff", 3, "'acess' is not a known key but looks like 'access' (misspelled, or in another case)"),
    ("acces: staff", 3, "'acces' is not a known key but looks like 'access' (misspelled, or in another case)"),
    ("accesss: staff", 3, "'accesss' is not a known key but looks like 'access' (misspelled, or in another case)"),
    ("acecss: staff", 3, "'acecss' is not a known key but looks like 'access' (misspelled, or in another case)"),
    ("markng: CUI", 3, "'markng' is not a known key but looks like 'marking' (misspelled, or in another case)"),
    ("makring: CUI", 3, "'makring' is not a known key but looks like 'marking' (misspelled, or in another case)"),
    ("markings: CUI", 3, "'markings' is not a known key but looks like 'marking' (misspelled, or in another case)"),
    ("marked: CUI", 3, "'marked' is not a known key but looks like 'marking' (misspelled, or in another case)"),
    ("access_level: staff", 3, "'access_level' is not a known key but looks like 'access' (misspelled, or in another case)"),
    ('"Acess": staff', 3, "'Acess' is not a known key but looks like 'access' (misspelled, or in another case)"),
    ("access: staff\nsummary: s\naccess: public", 3, "'access' is given 2 times (lines 3, 5)"),
]


@pytest.mark.parametrize("line, at, expected", DOUBTFUL)
def test_an_access_or_marking_in_doubt_keeps_the_article_staff_only_with_an_error_on_its_line(line, at, expected):
    doc, problems = parse(f"---\ntitle: T\n{line}\n---\nPlanted words.\n")
    assert doc.access == "staff" and doc.title == "T" and doc.body == "Planted words.\n"
    assert messages(problems) == [f"articles/fms/x.md:{at}: error: {expected}; the article is kept staff-only until it is fixed"]


@pytest.mark.parametrize(
    "front, access, marking",
    [
        ("access: public", "public", None),
        ("access: staff", "staff", None),
        ("access: Staff", "staff", None),
        ("marking: CUI", "staff", "CUI"),
        ("access: public\nmarking: CUI", "staff", "CUI"),
        ("areas: [fms]\ntags: [access]", "public", None),  # 'areas' is three edits from 'access': a key of its own
    ],
)
def test_an_exactly_understood_access_or_marking_is_no_problem(front, access, marking):
    doc, problems = parse(f"---\ntitle: T\n{front}\n---\nx\n")
    assert problems == [] and doc.access == access and doc.get("marking") == marking


@pytest.mark.parametrize(
    "text, at, key",
    [
        ("---\ntitle: T\n---\nsummary: s\naccess: staff\n---\nBody.\n", 5, "access"),  # the frontmatter closed too early
        ("# Title\nMarking: CUI\n\nBody.\n", 2, "Marking"),  # no frontmatter at all
    ],
)
def test_an_access_key_outside_the_frontmatter_keeps_the_article_staff_only(text, at, key):
    doc, problems = parse(text)
    assert doc.access == "staff"
    expected = f"articles/fms/x.md:{at}: error: '{key}' could not be read (broken frontmatter, or a line outside it)"
    assert any(m.startswith(expected) for m in messages(problems)), messages(problems)


@pytest.mark.parametrize("kind, rel", [("person", "people/x.md"), ("area", "areas/x.md"), ("path", "paths/x.md")])
@pytest.mark.parametrize("front", ["access: staff", "Access: public", "marking: CUI"])
def test_other_kinds_cannot_be_restricted_so_an_access_key_keeps_them_staff_only(kind, rel, front):
    required = "name" if kind == "person" else "title"
    doc, problems = parse(f"---\n{required}: X\n{front}\n---\nx\n", kind=kind, rel=rel)
    assert doc.access == "staff" and doc.title == "X"
    key = front.split(":")[0]
    assert messages(problems) == [
        f"{rel}:3: error: '{key}': only articles can be restricted, not a {kind}; the {kind} is kept staff-only until it is fixed"
    ]


def test_a_person_with_broken_frontmatter_and_an_access_line_is_staff_only():
    doc, problems = parse("---\nname: [Ada\naccess: staff\n---\nbio\n", kind="person", rel="people/ada.md")
    assert doc.access == "staff"
    assert "people/ada.md:3: error: 'access' could not be read (broken frontmatter, or a line outside it)" in "\n".join(messages(problems))


def test_a_glossary_entry_meant_to_be_restricted_is_left_out():
    raw = b"- term: LOA\n  expansion: Letter of Offer\n- term: ZCL\n  expansion: zebra checklist\n  Access: staff\n"
    entries, problems = parse_glossary("glossary.yml", raw)
    assert [e.term for e in entries] == ["LOA"]
    assert messages(problems) == [
        "glossary.yml:3: error: 'Access': glossary entries cannot be restricted, so this one is left out until the key is removed"
    ]


def test_no_key_of_the_content_format_is_taken_for_access_or_marking():
    """Every key docs/content-format.md lists (and every key the parser knows) other than the two themselves."""
    from kb.content.documents import SCHEMAS
    from kb.content.restriction import meant

    from .conftest import ROOT

    documented = set(re.findall(r"^\| `(\w+)`", (ROOT / "docs/content-format.md").read_text(), re.MULTILINE))
    keys = documented | {key for schema in SCHEMAS.values() for key in schema} | {"term", "expansion", "definition", "see", "command", "words"}
    assert {"title", "areas", "aliases", "audience", "access", "marking"} <= keys
    assert {key for key in keys if meant(key)} == {"access", "marking"}


# -- symlinks: refused everywhere in the content folder (issue 17, item 5) ---------------------------

STAFF_ARTICLE = "---\ntitle: Staff notes\naccess: staff\n---\nPlanted quokka words.\n"


def test_a_symlink_to_a_staff_article_is_never_loaded_as_a_person(content_dir):
    write_tree(content_dir, {"articles/eum/staff.md": STAFF_ARTICLE})
    os.symlink("../articles/eum/staff.md", content_dir / "people" / "x.md")
    content = load_content(content_dir)
    assert "x" not in {d.id for d in content.of_kind("person")}
    assert {"maria-delgado", "john-smith"} <= {d.id for d in content.of_kind("person")}
    assert "eum/staff" in {d.id for d in content.of_kind("article")}
    assert "people/x.md:1: error: symlink, skipped: the content folder may hold no symlinks (to files or folders)" in messages(content.problems)


def test_symlinked_kind_folders_and_tables_are_refused(tmp_path, content_dir):
    (content_dir / "people").rename(tmp_path / "people")
    os.symlink(content_dir / "articles", content_dir / "people")  # every article as a person
    (content_dir / "glossary.yml").rename(tmp_path / "glossary.yml")
    os.symlink(tmp_path / "glossary.yml", content_dir / "glossary.yml")
    content = load_content(content_dir)
    assert content.of_kind("person") == [] and content.glossary == ()
    assert len(content.of_kind("article")) == 4
    reported = messages(content.problems)
    assert "people:1: error: symlink, skipped: the content folder may hold no symlinks (to files or folders)" in reported
    assert "glossary.yml:1: error: symlink, skipped: the content folder may hold no symlinks (to files or folders)" in reported


def test_an_update_told_what_changed_refuses_a_file_below_a_symlinked_folder(content_dir):
    cache = ParseCache()
    load_content(content_dir, cache=cache)
    os.symlink(content_dir / "articles" / "eum", content_dir / "articles" / "linked")
    content = load_content(content_dir, cache=cache.carried(), changed=["articles/linked/internal-checklist.md"])
    assert "linked/internal-checklist" not in {d.id for d in content.of_kind("article")}
    assert "articles/linked:1: error: symlink, skipped: the content folder may hold no symlinks (to files or folders)" in messages(content.problems)
