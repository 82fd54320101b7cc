"""Docs stay honest: every setting and CLI command is in the README."""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest

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
        "/reports/content-errors",
        "kb db upgrade",
        "kb users add",
        "kb users set-role",
        "kb users disable",
        "kb users list",
        "kb users passwd",
    ):
        assert command in README


def test_the_cli_lines_say_how_to_run_them_in_a_new_shell():
    assert "`.venv/bin/flask --app app kb …`" in README and "`. .venv/bin/activate`" in README
    assert "make run PORT=5001" in README.split("```")[1]  # the first block: how to serve on another port


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_on_a_taken_port_says_how_to_choose_another():
    """The Makefile's check before the server starts (setup and the database taken as done: `-o`)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(["make", "-o", "setup", "-o", "db", "run", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"Port {port} is in use on 127.0.0.1: run 'make run PORT={port + 1}'" in done.stdout, done.stdout + done.stderr
    assert "kb index" not in done.stdout  # it stopped before indexing or serving
