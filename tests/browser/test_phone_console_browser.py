"""The phone channel's interviewer console in a real browser (Chromium through Playwright).

A whole calling session as an interviewer lives it: signing in, taking cases, coding a
refusal, agreeing a callback, running the flagship interview with probes and a "don't know",
recording it complete; an interview stopped part-way and finished by another interviewer at
the agreed time; two interviewers taking cases at the same moment; axe-core on the console's
pages; and what respondents said shown as text. The store and the queue are set up directly;
everything after that goes through the browser only, and the store is read at the end.

The queue runs on a fixed clock: Tuesday 24 November 2026, 12:00 UTC, when Lisbon, London,
Berlin and Zurich are in calling hours and New York (07:00) is not. Cases are queued a minute
apart, so the longest-waiting order is known: `QUEUE_ORDER`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from dialogkit.loader import load_script
from dialogkit.store import Store, open_store, tables
from dialogkit.store.importing import import_respondents
from dialogkit.store.respondents import read_candidates
from dialogkit_phone_script.accounts import Interviewers
from dialogkit_phone_script.console import create_console
from dialogkit_phone_script.queue import Attempt, CallQueue, Case, Note
from dialogkit_phone_script.settings import PhoneSettings

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from .conftest import CheckAccessibility, LiveServer, NewContext, Screenshot

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "customer_diplomacy"
PROGRAM = "diplomacy"
CHEAP = PasswordHasher.from_parameters(CHEAPEST)
INTERVIEWERS = {"amira": ("Amira Haddad", "amira's long passphrase"),
                "bruno": ("Bruno Silva", "bruno's long passphrase")}
QUEUED_AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # a Tuesday
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
QUEUE_ORDER = ("nw-101", "nw-103", "nw-104", "nw-102", "nw-105")
"""Oldest first; nw-105 (New York) is outside calling hours at `NOW`."""
NAMES = {"nw-101": "Ines Duarte", "nw-102": "Tom Berg", "nw-103": "Ada Moss",
         "nw-104": "Jonas Keller", "nw-105": "Lea Roux"}

INVOLVED = "Were you the person who decided to buy from Northwind Outfitters?"
KEEPS_YOU = "You have been with us for {} years. What keeps you coming back?"
PROBES = ("Why is that important to you?", "And why does that matter to you?")
AT_RISK = "What would make you think about going somewhere else? (optional)"
HEARD = "So what I heard is: {}. Did I get that right?"
RECOMMEND = "How likely are you to recommend Northwind Outfitters to a friend?"
HEAR_BACK = "May we write to you to tell you what we change because of this conversation?"
THANKS = ("Thank you, {}. What you told us goes to the people who can change things, and we "
          "will let you know what changed.")
NOTE_LABEL = "Note for this question (not read out)"
DONT_KNOW = "Don't know (not read)"
COMPLETE = "The interview is complete. Thank the respondent, then record the call as a " \
           "complete interview."


class Clock:
    """The fixed time the queue and the console see; tests move it by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Fieldwork:
    """The store with the flagship's respondents queued, the console served live over it,
    and what the store says afterwards."""

    def __init__(self, store: Store, clock: Clock, base_url: str) -> None:
        self.store = store
        self.clock = clock
        self.base_url = base_url
        self.queue = CallQueue(store, clock=clock)

    def case(self, respondent_id: str) -> Case:
        c = tables.call_cases.c
        with self.store.engine.connect() as connection:
            case_id = connection.execute(sa.select(c.id).where(
                c.program_id == PROGRAM, c.respondent_id == respondent_id)).scalar_one()
        return self.queue.case(case_id)

    def attempts(self, respondent_id: str) -> list[Attempt]:
        return self.queue.attempts(self.case(respondent_id).id)

    def notes(self, respondent_id: str) -> list[Note]:
        return self.queue.notes(self.case(respondent_id).id)

    def codes(self) -> list[str]:
        """Every attempt's code, in the order they were recorded."""
        a = tables.call_attempts.c
        with self.store.engine.connect() as connection:
            return list(connection.execute(sa.select(a.code).order_by(a.id)).scalars())

    def state(self, respondent_id: str) -> Any:
        session_id = self.case(respondent_id).session_id
        assert session_id is not None
        return self.store.conversation(session_id).state


