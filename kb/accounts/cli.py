"""``flask kb db upgrade`` and ``flask kb users add|set-role|disable|enable|list|passwd|unlock|supervise|unsupervise|supervisors``."""

from __future__ import annotations

import functools
import sys

import click
import flask_migrate
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from ..access import ROLES
from . import MIGRATIONS, passwords
from .assignments import supervise, supervisions, unsupervise
from .service import AccountError, add_user, clear_failures, list_users, set_active, set_password, set_role

db_cli = AppGroup("db", help="The accounts database (SQLite or PostgreSQL).")
users_cli = AppGroup("users", help="Manage accounts and roles.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply the migrations up to REVISION (default: the newest). Safe to run again."""
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade_command(revision: str) -> None:
    """Undo migrations down to REVISION (default: the last one)."""
    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=revision)


def _accounts_command(function):
    """Turn account mistakes and database failures into a one-line error and exit status 1."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        except SQLAlchemyError as exc:
            raise click.ClickException(
                f"the accounts database is unavailable or not set up "
                f"(run 'flask kb db upgrade'): {exc.__class__.__name__}: "
                f"{str(exc).splitlines()[0]}"
            ) from None

    return wrapper


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("add")
@click.argument("email")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="reader", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@_accounts_command
def add_command(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Create the user EMAIL with the display NAME; asks for the password."""
    user = add_user(passwords(), email, name, role, _password(password_stdin))
    click.echo(f"added {user.email} ({user.role})")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@_accounts_command
def set_role_command(email: str, role: str) -> None:
    """Give EMAIL the ROLE reader, editor or admin."""
    user = set_role(email, role)
    click.echo(f"{user.email} is now {user.role}")


@users_cli.command("disable")
@click.argument("email")
@_accounts_command
def disable_command(email: str) -> None:
    """Stop EMAIL from signing in, and end the user's sessions."""
    click.echo(f"disabled {set_active(email, False).email}")


@users_cli.command("enable")
@click.argument("email")
@_accounts_command
def enable_command(email: str) -> None:
    """Let a disabled user sign in again."""
    click.echo(f"enabled {set_active(email, True).email}")


@users_cli.command("passwd")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@_accounts_command
def passwd_command(email: str, password_stdin: bool) -> None:
    """Set a new password for EMAIL (which also signs the user out everywhere)."""
    click.echo(f"new password set for {set_password(passwords(), email, _password(password_stdin)).email}")


@users_cli.command("unlock")
@click.argument("email", required=False)
@_accounts_command
def unlock_command(email: str | None) -> None:
    """Forget failed sign-ins of EMAIL (or of everyone), lifting a lockout."""
    clear_failures(email)
    click.echo(f"failed sign-ins forgotten for {email or 'everyone'}")


@users_cli.command("list")
@_accounts_command
def list_command() -> None:
    """Every user: email, role, state, name."""
    for user in list_users():
        click.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'disabled'}\t{user.name}")


def _usage_errors(function):
    """An unknown user or a relation that is not there is a usage error: exit status 2, one line."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except AccountError as exc:
            raise click.UsageError(str(exc)) from None

    return wrapper


@users_cli.command("supervise")
@click.argument("supervisor")
@click.argument("user")
@_accounts_command
@_usage_errors
def supervise_command(supervisor: str, user: str) -> None:
    """Record that SUPERVISOR (an email) supervises USER: sees their progress and may assign them paths."""
    boss, person = supervise(supervisor, user, "command line")
    click.echo(f"{boss.email} supervises {person.email}")


@users_cli.command("unsupervise")
@click.argument("supervisor")
@click.argument("user")
@_accounts_command
@_usage_errors
def unsupervise_command(supervisor: str, user: str) -> None:
    """Remove the record that SUPERVISOR supervises USER."""
    boss, person = unsupervise(supervisor, user)
    click.echo(f"{boss.email} no longer supervises {person.email}")


@users_cli.command("supervisors")
@_accounts_command
def supervisors_command() -> None:
    """Who supervises whom: supervisor, then supervised user."""
    for boss, person in supervisions():
        click.echo(f"{boss.email}\t{person.email}")
