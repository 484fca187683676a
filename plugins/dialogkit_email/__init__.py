"""The email channel: invitations, reminders and conversations answered by reply.

A built-in plugin, registered through the `dialogkit` entry-point group like any other. It
adds the `email` channel and the commands `dialogkit invite`, `remind`, `inbox` and
`outbox`; see docs/email.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from dialogkit import hookimpl
from dialogkit.plugin_types import Channel, CliCommand
from dialogkit_email.adapter import EmailChannel

__all__ = ["EmailChannel"]


@hookimpl
def dialogkit_channels() -> Iterator[Channel]:
    yield Channel(name="email", summary="Invitations, reminders, and questions answered by "
                  "replying to an email.", factory=EmailChannel)


@hookimpl
def dialogkit_cli_commands() -> Iterator[CliCommand]:
    from dialogkit_email.commands import inbox, invite, remind
    from dialogkit_email.outbox_command import outbox

    yield CliCommand(name="invite", command=invite)
    yield CliCommand(name="remind", command=remind)
    yield CliCommand(name="inbox", command=inbox)
    yield CliCommand(name="outbox", command=outbox)