@pytest.fixture
def fieldwork(tmp_path: Path, live_server: LiveServer) -> Iterator[Fieldwork]:
    """A fresh SQLite store: the flagship's respondents queued a minute apart from
    `QUEUED_AT`, two interviewer accounts, the console served live at `NOW`."""
    store = open_store(f"sqlite:///{tmp_path / 'console.db'}", tmp_path)
    try:
        import_respondents(store.engine, EXAMPLE / "customers.csv")
        script = load_script(EXAMPLE / "script.yaml")
        settings = PhoneSettings()  # calls 09:00-20:00 local time, Monday to Saturday
        clock = Clock(QUEUED_AT)
        queue = CallQueue(store, settings, clock=clock)
        for minute, respondent_id in enumerate(QUEUE_ORDER):
            clock.now = QUEUED_AT + timedelta(minutes=minute)
            report = queue.add(PROGRAM, script, read_candidates(store.engine, [respondent_id]))
            assert report.added == 1, report
        clock.now = NOW
        accounts = Interviewers(store.engine, hasher=CHEAP)
        for user, (name, password) in INTERVIEWERS.items():
            accounts.add(user, name, password, [PROGRAM])
        app = create_console(store, settings, clock=clock, interviewers=accounts,
                             secret_key="browser-tests")
        yield Fieldwork(store, clock, live_server(app))
    finally:
        store.close()


# --- what an interviewer does ----------------------------------------------------------------


class Desk:
    """One interviewer at one browser page."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def button(self, label: str) -> Locator:
        return self.page.get_by_role("button", name=label, exact=True)

    def press(self, label: str) -> int:
        """Click the button (or link) `label`; the status of the page it leads to, once
        loaded."""
        control = self.button(label).or_(self.page.get_by_role("link", name=label, exact=True))
        with self.page.expect_navigation() as navigation:
            control.click()
        response = navigation.value
        assert response is not None
        return response.status

    def sign_in(self, user: str, password: str | None = None) -> int:
        if "/sign-in" not in self.page.url:
            self.page.goto(f"{self.base_url}/sign-in")
        self.page.get_by_label("Interviewer name", exact=True).fill(user)
        self.page.get_by_label("Password", exact=True).fill(password or INTERVIEWERS[user][1])
        return self.press("Sign in")

    def take_next_case(self) -> str:
        """Take the next case; the respondent's name."""
        assert self.press("Take the next case") == 200
        assert re.search(r"/case/[0-9a-f]{32}$", self.page.url), self.page.url
        return self.text("#who")

    def text(self, selector: str) -> str:
        return " ".join(self.page.locator(selector).inner_text().split())

    def heading(self) -> str:
        """What the interviewer reads out now."""
        return self.text(".read-aloud h1")

    def flash(self) -> str:
        return self.text(".flash")

    def facts(self) -> dict[str, str]:
        return self.page.locator(".facts").evaluate("""facts => Object.fromEntries(
            [...facts.querySelectorAll('dt')].map(dt => [
                dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]))""")

    def summary(self) -> tuple[str, ...]:
        """The start page's row for the program: to call, callbacks agreed, closed."""
        row = self.page.get_by_role("row", name=re.compile(f"^{PROGRAM}\\b"))
        return tuple(cell.strip() for cell in row.locator("td").all_inner_texts())

    def answer(self, text: str, *, note: str | None = None) -> None:
        """Type the answer to the question on screen (its label is the question) and record
        it, with an interviewer's note when given."""
        self.page.get_by_label(self.heading(), exact=True).fill(text)
        if note is not None:
            self.page.get_by_label(NOTE_LABEL, exact=True).fill(note)
        assert self.press("Record answer") == 200

    def choose(self, label: str) -> None:
        self.page.get_by_label(label, exact=True).check()
        assert self.press("Record answer") == 200

    def end_call(self, disposition: str, *, callback_at: str | None = None,
                 note: str | None = None) -> int:
        """Fill in "End the call" and record it; the status of the page it leads to."""
        self.page.get_by_label("Outcome", exact=True).select_option(disposition)
        if callback_at is not None:
            self.page.get_by_label(re.compile("^Callback time")).fill(callback_at)
        if note is not None:
            self.page.get_by_label("Note on the call", exact=True).fill(note)
        return self.press("Record the call")

    def outcomes(self) -> list[str]:
        """The values of the outcomes the form offers now."""
        return self.page.locator("#disposition option").evaluate_all(
            "options => options.map(option => option.value)")


