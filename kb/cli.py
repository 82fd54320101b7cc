"""``flask kb ...`` commands: ``check`` for authors, ``index`` for operators."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from .access import Reader, levels
from .accounts.feedback import review_reasons
from .accounts.models import db
from .directory.people_import import people_cli
from .health.checker import check_folder
from .health.freshness import format_report
from .health.freshness import report as freshness_report
from .health.problems import problem_lines, tally
from .health.searchlog import prune as prune_search_log
from .health.searchreport import format_report as format_search_report
from .health.searchreport import recent_weeks, week_start
from .health.searchreport import report as search_report
from .index import IndexBusy, IndexUnavailable
from .index.store import describe
from .pages.onboarding import Onboarding
from .pages.progress_report import format_reports, path_report
from .repository.sync import sync
from .repository.updater import UpdaterBusy, update

STAFF = Reader(name="kb report", staff=True, role="editor")  # reports cover staff-only articles too

kb_cli = AppGroup("kb", help="Check the content and maintain the search index.")
kb_cli.add_command(people_cli)  # flask kb people import FILE.csv


@kb_cli.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check_command(path: Path | None, fmt: str) -> None:
    """Print every content problem in PATH (default KB_CONTENT_DIR) as path:line: severity: message.

    Exit status 1 when there are errors; warnings alone pass.
    """
    cfg = current_app.config
    result = check_folder(
        path or cfg["CONTENT_DIR"],
        dt.date.today(),
        max_bytes=cfg["MAX_FILE_BYTES"],
        stale_after_days=cfg["STALE_AFTER_DAYS"],
        markings=current_app.extensions["kb.markings"],
    )
    if fmt == "json":
        click.echo(result.as_json())
    else:
        echo_problems(result.problems, err=False)
        click.echo(f"{result.documents} documents, {result.glossary_entries} glossary entries: {tally(result.problems)}", err=True)
    sys.exit(1 if result.errors else 0)


def echo_problems(problems, err: bool = True) -> None:
    """Every content problem on a line of its own, ``path:line: error|warning: message``: the one
    format of every command that reads content (``kb check``, ``index``, ``sync``, ``watch``)."""
    for line in problem_lines(problems):
        click.echo(line, err=err)


PATHS_NAMED = 5  # a sync report names this many changed files, then "…"

LOCK_FD = click.option("--lock-fd", type=int, hidden=True, help="The lock a web worker took for this process (kb.locks.claim).")


@kb_cli.command("sync")
@click.option("--if-idle", is_flag=True, help="Exit at once, doing nothing, when another sync is running.")
@LOCK_FD
def sync_command(if_idle: bool, lock_fd: int | None) -> None:
    """Pull the content repository (fetch and merge; local commits are pushed) and index exactly the files that changed."""
    cfg = current_app.config
    index = current_app.extensions["kb.index"]
    try:
        outcome = update(cfg["CONTENT_DIR"], index, max_bytes=cfg["MAX_FILE_BYTES"], wait=not if_idle, lock_fd=lock_fd)
    except UpdaterBusy as busy:
        click.echo(f"{busy}: it will pick up this request", err=True)
        return
    _settle_proposals(outcome)
    if outcome.report is not None:
        echo_problems(outcome.report.problems)
    click.echo(outcome.summary(), err=not outcome.ok)
    if not outcome.ok or (outcome.report is not None and outcome.report.errors):
        sys.exit(1)


@kb_cli.command("watch")
def watch_command() -> None:
    """Keep the index current: index each changed content file at once, pull when the webhook asks."""
    from .repository.watcher import WatcherRunning, watch

    cfg = current_app.config
    index = current_app.extensions["kb.index"]
    click.echo(f"watching {cfg['CONTENT_DIR']} (index {index.directory}); stop with Ctrl-C", err=True)
    try:
        watch(cfg["CONTENT_DIR"], index, max_bytes=cfg["MAX_FILE_BYTES"], report=_watch_report, ready=lambda: click.echo("ready", err=True))
    except WatcherRunning as running:
        raise click.ClickException(str(running)) from None
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def _watch_report(result, paths: tuple[str, ...]) -> None:
    """The problems of the files that changed (all of them after a full update: the rest were
    reported before), then one line for the round."""
    report = getattr(result, "report", result)  # a pull's Outcome, or a SyncReport
    changed = paths or getattr(result, "changed", None)  # a pull's changed files; None: a full update
    echo_problems(p for p in getattr(report, "problems", ()) if changed is None or p.path in changed)
    which = f" [{', '.join(paths[:PATHS_NAMED])}{' …' if len(paths) > PATHS_NAMED else ''}]" if paths else ""
    click.echo(result.summary() + which, err=not getattr(result, "ok", True))
    if hasattr(result, "pulled"):  # a pull's Outcome
        _settle_proposals(result)
    _notify_round()


def _settle_proposals(outcome) -> None:
    """After a pull: proposals merged in the central repository (on GitLab) are marked approved there
    (``kb.editing.proposals.settle_merged``); a database or git failure is only told."""
    from .editing.proposals import settle_merged
    from .git import GitError, is_repository

    content_dir = current_app.config["CONTENT_DIR"]
    if not outcome.ok or not is_repository(content_dir):
        return
    try:
        for proposal in settle_merged(content_dir):
            click.echo(f"proposal {proposal.id} was merged in the central repository: marked approved", err=True)
    except (SQLAlchemyError, GitError) as exc:
        db.session.rollback()
        click.echo(f"proposals not settled: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", err=True)


def _notify_round() -> None:
    """After each ``kb watch`` round, the notifications round (``kb notify``): its new commits, mail, pruning."""
    from .notifications.cli import round_or_none

    done = round_or_none()
    if done is not None and (done.changes or done.messages):
        click.echo(done.summary(), err=True)


@kb_cli.group("report")
def report_group() -> None:
    """Reports for editors and scripts."""


@report_group.command("freshness")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
def freshness_command(fmt: str) -> None:
    """Articles overdue for review, due within 30 days, or resting on a changed source (from the index)."""
    cfg = current_app.config
    index = current_app.extensions["kb.index"]
    try:
        articles = index.find(levels(STAFF), type="article")
    except IndexUnavailable as missing:
        raise click.ClickException(f"{missing}: run 'flask kb index' first") from None
    try:
        reasons = review_reasons()
    except SQLAlchemyError:
        reasons = {}
        db.session.rollback()
        current_app.logger.warning("freshness report: the feedback database is unavailable, problem reports and ratings are left out")
    found = freshness_report(articles, dt.date.today(), cfg["STALE_AFTER_DAYS"], reasons)
    click.echo(format_report(found, fmt), nl=False)


def _iso_week(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--week``: an ISO week, else a usage error (exit 2) that shows the form and recent weeks."""
    if value is None or week_start(value) is not None:
        return value
    recent = ", ".join(recent_weeks(dt.datetime.now(dt.UTC).date(), 3))
    raise click.BadParameter(f"'{value}' is not an ISO week: write YYYY-Www, e.g. {recent}.")


