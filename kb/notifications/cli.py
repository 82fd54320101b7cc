"""``flask kb notify``: the background round of notifications (run it every few minutes, e.g. from
cron or a systemd timer, unless ``flask kb watch`` runs: each of its rounds does the same)."""

from __future__ import annotations

import logging
import smtplib

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.models import db
from .worker import Round, run

log = logging.getLogger(__name__)


@click.command("notify")
@with_appcontext
def notify_command() -> None:
    """Turn new commits and due reviews into notifications, send the email that is due (at most one
    message per user), build daily digests and delete notifications past KB_NOTIFICATIONS_KEEP_DAYS."""
    done = round_or_none()
    if done is None:
        raise click.ClickException("notifications: the round failed (see the log); nothing is lost, the next round retries")
    click.echo(done.summary(), err=True)


def round_or_none() -> Round | None:
    """One round in the current app; None (logged) when the database or the mail server failed."""
    app = current_app._get_current_object()
    try:
        return run(app, app.extensions["kb.index"])
    except (SQLAlchemyError, smtplib.SMTPException, OSError) as exc:
        db.session.rollback()
        log.error("notifications round failed: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return None
    finally:
        db.session.remove()
