"""kb.pages.diffs: a change as rows of lines, with the words that changed within a changed line."""

from __future__ import annotations

import random
import time

from kb.pages.diffs import line_diff, word_diff


def test_a_changed_line_marks_only_the_words_that_changed():
    old, new = word_diff("Funding: national funds.", "Funding: <b>FMF</b>.")
    assert old == (("Funding: ", False), ("national funds", True), (".", False))
    assert new == (("Funding: ", False), ("<b>FMF</b>", True), (".", False))  # text: the template escapes it


def test_hunks_keep_three_lines_of_context_and_number_both_sides():
    before = "\n".join(f"line {n}" for n in range(1, 21)) + "\n"
    after = before.replace("line 10\n", "line ten\n").replace("line 20\n", "")
    first, second = line_diff(before, after)
    assert [(line.kind, line.old, line.new) for line in first.lines] == [
        *[("context", n, n) for n in range(7, 10)],
        ("removed", 10, None),
        ("added", None, 10),
        *[("context", n, n) for n in range(11, 14)],
    ]
    assert first.first_line == 7 and [line.kind for line in second.lines] == ["context"] * 3 + ["removed"]
    assert first.lines[3].parts == (("line ", False), ("10", True)) and first.lines[4].parts == (("line ", False), ("ten", True))


def test_a_new_file_is_all_added_lines_and_no_change_is_no_hunk():
    (hunk,) = line_diff(None, "a\nb\n")
    assert [(line.kind, line.new, line.parts) for line in hunk.lines] == [("added", 1, (("a", False),)), ("added", 2, (("b", False),))]
    assert line_diff("same\n", "same\n") == ()


def test_unequal_replacements_pair_what_they_can_and_list_the_rest():
    (hunk,) = line_diff("a x\nb\n", "a y\nc\nd\n")
    assert [(line.kind, line.old, line.new) for line in hunk.lines] == [
        ("removed", 1, None),
        ("removed", 2, None),
        ("added", None, 1),
        ("added", None, 2),
        ("added", None, 3),
    ]
    assert hunk.lines[0].parts == (("a ", False), ("x", True)) and hunk.lines[4].parts == (("d", False),)


def _cpu(work) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def test_a_diff_of_many_alike_lines_is_bounded_and_still_shows_every_change():
    """4,000 lines of two values (an 8 KB table, say) cost 4 s of CPU per view of the public
    change page; past the budget the middle is one replacement (all lines still shown, numbered)."""
    rng = random.Random(1)
    before = "\n".join(rng.choice("ab") for _ in range(4000))
    after = before.translate(str.maketrans("ab", "ba"))  # every line changed
    assert _cpu(lambda: line_diff(before, after)) < 1.0
    lines = [line for hunk in line_diff("top\n" + before, "top\n" + after) for line in hunk.lines]
    assert [line.new for line in lines if line.kind == "added"] == list(range(2, 4002))
    assert lines[0].kind == "context" and lines[0].parts == (("top", False),)


def test_word_highlights_of_long_lines_are_bounded():
    """A 16 KB line, its words shuffled, cost 6 s of CPU; past the budget the line is marked whole."""
    rng = random.Random(1)
    words = ["".join(rng.choice("abcdefgh") for _ in range(3)) for _ in range(4000)]
    old, new = " ".join(words), " ".join(rng.sample(words, len(words)))
    assert _cpu(lambda: line_diff(old + "\n", new + "\n")) < 1.0
    (hunk,) = line_diff(old + "\n", new + "\n")
    assert [line.parts for line in hunk.lines] == [((old, True),), ((new, True),)]
    assert word_diff("a b c", "a x c")[1] == (("a ", False), ("x", True), (" c", False))  # short lines keep their words
