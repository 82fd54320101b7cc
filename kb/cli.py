"""``flask kb ...`` commands: ``check`` for authors, ``index`` for operators."""
from __future__ import annotations

import datetime as dt
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .catalog import check
from .content import load_content
from .sync import sync

kb_cli = AppGroup("kb", help="Check the content and maintain the search index.")


@kb_cli.command("check")
def check_command() -> None:
    """Print every content problem as path:line: severity: message; exit 1 on errors."""
    cfg = current_app.config
    content = load_content(cfg["CONTENT_DIR"], int(cfg["MAX_FILE_BYTES"]))
    problems = check(content, dt.date.today())
    for problem in problems:
        click.echo(str(problem))
    errors = sum(p.severity == "error" for p in problems)
    click.echo(f"{len(content.documents)} documents, {len(content.glossary)} glossary entries: "
               f"{errors} errors, {len(problems) - errors} warnings", err=True)
    sys.exit(1 if errors else 0)


@kb_cli.command("index")
@click.option("--rebuild", is_flag=True, help="Start over in a new index generation.")
def index_command(rebuild: bool) -> None:
    """Update the search index with what changed in the content folder."""
    cfg = current_app.config
    report = sync(cfg["CONTENT_DIR"], current_app.extensions["kb.index"], rebuild=rebuild,
                  max_bytes=int(cfg["MAX_FILE_BYTES"]))
    for problem in report.problems:
        click.echo(str(problem), err=True)
    click.echo(report.summary())
