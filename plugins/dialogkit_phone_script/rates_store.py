"""The response rates of a program's phone fieldwork, from the call queue in the store.

A case counts by its final disposition once closed, by its last attempt's while it is still
being called, and as not attempted (3.11) before its first call. It counts in every segment
of its respondent.
"""

from __future__ import annotations

import json
from collections import Counter
from fractions import Fraction

import sqlalchemy as sa

from dialogkit.store import tables
from dialogkit_phone_script.dispositions import BY_CODE, NOT_ATTEMPTED
from dialogkit_phone_script.rates_report import RatesReport, Tally

__all__ = ["UnknownCodes", "UnknownProgram", "rates_from_store"]


class UnknownProgram(LookupError):
    """No program of that id in the store."""


class UnknownCodes(ValueError):
    """Cases carry disposition codes the catalog doesn't know."""


def rates_from_store(engine: sa.Engine, program_id: str,
                     e: Fraction | float | None) -> RatesReport:
    """The rates of the program's call cases, overall and by segment, at `e` (estimated from
    all the program's cases when None). Raises UnknownProgram, UnknownCodes."""
    with engine.connect() as connection:
        rows = connection.execute(_tally(program_id)).all()
    if not rows:
        raise UnknownProgram(f"no program '{program_id}' in the store")
    tally = Tally()
    unknown: Counter[str] = Counter()
    open_cases = 0
    for row in rows:
        if not row.cases:  # the program has no call cases
            continue
        found = BY_CODE.get(row.code or NOT_ATTEMPTED.code)
        if found is None:
            unknown[row.code] += row.cases
            continue
        tally.add(found.group, _segments(row.segments), row.cases)
        open_cases += row.open
    if unknown:
        listed = ", ".join(f"{code} ({cases} case(s))" for code, cases in sorted(unknown.items()))
        raise UnknownCodes(f"program '{program_id}' has cases with disposition codes the phone "
                           f"channel does not know: {listed}")
    return tally.report(e, open_cases=open_cases)


def _segments(text: str | None) -> list[str]:
    """The segment names of a respondent's JSON list, each once."""
    names = json.loads(text) if text else None
    return list(dict.fromkeys(str(name) for name in names or ()))


def _tally(program_id: str) -> sa.Select:
    """One row per disposition code and segment list with its number of cases, of which
    open; the program's row, joined outward, makes a program without cases one row with no
    cases, and an unknown program no row at all."""
    cases, respondents = tables.call_cases, tables.respondents
    code = sa.func.coalesce(cases.c.final_code, cases.c.last_code)
    # JSON can't be grouped on in PostgreSQL: group on its text, parsed afterwards
    segments = sa.cast(respondents.c.segments, sa.Text)
    is_open = sa.case((cases.c.state == "open", 1), else_=0)
    return (sa.select(code.label("code"), segments.label("segments"),
                      sa.func.count(cases.c.id).label("cases"),
                      sa.func.coalesce(sa.func.sum(is_open), 0).label("open"))
            .select_from(tables.programs)
            .outerjoin(cases, cases.c.program_id == tables.programs.c.id)
            .outerjoin(respondents, respondents.c.id == cases.c.respondent_id)
            .where(tables.programs.c.id == program_id)
            .group_by(code, segments))
