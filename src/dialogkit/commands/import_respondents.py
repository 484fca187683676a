"""`dialogkit import-respondents FILE`: people, their accounts, roles and attributes."""

from __future__ import annotations

import click

from dialogkit.commands.db import database_errors, database_option, project_option
from dialogkit.store import StoreError, open_store
from dialogkit.store.importing import RespondentImportError, import_respondents


@click.command("import-respondents")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@database_option
@project_option
@click.pass_context
def import_respondents_command(ctx: click.Context, file: str, database_url: str | None,
                               project_dir: str) -> None:
    """Import the respondents in FILE (.csv or .json; see docs/import-export.md).

    The whole file is checked first: every problem is printed as `file:row N: column:
    message` and nothing is imported (exit status 1). Respondents already stored are updated;
    an opt-out stays, whatever the file says.
    """
    try:
        with database_errors():
            store = open_store(database_url, project_dir)
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    try:
        with database_errors():
            report = import_respondents(store.engine, file)
    except RespondentImportError as error:
        for problem in error.problems:
            click.echo(problem.format())
        count = len(error.problems)
        click.echo(f"{file}: {count} problem{'s' * (count != 1)}; nothing was imported",
                   err=True)
        ctx.exit(1)
    finally:
        store.close()
    click.echo(f"{file}: {report.created} respondent(s) created, {report.updated} updated, "
               f"{report.accounts_created} account(s) created", err=True)
