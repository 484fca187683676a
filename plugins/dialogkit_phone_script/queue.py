"""The call queue: which case an interviewer calls next, and what each call attempt did.

A case is one respondent to interview for one program. An interviewer takes the next case
that is due: first a callback appointment whose time has come, then the case waiting longest
among respondents whom it is now calling hours for, in their own time zone. Taking a case
claims it for `PhoneSettings.claim_minutes` (renewed at every step of the interview) with a
conditional update, so two interviewers never hold the same case, on SQLite as on PostgreSQL.
Every attempt ends with a disposition (`dialogkit_phone_script.dispositions`): a final one
closes the case, the others put it back in the queue for a retry or the agreed callback time,
until the case runs out of attempts and closes with its most informative code.
"""

from __future__ import annotations

import secrets
import time as clock_time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

import sqlalchemy as sa
from attrs import frozen

from dialogkit.script import Script
from dialogkit.store import Store, tables
from dialogkit.store.respondents import Candidate
from dialogkit_phone_script.dispositions import BY_CODE, Disposition, disposition
from dialogkit_phone_script.settings import PhoneSettings, check_time_zone

__all__ = ["AddReport", "Attempt", "CallQueue", "Case", "CaseTaken", "DispositionError",
           "Note", "ProgramSummary", "QueueError"]

CASES = tables.call_cases
ZONE_CACHE_SECONDS = 60.0
"""How long the list of a program's time zones is reused before it is read again."""
CLAIM_TRIES = 20
Interview = Literal["finished", "started"] | None


class QueueError(Exception):
    """A request the queue can't carry out; the message is meant for the interviewer."""


class CaseTaken(QueueError):
    """The case is not (or no longer) held by this interviewer."""


class DispositionError(QueueError, ValueError):
    """A disposition that doesn't fit the call (a complete with no interview, no callback
    time for a callback...)."""


@frozen
class Case:
    """A case as the console shows it."""

    id: str
    program_id: str
    respondent_id: str
    name: str | None
    phone: str | None
    email: str | None
    account: str | None
    role: str | None
    segments: tuple[str, ...]
    attributes: dict[str, Any]
    script_version: str
    session_id: str | None
    time_zone: str
    state: str
    appointment: bool
    next_call_at: datetime
    attempts: int
    last_code: str | None
    final_code: str | None
    claimed_by: str | None

    @property
    def last_disposition(self) -> Disposition | None:
        return BY_CODE.get(self.last_code) if self.last_code else None


@frozen
class Attempt:
    """One call attempt of a case."""

    started_at: datetime
    ended_at: datetime
    interviewer_id: str
    code: str
    callback_at: datetime | None
    note: str | None

    @property
    def label(self) -> str:
        found = BY_CODE.get(self.code)
        return found.label if found else self.code


@frozen
class Note:
    """An interviewer's note on a case, about one question or the case as a whole."""

    at: datetime
    interviewer_id: str
    question_key: str | None
    text: str


@frozen
class AddReport:
    """What adding cases did: how many are new, how many were queued before, who was left
    out and why."""

    added: int
    already: int
    left_out: tuple[tuple[str, str], ...]


def utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC time (SQLite gives back naive times, which are UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _case_query() -> sa.Select:
    r, a = tables.respondents, tables.accounts
    return (sa.select(CASES, r.c.name, r.c.phone, r.c.email, r.c.role, r.c.segments,
                      r.c.attributes, a.c.name.label("account_name"))
            .join(r, r.c.id == CASES.c.respondent_id)
            .outerjoin(a, a.c.id == r.c.account_id))


def _case(row: Any) -> Case:
    return Case(
        id=row.id, program_id=row.program_id, respondent_id=row.respondent_id, name=row.name,
        phone=row.phone, email=row.email, account=row.account_name, role=row.role,
        segments=tuple(row.segments or ()), attributes=dict(row.attributes or {}),
        script_version=row.script_version, session_id=row.session_id,
        time_zone=row.time_zone, state=row.state, appointment=bool(row.appointment),
        next_call_at=utc(row.next_call_at), attempts=row.attempts, last_code=row.last_code,
        final_code=row.final_code, claimed_by=row.claimed_by)


UNION_TERMS = 100
"""At most this many first-case queries in one UNION ALL (SQLite allows 500)."""


@lru_cache(maxsize=256)
def _due_queries(programs: tuple[str, ...], zones: tuple[str, ...], calling: tuple[str, ...]
                 ) -> tuple[sa.CompoundSelect, ...]:
    """The earliest due free case of each program, time zone and kind, by a UNION ALL of one
    query per (program, appointment or not, zone): appointments in every zone, other cases
    in the zones it is calling hours in. Each query is one short range of the queue index
    (program, state, appointment, time zone, next_call_at) whose first entry is the answer;
    one query over several zones or programs would read and sort every due case instead.
    Built once per combination, with the time as the bound parameter ``now``."""
    c = CASES.c
    now = sa.bindparam("now", type_=c.next_call_at.type)
    due = [c.state == "open", c.next_call_at <= now,
           sa.or_(c.claimed_until.is_(None), c.claimed_until < now)]
    firsts = [sa.select(c.id, c.appointment, c.next_call_at)
              .where(c.program_id == program, c.appointment.is_(appointment),
                     c.time_zone == zone, *due)
              .order_by(c.next_call_at).limit(1).subquery()
              for appointment, names in ((True, zones), (False, calling))
              for program in programs for zone in names]
    return tuple(sa.union_all(*(sa.select(first) for first in firsts[start:start + UNION_TERMS]))
                 for start in range(0, len(firsts), UNION_TERMS))


class CallQueue:
    """The call queue of a store. See the module docstring."""

    def __init__(self, store: Store, settings: PhoneSettings | None = None, *,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.engine = store.engine
        self.settings = settings or PhoneSettings()
        self._clock = clock
        self._zones: dict[tuple[str, ...], tuple[float, tuple[str, ...]]] = {}

    def now(self) -> datetime:
        """The current time, aware UTC."""
        return utc(self._clock() if self._clock else datetime.now(UTC))

    # -- filling the queue ---------------------------------------------------------------
    def screen(self, candidates: Iterable[Candidate]
               ) -> tuple[list[tuple[Candidate, str]], list[tuple[str, str]]]:
        """The candidates a call can be queued for, each with their time zone, and those left
        out with the reason: no phone number, opted out, or a ``time_zone`` attribute that is
        not a time zone."""
        chosen: list[tuple[Candidate, str]] = []
        left_out: list[tuple[str, str]] = []
        for candidate in candidates:
            zone = candidate.attributes.get("time_zone") or self.settings.time_zone
            if not candidate.phone:
                left_out.append((candidate.id, "no phone number"))
            elif candidate.opted_out:
                left_out.append((candidate.id, "opted out"))
            elif not isinstance(zone, str) or not _valid_zone(zone):
                left_out.append((candidate.id, f"time_zone {zone!r} is not a time zone"))
            else:
                chosen.append((candidate, zone))
        return chosen, left_out

    def queued(self, program_id: str) -> set[str]:
        """The respondents queued for `program_id` (once, whatever became of their case)."""
        with self.engine.connect() as connection:
            return set(connection.scalars(sa.select(CASES.c.respondent_id)
                                          .where(CASES.c.program_id == program_id)))

    def add(self, program_id: str, script: Script, candidates: Iterable[Candidate]) -> AddReport:
        """Queue a case per candidate for `program_id`, to be interviewed with `script`.
        Candidates without a phone number, who opted out or whose ``time_zone`` attribute is
        not a time zone are left out; those queued for the program before are counted."""
        chosen, left_out = self.screen(candidates)
        version = self.store.add_script(script)
        self.store.add_program(program_id, script.title.render({}, script.default_language))
        now = self.now()
        added = 0
        with self.engine.begin() as connection:
            queued = {row.respondent_id for row in connection.execute(
                sa.select(CASES.c.respondent_id).where(CASES.c.program_id == program_id))}
            rows = []
            for candidate, zone in chosen:
                if candidate.id not in queued:  # once per program, also when listed twice
                    queued.add(candidate.id)
                    rows.append(dict(
                        id=secrets.token_hex(16), program_id=program_id,
                        respondent_id=candidate.id, script_version=version, session_id=None,
                        time_zone=zone, state="open", appointment=False, next_call_at=now,
                        attempts=0, last_code=None, final_code=None, claimed_by=None,
                        claimed_until=None, created_at=now, updated_at=now))
            for start in range(0, len(rows), 1000):
                connection.execute(CASES.insert(), rows[start:start + 1000])
            added = len(rows)
        self._zones.clear()
        return AddReport(added=added, already=len(chosen) - added, left_out=tuple(left_out))

    # -- taking cases --------------------------------------------------------------------
    def next_case(self, interviewer_id: str, programs: Sequence[str]) -> Case | None:
        """The case `interviewer_id` should call now, claimed for them: the one they hold
        already, else a due callback appointment, else the longest-waiting case it is now
        calling hours for. None when nothing is due."""
        held = self.held_case(interviewer_id)
        if held is not None:
            return held
        if not programs:
            return None
        for _ in range(CLAIM_TRIES):
            now = self.now()
            case_id = self._due(programs, now)
            if case_id is None:
                return None
            if self._claim(case_id, interviewer_id, now):
                return self.case(case_id)
        raise QueueError("Other interviewers are taking cases as fast as they come; "
                         "please try again.")

    def _due(self, programs: Sequence[str], now: datetime) -> str | None:
        with self.engine.connect() as connection:
            zones = self._program_zones(connection, programs)
            calling = tuple(zone for zone in zones
                            if self.settings.hours.allow(now, check_time_zone(zone)))
            rows = [row for query in _due_queries(tuple(programs), zones, calling)
                    for row in connection.execute(query, {"now": now})]
        # a due appointment first, else the case waiting longest
        best = min(((not row.appointment, utc(row.next_call_at), row.id) for row in rows),
                   default=None)
        return None if best is None else best[2]

    def _program_zones(self, connection: sa.Connection, programs: Sequence[str]
                       ) -> tuple[str, ...]:
        key = tuple(sorted(programs))
        cached = self._zones.get(key)
        if cached is not None and clock_time.monotonic() - cached[0] < ZONE_CACHE_SECONDS:
            return cached[1]
        zones = tuple(connection.execute(
            sa.select(CASES.c.time_zone).where(CASES.c.program_id.in_(programs))
            .group_by(CASES.c.time_zone)).scalars())
        self._zones[key] = (clock_time.monotonic(), zones)
        return zones

    def _claim(self, case_id: str, interviewer_id: str, now: datetime) -> bool:
        c = CASES.c
        with self.engine.begin() as connection:
            claimed = connection.execute(
                CASES.update()
                .where(c.id == case_id, c.state == "open",
                       sa.or_(c.claimed_until.is_(None), c.claimed_until < now))
                .values(claimed_by=interviewer_id, claimed_until=self._until(now),
                        updated_at=now))
            return claimed.rowcount == 1

    def _until(self, now: datetime) -> datetime:
        return now + timedelta(minutes=self.settings.claim_minutes)

    def held_case(self, interviewer_id: str) -> Case | None:
        """The open case `interviewer_id` holds now, if any."""
        c = CASES.c
        with self.engine.connect() as connection:
            row = connection.execute(_case_query().where(
                c.claimed_by == interviewer_id, c.state == "open",
                c.claimed_until >= self.now()).limit(1)).first()
        return None if row is None else _case(row)

    def case(self, case_id: str) -> Case:
        """The case with this id; raises `QueueError` when there is none."""
        with self.engine.connect() as connection:
            row = connection.execute(_case_query().where(CASES.c.id == case_id)).first()
        if row is None:
            raise QueueError(f"There is no case {case_id!r}.")
        return _case(row)

    def keep(self, case_id: str, interviewer_id: str) -> None:
        """Renew `interviewer_id`'s claim on the case; raises `CaseTaken` when it lapsed and
        someone else took the case, or its call was recorded (closed or back in the queue)."""
        now = self.now()
        c = CASES.c
        with self.engine.begin() as connection:
            kept = connection.execute(
                CASES.update()
                .where(c.id == case_id, c.state == "open", c.claimed_by == interviewer_id)
                .values(claimed_by=interviewer_id, claimed_until=self._until(now)))
        if kept.rowcount != 1:
            raise CaseTaken("This case is no longer yours: another interviewer took it "
                            "over, or its call was already recorded.")

    def attach_session(self, case_id: str, session_id: str,
                       connection: sa.Connection | None = None) -> bool:
        """Remember the interview started for the case, so any interviewer resumes it; False
        (and nothing changed) when the case has one already. `connection`: in that
        connection's transaction (the one storing the session), else in one of its own."""
        attach = (CASES.update().where(CASES.c.id == case_id, CASES.c.session_id.is_(None))
                  .values(session_id=session_id, updated_at=self.now()))
        if connection is not None:
            return connection.execute(attach).rowcount == 1
        with self.engine.begin() as own:
            return own.execute(attach).rowcount == 1

    # -- ending an attempt ---------------------------------------------------------------
    def record(self, case_id: str, interviewer_id: str, key: str, *, started_at: datetime,
               callback_at: datetime | None = None, note: str | None = None,
               interview: Interview = None, answered_share: float = 0.0) -> Case:
        """End the current attempt on the case with the disposition `key` (or AAPOR code).

        `interview` says how far the interview got (``finished``, ``started`` or None);
        `answered_share` what share of its questions were answered, which decides whether a
        break-off counts as a partial interview. Raises `DispositionError` when the code
        doesn't fit, `CaseTaken` when the case isn't held by `interviewer_id` (its call was
        recorded already, or the claim lapsed and someone else took it)."""
        try:
            chosen = disposition(key)
        except KeyError as error:
            raise DispositionError(error.args[0]) from None
        now = self.now()
        _check(chosen, interview, callback_at, now)
        callback_at = utc(callback_at) if callback_at and chosen.needs_callback else None
        code, final = chosen.code, chosen.final
        if chosen.key == "break_off" and answered_share >= self.settings.partial_share:
            code = "1.2"  # enough was answered: AAPOR counts it as a partial interview
        c = CASES.c
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(CASES).where(c.id == case_id)
                                     .with_for_update()).first()
            if row is None:
                raise QueueError(f"There is no case {case_id!r}.")
            if row.state != "open" or row.claimed_by != interviewer_id:
                raise CaseTaken("This call was already recorded, or the case is no longer "
                                "yours.")
            attempts = row.attempts + 1
            values: dict[str, Any] = dict(attempts=attempts, last_code=code, claimed_by=None,
                                          claimed_until=None, updated_at=now)
            if final:
                values.update(state="closed", final_code=code)
            elif attempts >= self.settings.max_attempts:
                earlier = connection.execute(
                    sa.select(tables.call_attempts.c.code)
                    .where(tables.call_attempts.c.case_id == case_id)).scalars()
                values.update(state="closed", final_code=_most_informative([*earlier, code]))
            elif chosen.needs_callback:
                values.update(appointment=True, next_call_at=callback_at)
            else:
                values.update(appointment=False,
                              next_call_at=now + (chosen.retry_after or timedelta(hours=1)))
            updated = connection.execute(
                CASES.update().where(c.id == case_id, c.attempts == row.attempts,
                                     c.claimed_by == interviewer_id).values(**values))
            if updated.rowcount != 1:
                raise CaseTaken("This call was already recorded.")
            connection.execute(tables.call_attempts.insert().values(
                case_id=case_id, interviewer_id=interviewer_id, started_at=utc(started_at),
                ended_at=now, code=code, callback_at=callback_at, note=note or None))
            connection.execute(tables.contact_history.insert().values(
                respondent_id=row.respondent_id, program_id=row.program_id,
                session_id=row.session_id, channel="phone", kind=f"call {code}", at=now))
        return self.case(case_id)

    def release(self, case_id: str, interviewer_id: str) -> None:
        """Give the case back to the queue without a call (e.g. taken by mistake)."""
        c = CASES.c
        with self.engine.begin() as connection:
            connection.execute(CASES.update()
                               .where(c.id == case_id, c.claimed_by == interviewer_id)
                               .values(claimed_by=None, claimed_until=None))

    # -- notes and history ---------------------------------------------------------------
    def add_note(self, case_id: str, interviewer_id: str, text: str,
                 question_key: str | None = None) -> None:
        """Keep an interviewer's note on the case (about `question_key`, when given)."""
        if not text.strip():
            return
        with self.engine.begin() as connection:
            connection.execute(tables.call_notes.insert().values(
                case_id=case_id, interviewer_id=interviewer_id, question_key=question_key,
                text=text.strip(), at=self.now()))

    def attempts(self, case_id: str) -> list[Attempt]:
        """The case's call attempts, oldest first."""
        a = tables.call_attempts.c
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(tables.call_attempts)
                                      .where(a.case_id == case_id).order_by(a.id)).all()
        return [Attempt(started_at=utc(r.started_at), ended_at=utc(r.ended_at),
                        interviewer_id=r.interviewer_id, code=r.code,
                        callback_at=utc(r.callback_at) if r.callback_at else None, note=r.note)
                for r in rows]

    def notes(self, case_id: str) -> list[Note]:
        """The case's notes, oldest first."""
        n = tables.call_notes.c
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(tables.call_notes)
                                      .where(n.case_id == case_id).order_by(n.id)).all()
        return [Note(at=utc(r.at), interviewer_id=r.interviewer_id,
                     question_key=r.question_key, text=r.text) for r in rows]

    def contacts(self, respondent_id: str) -> list[tuple[datetime, str, str]]:
        """Every contact with the respondent on any channel: (when, channel, what)."""
        h = tables.contact_history.c
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(h.at, h.channel, h.kind)
                                      .where(h.respondent_id == respondent_id)
                                      .order_by(h.at, h.id)).all()
        return [(utc(r.at), r.channel, r.kind) for r in rows]

    def summary(self, programs: Sequence[str]) -> list[ProgramSummary]:
        """Open and closed cases, and open callback appointments, of each program."""
        c = CASES.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(c.program_id, c.state, c.appointment, sa.func.count())
                .where(c.program_id.in_(programs))
                .group_by(c.program_id, c.state, c.appointment)).all()
        counts: dict[str, dict[str, int]] = {p: {"open": 0, "closed": 0, "appointments": 0}
                                             for p in programs}
        for program, state, appointment, count in rows:
            counts[program][state] += count
            if state == "open" and appointment:
                counts[program]["appointments"] += count
        return [ProgramSummary(program_id=p, **counts[p]) for p in programs]


