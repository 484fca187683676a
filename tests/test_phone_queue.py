"""The phone channel's call queue: which case an interviewer gets next, claims that never
overlap, what each disposition does to a case, filling the queue, and `dialogkit phone-queue`.

Every test runs on a clock of its own (never sleeping): `CallQueue(..., clock=clock)`.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from click.testing import CliRunner, Result

from dialogkit.cli import main
from dialogkit.loader import load_script
from dialogkit.script import Script
from dialogkit.store import Store, open_store, tables
from dialogkit.store.respondents import read_candidates
from dialogkit_phone_script.accounts import Interviewers
from dialogkit_phone_script.dispositions import BY_KEY, DISPOSITIONS, disposition
from dialogkit_phone_script.queue import (
    AddReport,
    Attempt,
    CallQueue,
    Case,
    CaseTaken,
    DispositionError,
    Note,
    QueueError,
)
from dialogkit_phone_script.settings import CallingHours, PhoneSettings

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "customer_diplomacy"
CHEAP = PasswordHasher.from_parameters(CHEAPEST)
PASSWORD = "correct horse battery"
WEDNESDAY = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
"""15:00 in Berlin, 09:00 in New York, 03:00 on Thursday in Auckland."""
BERLIN, AUCKLAND, NEW_YORK = "Europe/Berlin", "Pacific/Auckland", "America/New_York"


class Clock:
    """A clock that shows the time it is set to."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def script() -> Script:
    return load_script(EXAMPLE / "script.yaml")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = open_store(database_url)
    store.add_program("spring")
    store.add_program("autumn")
    yield store
    store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(WEDNESDAY)


def person(respondent_id: str, zone: str | None = BERLIN, *, phone: str | None = "+49 30 555",
           opted_out: bool = False, **attributes: Any) -> dict[str, Any]:
    if zone is not None:
        attributes["time_zone"] = zone
    return dict(id=respondent_id, account_id=None, name=respondent_id.title(), email=None,
                phone=phone, role=None, segments=[], attributes=attributes, consent=False,
                opted_out=opted_out, created_at=WEDNESDAY - timedelta(days=30))


def people(store: Store, *rows: dict[str, Any]) -> None:
    with store.engine.begin() as connection:
        connection.execute(tables.respondents.insert(), list(rows))


def fill(queue: CallQueue, program: str, script: Script, *ids: str) -> AddReport:
    return queue.add(program, script, read_candidates(queue.engine, list(ids)))


def hire(store: Store, *ids: str, programs: tuple[str, ...] = ("spring", "autumn")) -> None:
    accounts = Interviewers(store.engine, hasher=CHEAP)
    for interviewer_id in ids:
        accounts.add(interviewer_id, interviewer_id.title(), PASSWORD, programs)


def case_of(queue: CallQueue, program: str, respondent_id: str) -> Case:
    c = tables.call_cases.c
    with queue.engine.connect() as connection:
        case_id = connection.scalar(sa.select(c.id).where(
            c.program_id == program, c.respondent_id == respondent_id))
    return queue.case(case_id)


def take(queue: CallQueue, interviewer_id: str, programs: tuple[str, ...] = ("spring",)
         ) -> Case:
    case = queue.next_case(interviewer_id, programs)
    assert case is not None, f"no case for {interviewer_id}"
    assert case.claimed_by == interviewer_id
    return case


def done(queue: CallQueue, case: Case, key: str = "refusal", **details: Any) -> Case:
    """Record the call on a case the way its claimant would."""
    assert case.claimed_by is not None
    return queue.record(case.id, case.claimed_by, key, started_at=queue.now(), **details)


# -- the next case ------------------------------------------------------------------------------

