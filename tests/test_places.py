"""The place table: loading regions.yml tolerantly, folding values, and reading places in queries."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from kb.content import load_content, parse_document, parse_regions
from kb.facets import fold
from kb.health.checker import check_content
from kb.places import Places, read_places

from .conftest import write_tree
from .directory_sample import REGIONS_YML


def table() -> Places:
    commands, problems = parse_regions("regions.yml", textwrap.dedent(REGIONS_YML).lstrip().encode())
    assert problems == []
    return Places(tuple(commands))


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Māori", "maori"),
        ("Côte d'Ivoire", "cote d ivoire"),
        ("  FRENCH ", "french"),
        ("SC Workforce Certification, Advanced", "sc workforce certification advanced"),
        ("Guinea-Bissau", "guinea bissau"),
    ],
)
def test_fold_removes_accents_case_and_punctuation(text, folded):
    assert fold(text) == folded


def test_regions_file_loads_commands_with_lines():
    commands = table().commands
    assert [c.command for c in commands] == ["AFRICOM", "EUCOM", "INDOPACOM", "SOUTHCOM"]
    assert commands[0].name == "U.S. Africa Command" and "West Africa" in commands[0].words
    assert commands[0].countries == ("Nigeria", "Kenya", "Côte d'Ivoire") and commands[0].line == 1


def test_bad_entries_are_reported_with_their_line_and_the_rest_loads():
    raw = b"""- command: AFRICOM
  countries: [Kenya]
- name: no command here
- command: AFRICOM
- command: EUCOM
  words: {not: a list}
  colour: blue
  countries: [Poland, Kenya]
- just text
"""
    commands, problems = parse_regions("regions.yml", raw)
    assert [c.command for c in commands] == ["AFRICOM", "EUCOM"]
    assert commands[1].words == () and commands[1].countries == ("Poland",)
    found = {(p.line, p.severity, p.message.split(";")[0]) for p in problems}
    assert (3, "error", "entry without a 'command' (text), skipped") in found
    assert (4, "error", "command 'AFRICOM' listed twice, skipped") in found
    assert (5, "error", "'EUCOM': 'words' must be a list of text") in found
    assert (5, "warning", "unknown keys ignored: colour") in found
    assert (5, "error", "'EUCOM': country 'Kenya' is already under AFRICOM") in found
    assert (9, "error", "entry without a 'command' (text), skipped") in found


def test_invalid_yaml_is_one_error_and_no_table():
    commands, problems = parse_regions("regions.yml", b"- command: [AFRICOM\n")
    assert commands == [] and problems[0].severity == "error" and "invalid YAML" in problems[0].message


def test_kb_check_reports_bad_place_entries(tmp_path):
    root = write_tree(tmp_path / "content", {"regions.yml": "- name: nameless\n- command: EUCOM\n  countries: {a: b}\n"})
    problems = [str(p) for p in check_content(load_content(root), dt.date.today())]
    assert "regions.yml:1: error: entry without a 'command' (text), skipped" in problems
    assert "regions.yml:2: error: 'EUCOM': 'countries' must be a list of text; ignored" in problems
    root = write_tree(tmp_path / "broken", {"regions.yml": "- command: EUCOM\n  countries: x: y\n"})
    assert next(str(p) for p in check_content(load_content(root), dt.date.today())).startswith("regions.yml:2: error: invalid YAML")


@pytest.mark.parametrize(
    "query, commands, countries",
    [
        ("who knows IMET in Africa", {"africom"}, set()),
        ("logistics in South America", {"southcom"}, set()),
        ("Pacific", {"indopacom"}, set()),
        ("ITAR licensing for Japan and Korea", set(), {"japan", "republic of korea"}),
        ("EUM in cote d'ivoire", set(), {"cote d ivoire"}),
        ("AFRICOM and U.S. European Command", {"africom", "eucom"}, set()),
        ("pricing", set(), set()),
    ],
)
def test_read_places_queries(query, commands, countries):
    found = table().match(query)
    assert set(found.commands) == commands and set(found.countries) == countries


def test_a_country_counts_for_its_command():
    places = table()
    assert places.command_of("Kenya") == "africom" and places.command_of("kenya") == "africom"
    assert places.command_of("Narnia") is None
    assert places.commands_for(["EUCOM"], ["Kenya", "Poland", "Narnia"]) == ("eucom", "africom")
    assert places.resolve_region("Africa") == "africom" and places.resolve_region("U.S. Africa Command") == "africom"
    assert places.label("africom") == "AFRICOM"


def test_read_places_a_content_folder_follow_the_file(tmp_path):
    assert read_places(tmp_path).commands == ()
    (tmp_path / "regions.yml").write_text("- command: AFRICOM\n  countries: [Kenya]\n")
    assert read_places(tmp_path).command_of("Kenya") == "africom"
    (tmp_path / "regions.yml").write_text("- command: EUCOM\n  countries: [Kenya, Poland]\n")
    assert read_places(tmp_path).command_of("Kenya") == "eucom"


@pytest.mark.parametrize(
    "languages, expected",
    [
        ("[French, Spanish]", ({"name": "French", "level": ""}, {"name": "Spanish", "level": ""})),
        ('[{name: French, level: "ILR 3"}, Spanish]', ({"name": "French", "level": "ILR 3"}, {"name": "Spanish", "level": ""})),
        ("Māori", ({"name": "Māori", "level": ""},)),
    ],
)
def test_person_languages_load_plain_or_with_a_level(languages, expected):
    doc, problems = parse_document("person", "x", "people/x.md", f"---\nname: X\nlanguages: {languages}\nsco: ODC Nairobi\n---\n".encode())
    assert problems == [] and doc.get("languages") == expected and doc.get("sco") == "ODC Nairobi"


def test_bad_languages_are_an_error_with_the_line():
    doc, problems = parse_document("person", "x", "people/x.md", b"---\nname: X\nlanguages: [[French]]\n---\n")
    assert doc.get("languages") is None and problems[0].line == 3 and "'languages'" in problems[0].message


def test_articles_take_countries_and_regions():
    doc, problems = parse_document("article", "a", "articles/a.md", b"---\ntitle: A\ncountries: [Kenya]\nregions: [AFRICOM]\n---\n")
    assert problems == [] and doc.get("countries") == ("Kenya",) and doc.get("regions") == ("AFRICOM",)


def test_kb_check_warns_about_commands_and_countries_the_table_lacks(tmp_path):
    root = write_tree(
        tmp_path / "content",
        {
            "regions.yml": "- command: AFRICOM\n  countries: [Kenya]\n",
            "people/x.md": "---\nname: X\nregions: [AFRICOM, MOONCOM]\ncountries: [Kenya, Narnia]\n---\n",
        },
    )
    problems = [str(p) for p in check_content(load_content(root), dt.date.today())]
    assert "people/x.md:3: warning: combatant command 'MOONCOM' is not in regions.yml" in problems
    assert "people/x.md:4: warning: country 'Narnia' is not in regions.yml, so it counts for no command" in problems
    assert not any("'AFRICOM'" in p or "'Kenya'" in p for p in problems)
