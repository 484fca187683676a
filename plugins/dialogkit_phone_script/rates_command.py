"""`dialogkit rates`: the AAPOR response, cooperation, refusal and contact rates of a
program's phone fieldwork in the store, or of the cases in a CSV file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from dialogkit.commands.db import database_errors, database_option, project_option
from dialogkit.store import StoreError, open_store
from dialogkit_phone_script.rates_file import FieldworkFileError, rates_from_file
from dialogkit_phone_script.rates_report import RatesReport, Section, percent
from dialogkit_phone_script.rates_store import UnknownCodes, UnknownProgram, rates_from_store


@click.command("rates")
@click.argument("program", required=False)
@click.option("--file", "fieldwork", metavar="CSV",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Count the cases in this CSV file (columns disposition, and optionally "
                   "case and segment) instead of a program's.")
@click.option("--e", "e", type=click.FloatRange(0, 1), metavar="FLOAT",
              help="The share of the cases of unknown eligibility taken to be eligible "
                   "(default: estimated, as the eligible share of the resolved cases).")
@click.option("--by-segment", is_flag=True,
              help="Also show the counts and rates of each segment (--json always has them).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@database_option
@project_option
def rates(program: str | None, fieldwork: Path | None, e: float | None, by_segment: bool,
          as_json: bool, database_url: str | None, project_dir: str) -> None:
    """Show the AAPOR outcome rates of PROGRAM's phone calls, or of a fieldwork --file
    (see docs/response-rates.md)."""
    if (program is None) == (fieldwork is None):
        raise click.UsageError("give a PROGRAM, or a fieldwork file with --file (not both)")
    if fieldwork is not None:
        try:
            report = rates_from_file(fieldwork, e)
        except FieldworkFileError as error:
            for problem in error.problems:
                click.echo(problem, err=True)
            raise SystemExit(1) from None
        title = str(fieldwork)
    else:
        assert program is not None
        report = _from_store(program, e, database_url, project_dir)
        title = f"Program {program}"
    if as_json:
        click.echo(json.dumps(_as_json(report), indent=2))
    else:
        click.echo("\n".join(_text(report, title, by_segment)))


def _from_store(program: str, e: float | None, database_url: str | None,
                project_dir: str) -> RatesReport:
    try:
        with database_errors():
            store = open_store(database_url, project_dir, migrate=False)
    except StoreError as error:
        raise click.ClickException(str(error)) from None
    try:
        with database_errors():
            return rates_from_store(store.engine, program, e)
    except UnknownProgram:
        where = store.engine.url.render_as_string(hide_password=True)
        raise click.ClickException(f"no program '{program}' in the store at {where}") from None
    except UnknownCodes as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()


def _text(report: RatesReport, title: str, by_segment: bool) -> list[str]:
    still_open = (f" ({report.open_cases} still being called: their last attempt counts for "
                  "now)" if report.open_cases else "")
    lines = [f"{title}: {_cases(report.overall)}{still_open}", report.e_text()]
    lines += _section(report.overall)
    for segment in report.segments if by_segment else ():
        lines += ["", f"Segment {segment.name}: {_cases(segment)}",
                  *_section(segment)]
    return lines


def _cases(section: Section) -> str:
    total = section.counts.total
    return f"{total} case" if total == 1 else f"{total} cases"


def _section(section: Section) -> list[str]:
    counts = section.count_rows()
    width = max(len(str(row.count)) for row in counts)
    return [
        "", "Cases by disposition group (AAPOR codes):",
        *(f"  {row.group:<3} {row.count:>{width}}  {row.meaning} ({', '.join(row.codes)})"
          for row in counts),
        "", "Rates:",
        *(f"  {row.name:<6}{percent(row.value):>6}  {row.summary}"
          for row in section.rate_rows()),
    ]


def _as_json(report: RatesReport) -> dict[str, Any]:
    return {"e": _number(report.e), "e_source": report.e_source,
            "open_cases": report.open_cases, **_section_json(report.overall),
            "segments": {s.name: _section_json(s) for s in report.segments}}


def _section_json(section: Section) -> dict[str, Any]:
    return {"counts": {row.group: row.count for row in section.count_rows()},
            "rates": {row.name: _number(row.value) for row in section.rate_rows()}}


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