def desk(new_context: NewContext, fieldwork: Fieldwork, **options: Any) -> Desk:
    return Desk(new_context(**options).new_page(), fieldwork.base_url)


def interview_until_at_risk(interviewer: Desk, years: int, keeps_you: str, *,
                            note: str | None = None) -> None:
    """From the welcome, through screening and the long question (no probe answered),
    to the question about going elsewhere."""
    assert interviewer.press("Continue") == 200
    assert interviewer.heading() == INVOLVED
    interviewer.choose("Yes")
    assert interviewer.heading() == KEEPS_YOU.format(years)
    interviewer.answer(keeps_you, note=note)
    assert interviewer.heading() == PROBES[0]
    assert interviewer.press("No more") == 200
    assert interviewer.heading() == AT_RISK


# --- a whole calling session -----------------------------------------------------------------


def test_a_calling_session_refusal_callback_and_a_complete_interview(
        fieldwork: Fieldwork, new_context: NewContext, screenshot: Screenshot) -> None:
    amira = desk(new_context, fieldwork)
    page = amira.page

    # Signing in: a wrong password is turned away, the right one lets her in.
    page.goto(f"{fieldwork.base_url}/")
    assert page.url == f"{fieldwork.base_url}/sign-in"  # not signed in yet
    assert amira.sign_in("amira", "not the password at all") == 400
    assert amira.text("[role=alert]") == ("That name and password don't match an active "
                                          "interviewer account.")
    assert page.get_by_label("Interviewer name").input_value() == "amira"
    assert page.get_by_label("Password").input_value() == ""
    assert amira.sign_in("amira") == 200
    assert page.url == f"{fieldwork.base_url}/"
    assert amira.text(".who") == "Signed in as Amira Haddad"
    assert amira.summary() == ("5", "0", "0")

    # The first case: who to call, and a refusal.
    assert amira.take_next_case() == "Ines Duarte"
    refusal_url = page.url
    assert amira.facts() == {
        "Number": "+351 21 555 0101", "Account": "Alpine Huts", "Role": "buyer",
        "Segment": "loyal", "Their local time": "Tue 24 Nov 12:00 (Europe/Lisbon)",
        "Program": PROGRAM, "Attempt": "1 of at most 6"}
    assert page.get_by_role("link", name="+351 21 555 0101").get_attribute("href") == \
        "tel:+351215550101"
    assert "No earlier contact." in amira.text(".respondent")
    assert "complete" not in amira.outcomes()  # no interview, so it can't be complete
    assert amira.end_call("refusal") == 200
    assert page.url == f"{fieldwork.base_url}/"
    assert amira.flash() == "Call with Ines Duarte recorded: Refusal by the respondent (2.112)."
    assert amira.summary() == ("4", "0", "1")
    page.goto(refusal_url)  # the case is closed: shown, but not to be called
    assert "This case is not yours to call now." in amira.text(".interview")
    assert page.locator(".end-call").count() == 0
    assert amira.facts()["Final outcome"] == "2.112"
    assert amira.text(".history").endswith("amira: Refusal by the respondent (2.112)")
    assert amira.press("Phone console") == 200  # back to the start page

    # The second case: a callback, first without a time, then at 15:30 London time.
    assert amira.take_next_case() == "Ada Moss"
    facts = amira.facts()
    assert (facts["Their local time"], facts["Account"], facts["Role"], facts["Segment"]) == (
        "Tue 24 Nov 12:00 (Europe/London)", "Trail Co", "owner", "lost")
    assert amira.end_call("callback", note="Prefers afternoons") == 400
    assert amira.text("#end-error") == "Give the time agreed for the callback."
    assert page.title().startswith("Error: Ada Moss")
    assert page.get_by_label("Outcome").get_attribute("aria-invalid") == "true"
    # What was chosen and typed is still there; only the time is missing.
    assert page.get_by_label("Outcome").input_value() == "callback"
    assert page.get_by_label("Note on the call").input_value() == "Prefers afternoons"
    page.get_by_label(re.compile("^Callback time")).fill("2026-11-25T15:30")
    assert amira.press("Record the call") == 200
    assert amira.flash() == ("Call with Ada Moss recorded: Callback: the respondent asked to "
                             "be called at another time (2.21).")
    assert amira.summary() == ("4", "1", "1")  # one of the four open cases has a callback

    # The third case: the flagship interview for a loyal customer.
    assert amira.take_next_case() == "Jonas Keller"
    assert amira.facts()["Their local time"] == "Tue 24 Nov 13:00 (Europe/Zurich)"
    assert amira.press("Start the interview") == 200
    assert amira.heading() == "Hello Jonas, and thank you for giving us a few minutes."
    assert amira.text(".progress").startswith("Read out")
    assert amira.text(".instruction").startswith("INTERVIEWER: Introduce yourself by name.")
    assert amira.button(DONT_KNOW).count() == 0  # nothing to answer on a statement
    assert amira.press("Continue") == 200
    assert amira.heading() == INVOLVED
    assert amira.text(".progress").startswith("Question ·")
    amira.choose("Yes")

    keeps_you = KEEPS_YOU.format(12)
    assert amira.heading() == keeps_you
    amira.answer("The repair service", note="Mentioned the Zurich workshop twice")
    assert amira.heading() == PROBES[0]  # the long question's probes, as probes
    assert amira.text(".progress") == "Probe"
    assert amira.text(".context") == keeps_you
    assert "probe 1 of 3" in amira.text(".interview")
    assert amira.button(DONT_KNOW).count() == 0
    screenshot(page, "phone/console-probe")
    amira.answer("Our tents last for years")
    assert amira.heading() == PROBES[1]
    assert "probe 2 of 3" in amira.text(".interview")
    assert amira.press("No more") == 200

    assert amira.heading() == AT_RISK
    assert amira.press(DONT_KNOW) == 200
    assert amira.heading() == HEARD.format("The repair service")
    amira.choose("Yes")
    assert amira.heading() == RECOMMEND
    assert amira.text(".scale-labels") == "0 = Not at all likely 10 = Extremely likely"
    amira.choose("9")  # no probes above 8, and no "fix first" above 6
    assert amira.heading() == HEAR_BACK
    amira.choose("Yes")
    assert amira.heading() == THANKS.format("Jonas")
    assert amira.press("Continue") == 200

    assert amira.text(".done") == COMPLETE
    assert page.locator(".read-aloud").count() == 0
    assert amira.outcomes() == ["complete"]
    assert page.get_by_label("Outcome").input_value() == "complete"
    assert page.locator("#callback_at").count() == 0
    assert "on keeps_you: Mentioned the Zurich workshop twice" in amira.text(".notes")
    assert amira.press("Record the call") == 200
    assert amira.flash() == "Call with Jonas Keller recorded: Complete interview (1.1)."
    assert amira.summary() == ("3", "1", "2")

    # What the store says.
    assert fieldwork.codes() == ["2.112", "2.21", "1.1"]
    for respondent_id, code in (("nw-101", "2.112"), ("nw-103", "2.21"), ("nw-104", "1.1")):
        (attempt,) = fieldwork.attempts(respondent_id)
        assert (attempt.interviewer_id, attempt.code) == ("amira", code)
        assert attempt.started_at == attempt.ended_at == NOW  # on the queue's clock
    refused, called_back, completed = (fieldwork.case(r) for r in ("nw-101", "nw-103", "nw-104"))
    assert (refused.state, refused.final_code, refused.session_id) == ("closed", "2.112", None)
    assert (completed.state, completed.final_code) == ("closed", "1.1")
    assert (called_back.state, called_back.appointment) == ("open", True)
    assert called_back.next_call_at == datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # GMT
    (callback,) = fieldwork.attempts("nw-103")
    assert callback.callback_at == called_back.next_call_at
    assert callback.note == "Prefers afternoons"

    state = fieldwork.state("nw-104")
    assert state.status == "completed"
    assert state.answers == {"involved": True, "keeps_you": "The repair service",
                             "at_risk": None, "confirm_keeps_you": True, "recommend": 9,
                             "hear_back": True}
    assert state.declined == {"at_risk": "dont_know"}
    assert state.probes == {"keeps_you": ["Our tents last for years"]}
    assert [(n.interviewer_id, n.question_key, n.text) for n in fieldwork.notes("nw-104")] == [
        ("amira", "keeps_you", "Mentioned the Zurich workshop twice")]
    assert completed.session_id is not None
    assert {event["channel"] for event in fieldwork.store.events(completed.session_id)} == {
        "phone"}


