"""A response-rates report ready to show: for all cases and for each segment, the cases in
each disposition group and the AAPOR rates, as rows in a fixed order; and the e used, with
how it was chosen (AAPOR asks that reports say so)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

from attrs import frozen

from dialogkit_phone_script.dispositions import (
    DISPOSITIONS,
    GROUPS,
    NOT_ATTEMPTED,
    Group,
)
from dialogkit_phone_script.rates import (
    Counts,
    Rates,
    checked_e,
    estimate_e,
    response_rates,
)

__all__ = [
    "CODES",
    "RATE_SUMMARIES",
    "CountRow",
    "ESource",
    "RateRow",
    "RatesReport",
    "Section",
    "Tally",
    "build_report",
    "decimal",
    "percent",
]

ESource = Literal["given", "estimated"]
E_ESTIMATE = "eligible share of resolved cases"

CODES: Mapping[Group, tuple[str, ...]] = MappingProxyType({
    group: tuple(sorted({d.code for d in (NOT_ATTEMPTED, *DISPOSITIONS) if d.group == group}))
    for group in GROUPS})
"""The AAPOR codes of the catalog in each group."""

RATE_SUMMARIES: Mapping[str, str] = MappingProxyType({
    "RR1": "complete interviews / all cases but the not eligible",
    "RR2": "complete and partial interviews / all cases but the not eligible",
    "RR3": "complete interviews / known eligible + e × unknown",
    "RR4": "complete and partial interviews / known eligible + e × unknown",
    "RR5": "complete interviews / known eligible",
    "RR6": "complete and partial interviews / known eligible",
    "COOP1": "complete interviews / eligible cases reached",
    "COOP2": "complete and partial interviews / eligible cases reached",
    "COOP3": "complete interviews / cases reached and able to take part",
    "COOP4": "complete and partial interviews / cases reached and able to take part",
    "REF1": "refusals and break-offs / all cases but the not eligible",
    "REF2": "refusals and break-offs / known eligible + e × unknown",
    "REF3": "refusals and break-offs / known eligible",
    "CON1": "eligible cases reached / all cases but the not eligible",
    "CON2": "eligible cases reached / known eligible + e × unknown",
    "CON3": "eligible cases reached / known eligible",
})
"""Each rate's short definition, in the AAPOR order."""


@frozen
class CountRow:
    group: Group
    meaning: str
    codes: tuple[str, ...]
    count: int


@frozen
class RateRow:
    name: str
    summary: str
    value: Fraction | None


@frozen
class Section:
    """The counts and rates of all cases, or of one segment's."""

    name: str
    counts: Counts
    rates: Rates

    def count_rows(self) -> list[CountRow]:
        return [CountRow(group, meaning, CODES[group], getattr(self.counts, group))
                for group, meaning in GROUPS.items()]

    def rate_rows(self) -> list[RateRow]:
        return [RateRow(name, summary, getattr(self.rates, name.lower()))
                for name, summary in RATE_SUMMARIES.items()]


@frozen
class RatesReport:
    """`e` is None when it was to be estimated but no case's eligibility is resolved yet.
    `open_cases` counts the cases still being called (None when not known): their last
    attempt's code counts for now."""

    e: Fraction | None
    e_source: ESource
    overall: Section
    segments: tuple[Section, ...]
    open_cases: int | None = None

    def e_text(self) -> str:
        """``e = 0.80 (given)``, ``e = 0.83 (estimated: eligible share of resolved cases)``."""
        if self.e_source == "given":
            return f"e = {decimal(self.e, 2)} (given)"
        if self.e is None:
            return f"e = n/a (estimated: {E_ESTIMATE}, and no case is resolved yet)"
        return f"e = {decimal(self.e, 2)} (estimated: {E_ESTIMATE})"


def build_report(overall: Counts, segments: Mapping[str, Counts],
                 e: Fraction | float | None, *, open_cases: int | None = None) -> RatesReport:
    """The report of these counts, at `e` or, when it is None, at e estimated from all
    cases (`rates.estimate_e`); the same e serves every segment, listed by name."""
    share = estimate_e(overall) if e is None else checked_e(e)

    def section(name: str, counts: Counts) -> Section:
        return Section(name, counts, response_rates(counts, share))

    return RatesReport(
        e=share, e_source="estimated" if e is None else "given",
        overall=section("all cases", overall),
        segments=tuple(section(name, segments[name]) for name in sorted(segments)),
        open_cases=open_cases)


class Tally:
    """Cases counted by group, overall and in each of their segments, as they are read."""

    def __init__(self) -> None:
        self._overall: Counter[Group] = Counter()
        self._segments: defaultdict[str, Counter[Group]] = defaultdict(Counter)

    def add(self, group: Group, segments: Iterable[str], cases: int = 1) -> None:
        self._overall[group] += cases
        for segment in segments:
            self._segments[segment][group] += cases

    def report(self, e: Fraction | float | None, *,
               open_cases: int | None = None) -> RatesReport:
        """The report of the cases counted (see `build_report`)."""
        return build_report(
            Counts(**self._overall),
            {name: Counts(**counts) for name, counts in self._segments.items()}, e,
            open_cases=open_cases)


def percent(rate: Fraction | None) -> str:
    """``30.5%`` (rounded half up to one decimal), or ``n/a`` for None."""
    return "n/a" if rate is None else f"{decimal(rate * 100, 1)}%"


def decimal(value: Fraction | None, places: int) -> str:
    """A non-negative number to `places` decimals, rounded half up; ``n/a`` for None."""
    if value is None:
        return "n/a"
    scaled = math.floor(value * 10**places + Fraction(1, 2))
    whole, fraction = divmod(scaled, 10**places)
    return f"{whole}.{fraction:0{places}d}" if places else str(whole)