def test_a_due_callback_comes_first_then_the_longest_waiting_case_in_calling_hours(
        store: Store, clock: Clock, script: Script) -> None:
    queue = CallQueue(store, clock=clock)
    anytime = CallQueue(store, PhoneSettings(hours=CallingHours(
        start=time(0), end=time(0), days=frozenset(range(7)))), clock=clock)
    people(store, person("appt", AUCKLAND), person("later-appt"), person("auckland", AUCKLAND),
           person("old"), person("lisbon", "Europe/Lisbon"), person("new"),
           person("autumn-old"))
    hire(store, "ana", "bea", "cid", "dan", "eve")

    clock.now = WEDNESDAY - timedelta(hours=7)
    fill(queue, "autumn", script, "autumn-old")  # waits longest, but in another program
    clock.now = WEDNESDAY - timedelta(hours=6)
    fill(queue, "spring", script, "appt")
    done(anytime, take(anytime, "ana"), "callback",
         callback_at=WEDNESDAY - timedelta(minutes=10))
    clock.now = WEDNESDAY - timedelta(hours=5, minutes=50)
    fill(anytime, "spring", script, "later-appt")  # (a queue reads the zones after its add)
    done(anytime, take(anytime, "ana"), "callback", callback_at=WEDNESDAY + timedelta(hours=1))
    for hours_before, respondent_id in [(5, "auckland"), (4, "old"), (3, "lisbon"), (1, "new")]:
        clock.now = WEDNESDAY - timedelta(hours=hours_before)
        fill(queue, "spring", script, respondent_id)

    clock.now = WEDNESDAY
    taken = {who: take(queue, who) for who in ("bea", "cid", "dan", "eve")}
    assert [case.respondent_id for case in taken.values()] == ["appt", "old", "lisbon", "new"]
    assert [case.appointment for case in taken.values()] == [True, False, False, False]
    # the respondent chose the time: kept although it is 03:00 in Auckland
    assert (taken["bea"].time_zone, taken["bea"].next_call_at) == (
        AUCKLAND, WEDNESDAY - timedelta(minutes=10))
    # the callback at 15:00 is not due; a first call to Auckland waits for its morning
    assert queue.next_case("ana", ["spring"]) is None

    # who holds a case gets it back, whatever else is due meanwhile
    assert take(queue, "cid", ("spring", "autumn")).id == taken["cid"].id
    assert queue.held_case("cid") == queue.case(taken["cid"].id)
    # the programs passed, and only those
    assert queue.next_case("ana", []) is None
    assert take(queue, "ana", ("autumn",)).respondent_id == "autumn-old"
    for who in ("ana", "bea", "cid", "dan", "eve"):
        held = queue.held_case(who)
        assert held is not None
        done(queue, held)

    clock.now = WEDNESDAY + timedelta(minutes=59)
    assert queue.next_case("ana", ["spring", "autumn"]) is None
    clock.now = WEDNESDAY + timedelta(hours=1)  # the agreed time has come
    later = take(queue, "ana")
    assert (later.respondent_id, later.appointment) == ("later-appt", True)
    done(queue, later)
    clock.now = WEDNESDAY + timedelta(hours=6)  # 09:00 on Thursday in Auckland
    done(queue, take(queue, "ana"))

    # every case is closed now: none comes back, not even a week later in calling hours
    clock.now = WEDNESDAY + timedelta(days=7)
    assert queue.next_case("ana", ["spring", "autumn"]) is None
    assert {case_of(queue, "spring", r).state for r in ("appt", "old", "auckland")} == {"closed"}


