"""``flask kb people import``: HR CSV rows to people/<id>.md, through Flask's CLI runner."""

from __future__ import annotations

import datetime as dt

import pytest

from kb import create_app
from kb.content import load_content, parse_document
from kb.directory.people_import import import_people, slugify
from kb.health.checker import check_content

HEADER = "Full Name,Job Title,Organization,E-mail,Phone,Functional Areas,Skills,Combatant Command,Countries,Languages,Certification,SCO,Badge\n"
GOOD = (
    'Kwame Mensah,SCO Deputy,"Office of Security Cooperation, U.S. Embassy Accra",kwame.mensah@example.mil,'
    "+1 202 555 0199,fms;eum,IMET execution; Leahy vetting,AFRICOM,Ghana;Togo,English;French (ILR 3);Twi: ILR 2,"
    '"SC Workforce Certification, Intermediate",Office of Security Cooperation Accra,123\n'
)


@pytest.fixture
def runner(content_dir, tmp_path):
    app = create_app(
        {"CONTENT_DIR": str(content_dir), "INDEX_DIR": str(tmp_path / "ix"), "SECRET_KEY": "t", "INSTANCE_DIR": str(tmp_path / "instance")}
    )
    return app.test_cli_runner()


def run(runner, tmp_path, text: str, *options: str):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(text, encoding="utf-8")
    return runner.invoke(args=["kb", "people", "import", str(csv_file), *options])


def test_import_creates_profiles_that_load_cleanly(runner, tmp_path, content_dir):
    result = run(runner, tmp_path, HEADER + GOOD)
    assert result.exit_code == 0, result.output
    assert "line 2 (kwame-mensah): created" in result.output and "columns ignored: Badge" in result.output
    doc, problems = parse_document("person", "kwame-mensah", "people/kwame-mensah.md", (content_dir / "people/kwame-mensah.md").read_bytes())
    assert problems == []
    assert doc.title == "Kwame Mensah" and doc.get("organization") == "Office of Security Cooperation, U.S. Embassy Accra"
    assert doc.get("areas") == ("fms", "eum") and doc.get("expertise") == ("IMET execution", "Leahy vetting")
    assert doc.get("languages") == ({"name": "English", "level": ""}, {"name": "French", "level": "ILR 3"}, {"name": "Twi", "level": "ILR 2"})
    assert doc.get("phone") == "+1 202 555 0199" and doc.get("sco") == "Office of Security Cooperation Accra"
    assert [p for p in check_content(load_content(content_dir), dt.date(2026, 1, 1)) if p.severity == "error"] == []


def test_bad_rows_are_reported_with_line_and_reason_and_the_exit_is_non_zero(runner, tmp_path, content_dir):
    text = (
        HEADER
        + GOOD
        + ",No Name,,,,,,,,,,,\n"
        + "Bad Area,Analyst,,,,nowhere,,,,,,,\n"
        + "Bad Mail,Analyst,,not-an-email,,,,,,,,,\n"
        + '"Multi\nLine",Analyst,,,,fms,,,,,,,\n'
        + "Too Many,a,b,c,d,fms,f,g,h,i,j,k,l,m,n\n"
        + "Kwame Mensah,Again,,,,,,,,,,,\n"
        + "\n"
    )
    result = run(runner, tmp_path, text)
    assert result.exit_code == 1
    out = result.output
    assert "line 3: failed: no name" in out
    assert "line 4 (bad-area): failed: unknown functional area 'nowhere'" in out
    assert "line 5 (bad-mail): failed: email 'not-an-email' is not an email address" in out
    assert "line 6 (multi-line): created" in out  # a quoted cell over two lines; the next row is line 8
    assert "line 8: failed: 15 cells but 13 columns" in out
    assert "line 9 (kwame-mensah): failed: id 'kwame-mensah' already used on line 2" in out
    assert "2 created, 0 updated, 0 unchanged, 0 skipped, 5 failed" in out
    assert (content_dir / "people/kwame-mensah.md").exists() and not (content_dir / "people/bad-mail.md").exists()


