"""`dialogkit interviewers`: the accounts interviewers sign in to the phone console with."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator

import click

from dialogkit.commands.db import database_errors, database_option, project_option
from dialogkit.store import StoreError, open_store
from dialogkit_phone_script.accounts import AccountError, Interviewer, Interviewers, check_password

password_stdin_option = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from the first line of standard input instead of asking for it.")
programs_option = click.option(
    "--program", "programs", multiple=True, required=True, metavar="ID",
    help="A program whose cases the interviewer calls (repeatable).")


@contextlib.contextmanager
def _accounts(database_url: str | None, project_dir: str) -> Iterator[Interviewers]:
    """The store's accounts; store and account errors become one-line errors (exit 1)."""
    try:
        with database_errors():
            store = open_store(database_url, project_dir)
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    try:
        with database_errors():
            yield Interviewers(store.engine)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()


def _checked(password: str) -> str:
    try:
        check_password(password)
    except AccountError as error:
        raise click.UsageError(str(error)) from None
    return password


def _read_password(from_stdin: bool) -> str:
    if not from_stdin:
        return click.prompt("Password", hide_input=True, confirmation_prompt=True,
                            value_proc=_checked)
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.ClickException("no password on standard input")
    return password


def _programs(interviewer: Interviewer) -> str:
    return ", ".join(interviewer.programs)


@click.group()
def interviewers() -> None:
    """Interviewer accounts for the phone console (see docs/interviewers.md)."""


@interviewers.command("add")
@click.argument("interviewer_id", metavar="ID")
@click.option("--name", required=True, help="The interviewer's full name.")
@programs_option
@password_stdin_option
@database_option
@project_option
def add_command(interviewer_id: str, name: str, programs: tuple[str, ...],
                password_stdin: bool, database_url: str | None, project_dir: str) -> None:
    """Add an interviewer, who signs in as ID.

    ID is lower-case letters, digits, '.', '_' and '-'. Asks for the password twice (at least
    12 characters) unless --password-stdin.
    """
    with _accounts(database_url, project_dir) as accounts:
        accounts.check_new(interviewer_id, name, programs)
        added = accounts.add(interviewer_id, name, _read_password(password_stdin), programs)
    click.echo(f"added {added.id} ({added.name}), programs: {_programs(added)}")


@interviewers.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, for machines.")
@database_option
@project_option
def list_command(as_json: bool, database_url: str | None, project_dir: str) -> None:
    """List every interviewer, active or not."""
    with _accounts(database_url, project_dir) as accounts:
        found = accounts.list()
    if as_json:
        click.echo(json.dumps([
            {"id": i.id, "name": i.name, "active": i.active, "programs": list(i.programs),
             "password_changed_at": i.password_changed_at.isoformat()} for i in found],
            indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("no interviewers yet; add one with `dialogkit interviewers add`")
        return
    rows = [("id", "name", "active", "programs"),
            *[(i.id, i.name, "yes" if i.active else "no", _programs(i)) for i in found]]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for interviewer_id, name, active, programs in rows:
        click.echo(f"{interviewer_id:<{widths[0]}}  {name:<{widths[1]}}  "
                   f"{active:<{widths[2]}}  {programs}")


@interviewers.command("password")
@click.argument("interviewer_id", metavar="ID")
@password_stdin_option
@database_option
@project_option
def password_command(interviewer_id: str, password_stdin: bool, database_url: str | None,
                     project_dir: str) -> None:
    """Set a new password; the interviewer's current sign-ins end."""
    with _accounts(database_url, project_dir) as accounts:
        accounts.require(interviewer_id)
        accounts.set_password(interviewer_id, _read_password(password_stdin))
    click.echo(f"changed the password of {interviewer_id}; sign-ins from before no longer count")


@interviewers.command("deactivate")
@click.argument("interviewer_id", metavar="ID")
@database_option
@project_option
def deactivate_command(interviewer_id: str, database_url: str | None,
                       project_dir: str) -> None:
    """Refuse the interviewer's sign-ins; their calls and notes stay."""
    with _accounts(database_url, project_dir) as accounts:
        accounts.deactivate(interviewer_id)
    click.echo(f"{interviewer_id} is inactive: they can no longer sign in")


@interviewers.command("activate")
@click.argument("interviewer_id", metavar="ID")
@database_option
@project_option
def activate_command(interviewer_id: str, database_url: str | None, project_dir: str) -> None:
    """Accept the interviewer's sign-ins again."""
    with _accounts(database_url, project_dir) as accounts:
        accounts.activate(interviewer_id)
    click.echo(f"{interviewer_id} is active: they can sign in again")


@interviewers.command("programs")
@click.argument("interviewer_id", metavar="ID")
@programs_option
@database_option
@project_option
def programs_command(interviewer_id: str, programs: tuple[str, ...], database_url: str | None,
                     project_dir: str) -> None:
    """Set the programs whose cases the interviewer calls.

    The programs given replace the interviewer's earlier ones.
    """
    with _accounts(database_url, project_dir) as accounts:
        changed = accounts.set_programs(interviewer_id, programs)
    click.echo(f"{changed.id}: programs {_programs(changed)}")