HOURS = [  # (UTC, the zones it is calling time in, with the default 09:00-20:00 Mon-Sat)
    (datetime(2026, 3, 4, 14, 0), {BERLIN, NEW_YORK}),  # 15:00, 09:00 (the start counts), 03:00
    (datetime(2026, 3, 4, 13, 59), {BERLIN}),  # New York 08:59
    (datetime(2026, 3, 4, 18, 59), {BERLIN, NEW_YORK}),  # Berlin 19:59
    (datetime(2026, 3, 4, 19, 0), {NEW_YORK}),  # Berlin 20:00: the end does not count
    (datetime(2026, 3, 4, 20, 0), {NEW_YORK, AUCKLAND}),  # Auckland Thursday 09:00
    (datetime(2026, 3, 7, 21, 0), {NEW_YORK}),  # Saturday; Sunday 10:00 in Auckland
    (datetime(2026, 3, 8, 20, 0), {AUCKLAND}),  # Sunday in Europe and America, Monday 09:00
    (datetime(2026, 3, 2, 13, 0), {BERLIN}),  # Monday, 08:00 EST in New York...
    (datetime(2026, 3, 9, 13, 0), {BERLIN, NEW_YORK}),  # ...and 09:00 EDT a week later
    (datetime(2026, 3, 27, 7, 30), set()),  # Friday, 08:30 CET in Berlin, 20:30 in Auckland
    (datetime(2026, 3, 30, 7, 30), {BERLIN}),  # Monday, 09:30 CEST; 20:30 NZDT in Auckland
    (datetime(2026, 4, 6, 7, 30), {BERLIN, AUCKLAND}),  # Monday, 19:30 NZST in Auckland
]


def offered_zones(queue: CallQueue, clock: Clock, moment: datetime) -> set[str]:
    """The zones of the cases offered at `moment` (to four interviewers; three cases)."""
    clock.now = moment.replace(tzinfo=UTC)
    cases = [queue.next_case(who, ["spring"]) for who in ("ana", "bea", "cid", "dan")]
    for case in cases:
        if case is not None:
            queue.release(case.id, case.claimed_by or "")
    assert cases[-1] is None
    return {case.time_zone for case in cases if case is not None}


def test_calling_hours_and_days_are_the_respondents_own(
        store: Store, clock: Clock, script: Script) -> None:
    clock.now = datetime(2026, 3, 1, tzinfo=UTC)
    queue = CallQueue(store, clock=clock)
    people(store, person("berlin", BERLIN), person("auckland", AUCKLAND),
           person("new-york", NEW_YORK))
    fill(queue, "spring", script, "berlin", "auckland", "new-york")
    hire(store, "ana", "bea", "cid", "dan")
    assert [(moment, offered_zones(queue, clock, moment)) for moment, _ in HOURS] == HOURS

    # the project's own hours and days: Sundays, all day long
    sundays = CallQueue(store, PhoneSettings(hours=CallingHours(
        start=time(0), end=time(0), days=frozenset({6}))), clock=clock)
    assert offered_zones(sundays, clock, datetime(2026, 3, 8, 22, 0)) == {BERLIN, NEW_YORK}
    assert offered_zones(sundays, clock, datetime(2026, 3, 7, 11, 0)) == {AUCKLAND}  # 00:00
    assert offered_zones(sundays, clock, datetime(2026, 3, 7, 10, 59)) == set()  # Sat 23:59
    assert offered_zones(sundays, clock, datetime(2026, 3, 4, 14, 0)) == set()


def test_a_retry_waits_for_its_time_and_the_last_attempt_closes_the_case(
        store: Store, clock: Clock, script: Script) -> None:
    queue = CallQueue(store, PhoneSettings(max_attempts=3), clock=clock)
    people(store, person("tom"))
    fill(queue, "spring", script, "tom")
    hire(store, "ana")
    for attempt, key in enumerate(["no_answer", "busy", "no_answer"], start=1):
        wait = disposition(key).retry_after
        assert wait is not None and wait > timedelta(0)
        case = take(queue, "ana")
        called_at = clock.now
        recorded = done(queue, case, key)
        assert (recorded.attempts, recorded.last_code) == (attempt, BY_KEY[key].code)
        if attempt == 3:
            break
        assert (recorded.state, recorded.next_call_at) == ("open", called_at + wait)
        clock.now = called_at + wait - timedelta(seconds=1)
        assert queue.next_case("ana", ["spring"]) is None
        clock.now = called_at + wait
    assert (recorded.state, recorded.final_code) == ("closed", "3.13")
    clock.now += timedelta(days=1)
    assert queue.next_case("ana", ["spring"]) is None
    assert [a.code for a in queue.attempts(case.id)] == ["3.13", "3.12", "3.13"]


