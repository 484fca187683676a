"""`dialogkit export`: the stored answers as CSV (wide or long) or JSON Lines."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from dialogkit.cli import current_plugin_system
from dialogkit.commands.db import database_errors, database_option, project_option
from dialogkit.store import StoreError, open_store
from dialogkit.store.exporting import FORMATS, Format, export_answers


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="wide", show_default=True,
              help="wide: a CSV row per session; long: a CSV row per answer and probe answer; "
                   "jsonl: a JSON object per session.")
@click.option("--script", "script_id", metavar="ID", help="Only sessions of this script.")
@click.option("--program", metavar="ID", help="Only sessions of this program.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to FILE instead of standard output.")
@database_option
@project_option
@click.pass_context
def export(ctx: click.Context, fmt: Format, script_id: str | None, program: str | None,
           output: Path | None, database_url: str | None, project_dir: str) -> None:
    """Export the answers in the store, oldest session first (see docs/import-export.md)."""
    question_types = current_plugin_system(ctx).registry.question_types
    try:
        with database_errors():
            store = open_store(database_url, project_dir)
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    # a CSV file starts with a byte-order mark, so spreadsheets read it as UTF-8
    encoding = "utf-8" if fmt == "jsonl" else "utf-8-sig"
    try:
        with contextlib.ExitStack() as stack, database_errors():
            # newline="": the csv module writes its own line ends
            out = (sys.stdout if output is None else
                   stack.enter_context(output.open("w", encoding=encoding, newline="")))
            report = export_answers(store.engine, out, fmt=fmt, script_id=script_id,
                                    program=program, question_types=question_types)
    finally:
        store.close()
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    where = f" to {output}" if output else ""
    click.echo(f"exported {report.sessions} session(s), {report.rows} row(s) as {fmt}{where}",
               err=True)
