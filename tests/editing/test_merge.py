"""Two edits of one article: merged when they touch different lines; on a conflict the user's text is kept."""

from __future__ import annotations

from kb.editing.merge import three_way

BASE = "---\ntitle: T\n---\nline one\nline two\nline three\nline four\n"


def test_edits_of_different_lines_are_merged():
    theirs = BASE.replace("line one", "line ONE (theirs)")
    ours = BASE.replace("line four", "line FOUR (ours)")
    merged = three_way(BASE, theirs, ours)
    assert not merged.conflict and merged.merged
    assert "line ONE (theirs)" in merged.text and "line FOUR (ours)" in merged.text


def test_a_conflict_keeps_the_users_text_untouched():
    theirs = BASE.replace("line two", "line two, theirs")
    ours = BASE.replace("line two", "line two, ours")
    merged = three_way(BASE, theirs, ours)
    assert merged.conflict
    assert merged.text == ours  # never the text with conflict markers


def test_only_one_side_changed_needs_no_merge():
    ours = BASE.replace("line two", "line 2")
    assert three_way(BASE, BASE, ours).text == ours
    assert three_way(BASE, ours, BASE).text == ours
    assert not three_way(BASE, ours, ours).conflict


def test_without_a_known_base_a_different_file_is_a_conflict():
    assert three_way(None, BASE, BASE + "more\n").conflict
    assert not three_way(None, None, BASE).conflict  # a new file
