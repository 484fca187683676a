"""`dialogkit phone-queue SCRIPT`: put respondents in the call queue of a program."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from dialogkit.cli import current_plugin_system
from dialogkit.commands.db import database_errors, database_option
from dialogkit.diagnostics import ScriptError
from dialogkit.expressions import ExpressionError
from dialogkit.loader import load_script
from dialogkit.store import Store, open_store
from dialogkit.store.respondents import compile_filter, matches, read_candidates
from dialogkit.store.store import StoreError
from dialogkit_phone_script.queue import CallQueue
from dialogkit_phone_script.settings import PhoneSettingsError, load_settings


def open_project_store(ctx: click.Context, url: str | None, project_dir: Path) -> Store:
    """The project's store, or a one-line error (exit 1)."""
    system = current_plugin_system(ctx)
    try:
        with database_errors():
            return open_store(url, project_dir, question_types=system.registry.question_types)
    except StoreError as error:
        raise click.ClickException(str(error)) from None


@click.command("phone-queue")
@click.argument("script_path", metavar="SCRIPT", type=click.Path(exists=True, dir_okay=False))
@click.option("--program", help="The program the calls belong to (default: the script's id). "
              "A respondent is queued once per program.")
@click.option("--segment", help="Only respondents in this segment.")
@click.option("--role", help="Only respondents with this role.")
@click.option("--where", "condition", metavar="EXPRESSION",
              help="Only respondents for whom this is true, e.g. "
                   "\"respondent.revenue > 100000 and 'lost' in segments\".")
@click.option("--respondent", "respondent_ids", multiple=True, metavar="ID",
              help="Queue this respondent (repeatable).")
@click.option("--dry-run", is_flag=True, help="Show who would be queued; write nothing.")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The project folder (default: the script's folder).")
@database_option
@click.pass_context
def phone_queue(ctx: click.Context, script_path: str, program: str | None, segment: str | None,
                role: str | None, condition: str | None, respondent_ids: Sequence[str],
                dry_run: bool, project_dir: Path | None, database_url: str | None) -> None:
    """Queue calls to the stored respondents chosen, to interview them with SCRIPT.

    Respondents without a phone number, who opted out, or whose time_zone attribute is not a
    time zone are left out, each with the reason. Running the command again queues only
    respondents not queued for the program before.
    """
    project = project_dir or Path(script_path).parent
    try:
        settings = load_settings(project)
    except PhoneSettingsError as error:
        raise click.ClickException(str(error)) from None
    system = current_plugin_system(ctx)
    try:
        script = load_script(script_path, question_types=system.registry.question_types)
    except ScriptError as error:
        for diagnostic in error.diagnostics:
            click.echo(diagnostic.format(), err=True)
        ctx.exit(1)
    try:
        compiled = compile_filter(condition) if condition else None
    except ExpressionError as error:
        raise click.BadParameter(str(error), param_hint="--where") from None
    store = open_project_store(ctx, database_url, project)
    try:
        try:
            candidates = read_candidates(store.engine, list(respondent_ids) or None)
        except LookupError as error:
            raise click.ClickException(str(error)) from None
        chosen = [c for c in candidates if matches(c, segment, role, compiled)]
        program = program or script.id
        queue = CallQueue(store, settings)
        if dry_run:  # the rules `add` applies, without writing
            queueable, left_out = queue.screen(chosen)
            before = queue.queued(program)
            new = [(c, zone) for c, zone in queueable if c.id not in before]
            click.echo(f"dry run: {program}: {len(chosen)} chosen, {len(new)} would be queued, "
                       f"{len(queueable) - len(new)} queued before, {len(left_out)} left out; "
                       "nothing is written")
            for candidate, zone in new:
                click.echo(f"  {candidate.id}: {candidate.name or ''} {candidate.phone} ({zone})")
            for respondent_id, reason in left_out:
                click.echo(f"  left out {respondent_id}: {reason}")
            return
        report = queue.add(program, script, chosen)
        click.echo(f"{program}: {len(chosen)} chosen, {report.added} queued, "
                   f"{report.already} queued before, {len(report.left_out)} left out")
        for respondent_id, reason in report.left_out:
            click.echo(f"  left out {respondent_id}: {reason}")
    finally:
        store.close()
