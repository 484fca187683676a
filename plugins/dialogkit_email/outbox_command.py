"""`dialogkit outbox`: what the email channel "sent" to its local outbox folder."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import cast

import click

from .settings import EmailSettingsError, load_settings
from .transport import OutboxEntry, OutboxTransport, read_outbox

SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe")
SUBJECT_WIDTH = 60
TO_WIDTH = 40


@click.command("outbox")
@click.option("--project-dir", default=".", type=click.Path(file_okay=False),
              help="The project folder.")
@click.option("--show", metavar="N_OR_MESSAGE_ID",
              help="Print one message: its number in the list, or its Message-ID.")
@click.option("--html", is_flag=True, help="With --show: print the HTML part, not the text.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N",
              help="List only the N most recent messages.")
def outbox(project_dir: str, show: str | None, html: bool, limit: int | None) -> None:
    """List the messages in the email outbox folder (newest last), or show one."""
    try:
        settings = load_settings(project_dir)
    except EmailSettingsError as error:
        raise click.ClickException(str(error)) from None
    folder = settings.outbox
    entries = read_outbox(folder)
    if show is not None:
        _show(_find(entries, folder, show), html=html)
        return
    if not entries:
        state = "is empty" if folder.is_dir() else "does not exist yet"
        note = (" (the email transport is \"smtp\": messages go to the SMTP server)"
                if settings.transport == "smtp" else "")
        click.echo(f"The outbox {folder} {state}: no messages sent{note}.")
        return
    _list(entries, limit)


def _list(entries: list[OutboxEntry], limit: int | None) -> None:
    first = 0 if limit is None else max(0, len(entries) - limit)
    rows = [(str(number), entry.date.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
             _clip(entry.to, TO_WIDTH), _clip(entry.subject, SUBJECT_WIDTH))
            for number, entry in enumerate(entries[first:], start=first + 1)]
    header = ("#", "date", "to", "subject")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        number, date, to, subject = row
        click.echo(f"{number:>{widths[0]}}  {date:<{widths[1]}}  {to:<{widths[2]}}  "
                   f"{subject}".rstrip())
    if first:
        click.echo(f"({first} older message(s) not listed; see --limit)")


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _find(entries: list[OutboxEntry], folder: Path, wanted: str) -> OutboxEntry:
    """The entry numbered `wanted` in the list, or with that Message-ID."""
    if wanted.isdigit():
        number = int(wanted)
        if 1 <= number <= len(entries):
            return entries[number - 1]
        raise click.ClickException(f"there is no message #{number} in the outbox {folder} "
                                   f"({len(entries)} message(s))")
    path = OutboxTransport(folder).path_for(wanted)
    for entry in entries:
        if entry.file == path or entry.message_id.strip("<>") == wanted.strip().strip("<>"):
            return entry
    raise click.ClickException(f"no message with the Message-ID {wanted} in the outbox {folder}")


def _show(entry: OutboxEntry, *, html: bool) -> None:
    with entry.file.open("rb") as file:
        message = cast(EmailMessage, BytesParser(policy=default_policy).parse(file))
    for name in SHOWN_HEADERS:
        if (value := message.get(name)) is not None:
            click.echo(f"{name}: {value}")
    click.echo(f"File: {entry.file}")
    click.echo()
    kind = "html" if html else "plain"
    part = message.get_body(preferencelist=(kind,))
    if part is None:
        raise click.ClickException(f"the message has no {'HTML' if html else 'text'} part")
    click.echo(cast(str, part.get_content()).rstrip("\n"))
