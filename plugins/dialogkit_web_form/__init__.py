"""The web form channel: interviews answered in a browser, and `dialogkit serve`.

A built-in plugin, registered through the `dialogkit` entry-point group like any other.
`create_app(store)` gives the ASGI application; mount it anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator

from dialogkit import hookimpl
from dialogkit.plugin_types import Channel, CliCommand
from dialogkit_web_form.app import create_app
from dialogkit_web_form.channel import WebFormChannel

__all__ = ["WebFormChannel", "create_app"]


@hookimpl
def dialogkit_channels() -> Iterator[Channel]:
    yield Channel(name="web", summary="Interviews answered page by page in a browser.",
                  factory=WebFormChannel)


@hookimpl
def dialogkit_cli_commands() -> Iterator[CliCommand]:
    from dialogkit_web_form.serve import serve

    yield CliCommand(name="serve", command=serve)
