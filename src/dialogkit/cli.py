"""The ``dialogkit`` command line.

Core commands are listed in :data:`CORE_COMMANDS` and imported only when used; plugins add
more with the ``dialogkit_cli_commands`` hook. The plugin system is built once per
invocation, on first need, honouring ``--block-plugin`` / ``--allow-plugin``.
"""

from __future__ import annotations

import pkgutil
import warnings
from collections.abc import Mapping

import click

from dialogkit import __version__
from dialogkit.plugins import DuplicateNameError, PluginSystem, PluginWarning, load_plugins

__all__ = ["CORE_COMMANDS", "DialogkitGroup", "PluginConflict", "current_plugin_system", "main"]

CORE_COMMANDS: Mapping[str, str] = {
    # name: "module:attribute" of the click command; add one line per core command.
    "plugins": "dialogkit.commands.plugins:plugins",
    "db": "dialogkit.commands.db:db",
    "export": "dialogkit.commands.export:export",
    "import-respondents": "dialogkit.commands.import_respondents:import_respondents_command",
    "schema": "dialogkit.commands.schema:schema",
    "validate": "dialogkit.commands.validate:validate",
}

_SYSTEM_KEY = "dialogkit.plugin_system"


class PluginConflict(click.ClickException):
    """Plugins that cannot be used together; reported as ``Error: ...`` with exit status 2."""

    exit_code = 2


def current_plugin_system(ctx: click.Context | None = None) -> PluginSystem:
    """The plugin system of the running invocation, built on first use.

    Honours the root command's ``--block-plugin`` / ``--allow-plugin`` options. Plugin
    problems are printed as warnings on stderr; conflicts raise :class:`PluginConflict`.
    """
    root = (ctx or click.get_current_context()).find_root()
    system = root.meta.get(_SYSTEM_KEY)
    if system is None:
        system = _load(root.params.get("block_plugins", ()), root.params.get("allow_plugins", ()))
        root.meta[_SYSTEM_KEY] = system
    return system


def _load(block: tuple[str, ...], allow: tuple[str, ...]) -> PluginSystem:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PluginWarning)
        try:
            system = load_plugins(block=block, allow=allow or None)
        except DuplicateNameError as error:
            hint = f"block one with --block-plugin {error.second.name}"
            raise PluginConflict(f"{error}; {hint}") from error
    for warning in caught:
        if issubclass(warning.category, PluginWarning):
            click.echo(f"warning: {warning.message}", err=True)
        else:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    sources = {info.name: info.source for info in system.plugins}
    clashes = [
        f"plugin {plugin!r} ({sources[plugin]}) registers the command {name!r}, which is a core "
        f"dialogkit command; block it with --block-plugin {plugin}"
        for name in sorted(system.registry.cli_commands)
        if name in CORE_COMMANDS
        for plugin in [system.registry.provider("cli_command", name)]
    ]
    if clashes:
        raise PluginConflict("\n".join(clashes))
    return system


class DialogkitGroup(click.Group):
    """The core commands of :data:`CORE_COMMANDS` plus every plugin's ``CliCommand``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        plugin_commands = current_plugin_system(ctx).registry.cli_commands
        return sorted({*CORE_COMMANDS, *plugin_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in CORE_COMMANDS:
            command: click.Command = pkgutil.resolve_name(CORE_COMMANDS[cmd_name])
            return command
        record = current_plugin_system(ctx).registry.cli_commands.get(cmd_name)
        return record.command if record else None


@click.group(cls=DialogkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dialogkit")
@click.option(
    "--block-plugin",
    "block_plugins",
    metavar="NAME",
    multiple=True,
    is_eager=True,
    help="Do not load plugin NAME (repeatable; also $DIALOGKIT_BLOCK_PLUGINS, comma-separated).",
)
@click.option(
    "--allow-plugin",
    "allow_plugins",
    metavar="NAME",
    multiple=True,
    is_eager=True,
    help="Load only the plugins named (repeatable; also $DIALOGKIT_ALLOW_PLUGINS).",
)
def main(**_plugin_options: tuple[str, ...]) -> None:
    """Customer conversations as code: scripted interviews that ask why and follow through.

    \f
    The plugin options are read when the plugin system is built (see current_plugin_system).
    """
