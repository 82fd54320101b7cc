"""``flask kb check`` and ``flask kb index`` through Flask's CLI runner."""

from __future__ import annotations

import re

import pytest

from .conftest import make_app, write_tree

LINE = re.compile(r"^[^:\n]+:\d+: (error|warning): .+$")


def runner_for(content_dir, tmp_path):
    """A CLI runner over ``content_dir`` with an index of its own (the ``runner`` fixture shares one)."""
    return make_app(content_dir, tmp_path / "ix", tmp_path / "instance").test_cli_runner()


def test_check_passes_on_clean_content(content_dir, tmp_path):
    result = runner_for(content_dir, tmp_path).invoke(args=["kb", "check"])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_check_reports_every_problem_as_path_line_severity_message(content_dir, tmp_path):
    write_tree(
        content_dir,
        {
            "articles/fms/broken.md": """
            ---
            title: Broken
            areas: [nowhere]
            experts: [ghost]
            related: [fms/none]
            review_by: 2001-01-01
            ---
            See [[fms/missing-page]].
            """,
            "paths/bad.md": "---\ntitle: Bad\nsteps:\n  - article: fms/none\n    note: x\n---\n",
            "glossary.yml": "- term: X\n  see: fms/none\n",
        },
    )
    result = runner_for(content_dir, tmp_path).invoke(args=["kb", "check"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if LINE.match(line)]
    for expected in [
        "articles/fms/broken.md:3: error: unknown area 'nowhere' in 'areas'",
        "articles/fms/broken.md:4: error: unknown person 'ghost' in 'experts'",
        "articles/fms/broken.md:5: error: unknown article 'fms/none' in 'related'",
        "articles/fms/broken.md:6: warning: review date 2001-01-01 has passed",
        "articles/fms/broken.md:8: error: link to missing article 'fms/missing-page'",
        "paths/bad.md:4: error: step names unknown article 'fms/none'",
        "glossary.yml:1: error: 'X' sees unknown article 'fms/none'",
    ]:
        assert expected in lines, (expected, result.output)


def test_index_command_builds_then_updates(content_dir, tmp_path):
    runner = runner_for(content_dir, tmp_path)
    first = runner.invoke(args=["kb", "index"])
    assert first.exit_code == 0 and "index rebuilt" in first.output and "13 added" in first.output
    again = runner.invoke(args=["kb", "index"])
    assert "index updated" in again.output and "0 added, 0 changed, 0 deleted, 13 unchanged" in again.output
    rebuilt = runner.invoke(args=["kb", "index", "--rebuild", "--optimize"])
    assert rebuilt.exit_code == 0 and "index rebuilt" in rebuilt.output


def test_index_command_reports_bad_files_but_indexes_the_rest(content_dir, tmp_path):
    write_tree(content_dir, {"articles/fms/bad.md": "---\ntitle: [x\n---\nBad but readable"})
    result = runner_for(content_dir, tmp_path).invoke(args=["kb", "index"])
    assert result.exit_code == 1  # content errors, as `kb check`: after indexing what it could
    assert "articles/fms/bad.md:2: error: invalid YAML frontmatter" in result.output
    assert "14 added" in result.output


# one article with three errors (a date, an access value, a list) and one warning (an unknown key)
THREE_ERRORS = {
    "articles/fms/three.md": """
        ---
        title: Three errors
        review_by: someday
        access: yes please
        related: {a: b}
        colour: blue
        ---
        Body.
        """
}
THREE_LINES = [
    "articles/fms/three.md:3: error: 'review_by' must be a date as YYYY-MM-DD",
    "articles/fms/three.md:4: error: 'access' must be 'public' or 'staff', not 'yes please'; the article is kept staff-only until it is fixed",
    "articles/fms/three.md:5: error: 'related' must be a list of text",
    "articles/fms/three.md:6: warning: unknown frontmatter keys ignored: colour",
]


@pytest.mark.parametrize("args", [("index",), ("index", "--rebuild"), ("sync",)], ids=["index", "rebuild", "sync"])
def test_every_indexing_command_prints_each_problem_counts_files_and_exits_1(content_dir, tmp_path, args):
    """One file with three errors is one file, each problem is on its line as `kb check` prints it,
    and the command exits 1 after indexing what it could (the file too, staff-only)."""
    runner = runner_for(content_dir, tmp_path)
    assert runner.invoke(args=["kb", "index"]).exit_code == 0  # the sample content has no errors
    write_tree(content_dir, THREE_ERRORS)
    result = runner.invoke(args=["kb", *args])
    assert result.exit_code == 1, result.output
    assert [line for line in result.output.splitlines() if LINE.match(line)] == THREE_LINES
    assert "1 file has 3 errors, 1 file has 1 warning" in result.output
    assert "files have errors" not in result.output and "content problems" not in result.output
    assert ("14 added" if "--rebuild" in args else "1 added") in result.output


def test_index_exits_0_with_a_count_when_the_content_has_no_errors(content_dir, tmp_path):
    result = runner_for(content_dir, tmp_path).invoke(args=["kb", "index"])
    assert result.exit_code == 0 and "; 0 errors, 0 warnings" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (("report", "search", "--week", "bogus"), "Invalid value for '--week': 'bogus' is not an ISO week: write YYYY-Www, e.g. "),
        (("report", "search", "--week", "2026-W60"), "Invalid value for '--week': '2026-W60' is not an ISO week"),
        (("report", "search", "--area", "nosuch"), "Invalid value for '--area': 'nosuch' is not a functional area. Choose from: eum, fms."),
        (("report", "search", "--format", "xml"), "Invalid value for '--format': 'xml' is not one of 'text', 'csv', 'json'."),
        (("check", "/no/such/folder"), "Invalid value for '[PATH]': Directory '/no/such/folder' does not exist."),
    ],
    ids=["week", "week-number", "area", "format", "check-path"],
)
def test_an_invalid_argument_is_a_usage_error_that_names_the_valid_choices(runner, args, message):
    result = runner.invoke(args=["kb", *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert "searches" not in result.output  # no report of another week or of no area


def test_index_if_idle_does_nothing_while_another_update_holds_the_lock(app, runner, index):
    with index.lock():
        result = runner.invoke(args=["kb", "index", "--rebuild", "--if-idle"])
    assert result.exit_code == 0
    assert "another index update is running" in result.output and "nothing done" in result.output
    assert "rebuilt" in runner.invoke(args=["kb", "index", "--rebuild", "--if-idle"]).output


def test_index_if_unreadable_rebuilds_only_a_broken_index(app, runner, index):
    """What a web worker asks for after a read error: nothing when another worker's rebuild already mended it."""
    before = (index.directory / "CURRENT").read_text()
    result = runner.invoke(args=["kb", "index", "--rebuild", "--if-idle", "--if-unreadable"])
    assert result.exit_code == 0 and "reads well: nothing done" in result.output
    assert (index.directory / "CURRENT").read_text() == before
    generation = index.directory / before.strip()
    for path in generation.glob("*.toc"):
        path.write_bytes(b"not an index")
    result = runner.invoke(args=["kb", "index", "--rebuild", "--if-idle", "--if-unreadable"])
    assert result.exit_code == 0 and "index rebuilt" in result.output
    assert (index.directory / "CURRENT").read_text() != before