def _check_area(area: str | None) -> None:
    """``--area``: a functional area of the index, else a usage error (exit 2) that lists them.

    Checked in the command, not a click callback: the index needs the app, loaded after parsing."""
    if area is None:
        return
    try:
        areas = sorted(doc.id for doc in current_app.extensions["kb.index"].find(levels(STAFF), type="area"))
    except IndexUnavailable as missing:
        raise click.ClickException(f"{missing}: run 'flask kb index' first") from None
    if area not in areas:
        message = f"'{area}' is not a functional area. Choose from: {', '.join(areas) or '(none indexed)'}."
        raise click.BadParameter(message, ctx=click.get_current_context(), param_hint="'--area'")


@report_group.command("search")
@click.option("--week", callback=_iso_week, help="ISO week such as 2026-W49 (default: the newest week with searches).")
@click.option("--area", help="A functional area id (default: all).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
def search_report_command(week: str | None, area: str | None, fmt: str) -> None:
    """Search gaps: the most frequent queries, those that found nothing, those whose results nobody opened."""
    _check_area(area)
    try:
        found = search_report(week, area, dt.datetime.now(dt.UTC).date())
    except SQLAlchemyError as exc:
        raise click.ClickException(f"the database is unavailable: {str(exc).splitlines()[0]}") from None
    click.echo(format_search_report(found, fmt), nl=False)


@report_group.command("paths")
@click.option("--path", "path_id", help="An onboarding path id (default: every path).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
def paths_report_command(path_id: str | None, fmt: str) -> None:
    """Onboarding progress per path: who started or was assigned it, steps done, best score, completed, due, overdue."""
    try:
        paths = Onboarding(current_app.extensions["kb.index"], STAFF).paths()
    except IndexUnavailable as missing:
        raise click.ClickException(f"{missing}: run 'flask kb index' first") from None
    if path_id is not None and path_id not in {p.id for p in paths}:
        message = f"'{path_id}' is not an onboarding path. Choose from: {', '.join(sorted(p.id for p in paths)) or '(none indexed)'}."
        raise click.BadParameter(message, param_hint="'--path'")
    today = dt.datetime.now(dt.UTC).date()
    try:
        found = [path_report(p, None, today) for p in paths if path_id in (None, p.id)]
    except SQLAlchemyError as exc:
        raise click.ClickException(f"the database is unavailable: {str(exc).splitlines()[0]}") from None
    click.echo(format_reports(found, fmt), nl=False)


searchlog_cli = AppGroup("searchlog", help="The search log (searches without user identity).")
kb_cli.add_command(searchlog_cli)


@searchlog_cli.command("prune")
def searchlog_prune_command() -> None:
    """Delete logged searches and clicks older than KB_SEARCH_LOG_DAYS (flushes also do it hourly)."""
    days = current_app.config["SEARCH_LOG_DAYS"]
    if days <= 0:
        click.echo("the search log is off (KB_SEARCH_LOG_DAYS=0): nothing to prune")
        return
    try:
        searches, clicks = prune_search_log(days)
        db.session.commit()
    except SQLAlchemyError as exc:
        raise click.ClickException(f"the database is unavailable: {str(exc).splitlines()[0]}") from None
    click.echo(f"deleted {searches} searches and {clicks} opened results older than {days} days")


@kb_cli.command("index")
@click.option("--rebuild", is_flag=True, help="Start over in a new index generation.")
@click.option("--optimize", is_flag=True, help="Afterwards merge the index into one segment (for a nightly job).")
@click.option("--if-idle", is_flag=True, help="Exit at once, doing nothing, when another update is running.")
@click.option("--if-unreadable", is_flag=True, help="Do nothing when the live index reads well (what a web worker asks for).")
@LOCK_FD
def index_command(rebuild: bool, optimize: bool, if_idle: bool, if_unreadable: bool, lock_fd: int | None) -> None:
    """Update the search index with what changed in the content folder."""
    cfg = current_app.config
    index = current_app.extensions["kb.index"]
    options = {"wait": not if_idle, "only_if_unreadable": if_unreadable, "lock_fd": lock_fd}
    try:
        report = sync(cfg["CONTENT_DIR"], index, rebuild=rebuild, max_bytes=cfg["MAX_FILE_BYTES"], **options)
    except IndexBusy as busy:
        click.echo(f"{busy}: nothing done", err=True)
        return
    except OSError as error:  # a full disk, a read-only folder: say so, keep serving the old index
        reason = describe(error)
        click.echo(
            f"error: could not write the search index in {index.directory}: {reason}. "
            "No half-written index is used: the site keeps serving the last complete one.",
            err=True,
        )
        sys.exit(1)
    if report is None:
        click.echo("the search index reads well: nothing done")
        return
    echo_problems(report.problems)
    if report.errors:
        click.echo("Files with errors are indexed with safe defaults (staff-only where their access is in doubt) or skipped.", err=True)
    if optimize:
        with index.lock():
            index.optimize()
    click.echo(report.summary())
    sys.exit(1 if report.errors else 0)


from .accounts.cli import db_cli, users_cli  # noqa: E402 - the accounts commands, kept in their own module

kb_cli.add_command(db_cli)
kb_cli.add_command(users_cli)

from .directory.account_commands import LINK_COMMANDS  # noqa: E402 - kb users link|unlink|relink|person read the directory

for _command in LINK_COMMANDS:
    users_cli.add_command(_command)

from .notifications.cli import notify_command  # noqa: E402 - flask kb notify: mail, digests, reminders, pruning

kb_cli.add_command(notify_command)
