"""Docs stay honest: every setting and CLI command is in the README."""

from __future__ import annotations

from kb.config import SETTINGS

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented():
    assert [s.name for s in SETTINGS if f"`KB_{s.name}`" not in README] == []


def test_the_two_commands_come_first():
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_cli_commands_are_documented():
    for command in (
        "kb check",
        "kb check PATH",
        "kb index",
        "kb index --rebuild",
        "kb sync",
        "kb report freshness",
        "kb report search",
        "kb searchlog prune",
        "/reports/search",
        "/hooks/content",
        "/feed.atom",
        "/sitemap.xml",
        "/reports/freshness",
        "kb db upgrade",
        "kb users add",
        "kb users set-role",
        "kb users disable",
        "kb users list",
        "kb users passwd",
    ):
        assert command in README
