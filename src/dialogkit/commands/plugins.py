"""``dialogkit plugins``: which plugins are loaded, from where, what they register, what broke."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs
import click

from dialogkit.cli import current_plugin_system
from dialogkit.plugins import KINDS, PluginInfo, PluginSystem


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the same facts as a JSON document.")
def plugins(as_json: bool) -> None:
    """List plugins, what they register, and problems.

    For each plugin: its source (distribution and version, whether it is built in, module
    and file) and the names it registers by kind. Broken plugins are listed with reasons.
    """
    system = current_plugin_system()
    if as_json:
        click.echo(json.dumps(_document(system), indent=2))
    else:
        for line in _lines(system):
            click.echo(line)


def _document(system: PluginSystem) -> dict[str, Any]:
    """The JSON document of ``dialogkit plugins --json``."""
    return {
        "plugins": [
            {**attrs.asdict(info, recurse=False), "registers": dict(info.registers)}
            for info in system.plugins
        ],
        "problems": [attrs.asdict(problem) for problem in system.problems],
        "blocked": list(system.blocked),
    }


def _lines(system: PluginSystem) -> Iterator[str]:
    if not system.plugins:
        yield "No plugins loaded."
    for info in system.plugins:
        yield from _describe(info)
    if system.blocked:
        yield ""
        yield f"Blocked: {', '.join(system.blocked)}"
    if system.problems:
        yield ""
        yield "Problems:"
        for problem in system.problems:
            yield f"  {problem}"


def _describe(info: PluginInfo) -> Iterator[str]:
    marker = "built-in, " if info.builtin else ""
    yield f"{info.name} ({marker}{info.source})"
    yield f"  module: {info.module}" + (f"  {info.path}" if info.path else "")
    if not info.registers:
        yield "  registers nothing"
    for kind, names in info.registers.items():
        yield f"  {KINDS[kind].label}: {', '.join(names)}"
