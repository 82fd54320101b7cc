"""Knowledge checks: ``paths/<path-id>.check.yml`` beside a path, parsed and validated with lines.

A check is a YAML mapping: an optional ``pass_mark`` (percent) and ``questions``, each with an
``id``, the ``question``, ``choices`` (or ``type: true-false``), the correct ``answer`` (one
choice, or a list of them) and an ``explanation``. The correct answers live only here and in
the server's scoring: never in the index, and never in a page before the reader submits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .documents import decode
from .model import Problem
from .tables import _LineLoader
from .yamlerrors import explain

DEFAULT_PASS_MARK = 80  # percent; a check may set its own ``pass_mark``
FULL_MARKS = 100
MIN_CHOICES = 2
SUFFIX = ".check.yml"
TRUE_FALSE = ("True", "False")
QUESTION_KEYS = {"id", "question", "type", "choices", "answer", "explanation", "__line__"}


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    choices: tuple[str, ...]
    answers: frozenset[str]  # the correct choices
    explanation: str
    line: int

    @property
    def multiple(self) -> bool:
        return len(self.answers) > 1


@dataclass(frozen=True)
class Quiz:
    path_id: str
    pass_mark: int
    questions: tuple[Question, ...]

    def score(self, given: dict[str, frozenset[str]]) -> int:
        """Percent of questions answered exactly right (every correct choice and nothing else)."""
        right = sum(1 for q in self.questions if given.get(q.id, frozenset()) == q.answers)
        return round(100 * right / len(self.questions)) if self.questions else 0


def quiz_file(content_dir: Path | str, path_id: str) -> Path:
    return Path(content_dir) / "paths" / f"{path_id}{SUFFIX}"


def load_quiz(content_dir: Path | str, path_id: str) -> Quiz | None:
    """The check of a path, or None when it has none (or none that is usable: ``kb check`` says why)."""
    file = quiz_file(content_dir, path_id)
    if not file.is_file() or file.is_symlink():
        return None
    try:
        raw = file.read_bytes()
    except OSError:  # unreadable: the path works without its check until the file is fixed
        return None
    return parse_quiz(f"paths/{file.name}", raw, path_id)[0]


def parse_quiz(relpath: str, raw: bytes, path_id: str) -> tuple[Quiz | None, list[Problem]]:
    """(the check or None, problems with their lines): the rules ``kb check`` applies."""
    text, problems = decode(relpath, raw)
    if text is None:
        return None, problems
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        line, reason = explain(exc, text)
        return None, [*problems, Problem(relpath, line, "error", f"invalid YAML: {reason}; check not loaded")]
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        return None, [*problems, Problem(relpath, 1, "error", "a check needs 'questions', a list of questions; check not loaded")]
    pass_mark = _pass_mark(relpath, data, problems)
    questions: list[Question] = []
    seen: dict[str, int] = {}  # every id and its line, skipped questions too
    for item in data["questions"]:
        question = _question(relpath, item, seen, problems)
        if question is not None:
            questions.append(question)
        if isinstance(item, dict) and str(item.get("id") or "").strip():
            seen.setdefault(str(item["id"]).strip(), item["__line__"])
    return (Quiz(path_id, pass_mark, tuple(questions)) if questions else None), problems


def _pass_mark(relpath: str, data: dict, problems: list[Problem]) -> int:
    value = data.get("pass_mark", DEFAULT_PASS_MARK)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= FULL_MARKS:
        problems.append(
            Problem(
                relpath, data.get("__line__", 1), "error", f"'pass_mark' must be a percent from 1 to 100, not {value!r}; {DEFAULT_PASS_MARK} used"
            )
        )
        return DEFAULT_PASS_MARK
    return value


def _question(relpath: str, item: Any, seen: dict[str, int], problems: list[Problem]) -> Question | None:
    """One question, or None (with a problem) when it cannot be asked or scored."""
    line = item.get("__line__", 1) if isinstance(item, dict) else 1
    reason = _shape_refusal(item, seen)
    if reason is None:
        qid = str(item["id"]).strip()
        choices = _choices(item)
        answers = _answers(item.get("answer"))
        reason = _answer_refusal(qid, choices, answers)
    if reason is not None:
        problems.append(Problem(relpath, line, "error", f"{reason}; question skipped"))
        return None
    unknown = sorted(str(k) for k in set(item) - QUESTION_KEYS)
    if unknown:
        problems.append(Problem(relpath, line, "warning", "unknown keys ignored: " + ", ".join(unknown)))
    return Question(qid, str(item["question"]).strip(), choices, answers, str(item.get("explanation") or "").strip(), line)


def _shape_refusal(item: Any, seen: dict[str, int]) -> str | None:
    if not isinstance(item, dict):
        return "a question must be a mapping with 'id', 'question', 'choices', 'answer' and 'explanation'"
    qid = str(item.get("id") or "").strip()
    if not qid or not str(item.get("question") or "").strip():
        return "a question needs an 'id' and the 'question'"
    return f"duplicate id '{qid}' (first on line {seen[qid]})" if qid in seen else None


def _answer_refusal(qid: str, choices: tuple[str, ...], answers: frozenset[str]) -> str | None:
    if len(choices) < MIN_CHOICES or len(set(choices)) != len(choices):
        return f"'{qid}' needs at least two different 'choices' (or 'type: true-false')"
    if not answers:
        return f"'{qid}' has no correct 'answer'"
    strangers = sorted(answers - set(choices))
    return f"'{qid}': answer '{strangers[0]}' is not one of its choices" if strangers else None


def _choices(item: dict) -> tuple[str, ...]:
    if item.get("type") == "true-false":
        return TRUE_FALSE
    given = item.get("choices")
    return tuple(str(c).strip() for c in given if str(c).strip()) if isinstance(given, list) else ()


def _answers(value: Any) -> frozenset[str]:
    """The correct choices: one value or a list; YAML's true/false read as the choices True/False."""
    values = value if isinstance(value, list) else [] if value is None else [value]
    return frozenset(str(v).strip().capitalize() if isinstance(v, bool) else str(v).strip() for v in values if str(v).strip())


def quiz_problems(content_dir: Path | str, path_ids: set[str]) -> list[Problem]:
    """Every check file's problems, and check files whose path does not exist."""
    folder = Path(content_dir) / "paths"
    problems: list[Problem] = []
    for file in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else ():
        relpath, path_id = f"paths/{file.name}", file.name[: -len(SUFFIX)]
        if path_id not in path_ids:
            problems.append(Problem(relpath, 1, "error", f"check for a path that does not exist ('paths/{path_id}.md')"))
        problems += parse_quiz(relpath, file.read_bytes(), path_id)[1]
    return problems
