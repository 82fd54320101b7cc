"""Proposal branch names (``kb.editing.proposals.branch_name``): made from the id and the article's id, always safe for git."""

from __future__ import annotations

import pytest

from kb.editing.proposals import branch_name


@pytest.mark.parametrize(
    ("slug", "branch"),
    [
        ("fms/letter-of-request", "proposals/7-fms-letter-of-request"),
        ("../../etc/passwd", "proposals/7-etc-passwd"),
        ("--upload-pack=evil x", "proposals/7-upload-pack-evil-x"),
        ("a\x00b", "proposals/7-a-b"),
        ("\u0430\u0440", "proposals/7-article"),
        ("x" * 300, "proposals/7-" + "x" * 120),
    ],
)
def test_hostile_slugs_make_safe_branch_names(slug, branch):
    assert branch_name(7, slug) == branch