@frozen
class ProgramSummary:
    """A program's queue at a glance."""

    program_id: str
    open: int
    closed: int
    appointments: int


def _valid_zone(name: str) -> bool:
    try:
        check_time_zone(name)
    except ValueError:
        return False
    return True


def _most_informative(codes: Sequence[str]) -> str:
    """The final code of a case out of attempts: the last one that showed the respondent
    is eligible (a contact, a voicemail of theirs...), else the last code (AAPOR asks for
    the most informative outcome, not merely the last)."""
    eligible = [code for code in codes if BY_CODE[code].group in ("P", "R", "NC", "O")]
    return eligible[-1] if eligible else codes[-1]


def _check(chosen: Disposition, interview: Interview, callback_at: datetime | None,
           now: datetime) -> None:
    if interview == "finished" and chosen.key != "complete":
        raise DispositionError("The interview is complete: code the call as a complete "
                               "interview.")
    if chosen.interview == "finished" and interview != "finished":
        raise DispositionError("Only a finished interview can be coded complete.")
    if chosen.interview == "started" and interview is None:
        raise DispositionError(f"'{chosen.label}' needs an interview that was started.")
    if chosen.needs_callback:
        if callback_at is None:
            raise DispositionError("Give the time agreed for the callback.")
        if utc(callback_at) <= now:
            raise DispositionError("The callback time must be in the future.")