# --- an interview finished by another interviewer --------------------------------------------


def test_a_partial_interview_is_finished_by_another_interviewer_at_the_callback_time(
        fieldwork: Fieldwork, new_context: NewContext) -> None:
    amira = desk(new_context, fieldwork)
    amira.sign_in("amira")
    assert amira.take_next_case() == "Ines Duarte"
    assert amira.press("Start the interview") == 200
    interview_until_at_risk(amira, 7, "Friendly staff")
    outcomes = amira.outcomes()
    assert "partial_callback" in outcomes and "complete" not in outcomes
    assert amira.end_call("partial_callback", callback_at="2026-11-24T15:00",
                          note="Had to go to a meeting") == 200
    assert amira.flash() == ("Call with Ines Duarte recorded: Interview stopped part-way: call "
                             "back to finish (1.2).")
    assert amira.summary() == ("5", "1", "0")

    fieldwork.clock.now = datetime(2026, 11, 24, 15, 5, tzinfo=UTC)  # past the callback time
    bruno = desk(new_context, fieldwork)
    bruno.sign_in("bruno")
    # The appointment comes first, before cases that have waited since the morning.
    assert bruno.take_next_case() == "Ines Duarte"
    facts = bruno.facts()
    assert facts["Callback agreed for"] == "Tue 24 Nov 15:00 their time"
    assert facts["Attempt"] == "2 of at most 6"
    assert bruno.text(".history") == ("Tue 24 Nov 12:00 amira: Interview stopped part-way: "
                                      "call back to finish (1.2), callback Tue 24 Nov 15:00 — "
                                      "Had to go to a meeting")
    assert bruno.button("Start the interview").count() == 0  # it was started already
    assert bruno.heading() == AT_RISK  # exactly where it stopped
    assert "resumed interview" in bruno.text(".progress")
    bruno.answer("Nothing, really")
    assert bruno.heading() == HEARD.format("Friendly staff")  # Amira's answer
    bruno.choose("Yes")
    assert bruno.heading() == RECOMMEND
    bruno.choose("10")
    assert bruno.heading() == HEAR_BACK
    bruno.choose("No")
    assert bruno.heading() == THANKS.format("Ines")
    assert bruno.press("Continue") == 200
    assert bruno.text(".done") == COMPLETE
    assert bruno.press("Record the call") == 200
    assert bruno.flash() == "Call with Ines Duarte recorded: Complete interview (1.1)."

    attempts = fieldwork.attempts("nw-101")
    assert [(a.interviewer_id, a.code, a.callback_at) for a in attempts] == [
        ("amira", "1.2", datetime(2026, 11, 24, 15, 0, tzinfo=UTC)),  # Lisbon is on UTC
        ("bruno", "1.1", None)]
    case = fieldwork.case("nw-101")
    assert (case.state, case.final_code) == ("closed", "1.1")
    assert len(fieldwork.store.list_sessions(program=PROGRAM)) == 1  # one interview, resumed
    state = fieldwork.state("nw-101")
    assert state.status == "completed"
    assert state.answers == {"involved": True, "keeps_you": "Friendly staff",
                             "at_risk": "Nothing, really", "confirm_keeps_you": True,
                             "recommend": 10, "hear_back": False}
    assert state.declined == {} and state.probes == {}