# -- claims ------------------------------------------------------------------------------------

def test_interviewers_at_the_same_moment_never_get_the_same_case(
        store: Store, clock: Clock, script: Script) -> None:
    threads, rounds = 8, 6
    ids = [f"r{number:03}" for number in range(threads * rounds)]
    people(store, *(person(i) for i in ids))
    fill(CallQueue(store, clock=clock), "spring", script, *ids)
    interviewers = [f"int-{number}" for number in range(threads)]
    hire(store, *interviewers)
    barrier = threading.Barrier(threads, timeout=10)

    def work(who: str) -> list[str | None]:
        queue = CallQueue(store, clock=clock)
        got: list[str | None] = []
        for _ in range(rounds + 1):
            barrier.wait()  # everyone asks at once
            case = queue.next_case(who, ["spring"])
            got.append(None if case is None else case.id)
            if case is not None:
                assert case.claimed_by == who
                done(queue, case)
        return got

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(work, interviewers))
    taken = [case_id for got in results for case_id in got if case_id is not None]
    assert len(taken) == len(set(taken)) == len(ids)
    assert all(got[-1] is None for got in results)  # the queue ran dry in the last round
    with store.engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(
            tables.call_attempts)) == len(ids)


def test_a_lapsed_claim_can_be_taken_over(store: Store, clock: Clock, script: Script) -> None:
    queue = CallQueue(store, PhoneSettings(claim_minutes=30), clock=clock)
    people(store, person("tom"))
    fill(queue, "spring", script, "tom")
    hire(store, "ana", "bea")
    case = take(queue, "ana")

    clock.now = WEDNESDAY + timedelta(minutes=20)
    assert queue.next_case("bea", ["spring"]) is None
    queue.keep(case.id, "ana")  # a step of the interview: the claim runs until 14:50 now
    clock.now = WEDNESDAY + timedelta(minutes=50)
    assert queue.next_case("bea", ["spring"]) is None
    assert queue.held_case("ana") is not None

    clock.now = WEDNESDAY + timedelta(minutes=51)
    assert queue.held_case("ana") is None
    assert take(queue, "bea").id == case.id
    with pytest.raises(CaseTaken):
        queue.keep(case.id, "ana")
    with pytest.raises(CaseTaken):
        queue.record(case.id, "ana", "no_answer", started_at=WEDNESDAY)
    assert queue.next_case("ana", ["spring"]) is None
    recorded = queue.record(case.id, "bea", "no_answer", started_at=clock.now)
    assert [a.interviewer_id for a in queue.attempts(case.id)] == ["bea"]
    # ana's stale screen can't claim the case back once bea's call put it back in the queue
    with pytest.raises(CaseTaken):
        queue.keep(case.id, "ana")
    assert queue.case(case.id).claimed_by is None
    assert recorded.next_call_at == clock.now + timedelta(hours=2)


# -- recording calls ---------------------------------------------------------------------------

