"""`dialogkit invite`, `dialogkit remind` and `dialogkit inbox`: the email channel's commands.

Each command queues what it has to send in the store, then sends the queue, showing a
progress bar on long runs and a summary at the end. Ctrl+C (or SIGTERM) stops after the
message being sent; running the command again carries on where it stopped, sending nothing
twice.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from dialogkit.cli import current_plugin_system
from dialogkit.commands.db import database_errors, database_option
from dialogkit.diagnostics import ScriptError
from dialogkit.expressions import ExpressionError
from dialogkit.followups import probes_from_plugins
from dialogkit.loader import load_script
from dialogkit.store import StoreError, open_store
from dialogkit.store.respondents import compile_filter, read_candidates
from dialogkit.store.store import Store
from dialogkit_email.compose import TemplateProblem
from dialogkit_email.delivery import DeliveryReport, StopFlag, deliver
from dialogkit_email.inbound import InboundError, open_source
from dialogkit_email.inbox import Inbox, InboxReport
from dialogkit_email.outgoing import CHANNEL, Outgoing
from dialogkit_email.reminders import due_reminders
from dialogkit_email.selection import select
from dialogkit_email.settings import EmailSettings, EmailSettingsError, load_settings
from dialogkit_email.transport import SetupError, Transport, TransportError, open_transport

PROGRESS_FROM = 20
"""Runs with at least this many messages show a progress bar."""


def _settings(project_dir: Path) -> EmailSettings:
    try:
        return load_settings(project_dir)
    except EmailSettingsError as error:
        raise click.ClickException(str(error)) from None


def _store(ctx: click.Context, url: str | None, project_dir: Path) -> Store:
    system = current_plugin_system(ctx)
    try:
        with database_errors():
            return open_store(url, project_dir, question_types=system.registry.question_types,
                              follow_up=probes_from_plugins(system.manager))
    except StoreError as error:
        raise click.ClickException(str(error)) from None


@contextlib.contextmanager
def _template_problems() -> Iterator[None]:
    """A template that can't be rendered: one clear error (exit 1), nothing sent."""
    try:
        yield
    except TemplateProblem as error:
        raise click.ClickException(str(error)) from None


