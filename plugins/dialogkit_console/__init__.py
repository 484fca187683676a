"""The console channel: interviews in a terminal, and `dialogkit run`.

A built-in plugin, registered through the `dialogkit` entry-point group like any other.
"""

from __future__ import annotations

from collections.abc import Iterator

from dialogkit import hookimpl
from dialogkit.plugin_types import Channel, CliCommand
from dialogkit_console.adapter import ConsoleChannel
from dialogkit_console.command import run


@hookimpl
def dialogkit_channels() -> Iterator[Channel]:
    yield Channel(name="console", summary="Interviews typed in a terminal.", factory=ConsoleChannel)


@hookimpl
def dialogkit_cli_commands() -> Iterator[CliCommand]:
    yield CliCommand(name="run", command=run)