def test_each_disposition_does_to_the_case_what_it_says_and_a_break_off_may_count(
        store: Store, clock: Clock, script: Script) -> None:
    queue = CallQueue(store, PhoneSettings(max_attempts=50), clock=clock)
    ids = [f"r{number:02}" for number in range(len(DISPOSITIONS))]
    people(store, *(person(i) for i in ids))
    fill(queue, "spring", script, *ids)
    hire(store, "ana")
    callback = WEDNESDAY + timedelta(days=1, hours=2)
    started = WEDNESDAY - timedelta(minutes=5)
    for chosen in DISPOSITIONS:
        case = take(queue, "ana")
        agreed = callback if chosen.needs_callback else None
        recorded = queue.record(case.id, "ana", chosen.key, started_at=started,
                                callback_at=agreed, interview=chosen.interview)
        what = (chosen.key, recorded.attempts, recorded.last_code, recorded.claimed_by)
        assert what == (chosen.key, 1, chosen.code, None)
        if chosen.final:
            assert (recorded.state, recorded.final_code) == ("closed", chosen.code), chosen.key
        elif chosen.needs_callback:
            assert (recorded.state, recorded.appointment, recorded.next_call_at,
                    recorded.final_code) == ("open", True, callback, None), chosen.key
        else:
            assert chosen.retry_after is not None
            assert (recorded.state, recorded.appointment, recorded.next_call_at) == (
                "open", False, WEDNESDAY + chosen.retry_after), chosen.key
        assert queue.attempts(case.id) == [Attempt(
            started_at=started, ended_at=WEDNESDAY, interviewer_id="ana", code=chosen.code,
            callback_at=agreed, note=None)]
    assert queue.next_case("ana", ["spring"]) is None  # nothing is due again yet

    # a break-off with enough answered counts as a partial interview
    shares = [(0.5, 0.0, "2.12"), (0.5, 0.49, "2.12"), (0.5, 0.5, "1.2"), (0.5, 1.0, "1.2"),
              (0.3, 0.3, "1.2"), (0.3, 0.29, "2.12")]
    ids = [f"b{number}" for number in range(len(shares))]
    people(store, *(person(i) for i in ids))
    fill(queue, "spring", script, *ids)
    for partial_share, share, code in shares:
        queue = CallQueue(store, PhoneSettings(partial_share=partial_share), clock=clock)
        recorded = done(queue, take(queue, "ana"), "break_off", interview="started",
                        answered_share=share)
        assert (partial_share, share, recorded.state, recorded.last_code,
                recorded.final_code) == (partial_share, share, "closed", code, code)


def test_calls_that_do_not_fit_the_code_are_refused_and_a_call_is_recorded_once(
        store: Store, clock: Clock, script: Script) -> None:
    queue = CallQueue(store, clock=clock)
    ids = [f"r{number}" for number in range(7)]
    people(store, *(person(i) for i in ids))
    fill(queue, "spring", script, *ids)
    hire(store, "ana")
    case = take(queue, "ana")
    refused = [
        (dict(key="callback"), "Give the time agreed for the callback"),
        (dict(key="callback", callback_at=WEDNESDAY), "must be in the future"),
        (dict(key="callback", callback_at=WEDNESDAY - timedelta(days=1)), "in the future"),
        (dict(key="complete"), "Only a finished interview can be coded complete"),
        (dict(key="complete", interview="started"), "Only a finished interview"),
        (dict(key="no_answer", interview="finished"), "code the call as a complete"),
        (dict(key="refusal", interview="finished"), "code the call as a complete"),
        (dict(key="partial_callback", callback_at=WEDNESDAY + timedelta(hours=1)),
         "needs an interview that was started"),
        (dict(key="break_off"), "needs an interview that was started"),
        (dict(key="hung_up"), "unknown disposition 'hung_up'; use one of: complete, "),
    ]
    for details, message in refused:
        with pytest.raises(DispositionError, match=message):
            queue.record(case.id, "ana", started_at=WEDNESDAY, **details)
    with pytest.raises(DispositionError) as unknown:
        queue.record(case.id, "ana", "9.99", started_at=WEDNESDAY)
    assert all(d.key in str(unknown.value) for d in DISPOSITIONS)
    assert isinstance(unknown.value, QueueError) and isinstance(unknown.value, ValueError)

    assert queue.attempts(case.id) == []
    assert queue.contacts(case.respondent_id) == []
    still = queue.case(case.id)
    assert (still.state, still.attempts, still.claimed_by) == ("open", 0, "ana")
    # an AAPOR code is as good as the key
    assert done(queue, still, "3.13").last_code == "3.13"

    # a call recorded twice (a double submit) is one attempt
    case = take(queue, "ana")
    assert done(queue, case, "no_answer").attempts == 1
    with pytest.raises(CaseTaken):
        done(queue, case, "no_answer")
    with pytest.raises(CaseTaken):
        done(queue, case, "refusal")
    assert len(queue.attempts(case.id)) == 1
    assert len(queue.contacts(case.respondent_id)) == 1
    assert queue.case(case.id).attempts == 1

    # both submits at once (a double click): one wins
    barrier = threading.Barrier(2, timeout=10)

    def submit(case: Case) -> str:
        barrier.wait()
        try:
            return done(queue, case).last_code or ""
        except CaseTaken:
            return "taken"

    for _ in range(5):
        case = take(queue, "ana")
        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(submit, [case, case]))
        assert outcomes == ["2.112", "taken"]
        assert len(queue.attempts(case.id)) == 1
        assert queue.case(case.id).attempts == 1