# --- two interviewers at once ----------------------------------------------------------------


def test_two_interviewers_taking_cases_at_once_get_different_cases(
        fieldwork: Fieldwork, new_context: NewContext) -> None:
    """(The claim itself is tested on SQLite and PostgreSQL, under many threads, in
    tests/test_phone_queue.py and tests/test_phone_console.py.)"""
    amira, bruno = desk(new_context, fieldwork), desk(new_context, fieldwork)
    amira.sign_in("amira")
    bruno.sign_in("bruno")
    for interviewer in (amira, bruno):  # both clicks are on their way before either lands
        interviewer.button("Take the next case").click(no_wait_after=True)
    for interviewer in (amira, bruno):
        interviewer.page.wait_for_url(re.compile(r"/case/[0-9a-f]{32}$"))
    taken = {"amira": amira.text("#who"), "bruno": bruno.text("#who")}
    assert sorted(taken.values()) == ["Ada Moss", "Ines Duarte"], taken  # the two oldest
    claimed = {fieldwork.case(r).claimed_by: NAMES[r] for r in ("nw-101", "nw-103")}
    assert claimed == taken
    # Neither can act on the other's case: Bruno opens Amira's.
    bruno.page.goto(amira.page.url)
    assert bruno.text("#who") == taken["amira"]
    assert "This case is not yours to call now." in bruno.text(".interview")
    assert bruno.page.locator(".end-call, form.read-aloud").count() == 0
    assert amira.end_call("no_answer") == 200
    assert amira.flash() == f"Call with {taken['amira']} recorded: No answer (3.13)."
    assert fieldwork.codes() == ["3.13"]
    assert [a.interviewer_id for a in fieldwork.attempts("nw-101") + fieldwork.attempts(
        "nw-103")] == ["amira"]


