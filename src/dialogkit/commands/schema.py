"""`dialogkit schema`: print the script JSON Schema, composed with plugin question types."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from dialogkit.schemas import script_schema


@click.command()
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the schema to FILE instead of standard output.",
)
@click.pass_context
def schema(ctx: click.Context, output: Path | None) -> None:
    """Print the JSON Schema of script files, including installed plugins' question types.

    Point an editor's YAML/JSON schema setting at it for completion and checks while writing.
    """
    text = json.dumps(script_schema(_question_types(ctx)), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


def _question_types(ctx: click.Context) -> dict[str, Mapping[str, Any]]:
    """Plugin question type name → its schema, from ``ctx.obj.registry`` or the plugin system."""
    registry = getattr(ctx.obj, "registry", None)
    if registry is None:
        from dialogkit.cli import current_plugin_system  # imported late: the CLI imports us

        registry = current_plugin_system(ctx).registry
    records = getattr(registry, "question_types", None) or {}
    return {name: getattr(record, "schema", None) or {} for name, record in records.items()}
