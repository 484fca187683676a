"""Stored respondents as candidates for fieldwork, and the filter that picks among them.

The filter combines a segment, a role and a condition in the script expression language over
``respondent`` (the attributes), ``role``, ``segments``, ``account``, ``email`` and ``phone``
— e.g. ``respondent.years >= 3 and role == 'decision_maker'``. Channels add their own rules
on top (an email campaign leaves out bounced addresses, a call queue people without a number).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from attrs import frozen

from dialogkit.expressions import Expression, compile_expression
from dialogkit.store import tables

__all__ = ["FILTER_NAMES", "Candidate", "compile_filter", "matches", "read_candidates"]

FILTER_NAMES = ("respondent", "role", "segments", "account", "email", "phone")


@frozen
class Candidate:
    """A stored respondent fieldwork may reach."""

    id: str
    email: str | None
    phone: str | None
    name: str | None
    role: str | None
    segments: tuple[str, ...]
    attributes: Mapping[str, Any]
    account_id: str | None
    opted_out: bool

    @property
    def first_name(self) -> str | None:
        first = self.attributes.get("first_name")
        if isinstance(first, str) and first:
            return first
        return self.name.split()[0] if self.name and self.name.split() else None


def compile_filter(source: str) -> Expression:
    """A respondent filter; raises `dialogkit.expressions.ExpressionError`."""
    return compile_expression(source, FILTER_NAMES)


def matches(candidate: Candidate, segment: str | None, role: str | None,
            condition: Expression | None) -> bool:
    """Whether `candidate` is in `segment`, has `role` and meets `condition` (None: any)."""
    if segment is not None and segment not in candidate.segments:
        return False
    if role is not None and candidate.role != role:
        return False
    if condition is None:
        return True
    return bool(condition.evaluate({
        "respondent": dict(candidate.attributes), "role": candidate.role,
        "segments": list(candidate.segments), "account": candidate.account_id,
        "email": candidate.email, "phone": candidate.phone}))


def read_candidates(engine: sa.Engine, ids: Sequence[str] | None = None) -> list[Candidate]:
    """Stored respondents (all, or those with these ids, in that order)."""
    column = tables.respondents.c
    query = sa.select(column.id, column.email, column.phone, column.name, column.role,
                      column.segments, column.attributes, column.account_id,
                      column.opted_out).order_by(column.id)
    with engine.connect() as connection:
        if ids is None:
            rows = connection.execute(query).all()
        else:
            wanted = list(dict.fromkeys(ids))
            rows = [row for start in range(0, len(wanted), 500)
                    for row in connection.execute(query.where(
                        column.id.in_(wanted[start:start + 500])))]
    found = [Candidate(id=row.id, email=row.email, phone=row.phone, name=row.name, role=row.role,
                       segments=tuple(row.segments or ()), attributes=dict(row.attributes or {}),
                       account_id=row.account_id, opted_out=bool(row.opted_out))
             for row in rows]
    if ids is None:
        return found
    by_id = {candidate.id: candidate for candidate in found}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise LookupError(f"no respondent with id {', '.join(repr(i) for i in missing[:10])}"
                          + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""))
    return [by_id[i] for i in dict.fromkeys(ids)]
