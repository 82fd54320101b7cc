"""Knowledge check files (``kb.content.quizzes``): parsing, scoring, and what ``kb check`` reports with lines."""

from __future__ import annotations

import datetime as dt

from kb.content.quizzes import DEFAULT_PASS_MARK, load_quiz, parse_quiz
from kb.health.checker import check_folder

from .conftest import write_tree

GOOD = b"""pass_mark: 75
questions:
  - id: one
    question: Pick B.
    choices: [A, B]
    answer: B
    explanation: Because.
  - id: two
    question: Pick A and C.
    choices: [A, B, C]
    answer: [A, C]
  - id: three
    question: True?
    type: true-false
    answer: true
"""

BAD = b"""questions:
  - id: no-answer
    question: Which?
    choices: [A, B]
  - id: stranger
    question: Which?
    choices: [A, B]
    answer: C
  - id: no-answer
    question: Again?
    choices: [A, B]
    answer: A
"""


def test_a_check_parses_with_its_pass_mark_and_scores_exact_answers():
    quiz, problems = parse_quiz("paths/p.check.yml", GOOD, "p")
    assert problems == [] and quiz is not None and quiz.pass_mark == 75
    assert [q.id for q in quiz.questions] == ["one", "two", "three"]
    assert quiz.questions[1].multiple and quiz.questions[2].choices == ("True", "False")
    assert quiz.score({"one": frozenset({"B"}), "two": frozenset({"A", "C"}), "three": frozenset({"True"})}) == 100
    assert quiz.score({"one": frozenset({"B"}), "two": frozenset({"A"})}) == 33  # a partly right answer is wrong


def test_a_check_without_pass_mark_uses_the_default():
    quiz, _ = parse_quiz("paths/p.check.yml", GOOD.replace(b"pass_mark: 75\n", b""), "p")
    assert quiz.pass_mark == DEFAULT_PASS_MARK


def test_bad_questions_are_reported_with_their_lines_and_skipped():
    quiz, problems = parse_quiz("paths/p.check.yml", BAD, "p")
    assert [str(p) for p in problems] == [
        "paths/p.check.yml:2: error: 'no-answer' has no correct 'answer'; question skipped",
        "paths/p.check.yml:5: error: 'stranger': answer 'C' is not one of its choices; question skipped",
        "paths/p.check.yml:9: error: duplicate id 'no-answer' (first on line 2); question skipped",
    ]
    assert quiz is None


def test_a_check_that_is_not_a_list_of_questions_is_not_loaded():
    for raw in (b"- a\n", b"questions: nope\n", b"questions: [\n"):
        quiz, problems = parse_quiz("paths/p.check.yml", raw, "p")
        assert quiz is None and problems and problems[0].severity == "error"
    _, problems = parse_quiz("paths/p.check.yml", b"pass_mark: 0\n" + GOOD[len(b"pass_mark: 75\n") :], "p")
    assert "'pass_mark' must be a percent from 1 to 100" in problems[0].message


def test_kb_check_reports_check_files_with_file_and_line(tmp_path):
    write_tree(
        tmp_path / "content",
        {
            "paths/p.md": "---\ntitle: P\nsteps: []\n---\nBody.\n",
            "paths/p.check.yml": BAD.decode(),
            "paths/gone.check.yml": GOOD.decode(),
        },
    )
    messages = [str(p) for p in check_folder(tmp_path / "content", dt.date(2026, 12, 7)).problems]
    assert "paths/p.check.yml:5: error: 'stranger': answer 'C' is not one of its choices; question skipped" in messages
    assert "paths/p.check.yml:9: error: duplicate id 'no-answer' (first on line 2); question skipped" in messages
    assert "paths/gone.check.yml:1: error: check for a path that does not exist ('paths/gone.md')" in messages


def test_a_symlinked_or_missing_check_file_is_no_check(tmp_path):
    write_tree(tmp_path / "content", {"paths/p.md": "---\ntitle: P\n---\n", "elsewhere.yml": GOOD.decode()})
    assert load_quiz(tmp_path / "content", "p") is None
    (tmp_path / "content/paths/p.check.yml").symlink_to(tmp_path / "content/elsewhere.yml")
    assert load_quiz(tmp_path / "content", "p") is None
    (tmp_path / "content/paths/p.check.yml").unlink()
    (tmp_path / "content/paths/p.check.yml").write_bytes(GOOD)
    assert load_quiz(tmp_path / "content", "p").pass_mark == 75