def test_existing_profiles_are_never_overwritten_without_update(runner, tmp_path, content_dir):
    before = (content_dir / "people/maria-delgado.md").read_text()
    result = run(runner, tmp_path, HEADER + "Maria Delgado,Director,,,,,,,,,,,\n")
    assert result.exit_code == 0 and "people/maria-delgado.md exists (use --update)" in result.output
    assert (content_dir / "people/maria-delgado.md").read_text() == before


def test_update_changes_fields_and_keeps_the_bio(runner, tmp_path, content_dir):
    result = run(runner, tmp_path, HEADER + "Maria Delgado,Director,,,,,,,Chile;Peru,Spanish (ILR 5),,,\n", "--update")
    assert result.exit_code == 0 and "line 2 (maria-delgado): updated" in result.output
    doc, problems = parse_document("person", "maria-delgado", "people/maria-delgado.md", (content_dir / "people/maria-delgado.md").read_bytes())
    assert problems == [] and doc.get("title") == "Director" and doc.get("countries") == ("Chile", "Peru")
    assert doc.get("languages") == ({"name": "Spanish", "level": "ILR 5"},)
    assert doc.get("email") == "maria.delgado@example.mil" and doc.get("expertise") == ("LOA development",)  # kept
    assert doc.body.strip() == "Maria has managed FMS cases for years."
    again = run(runner, tmp_path, HEADER + "Maria Delgado,Director,,,,,,,Chile;Peru,Spanish (ILR 5),,,\n", "--update")
    assert "unchanged" in again.output


def test_dry_run_writes_nothing(runner, tmp_path, content_dir):
    before = sorted(p.name for p in (content_dir / "people").iterdir())
    maria = (content_dir / "people/maria-delgado.md").read_text()
    result = run(runner, tmp_path, HEADER + GOOD + "Maria Delgado,Director,,,,,,,,,,,\n", "--update", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "line 2 (kwame-mensah): created: dry run" in result.output and "line 3 (maria-delgado): updated" in result.output
    assert sorted(p.name for p in (content_dir / "people").iterdir()) == before
    assert (content_dir / "people/maria-delgado.md").read_text() == maria


def test_id_column_and_first_last_names(tmp_path):
    report = import_people("ID,First Name,Last Name,Email\njdoe,José,Núñez,j@example.mil\n,Kevin,O'Donnell,\n", tmp_path, known_areas=set())
    assert [(r.line, r.person_id, r.action) for r in report.rows] == [(2, "jdoe", "created"), (3, "kevin-odonnell", "created")]
    assert "name: José Núñez" in (tmp_path / "people/jdoe.md").read_text(encoding="utf-8")
    assert slugify("José Núñez") == "jose-nunez"
    bad = import_people("ID,Name\nNot A Slug,X\n", tmp_path)
    assert bad.rows[0].action == "failed" and "lower case" in bad.rows[0].message


def test_a_file_without_a_name_column_fails_as_a_whole(runner, tmp_path):
    result = run(runner, tmp_path, "Email,Phone\na@example.mil,1\n")
    assert result.exit_code == 1 and "no 'name' column" in result.output


def test_long_files_show_a_progress_bar(runner, tmp_path, content_dir):
    rows = "".join(f"Person {n:03d},Analyst,,,,fms,,,,,,,\n" for n in range(60))
    result = run(runner, tmp_path, HEADER + rows)
    assert result.exit_code == 0 and "Importing 60 rows" in result.output
    assert len(list((content_dir / "people").glob("person-*.md"))) == 60


def test_the_readme_example_imports_cleanly(tmp_path):
    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    assert "kb people import FILE.csv [--update] [--dry-run]" in readme
    example = readme.split("```csv\n")[1].split("```")[0]
    areas = {p.stem for p in (ROOT / "content" / "areas").glob("*.md")}
    report = import_people(example, tmp_path, known_areas=areas)
    assert [(r.line, r.person_id, r.action) for r in report.rows] == [(2, "kwame-mensah", "created")]
    assert report.ignored_columns == () and not report.failed