def test_notes_attempts_and_contacts(store: Store, clock: Clock, script: Script) -> None:
    queue = CallQueue(store, clock=clock)
    people(store, person("tom"))
    fill(queue, "spring", script, "tom")
    hire(store, "ana", "bea")
    with store.engine.begin() as connection:
        connection.execute(tables.contact_history.insert().values(
            respondent_id="tom", program_id="spring", session_id=None, channel="email",
            kind="invited", at=WEDNESDAY - timedelta(days=2)))

    case = take(queue, "ana")
    queue.add_note(case.id, "ana", "  Prefers mornings  ")
    queue.add_note(case.id, "ana", " \n ")  # nothing to keep
    clock.now = WEDNESDAY + timedelta(minutes=1)
    queue.add_note(case.id, "ana", "Asked who sees the answers", question_key="recommend")
    done(queue, case, "no_answer", note="Rang out")

    clock.now = WEDNESDAY + timedelta(hours=3)
    case = take(queue, "bea")
    done(queue, case, "refusal", note="")

    assert queue.notes(case.id) == [
        Note(at=WEDNESDAY, interviewer_id="ana", question_key=None, text="Prefers mornings"),
        Note(at=WEDNESDAY + timedelta(minutes=1), interviewer_id="ana",
             question_key="recommend", text="Asked who sees the answers")]
    attempts = queue.attempts(case.id)
    assert [(a.interviewer_id, a.code, a.label, a.note, a.ended_at) for a in attempts] == [
        ("ana", "3.13", "No answer", "Rang out", WEDNESDAY + timedelta(minutes=1)),
        ("bea", "2.112", "Refusal by the respondent", None, WEDNESDAY + timedelta(hours=3))]
    assert queue.contacts("tom") == [
        (WEDNESDAY - timedelta(days=2), "email", "invited"),
        (WEDNESDAY + timedelta(minutes=1), "phone", "call 3.13"),
        (WEDNESDAY + timedelta(hours=3), "phone", "call 2.112")]
    assert queue.case(case.id).last_disposition == BY_KEY["refusal"]


# -- filling the queue -------------------------------------------------------------------------

