"""``flask kb users link|unlink|relink|person``: an account's directory person, from the command line.

They live here, not in ``kb.accounts.cli``, because they read the directory (the index); the
``kb`` group adds them to ``kb users``. An unknown email or person exits with status 2.
"""

from __future__ import annotations

import functools

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.links import link_by_email, unlink_by_hand
from ..accounts.service import AccountError, get_user
from ..index import SearchIndex
from .accounts import link_account, person_of_account

BY = "command line"


class NotFoundProblem(click.ClickException):
    """An email or person id that does not exist: a usage error (status 2)."""

    exit_code = 2


def _link_command(function):
    """Unknown names exit 2 with the message; a database failure exits 1 saying what to run."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except AccountError as exc:
            raise NotFoundProblem(str(exc)) from None
        except SQLAlchemyError as exc:
            problem = exc.__class__.__name__
            raise click.ClickException(f"the accounts database is unavailable or not set up (run 'flask kb db upgrade'): {problem}") from None

    return wrapper


def _index() -> SearchIndex:
    return current_app.extensions["kb.index"]


@click.command("link")
@click.argument("email")
@click.argument("person_id")
@with_appcontext
@_link_command
def link_command(email: str, person_id: str) -> None:
    """Link the account EMAIL to the directory person PERSON_ID (the file name in people/)."""
    user = link_account(_index(), email, person_id, BY)
    click.echo(f"{user.email}: {person_of_account(_index(), user).describe()}")


@click.command("unlink")
@click.argument("email")
@with_appcontext
@_link_command
def unlink_command(email: str) -> None:
    """Keep the account EMAIL unlinked, even from a person with its email (until relink)."""
    click.echo(f"{unlink_by_hand(email, BY).email}: not linked (it stays so until 'kb users relink')")


@click.command("relink")
@click.argument("email")
@with_appcontext
@_link_command
def relink_command(email: str) -> None:
    """Forget a link or unlink made by hand: link EMAIL by its email again."""
    user = link_by_email(email)
    click.echo(f"{user.email}: {person_of_account(_index(), user).describe()}")


@click.command("person")
@click.argument("email")
@with_appcontext
@_link_command
def person_command(email: str) -> None:
    """Which directory person is the account EMAIL?"""
    user = get_user(email)
    click.echo(f"{user.email}: {person_of_account(_index(), user).describe()}")


LINK_COMMANDS = (link_command, unlink_command, relink_command, person_command)
