"""``flask kb ...`` commands: ``check`` for authors, ``index`` for operators."""
from __future__ import annotations

import datetime as dt
import errno
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .catalog import check
from .content import load_content
from .index import IndexBusy
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
@click.option("--optimize", is_flag=True, help="Afterwards merge the index into one segment (for a nightly job).")
@click.option("--if-idle", is_flag=True, help="Exit at once, doing nothing, when another update is running.")
def index_command(rebuild: bool, optimize: bool, if_idle: bool) -> None:
    """Update the search index with what changed in the content folder."""
    cfg = current_app.config
    index = current_app.extensions["kb.index"]
    try:
        report = sync(cfg["CONTENT_DIR"], index, rebuild=rebuild, max_bytes=int(cfg["MAX_FILE_BYTES"]),
                      wait=not if_idle)
    except IndexBusy as busy:
        click.echo(f"{busy}: nothing done", err=True)
        return
    except OSError as error:  # a full disk, a read-only folder: say so, keep serving the old index
        reason = "the disk is full" if error.errno == errno.ENOSPC else (error.strerror or str(error))
        click.echo(f"error: could not write the search index in {index.directory}: {reason}. "
                   "No half-written index is used: the site keeps serving the last complete one.", err=True)
        sys.exit(1)
    errors = [p for p in report.problems if p.severity == "error"]
    for problem in errors[:20]:
        click.echo(str(problem), err=True)
    if errors:
        click.echo(f"{len(errors)} files have errors (shown: {min(20, len(errors))}); "
                   "they are indexed with safe defaults or skipped. Run 'flask kb check' for all.", err=True)
    if optimize:
        with index.lock():
            index.optimize()
    click.echo(report.summary())
