"""Choosing whom a campaign writes to: a filter over the stored respondents, or a list.

The filter is `dialogkit.store.respondents`' (a segment, a role and a condition).
Respondents without an email address, who opted out, or whose address bounced or was opted
out in any program are left out, each with the reason, so a dry run can say why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from attrs import frozen

from dialogkit.expressions import Expression
from dialogkit.store.messages import normalize_address
from dialogkit.store.respondents import Candidate, matches

__all__ = ["Selection", "select"]


@frozen
class Selection:
    """Who is chosen, and who was left out with why ("no email address", ...)."""

    chosen: tuple[Candidate, ...]
    left_out: tuple[tuple[Candidate, str], ...]


def select(candidates: Iterable[Candidate], *, suppressed: Mapping[str, str],
           segment: str | None = None, role: str | None = None,
           condition: Expression | None = None) -> Selection:
    """Who among `candidates` matches, and who is left out (with the reason)."""
    chosen: list[Candidate] = []
    left_out: list[tuple[Candidate, str]] = []
    reasons = {"opted_out": "opted out", "bounced": "address bounced"}
    for candidate in candidates:
        if not matches(candidate, segment, role, condition):
            continue
        if not candidate.email:
            left_out.append((candidate, "no email address"))
        elif candidate.opted_out:
            left_out.append((candidate, "opted out"))
        elif (why := suppressed.get(normalize_address(candidate.email))) is not None:
            left_out.append((candidate, reasons.get(why, why)))
        else:
            chosen.append(candidate)
    return Selection(chosen=tuple(chosen), left_out=tuple(left_out))