def test_adding_cases(store: Store, clock: Clock, script: Script) -> None:
    queue = CallQueue(store, PhoneSettings(time_zone="America/Chicago"), clock=clock)
    people(store, person("berlin"), person("no-phone", phone=None), person("blank", phone=""),
           person("opted", opted_out=True), person("mars", "Mars/Olympia"),
           person("number", None, time_zone=5), person("plain", None),
           person("auckland", AUCKLAND))
    everyone = ["auckland", "berlin", "blank", "mars", "no-phone", "number", "opted", "plain"]
    clock.now = datetime(2026, 3, 4, 21, 0, tzinfo=UTC)  # 22:00 Berlin, 10:00 Auckland
    hire(store, "ana")
    report = fill(queue, "spring", script, *everyone[1:])
    assert report == AddReport(added=2, already=0, left_out=(
        ("blank", "no phone number"),
        ("mars", "time_zone 'Mars/Olympia' is not a time zone"),
        ("no-phone", "no phone number"),
        ("number", "time_zone 5 is not a time zone"),
        ("opted", "opted out")))
    assert case_of(queue, "spring", "berlin").time_zone == BERLIN
    plain = case_of(queue, "spring", "plain")
    assert (plain.time_zone, plain.state, plain.attempts, plain.appointment,
            plain.next_call_at, plain.claimed_by) == ("America/Chicago", "open", 0, False,
                                                      clock.now, None)
    assert plain.script_version == store.add_script(script)
    # Berlin and Chicago (15:00 there) are the zones of the program; Chicago's case is due
    assert take(queue, "ana").respondent_id == "plain"
    queue.release(plain.id, "ana")

    clock.now += timedelta(minutes=1)
    again = fill(queue, "spring", script, *everyone)  # the zones are read again after adding
    assert (again.added, again.already, len(again.left_out)) == (1, 2, 5)
    hire(store, "bea", "cid")
    assert take(queue, "ana").respondent_id == "plain"  # waited longest
    assert take(queue, "bea").respondent_id == "auckland"
    assert queue.next_case("cid", ["spring"]) is None  # 22:00 in Berlin
    with store.engine.connect() as connection:
        counts = dict(connection.execute(
            sa.select(tables.call_cases.c.program_id, sa.func.count())
            .group_by(tables.call_cases.c.program_id)).all())
    assert counts == {"spring": 3}
    # once per program, also when a respondent is listed twice
    twice = read_candidates(store.engine, ["berlin"]) * 2
    assert queue.add("autumn", script, twice) == AddReport(added=1, already=1, left_out=())
    assert case_of(queue, "autumn", "berlin").program_id == "autumn"


# -- `dialogkit phone-queue` -------------------------------------------------------------------