@contextlib.contextmanager
def _stoppable() -> Iterator[StopFlag]:
    """A stop flag that Ctrl+C and SIGTERM set (the run then ends after the current
    message) instead of killing the run midway."""
    stop = StopFlag()

    def request_stop(_signal: int, _frame: Any) -> None:
        if not stop:
            click.echo("\nstopping after the message being sent…", err=True)
        stop.set()

    previous = {number: signal.signal(number, request_stop)
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _send(outgoing: Outgoing, settings: EmailSettings, stop: StopFlag, *,
          resend_unconfirmed: bool) -> DeliveryReport:
    messages = outgoing.messages
    waiting = messages.counts(channel=CHANNEL).get("queued", 0)
    try:
        transport = open_transport(settings)
    except TransportError as error:
        raise click.ClickException(str(error)) from None
    try:
        return _deliver(outgoing, transport, settings, stop, waiting,
                        resend_unconfirmed=resend_unconfirmed)
    except SetupError as error:  # nothing can go until the settings change
        raise click.ClickException(f"cannot send: {error}") from None
    finally:
        transport.close()


def _deliver(outgoing: Outgoing, transport: Transport, settings: EmailSettings,
             stop: StopFlag, waiting: int, *, resend_unconfirmed: bool) -> DeliveryReport:
    messages = outgoing.messages
    if waiting >= PROGRESS_FROM:
        with click.progressbar(length=waiting, label="sending",
                               file=sys.stderr, show_pos=True) as bar:
            return deliver(messages, transport, settings, stop=stop,
                           resend_unconfirmed=resend_unconfirmed,
                           on_progress=lambda _message: bar.update(1))
    return deliver(messages, transport, settings, stop=stop,
                   resend_unconfirmed=resend_unconfirmed)


def _summarize(report: DeliveryReport, settings: EmailSettings) -> int:
    """Print what a delivery did; returns the exit status (1 when messages wait)."""
    parts = [f"sent {report.sent}"]
    for count, label in ((report.failed, "failed"), (report.skipped, "not sent (opted out or "
                         "bounced since queued)"), (report.deferred, "to retry"),
                         (report.recovered, "settled from an earlier run")):
        if count:
            parts.append(f"{count} {label}")
    click.echo(", ".join(parts))
    for message, reason in report.failures:
        click.echo(f"  {message.address}: {reason}")
    if settings.transport == "outbox" and report.sent:
        click.echo(f"the messages are in {settings.outbox} (read them with `dialogkit outbox`)")
    waiting = report.deferred
    if report.unconfirmed:
        click.echo(f"{len(report.unconfirmed)} message(s) were being handed to the mail "
                   "server when an earlier run stopped; the server may have them, so they are "
                   "not sent again. Send them anyway with --resend-unconfirmed:")
        for message in report.unconfirmed:
            click.echo(f"  {message.address}: {message.subject}")
        waiting += len(report.unconfirmed)
    if report.stopped:
        click.echo("stopped: run the command again to send the rest")
        return 1
    if waiting:
        click.echo("some messages are still waiting: run the command again to retry them")
        return 1
    return 0


resend_option = click.option(
    "--resend-unconfirmed", is_flag=True,
    help="Also send messages an earlier run was handing to the SMTP server when it stopped "
         "(their recipients may get them twice).")


@click.command("invite")
@click.argument("script_path", metavar="SCRIPT", type=click.Path(exists=True, dir_okay=False))
@click.option("--program", help="The program the invitations belong to (default: the "
              "script's id). A person is invited to a program once.")
@click.option("--segment", help="Only respondents in this segment.")
@click.option("--role", help="Only respondents with this role.")
@click.option("--where", "condition", metavar="EXPRESSION",
              help="Only respondents for whom this is true, e.g. "
                   "\"respondent.years >= 3 and 'loyal' in segments\".")
@click.option("--respondent", "respondent_ids", multiple=True, metavar="ID",
              help="Invite this respondent (repeatable); with --respondents-file, a list.")
@click.option("--respondents-file", type=click.Path(exists=True, dir_okay=False),
              help="A file of respondent ids, one per line.")
@click.option("--answer-by", type=click.Choice(["web", "email"]), default="web",
              show_default=True,
              help="web: the message links to the web form; email: it also asks the first "
                   "question, and people can answer the whole script by replying.")
@click.option("--dry-run", is_flag=True, help="Show who would get what; send nothing.")
@resend_option
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The project folder (default: the script's folder).")
@database_option
@click.pass_context
def invite(ctx: click.Context, script_path: str, program: str | None, segment: str | None,
           role: str | None, condition: str | None, respondent_ids: Sequence[str],
           respondents_file: str | None, answer_by: str, dry_run: bool,
           resend_unconfirmed: bool, project_dir: Path | None, database_url: str | None
           ) -> None:
    """Invite respondents by email to answer SCRIPT.

    Everyone chosen gets a session and a personal link to it, once per program: running the
    command again sends only what was not sent before.
    """
    project = project_dir or Path(script_path).parent
    settings = _settings(project)
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
    ids = list(respondent_ids)
    if respondents_file:
        ids += [line.strip() for line in Path(respondents_file).read_text("utf-8").splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    store = _store(ctx, database_url, project)
    try:
        outgoing = Outgoing(store, settings)
        try:
            candidates = read_candidates(store.engine, ids or None)
        except LookupError as error:
            raise click.ClickException(str(error)) from None
        selection = select(candidates, suppressed=outgoing.messages.suppressed(CHANNEL),
                           segment=segment, role=role, condition=compiled)
        program = program or script.id
        already = outgoing.messages.existing_keys(
            outgoing.invitation_key(program, c.id) for c in selection.chosen)
        new = [c for c in selection.chosen if outgoing.invitation_key(program, c.id)
               not in already]
        click.echo(f"{script.id}: {len(selection.chosen)} chosen, {len(new)} to invite "
                   f"({len(already)} invited before), {len(selection.left_out)} left out")
        for candidate, reason in selection.left_out:
            click.echo(f"  left out {candidate.id}: {reason}")
        if dry_run:
            with _template_problems():
                _dry_run(outgoing, script, new, answer_by == "email")
            return
        with _stoppable() as stop, _template_problems():
            queued = _queue_invitations(outgoing, script, new, program, answer_by == "email",
                                        stop)
            click.echo(f"queued {queued} invitation(s)")
            report = _send(outgoing, settings, stop, resend_unconfirmed=resend_unconfirmed)
        ctx.exit(_summarize(report, settings))
    finally:
        store.close()


def _queue_invitations(outgoing: Outgoing, script: Any, new: Sequence[Any], program: str,
                       by_reply: bool, stop: StopFlag) -> int:
    queued = 0
    with click.progressbar(new, label="queuing", file=sys.stderr, show_pos=True,
                           hidden=len(new) < PROGRESS_FROM) as bar:
        for candidate in bar:
            if stop:
                break
            if outgoing.invite(script, candidate, program=program, by_reply=by_reply):
                queued += 1
    return queued


def _dry_run(outgoing: Outgoing, script: Any, new: Sequence[Any], by_reply: bool) -> None:
    click.echo("dry run: nothing is written or sent")
    for candidate in new:
        message = outgoing.preview(script, candidate, by_reply=by_reply)
        click.echo(f"  {candidate.id} <{candidate.email}>: {message['Subject']}")
    waiting = outgoing.messages.find(channel=CHANNEL, state="queued")
    if waiting:
        click.echo(f"{len(waiting)} message(s) queued earlier would be sent too")
    if new:
        first = outgoing.preview(script, new[0], by_reply=by_reply)
        body = first.get_body(("plain",))
        click.echo(f"\nthe invitation to {new[0].id}, as text:\n")
        click.echo(body.get_content() if body is not None else "")


@click.command("remind")
@click.option("--program", help="Only sessions of this program.")
@click.option("--after-days", type=click.FloatRange(0), default=None,
              help="Remind when the last message is this many days old (default: [email."
                   "reminders] after_days, or 3).")
@click.option("--max", "max_reminders", type=click.IntRange(0), default=None,
              help="At most this many reminders per person (default: [email.reminders] max, "
                   "or 2).")
@click.option("--dry-run", is_flag=True, help="Show who would be reminded; send nothing.")
@resend_option
@click.option("--project-dir", default=".", type=click.Path(file_okay=False, path_type=Path),
              help="The project folder.")
@database_option
@click.pass_context
def remind(ctx: click.Context, program: str | None, after_days: float | None,
           max_reminders: int | None, dry_run: bool, resend_unconfirmed: bool,
           project_dir: Path, database_url: str | None) -> None:
    """Remind those invited by email who have not finished.

    Nobody who finished, opted out or bounced is reminded, and nobody more often than the
    maximum.
    """
    settings = _settings(project_dir)
    store = _store(ctx, database_url, project_dir)
    try:
        outgoing = Outgoing(store, settings)
        due = due_reminders(store, outgoing.messages, program=program,
                            after=timedelta(days=settings.remind_after_days
                                            if after_days is None else after_days),
                            maximum=settings.max_reminders if max_reminders is None
                            else max_reminders)
        click.echo(f"{len(due)} session(s) to remind")
        if dry_run:
            click.echo("dry run: nothing is written or sent")
            for reminder in due:
                click.echo(f"  {reminder.candidate.id} <{reminder.candidate.email}>: "
                           f"reminder {reminder.number}")
            return
        with _stoppable() as stop, _template_problems():
            queued = 0
            for reminder in due:
                if stop:
                    break
                if outgoing.remind(reminder.session_id, reminder.number, reminder.candidate,
                                   program=reminder.program, by_reply=reminder.by_reply):
                    queued += 1
            click.echo(f"queued {queued} reminder(s)")
            report = _send(outgoing, settings, stop, resend_unconfirmed=resend_unconfirmed)
        ctx.exit(_summarize(report, settings))
    finally:
        store.close()


@click.command("inbox")
@click.option("--project-dir", default=".", type=click.Path(file_okay=False, path_type=Path),
              help="The project folder.")
@click.option("--no-send", is_flag=True,
              help="Record the answers but leave the replies to them queued.")
@database_option
@click.pass_context
def inbox(ctx: click.Context, project_dir: Path, no_send: bool, database_url: str | None
          ) -> None:
    """Read replies and bounces: record answers, send the next questions, and stop
    writing to addresses that bounced."""
    settings = _settings(project_dir)
    store = _store(ctx, database_url, project_dir)
    try:
        outgoing = Outgoing(store, settings)
        try:
            source = open_source(settings)
        except InboundError as error:
            raise click.ClickException(str(error)) from None
        try:
            with _template_problems():
                report = Inbox(store, outgoing).process(source)
        except InboundError as error:
            raise click.ClickException(str(error)) from None
        finally:
            source.close()
        _summarize_inbox(report)
        if no_send:
            return
        with _stoppable() as stop:
            delivery = _send(outgoing, settings, stop, resend_unconfirmed=False)
        ctx.exit(_summarize(delivery, settings))
    finally:
        store.close()


def _summarize_inbox(report: InboxReport) -> None:
    parts = [f"{count} {label}" for count, label in (
        (report.answered, "answered"), (report.asked_again, "asked to reply again"),
        (report.stale, "to a question answered since (sent the current question)"),
        (report.late, "after the conversation had ended"),
        (report.bounced, "bounce(s)"), (report.automatic, "automatic reply(ies) ignored"),
        (report.unmatched, "not matched to a conversation"),
        (report.duplicates, "seen before")) if count]
    click.echo("inbox: " + (", ".join(parts) if parts else "nothing new"))
    for address in report.bounced_addresses:
        click.echo(f"  bounced, will not be written to again: {address}")
