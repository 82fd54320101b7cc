"""kb.pages.diffs: a change as rows of lines, with the words that changed within a changed line."""

from __future__ import annotations

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