MORE_CUSTOMERS = """\
nw-106,Sam Ortiz,sam.ortiz@example.com,,summit,Summit & Co,buyer,lost,Sam,2,Europe/Madrid
nw-107,Kai Brandt,kai.brandt@example.com,+49 40 555 0107,summit,Summit & Co,buyer,loyal,Kai,5,\
Atlantis/Capital
"""
LEFT_OUT = ["  left out nw-106: no phone number",
            "  left out nw-107: time_zone 'Atlantis/Capital' is not a time zone"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The customer-diplomacy example with its customers imported, and two more: one without
    a phone number, one whose time zone is not one."""
    folder = tmp_path / "project"
    shutil.copytree(EXAMPLE, folder)
    customers = folder / "customers.csv"
    customers.write_text(customers.read_text(encoding="utf-8") + MORE_CUSTOMERS, "utf-8")
    imported = CliRunner().invoke(main, ["import-respondents", str(customers),
                                         "--project-dir", str(folder)])
    assert imported.exit_code == 0, imported.output
    return folder


def with_phone_table(config: Path, table: str) -> None:
    """Replace the ``[phone]`` table of `config` with `table`."""
    kept, inside = [], False
    for line in config.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            inside = line.strip() == "[phone]"
        if not inside:
            kept.append(line)
    config.write_text("\n".join(kept) + "\n\n[phone]\n" + table, "utf-8")


def phone_queue(project: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["phone-queue", str(project / "script.yaml"), *args])


def stored_cases(project: Path) -> dict[tuple[str, str], str]:
    """(program, respondent) → time zone of every case in the project's store."""
    store = open_store(None, project)
    try:
        with store.engine.connect() as connection:
            c = tables.call_cases.c
            return {(row.program_id, row.respondent_id): row.time_zone for row in
                    connection.execute(sa.select(c.program_id, c.respondent_id, c.time_zone))}
    finally:
        store.close()


def test_the_command_queues_each_respondent_once(project: Path) -> None:
    dry = phone_queue(project, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines() == [
        "dry run: customer-diplomacy: 7 chosen, 5 would be queued, 0 queued before, "
        "2 left out; nothing is written",
        "  nw-101: Ines Duarte +351 21 555 0101 (Europe/Lisbon)",
        "  nw-102: Tom Berg +49 30 5550 1020 (Europe/Berlin)",
        "  nw-103: Ada Moss +44 20 7946 0103 (Europe/London)",
        "  nw-104: Jonas Keller +41 44 555 0104 (Europe/Zurich)",
        "  nw-105: Lea Roux +1 212 555 0105 (America/New_York)",
        *LEFT_OUT]
    store = open_store(None, project)
    with store.engine.connect() as connection:
        written = [connection.scalar(sa.select(sa.func.count()).select_from(table))
                   for table in (tables.call_cases, tables.programs, tables.script_versions)]
    store.close()
    assert written == [0, 0, 0]

    first = phone_queue(project)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "customer-diplomacy: 7 chosen, 5 queued, 0 queued before, 2 left out", *LEFT_OUT]
    assert stored_cases(project) == {
        ("customer-diplomacy", "nw-101"): "Europe/Lisbon",
        ("customer-diplomacy", "nw-102"): "Europe/Berlin",
        ("customer-diplomacy", "nw-103"): "Europe/London",
        ("customer-diplomacy", "nw-104"): "Europe/Zurich",
        ("customer-diplomacy", "nw-105"): "America/New_York"}

    again = phone_queue(project)
    assert again.stdout.splitlines() == [
        "customer-diplomacy: 7 chosen, 0 queued, 5 queued before, 2 left out", *LEFT_OUT]
    assert phone_queue(project, "--dry-run").stdout.splitlines()[0] == (
        "dry run: customer-diplomacy: 7 chosen, 0 would be queued, 5 queued before, "
        "2 left out; nothing is written")
    assert len(stored_cases(project)) == 5


def test_the_command_chooses_by_segment_role_condition_and_id(project: Path) -> None:
    loyal = phone_queue(project, "--segment", "loyal", "--program", "loyal-calls")
    assert loyal.exit_code == 0, loyal.output
    assert loyal.stdout.splitlines() == [
        "loyal-calls: 3 chosen, 2 queued, 0 queued before, 1 left out", LEFT_OUT[1]]
    veterans = phone_queue(project, "--where", "respondent.years >= 3 and role == 'buyer'",
                           "--program", "veterans")
    assert veterans.stdout.splitlines() == [
        "veterans: 3 chosen, 2 queued, 0 queued before, 1 left out", LEFT_OUT[1]]
    owners = phone_queue(project, "--role", "owner", "--respondent", "nw-105",
                         "--respondent", "nw-101", "--program", "owners")
    assert owners.stdout.splitlines() == [
        "owners: 1 chosen, 1 queued, 0 queued before, 0 left out"]
    assert sorted(stored_cases(project)) == [
        ("loyal-calls", "nw-101"), ("loyal-calls", "nw-104"), ("owners", "nw-105"),
        ("veterans", "nw-101"), ("veterans", "nw-104")]


def test_the_command_refuses_a_broken_condition_or_phone_table(project: Path) -> None:
    broken = phone_queue(project, "--where", "respondent.years >=")
    assert broken.exit_code == 2
    assert "--where" in broken.output
    unknown = phone_queue(project, "--respondent", "nw-999")
    assert unknown.exit_code == 1
    assert "no respondent with id 'nw-999'" in unknown.output

    config = project / "dialogkit.toml"
    with_phone_table(config, "max_attempts = 0\ncalling_hours = \"20:00-09:00\"\n")
    refused = phone_queue(project)
    assert refused.exit_code == 1
    assert f"{config}: [phone] max_attempts: 0 is less than the minimum of 1" in refused.output
    assert f"{config}: [phone] calling_hours: the end must come after the start" in (
        refused.output)
    assert stored_cases(project) == {}