# --- accessibility ---------------------------------------------------------------------------


def test_the_console_pages_pass_axe(fieldwork: Fieldwork, new_context: NewContext,
                                    check_accessibility: CheckAccessibility) -> None:
    amira = desk(new_context, fieldwork, bypass_csp=True)
    page = amira.page
    amira.sign_in("amira", "wrong password, twelve")
    check_accessibility(page)  # the sign-in page, with its error
    amira.sign_in("amira")
    assert amira.take_next_case() == "Ines Duarte"
    assert amira.end_call("callback") == 400
    check_accessibility(page)  # the case before the interview, with the end-of-call error
    assert amira.press("Start the interview") == 200
    assert amira.press("Continue") == 200
    amira.choose("Yes")
    amira.answer("The repair service", note="Mentioned the workshop")
    assert amira.heading() == PROBES[0]
    check_accessibility(page)  # a probe, an instruction, the notes
    assert amira.press("No more") == 200
    assert amira.press(DONT_KNOW) == 200
    amira.choose("Yes")
    assert amira.heading() == RECOMMEND
    check_accessibility(page)  # the 0-10 scale
    assert amira.end_call("partial_callback", callback_at="2026-11-24T18:00") == 200
    check_accessibility(page)  # the start page, with a message


# --- what respondents said is shown as text ---------------------------------------------------


HOSTILE_ANSWER = "</textarea><script>window.__xss=1;alert(1)</script>"
HOSTILE_NOTE = '<img src=x onerror="window.__xss=2;alert(2)">said <b>this</b>'
HOSTILE_CALL_NOTE = "<script>window.__xss=3;alert(3)</script> call back"


def test_what_respondents_said_is_shown_as_text(fieldwork: Fieldwork,
                                                new_context: NewContext) -> None:
    """In a context that ignores the Content-Security-Policy, so that only escaping stops
    the markup."""
    amira = desk(new_context, fieldwork, bypass_csp=True)
    page = amira.page
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)

    def nothing_ran() -> None:
        page.wait_for_load_state("load")
        assert page.evaluate("() => typeof window.__xss") == "undefined", page.url
        assert page.locator("main script, main img, main b").count() == 0, page.content()

    amira.sign_in("amira")
    assert amira.take_next_case() == "Ines Duarte"
    case_url = page.url
    assert amira.press("Start the interview") == 200
    assert amira.press("Continue") == 200
    amira.choose("Yes")
    keeps_you = KEEPS_YOU.format(7)
    amira.answer(HOSTILE_ANSWER, note=HOSTILE_NOTE)
    nothing_ran()
    assert f"on keeps_you: {HOSTILE_NOTE}" in amira.text(".notes")
    assert amira.press("Back") == 200  # the answer, back in its text box
    nothing_ran()
    assert page.get_by_label(keeps_you).input_value() == HOSTILE_ANSWER
    assert amira.press("Record answer") == 200
    assert amira.press("No more") == 200
    assert amira.press(DONT_KNOW) == 200
    nothing_ran()
    assert amira.heading() == HEARD.format(HOSTILE_ANSWER)
    assert amira.end_call("partial_callback", callback_at="2026-11-24T18:00",
                          note=HOSTILE_CALL_NOTE) == 200
    page.goto(case_url)  # the case as it stands now, with its history
    nothing_ran()
    assert amira.text(".history").endswith(f"— {HOSTILE_CALL_NOTE}")
    assert f"on keeps_you: {HOSTILE_NOTE}" in amira.text(".notes")
    assert dialogs == []
    state = fieldwork.state("nw-101")
    assert state.answers["keeps_you"] == HOSTILE_ANSWER  # stored as given
    assert fieldwork.attempts("nw-101")[0].note == HOSTILE_CALL_NOTE
