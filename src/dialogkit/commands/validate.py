"""`dialogkit validate FILE...`: check scripts and report every problem with its position."""

from __future__ import annotations

import click

from dialogkit.cli import current_plugin_system
from dialogkit.diagnostics import Diagnostic, ScriptError
from dialogkit.lint import lint_script
from dialogkit.loader import load_script


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat lint warnings as errors.")
@click.option("--no-lint", is_flag=True, help="Skip the lint rules; check only validity.")
@click.pass_context
def validate(ctx: click.Context, files: tuple[str, ...], strict: bool, no_lint: bool) -> None:
    """Check script FILES; print each problem as file:line:col: path: message.

    Exits 0 when every file is valid (lint warnings are printed but do not fail, unless
    --strict), 1 otherwise.
    """
    registry = current_plugin_system(ctx).registry
    failed = False
    for file in files:
        try:
            script = load_script(file, question_types=registry.question_types)
        except ScriptError as error:
            failed = True
            for diagnostic in error.diagnostics:
                click.echo(diagnostic.format())
            continue
        findings: list[Diagnostic] = [] if no_lint else lint_script(script, registry.lint_rules)
        for finding in findings:
            click.echo(finding.format())
            failed = failed or finding.severity == "error" or strict
        if not findings:
            click.echo(f"{file}: ok", err=True)
    ctx.exit(1 if failed else 0)
