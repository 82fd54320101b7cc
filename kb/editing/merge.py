"""Two edits of one file made into one: the user's and whatever was committed since their form was loaded.

The common cases need no merge at all (only one side changed); otherwise ``git merge-file``
merges line by line, and a conflict leaves the user's text untouched for them to resolve.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import git

LABELS = ("your edit", "the version you started from", "the version saved since")


@dataclass(frozen=True)
class Merged:
    text: str  # what to save; on a conflict, the user's own text (never the marked-up merge)
    conflict: bool
    merged: bool  # both sides had changes and were combined


def three_way(base: str | None, theirs: str | None, ours: str) -> Merged:
    """Combine ``ours`` (the user's text, made from ``base``) with ``theirs`` (the file now).

    ``base`` None: the form did not say what it started from (or the file was new then);
    ``theirs`` None: the file is gone or new. Either way only an identical file is not a conflict.
    """
    if theirs is None or theirs in (base, ours):
        return Merged(ours, conflict=False, merged=False)
    if base is None:
        return Merged(ours, conflict=True, merged=False)
    if ours == base:
        return Merged(theirs, conflict=False, merged=False)
    text, conflicted = git.merge_texts(ours, base, theirs, LABELS)
    return Merged(ours, conflict=True, merged=False) if conflicted else Merged(text, conflict=False, merged=True)
