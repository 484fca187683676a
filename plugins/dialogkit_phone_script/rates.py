"""AAPOR outcome rates: response (RR1–RR6), cooperation (COOP1–COOP4), refusal (REF1–REF3)
and contact (CON1–CON3) rates from the number of cases in each disposition group.

The formulas are those of the AAPOR Standard Definitions. Rates are exact fractions; a rate
whose denominator is 0 is None. RR3, RR4, REF2 and CON2 count the cases of unknown
eligibility (UH + UO) at ``e``, the share of them estimated to be eligible; `estimate_e` is
one common way to estimate it. AAPOR asks that reports say how e was chosen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from fractions import Fraction

import attrs
from attrs import frozen

from dialogkit_phone_script.dispositions import disposition

__all__ = ["Counts", "Rates", "checked_e", "estimate_e", "response_rates"]


def _count() -> int:
    return attrs.field(default=0, validator=[attrs.validators.instance_of(int),
                                             attrs.validators.ge(0)])


@frozen(kw_only=True)
class Counts:
    """How many cases are in each disposition group (see `dispositions.GROUPS`)."""

    I: int = _count()  # noqa: E741 - AAPOR's group names
    P: int = _count()
    R: int = _count()
    NC: int = _count()
    O: int = _count()  # noqa: E741
    UH: int = _count()
    UO: int = _count()
    NE: int = _count()

    @classmethod
    def from_dispositions(cls, dispositions: Iterable[str]) -> Counts:
        """Count cases given by their disposition's AAPOR code (``2.112``) or key
        (``refusal``); raises KeyError for one that is neither."""
        return cls(**Counter(disposition(item).group for item in dispositions))

    @property
    def interviews(self) -> int:
        """Complete and partial interviews (I + P)."""
        return self.I + self.P

    @property
    def contacted(self) -> int:
        """Eligible cases that were reached (I + P + R + O)."""
        return self.interviews + self.R + self.O

    @property
    def eligible(self) -> int:
        """Cases known to be eligible (I + P + R + NC + O)."""
        return self.contacted + self.NC

    @property
    def unknown(self) -> int:
        """Cases whose eligibility is unknown (UH + UO)."""
        return self.UH + self.UO

    @property
    def total(self) -> int:
        """All cases, the not eligible included."""
        return self.eligible + self.unknown + self.NE


Rate = Fraction | None


@frozen(kw_only=True)
class Rates:
    """The AAPOR rates of one set of counts; None where the denominator is 0, and for the
    rates that need e when e is unknown."""

    rr1: Rate
    rr2: Rate
    rr3: Rate
    rr4: Rate
    rr5: Rate
    rr6: Rate
    coop1: Rate
    coop2: Rate
    coop3: Rate
    coop4: Rate
    ref1: Rate
    ref2: Rate
    ref3: Rate
    con1: Rate
    con2: Rate
    con3: Rate


def response_rates(counts: Counts, e: Fraction | float | None) -> Rates:
    """All the AAPOR rates of `counts`, counting the cases of unknown eligibility at `e`
    (0 ≤ e ≤ 1; None when it can't be estimated: RR3, RR4, REF2 and CON2 are then None).

    A float `e` is taken as the decimal it prints as (0.6 is 3/5)."""
    share = None if e is None else checked_e(e)
    c = counts
    every = c.eligible + c.unknown  # all cases but the not eligible
    estimated = None if share is None else c.eligible + share * c.unknown
    able = c.interviews + c.R  # contacted, without those unable to take part (O)
    return Rates(
        rr1=_ratio(c.I, every), rr2=_ratio(c.interviews, every),
        rr3=_ratio(c.I, estimated), rr4=_ratio(c.interviews, estimated),
        rr5=_ratio(c.I, c.eligible), rr6=_ratio(c.interviews, c.eligible),
        coop1=_ratio(c.I, c.contacted), coop2=_ratio(c.interviews, c.contacted),
        coop3=_ratio(c.I, able), coop4=_ratio(c.interviews, able),
        ref1=_ratio(c.R, every), ref2=_ratio(c.R, estimated), ref3=_ratio(c.R, c.eligible),
        con1=_ratio(c.contacted, every), con2=_ratio(c.contacted, estimated),
        con3=_ratio(c.contacted, c.eligible),
    )


def estimate_e(counts: Counts) -> Fraction | None:
    """The share of eligible cases among those whose eligibility was settled:
    (I + P + R + NC + O) / (I + P + R + NC + O + NE). One common estimate of e, it assumes the
    unknown cases are eligible as often as the resolved ones. None when no case is resolved."""
    return _ratio(counts.eligible, counts.eligible + counts.NE)


def checked_e(e: Fraction | float) -> Fraction:
    """`e` as an exact fraction (a float as the decimal it prints as); ValueError unless it
    is a number from 0 to 1."""
    if isinstance(e, bool) or not isinstance(e, int | float | Fraction) or not 0 <= e <= 1:
        raise ValueError("e, the share of the cases of unknown eligibility estimated to be "
                         f"eligible, must be a number from 0 to 1 (got {e!r})")
    return e if isinstance(e, Fraction) else Fraction(repr(float(e)))


def _ratio(numerator: Fraction | int, denominator: Fraction | int | None) -> Rate:
    if not denominator:
        return None
    return Fraction(numerator) / denominator
