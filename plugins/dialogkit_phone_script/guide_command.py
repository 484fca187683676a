"""`dialogkit phone-script SCRIPT`: the interviewer's printed script for a telephone interview."""

from __future__ import annotations

from pathlib import Path

import click

from dialogkit.cli import current_plugin_system
from dialogkit.diagnostics import ScriptError
from dialogkit.loader import load_script
from dialogkit_phone_script.guide import (
    PdfError,
    build_guide,
    render_html,
    render_markdown,
    render_pdf,
)

FORMATS = ("html", "md", "pdf")


@click.command("phone-script")
@click.argument("script_path", metavar="SCRIPT", type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="html",
              show_default=True, help="html: one printable page; md: Markdown; pdf: the page "
                                      "printed by headless Chromium.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (default: standard output; for pdf, SCRIPT_ID.phone-script.pdf "
                   "in the current folder).")
@click.option("--language", help="Language of the read-aloud texts (default: the script's first).")
@click.pass_context
def phone_script(ctx: click.Context, script_path: str, output_format: str,
                 output: Path | None, language: str | None) -> None:
    """Write SCRIPT as an interviewer's guide for a telephone interview.

    Read-aloud text and interviewer instructions look different, answers have codes (DON'T
    KNOW 98 and REFUSED 99 on every question), probes are listed under their question, and
    every branch is written out in words with where to go otherwise. Exits 1 when the script
    has problems (printed as file:line:col) or the PDF can't be made.
    """
    question_types = current_plugin_system(ctx).registry.question_types
    try:
        script = load_script(script_path, question_types=question_types)
    except ScriptError as error:
        for diagnostic in error.diagnostics:
            click.echo(diagnostic.format(), err=True)
        ctx.exit(1)
    languages = script.document.languages
    if language is not None and language not in languages:
        raise click.BadParameter(f"the script has no texts in '{language}'; its languages are "
                                 f"{', '.join(languages)}", param_hint="'--language'")
    guide = build_guide(script, language, question_types=question_types)
    if output_format == "pdf":
        target = output or Path(f"{script.id}.phone-script.pdf")
        try:
            render_pdf(render_html(guide), target)
        except PdfError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"wrote {target}", err=True)
        return
    text = render_markdown(guide) if output_format == "md" else render_html(guide)
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise click.ClickException(f"cannot write {output}: {error.strerror or error}"
                                       ) from None
        click.echo(f"wrote {output}", err=True)
