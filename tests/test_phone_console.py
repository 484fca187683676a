"""The interviewer console over HTTP: signing in, CSRF, headers, who may see and act on which
case, the rules of ending a call, answering the interview, the hook, the rates page, and the
console mounted by `dialogkit serve`."""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import uvicorn
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from bs4 import BeautifulSoup
from click.testing import CliRunner
from starlette.testclient import TestClient

from dialogkit.channels import Reply
from dialogkit.cli import main
from dialogkit.engine import AnswerError
from dialogkit.loader import load_script
from dialogkit.script import Script
from dialogkit.store import Store, open_store, tables
from dialogkit.store.importing import import_respondents
from dialogkit.store.respondents import read_candidates
from dialogkit_phone_script.accounts import Interviewers
from dialogkit_phone_script.console import create_console
from dialogkit_phone_script.queue import CallQueue, utc
from dialogkit_phone_script.settings import PhoneSettings

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "customer_diplomacy"
CHEAP = PasswordHasher.from_parameters(CHEAPEST)
PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
"""A Wednesday: 10:00 in New York, 15:00 to 16:00 in Europe; calling hours everywhere."""
SETTINGS = PhoneSettings(max_attempts=3)
SIGNED_OUT = "That name and password don't match an active interviewer account."
FORGED = "x" * 43
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
OPEN: list[Phone] = []
"""The browsers to close at the end of the test."""
WATCHED = ("call_cases", "call_attempts", "call_notes", "sessions", "answers", "events",
           "contact_history")
"""The tables a console request may change."""


class Clock:
    """The queue's clock: still, until a test moves it."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Hook:
    """Records the ``dialogkit_on_disposition`` calls."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def dialogkit_on_disposition(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@functools.cache
def flagship() -> Script:
    return load_script(EXAMPLE / "script.yaml")


def fill(store: Store) -> None:
    """The flagship's customers queued in three programs, and the interviewers: ann and bob
    call ``diplomacy`` (all five customers), cy ``renewals`` (the same five), dee ``solo``
    (only Lea Roux, in New York)."""
    import_respondents(store.engine, EXAMPLE / "customers.csv")
    queue = CallQueue(store, SETTINGS, clock=Clock())
    candidates = read_candidates(store.engine)
    queue.add("diplomacy", flagship(), candidates)
    queue.add("renewals", flagship(), candidates)
    queue.add("solo", flagship(), [c for c in candidates if c.id == "nw-105"])
    accounts = Interviewers(store.engine, hasher=CHEAP)
    for who, program in (("ann", "diplomacy"), ("bob", "diplomacy"), ("cy", "renewals"),
                         ("dee", "solo")):
        accounts.add(who, who.capitalize(), PASSWORD, [program])


class Fieldwork:
    """A filled store (`fill`), its queue and accounts, the console over it."""

    def __init__(self, url: str, folder: Path, *, filled: bool = False) -> None:
        self.store: Store = open_store(url, folder)
        if not filled:
            fill(self.store)
        self.script = flagship()
        self.clock = Clock()
        self.hook = Hook()
        self.queue = CallQueue(self.store, SETTINGS, clock=self.clock)
        self.accounts = Interviewers(self.store.engine, hasher=CHEAP)
        self.app = self.console()

    def console(self, **options: Any) -> Any:
        return create_console(self.store, SETTINGS, secret_key="test secret", hook=self.hook,
                              clock=self.clock, interviewers=self.accounts, **options)

    def rows(self, table: str, **where: Any) -> list[Any]:
        found = tables.metadata.tables[table]
        query = sa.select(found).where(*(found.c[k] == v for k, v in where.items()))
        with self.store.engine.connect() as connection:
            return list(connection.execute(query))

    def snapshot(self) -> dict[str, list[str]]:
        """What the console may have changed, to compare before and after."""
        return {name: sorted(map(repr, self.rows(name))) for name in WATCHED}

    def close(self) -> None:
        while OPEN:
            OPEN.pop().close()
        self.store.close()


@pytest.fixture(scope="module")
def filled_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filled SQLite store, made once, for each test to copy (migrating and filling a
    store for every test would take most of the time)."""
    folder = tmp_path_factory.mktemp("filled")
    store = open_store(f"sqlite:///{folder / 'store.db'}", folder)
    fill(store)
    store.close()
    assert not (folder / "store.db-wal").exists()
    return folder / "store.db"


def open_fieldwork(url: str, folder: Path, filled_sqlite: Path) -> Fieldwork:
    if url.startswith("sqlite:///"):
        shutil.copy(filled_sqlite, url.removeprefix("sqlite:///"))
        return Fieldwork(url, folder, filled=True)
    return Fieldwork(url, folder)


@pytest.fixture
def fieldwork(database_url: str, tmp_path: Path, filled_sqlite: Path) -> Iterator[Fieldwork]:
    """On SQLite and on PostgreSQL."""
    work = open_fieldwork(database_url, tmp_path, filled_sqlite)
    yield work
    work.close()


@pytest.fixture
def console(tmp_path: Path, filled_sqlite: Path) -> Iterator[Fieldwork]:
    """On SQLite only, for what doesn't depend on the database."""
    work = open_fieldwork(f"sqlite:///{tmp_path / 'store.db'}", tmp_path, filled_sqlite)
    yield work
    work.close()


class Phone:
    """One interviewer's browser on the console: its own cookies, the last page. Its client
    runs the app on one event loop until closed (else every request would start one, with
    new worker threads, each opening new connections to the store)."""

    def __init__(self, app: Any, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self.client = TestClient(app, base_url="http://127.0.0.1", client=client)
        self.client.__enter__()
        OPEN.append(self)
        self.response: Any = None
        self._soup: tuple[Any, BeautifulSoup] | None = None
        self.token = ""

    @property
    def soup(self) -> BeautifulSoup:
        if self._soup is None or self._soup[0] is not self.response:
            self._soup = (self.response, BeautifulSoup(self.response.text, "html.parser"))
        return self._soup[1]

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def path(self) -> str:
        return self.response.url.path

    def text(self, selector: str) -> str:
        found = self.soup.select_one(selector)
        assert found is not None, f"no {selector} on {self.path}: {self.response.text[:800]}"
        return found.get_text(" ", strip=True)

    def _keep_token(self) -> None:
        found = TOKEN.search(self.response.text)
        if found:
            self.token = found[1]

    def get(self, path: str, **options: Any) -> Phone:
        self.response = self.client.get(path, **options)
        self._keep_token()
        return self

    def post(self, path: str, csrf: str | None = "", **data: Any) -> Phone:
        """Post a form; the session's CSRF token unless `csrf` is given (None: without)."""
        if csrf == "":
            csrf = self.token
        if csrf is not None:
            data["csrf"] = csrf
        self.response = self.client.post(path, data=data)
        self._keep_token()
        return self

    def sign_in(self, user: str, password: str = PASSWORD) -> Phone:
        if not self.token:
            self.get("/sign-in")
        return self.post("/sign-in", user=user, password=password)

    def next_case(self) -> str | None:
        """Take the next case: its id, or None when none is due."""
        self.post("/next")
        assert self.status == 200
        return self.path.rsplit("/", 1)[1] if self.path.startswith("/case/") else None

    def on_case(self, case_id: str) -> Phone:
        """The case page (the one shown, if it is)."""
        if self.path != f"/case/{case_id}" or self.status != 200:
            self.get(f"/case/{case_id}")
        return self

    def version(self, case_id: str) -> str:
        return VERSION.search(self.on_case(case_id).response.text)[1]

    def answer(self, case_id: str, action: str = "next", **fields: Any) -> Phone:
        """Answer the screen shown now (its version from the case page, unless given)."""
        fields.setdefault("version", self.version(case_id))
        return self.post(f"/case/{case_id}/answer", action=action, **fields)

    def prompt(self) -> str:
        """The words of the screen shown, or ``done`` once the interview is complete."""
        if self.soup.select_one("section.interview p.done"):
            return "done"
        return self.text("section.interview h1")

    def end(self, case_id: str, disposition: str, **fields: Any) -> Phone:
        return self.post(f"/case/{case_id}/end", disposition=disposition, **fields)

    def flash(self) -> str:
        return self.text("p.flash")


def signed_in(app: Any, user: str) -> Phone:
    phone = Phone(app).sign_in(user)
    assert phone.path == "/", phone.response.text
    return phone


def key_of(work: Fieldwork, case_id: str) -> str | None:
    """The key of the question the case's interview is at."""
    session_id = work.queue.case(case_id).session_id
    prompt = work.store.load(session_id).prompt if session_id else None
    return prompt.key if prompt else None


def answer_until(phone: Phone, work: Fieldwork, case_id: str, stop: str | None) -> None:
    """Answer every screen (first choices, words for text, "No more" to probes) until the
    question `stop` is asked (None: until the interview is complete)."""
    for _ in range(40):
        session_id = work.queue.case(case_id).session_id
        prompt = work.store.load(session_id).prompt
        if prompt is None or (prompt.key == stop and prompt.kind != "probe"):
            return
        form = phone.on_case(case_id).soup.select_one("form.read-aloud")
        choices = form.find_all("input", attrs={"name": "answer"})
        if prompt.kind == "probe":
            phone.answer(case_id, "decline")
        elif choices:
            phone.answer(case_id, answer=choices[-2]["value"] if prompt.type == "nps"
                         else choices[0]["value"])
        else:
            phone.answer(case_id, answer="The people who answer the phone.")
        assert phone.status == 200, phone.response.text
    raise AssertionError(f"the interview never reached {stop}")


def engine_message(work: Fieldwork, session_id: str, reply: Reply) -> str:
    """What the engine says to `reply` at the session's current question (it records
    nothing)."""
    with pytest.raises(AnswerError) as refused:
        work.store.apply(session_id, reply)
    return str(refused.value)


# -- signing in -------------------------------------------------------------------------------


def test_pages_send_the_browser_to_sign_in_first(console: Fieldwork):
    phone = Phone(console.app)
    case_id = console.rows("call_cases", program_id="diplomacy")[0].id
    for path in ("/", "/rates", f"/case/{case_id}"):
        phone.get(path, follow_redirects=False)
        assert phone.status == 303
        assert phone.response.headers["location"].endswith("/sign-in")
    before = console.snapshot()
    phone.get("/sign-in")
    for path in ("/next", f"/case/{case_id}/start", f"/case/{case_id}/end"):
        phone.post(path)
        assert phone.path == "/sign-in"
    assert console.snapshot() == before


def test_a_wrong_password_an_unknown_name_and_a_deactivated_account_read_the_same(
        console: Fieldwork):
    console.accounts.add("eve", "Eve", PASSWORD, ["diplomacy"])
    console.accounts.deactivate("eve")
    answers = []
    for user, password in (("ann", "not the password"), ("nobody", PASSWORD), ("eve", PASSWORD)):
        phone = Phone(console.app).sign_in(user, password)
        assert phone.status == 400
        assert phone.path == "/sign-in"
        answers.append(phone.text("#error"))
        assert phone.get("/", follow_redirects=False).status == 303  # still signed out
    assert answers == [SIGNED_OUT] * 3


def test_the_session_cookie_is_http_only_and_same_site_strict(console: Fieldwork):
    phone = Phone(console.app).get("/sign-in")
    phone.response = phone.client.post("/sign-in", follow_redirects=False, data={
        "csrf": phone.token, "user": "ann", "password": PASSWORD})
    assert phone.status == 303
    cookie = phone.response.headers["set-cookie"]
    assert cookie.startswith("dialogkit_console=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes


def test_too_many_failed_sign_ins_from_one_client_are_refused_for_a_while(console: Fieldwork):
    app = console.console(sign_in_limit="3/10 minutes")
    phone = Phone(app)
    for _ in range(3):
        assert phone.sign_in("ann", "guess").status == 400
    phone.sign_in("ann")  # even the right password, from this client
    assert phone.status == 429
    assert phone.text("#error") == "Too many failed sign-ins. Try again in 10 minute(s)."
    assert 590 <= int(phone.response.headers["retry-after"]) <= 601
    assert phone.get("/", follow_redirects=False).status == 303
    other = Phone(app, client=("192.0.2.7", 50000)).sign_in("ann")  # another client may
    assert other.path == "/"


def test_a_changed_password_or_a_deactivated_account_signs_the_browser_out(
        fieldwork: Fieldwork):
    ann, bob = signed_in(fieldwork.app, "ann"), signed_in(fieldwork.app, "bob")
    fieldwork.accounts.set_password("ann", "a brand new passphrase")
    ann.get("/", follow_redirects=False)
    assert ann.status == 303
    assert ann.response.headers["location"].endswith("/sign-in")
    assert Phone(fieldwork.app).sign_in("ann").status == 400  # the old password is gone
    assert Phone(fieldwork.app).sign_in("ann", "a brand new passphrase").path == "/"
    assert bob.get("/").path == "/"
    fieldwork.accounts.deactivate("bob")
    assert bob.get("/").path == "/sign-in"


def test_signing_out(console: Fieldwork):
    phone = signed_in(console.app, "ann")
    assert "Signed in as Ann" in phone.text("header")
    phone.post("/sign-out")
    assert phone.path == "/sign-in"
    assert "Signed in" not in phone.text("header")
    assert phone.get("/").path == "/sign-in"


# -- CSRF and headers -------------------------------------------------------------------------


def test_every_form_needs_the_session_csrf_token(console: Fieldwork):
    ann, bob = signed_in(console.app, "ann"), signed_in(console.app, "bob")
    wrong = (None, FORGED, bob.token)  # none, a forged one, another browser's

    def refused(path: str, **data: Any) -> None:
        before = console.snapshot()
        for token in wrong:
            ann.post(path, csrf=token, **data)
            assert ann.status == 403, (path, token)
            assert "This form has expired" in ann.text("main")
        assert console.snapshot() == before, path

    refused("/next")
    case_id = ann.next_case()
    assert case_id is not None
    refused(f"/case/{case_id}/start")
    refused(f"/case/{case_id}/release")
    refused(f"/case/{case_id}/end", disposition="refusal")
    ann.post(f"/case/{case_id}/start")
    version = ann.version(case_id)
    refused(f"/case/{case_id}/answer", version=version, note="a note")
    refused(f"/case/{case_id}/end", disposition="break_off")
    refused("/sign-out")
    assert ann.get("/").path == "/"  # still signed in, still holding the case
    assert ann.text("section.held a") == "continue with " + console.queue.case(case_id).name

    stranger = Phone(console.app).get("/sign-in")
    for token in wrong:
        stranger.post("/sign-in", csrf=token, user="ann", password=PASSWORD)
        assert stranger.status == 403
        assert stranger.get("/", follow_redirects=False).status == 303


def test_pages_carry_the_security_headers_and_are_not_stored(console: Fieldwork):
    phone = Phone(console.app)
    pages = [phone.get("/sign-in").response]
    phone.sign_in("ann")
    pages.append(phone.response)
    case_id = phone.next_case()
    pages += [phone.response, phone.get("/rates").response, phone.get("/case/nope").response]
    assert [page.status_code for page in pages] == [200, 200, 200, 200, 404]
    for page in pages:
        headers = page.headers
        assert headers["cache-control"] == "no-store", page.url
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "form-action 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    stylesheet = phone.client.get("/static/console.css")
    assert stylesheet.status_code == 200
    assert "no-store" not in stylesheet.headers.get("cache-control", "")
    assert stylesheet.headers["x-content-type-options"] == "nosniff"
    assert case_id is not None


# -- whose case -------------------------------------------------------------------------------


def test_a_case_of_another_program_is_not_found(console: Fieldwork):
    ann, cy = signed_in(console.app, "ann"), signed_in(console.app, "cy")
    case_id = ann.next_case()
    own = cy.next_case()
    assert console.queue.case(own).program_id == "renewals"
    before = console.snapshot()
    assert cy.get(f"/case/{case_id}").status == 404
    assert cy.text("main p") == "There is no such case."
    for action in ("start", "answer", "end", "release"):
        cy.post(f"/case/{case_id}/{action}", disposition="refusal", version="1")
        assert cy.status == 404, action
    assert console.snapshot() == before
    assert ann.get(f"/case/{case_id}").status == 200


def test_a_case_another_interviewer_holds_cannot_be_acted_on(console: Fieldwork):
    ann, bob = signed_in(console.app, "ann"), signed_in(console.app, "bob")
    case_id = ann.next_case()
    ann.post(f"/case/{case_id}/start")
    before = console.snapshot()
    bob.get(f"/case/{case_id}")
    assert bob.status == 200
    assert bob.text("section.interview p") == "This case is not yours to call now."
    assert bob.soup.select_one("section.end-call") is None
    for action in ("start", "answer", "end", "release"):
        bob.post(f"/case/{case_id}/{action}", disposition="refusal",
                 version=ann.version(case_id), action="next")
        assert bob.status == 409, action
        assert "not yours to call now" in bob.text("main")
    assert console.snapshot() == before
    assert console.queue.case(case_id).claimed_by == "ann"


def test_recording_the_same_call_twice_records_one_attempt(fieldwork: Fieldwork):
    ann = signed_in(fieldwork.app, "ann")
    case_id = ann.next_case()
    ann.end(case_id, "no_answer", note="rang ten times")
    assert ann.path == "/"
    assert ann.flash().startswith("Call with")
    ann.end(case_id, "no_answer", note="rang ten times")  # the form sent again
    assert ann.path == "/"
    assert "already recorded" in ann.flash()
    attempts = fieldwork.rows("call_attempts", case_id=case_id)
    assert [(a.code, a.note, a.interviewer_id) for a in attempts] == [
        ("3.13", "rang ten times", "ann")]
    assert fieldwork.queue.case(case_id).attempts == 1
    assert len(fieldwork.hook.calls) == 1


def test_a_final_call_sent_again_is_recorded_once(console: Fieldwork):
    ann = signed_in(console.app, "ann")
    case_id = ann.next_case()
    for _ in range(2):
        ann.end(case_id, "refusal")
    assert "already recorded" in ann.flash()
    assert [a.code for a in console.rows("call_attempts", case_id=case_id)] == ["2.112"]
    assert console.queue.case(case_id).state == "closed"


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """What the calls give, each made in a thread of its own, all let go at the same time."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    problems: list[BaseException] = []

    def run(number: int, call: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[number] = call()
        except BaseException as problem:  # reported below, not lost in the thread
            problems.append(problem)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if problems:
        raise problems[0]
    return results


def test_interviewers_taking_cases_at_once_never_get_the_same_one(fieldwork: Fieldwork):
    names = [f"caller{number}" for number in range(7)]
    for name in names:
        fieldwork.accounts.add(name, name, PASSWORD, ["diplomacy"])
    phones = [signed_in(fieldwork.app, name) for name in names]
    taken = dict(zip(names, at_once(*(phone.next_case for phone in phones)), strict=True))
    cases = [case for case in taken.values() if case is not None]
    assert len(cases) == 5  # every case of the program, each to one interviewer
    assert len(set(cases)) == 5
    held = {row.id: row.claimed_by for row in fieldwork.rows("call_cases", program_id="diplomacy")}
    assert held == {case: name for name, case in taken.items() if case is not None}


def test_starting_the_interview_twice_at_once_starts_one(fieldwork: Fieldwork):
    ann, again = signed_in(fieldwork.app, "ann"), signed_in(fieldwork.app, "ann")  # two tabs
    case_id = ann.next_case()
    pages = at_once(*(functools.partial(phone.post, f"/case/{case_id}/start")
                      for phone in (ann, again)))
    assert [phone.path for phone in pages] == [f"/case/{case_id}"] * 2
    [session] = fieldwork.rows("sessions")
    assert fieldwork.queue.case(case_id).session_id == session.id
    assert [row.kind for row in fieldwork.rows("contact_history")] == ["started"]
    assert ann.get(f"/case/{case_id}").prompt() == again.get(f"/case/{case_id}").prompt()


# -- ending a call ----------------------------------------------------------------------------


def test_complete_is_refused_before_the_interview_is_finished(console: Fieldwork):
    ann = signed_in(console.app, "ann")
    case_id = ann.next_case()
    for started in (False, True):
        if started:
            ann.post(f"/case/{case_id}/start")
            ann.answer(case_id)  # past the welcome
        ann.end(case_id, "complete")
        assert ann.status == 400
        assert ann.text("#end-error") == "Only a finished interview can be coded complete."
    assert console.rows("call_attempts") == []
    answer_until(ann, console, case_id, None)
    ann.get(f"/case/{case_id}")
    assert ann.prompt() == "done"
    assert ann.soup.select("#disposition option") and all(
        option["value"] == "complete" for option in ann.soup.select("#disposition option"))
    ann.end(case_id, "refusal")
    assert ann.status == 400
    assert "code the call as a complete interview" in ann.text("#end-error")
    ann.end(case_id, "complete")
    assert ann.path == "/"
    case = console.queue.case(case_id)
    assert (case.state, case.final_code) == ("closed", "1.1")
    assert console.rows("sessions", id=case.session_id)[0].status == "completed"


def test_a_callback_needs_a_time_read_in_the_respondents_time_zone(fieldwork: Fieldwork):
    dee = signed_in(fieldwork.app, "dee")
    case_id = dee.next_case()
    assert fieldwork.queue.case(case_id).time_zone == "America/New_York"
    for given, message in (
            ("", "Give the time agreed for the callback."),
            ("tomorrow at three", "Give the callback time as a date and a time, like "
                                  "2026-11-24 15:30."),
            ("2026-03-04T09:30", "The callback time must be in the future.")):
        dee.end(case_id, "callback", callback_at=given)
        assert dee.status == 400, given
        assert dee.text("#end-error") == message
    assert fieldwork.rows("call_attempts") == []

    dee.end(case_id, "callback", callback_at="2026-03-05T14:30")  # before summer time: UTC-5
    agreed = datetime(2026, 3, 5, 19, 30, tzinfo=UTC)
    [attempt] = fieldwork.rows("call_attempts", case_id=case_id)
    assert attempt.code == "2.21"
    assert utc(attempt.callback_at) == agreed  # (SQLite gives naive UTC times back)
    case = fieldwork.queue.case(case_id)
    assert (case.appointment, case.next_call_at, case.state) == (True, agreed, "open")
    assert dee.next_case() is None  # not before the time agreed
    assert "No case is due now" in dee.flash()

    fieldwork.clock.now = agreed
    assert dee.next_case() == case_id
    assert "Callback agreed for Thu 05 Mar 14:30 their time" in dee.text("dl.facts")
    dee.end(case_id, "callback", callback_at="2026-03-10T14:30")  # summer time: UTC-4
    assert fieldwork.queue.case(case_id).next_call_at == datetime(2026, 3, 10, 18, 30,
                                                                   tzinfo=UTC)
    assert [call["details"]["callback_at"] for call in fieldwork.hook.calls] == [
        agreed, datetime(2026, 3, 10, 18, 30, tzinfo=UTC)]


def test_a_case_closes_after_the_last_attempt(fieldwork: Fieldwork):
    dee = signed_in(fieldwork.app, "dee")
    for attempt in range(1, SETTINGS.max_attempts + 1):
        case_id = dee.next_case()
        assert case_id is not None, attempt
        assert f"{attempt} of at most {SETTINGS.max_attempts}" in dee.text("dl.facts")
        dee.end(case_id, "busy")
        assert dee.path == "/"
        fieldwork.clock.advance(minutes=20)
    case = fieldwork.queue.case(case_id)
    assert (case.state, case.attempts, case.final_code) == ("closed", 3, "3.12")
    assert dee.next_case() is None
    assert [call["details"]["final"] for call in fieldwork.hook.calls] == [False, False, True]
    dee.get(f"/case/{case_id}")
    assert "Final outcome 3.12" in dee.text("dl.facts")
    assert dee.soup.select_one("section.end-call") is None


def test_the_disposition_hook_is_called_with_the_case_and_the_code(console: Fieldwork):
    ann = signed_in(console.app, "ann")
    case_id = ann.next_case()
    ann.post(f"/case/{case_id}/start")
    ann.end(case_id, "break_off")
    session_id = console.queue.case(case_id).session_id
    assert console.hook.calls == [{
        "session_id": session_id, "disposition": "break_off",
        "details": {"case": case_id, "code": "2.12", "interviewer": "ann", "callback_at": None,
                    "final": True}}]
    case_id = ann.next_case()
    ann.end(case_id, "voicemail_message_left")
    assert console.hook.calls[1] == {
        "session_id": "", "disposition": "voicemail_message_left",
        "details": {"case": case_id, "code": "2.221", "interviewer": "ann",
                    "callback_at": None, "final": False}}


def test_giving_a_case_back(console: Fieldwork):
    ann, bob = signed_in(console.app, "ann"), signed_in(console.app, "bob")
    case_id = ann.next_case()
    ann.post(f"/case/{case_id}/release")
    assert ann.path == "/"
    assert "went back to the queue" in ann.flash()
    assert console.queue.case(case_id).claimed_by is None
    assert console.rows("call_attempts") == []
    taken = set()
    for _ in range(5):  # the program's five cases, the one given back among them
        taken.add(next_id := bob.next_case())
        bob.end(next_id, "refusal")
    assert case_id in taken


# -- the interview ----------------------------------------------------------------------------


def test_dont_know_and_refused_are_recorded_as_declined(fieldwork: Fieldwork):
    ann = signed_in(fieldwork.app, "ann")
    case_id = ann.next_case()
    ann.post(f"/case/{case_id}/start")
    assert ann.prompt().startswith("Hello ")
    ann.answer(case_id)
    assert key_of(fieldwork, case_id) == "involved"
    ann.answer(case_id, "dk")
    asked = key_of(fieldwork, case_id)
    assert asked != "involved"
    ann.answer(case_id, "ref")
    session_id = fieldwork.queue.case(case_id).session_id
    recorded = {row.key: (row.value, row.declined)
                for row in fieldwork.rows("answers", session_id=session_id)}
    assert recorded == {"involved": (None, "dont_know"), asked: (None, "refused")}
    assert fieldwork.rows("sessions", id=session_id)[0].channel == "phone"


def test_a_wrong_answer_is_refused_with_the_engines_message(console: Fieldwork):
    ann = signed_in(console.app, "ann")
    case_id = ann.next_case()
    ann.post(f"/case/{case_id}/start")
    ann.answer(case_id)
    session_id = console.queue.case(case_id).session_id
    before = console.snapshot()
    version = ann.version(case_id)
    ann.answer(case_id)  # no choice made
    assert ann.status == 400
    assert ann.text("#error") == "Error: " + engine_message(console, session_id, Reply(value=""))
    assert ann.soup.find("input", attrs={"name": "version"})["value"] == version
    assert console.snapshot() == before
    answer_until(ann, console, case_id, "recommend")
    question = ann.on_case(case_id).prompt()
    assert question.startswith("How likely are you to recommend")
    before = console.snapshot()
    ann.answer(case_id, answer="11")
    assert ann.status == 400
    message = engine_message(console, session_id, Reply(value="11"))
    assert ann.text("#error") == "Error: " + message
    assert ann.prompt() == question
    assert console.snapshot() == before
    assert not any(row.key == "recommend"
                   for row in console.rows("answers", session_id=session_id))


def test_a_screen_sent_twice_is_recorded_once_with_its_note(fieldwork: Fieldwork):
    ann = signed_in(fieldwork.app, "ann")
    case_id = ann.next_case()
    ann.post(f"/case/{case_id}/start")
    ann.answer(case_id)
    version = ann.version(case_id)
    for _ in range(2):
        ann.answer(case_id, answer="yes", version=version, note="Sounded unsure at first.")
        assert ann.status == 200
    assert "answered already" in ann.flash()
    session_id = fieldwork.queue.case(case_id).session_id
    answered = [row.key for row in fieldwork.rows("events", session_id=session_id)
                if row.kind == "answered"]
    assert answered == ["involved"]
    assert fieldwork.rows("sessions", id=session_id)[0].version == int(version) + 1
    notes = fieldwork.rows("call_notes", case_id=case_id)
    assert [(n.question_key, n.text, n.interviewer_id) for n in notes] == [
        ("involved", "Sounded unsure at first.", "ann")]
    ann.get(f"/case/{case_id}")
    assert "ann on involved: Sounded unsure at first." in ann.text("ul.notes")


def test_a_screen_sent_twice_at_once_is_recorded_once_with_its_note(fieldwork: Fieldwork):
    ann, again = signed_in(fieldwork.app, "ann"), signed_in(fieldwork.app, "ann")  # two tabs
    case_id = ann.next_case()
    ann.post(f"/case/{case_id}/start")
    session_id = fieldwork.queue.case(case_id).session_id
    for screen in range(3):  # the welcome, "involved", then the first question of a segment
        version = ann.version(case_id)
        fields = {"answer": "yes" if screen == 1 else "Quick delivery.", "version": version,
                  "note": f"note {screen}"}
        sent = at_once(*(functools.partial(phone.answer, case_id, **fields)
                         for phone in (ann, again)))
        assert [phone.status for phone in sent] == [200, 200]
        assert fieldwork.rows("sessions", id=session_id)[0].version == int(version) + 1
    assert [n.text for n in fieldwork.rows("call_notes", case_id=case_id)] == [
        "note 0", "note 1", "note 2"]
    answered = [row.key for row in fieldwork.rows("events", session_id=session_id)
                if row.kind == "answered"]
    assert len(answered) == len(set(answered)) == 2
    assert answered[0] == "involved"


def test_a_version_that_is_not_a_number_changes_nothing(console: Fieldwork):
    ann = signed_in(console.app, "ann")
    case_id = ann.next_case()
    ann.post(f"/case/{case_id}/start")
    before = console.snapshot()
    ann.answer(case_id, version="latest", note="a note")
    assert ann.status == 200
    assert "answered already" in ann.flash()
    assert console.snapshot() == before


def test_another_interviewer_resumes_a_partial_interview_where_it_stopped(
        fieldwork: Fieldwork):
    ann, bob = signed_in(fieldwork.app, "ann"), signed_in(fieldwork.app, "bob")
    case_id = ann.next_case()
    ann.post(f"/case/{case_id}/start")
    ann.answer(case_id)
    ann.answer(case_id, answer="yes")
    stopped = key_of(fieldwork, case_id)
    question = ann.get(f"/case/{case_id}").prompt()
    version = ann.version(case_id)
    zone = ZoneInfo(fieldwork.queue.case(case_id).time_zone)
    agreed = fieldwork.clock.now + timedelta(days=1)
    ann.end(case_id, "partial_callback",
            callback_at=agreed.astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
    assert ann.path == "/"
    assert fieldwork.queue.case(case_id).last_code == "1.2"
    fieldwork.clock.now = agreed
    assert bob.next_case() == case_id  # the appointment comes first
    assert bob.prompt() == question
    assert "resumed interview" in bob.text("p.progress")
    assert bob.soup.find("input", attrs={"name": "version"})["value"] == version
    bob.answer(case_id, answer="They always call back.")
    case = fieldwork.queue.case(case_id)
    assert {row.key for row in fieldwork.rows("answers", session_id=case.session_id)} == {
        "involved", stopped}
    assert len(fieldwork.rows("sessions")) == 1


# -- response rates ---------------------------------------------------------------------------


def test_the_rates_page_shows_the_programs_counts_and_rates(fieldwork: Fieldwork):
    queue = fieldwork.queue
    for key, interview in (("complete", "finished"), ("refusal", None),
                           ("disconnected", None), ("no_answer", None)):
        case = queue.next_case("ann", ["diplomacy"])
        queue.record(case.id, "ann", key, started_at=queue.now(), interview=interview)
    ann = signed_in(fieldwork.app, "ann")  # one case of five never called: 3.11
    ann.get("/rates")
    assert ann.status == 200
    [section] = ann.soup.select("section.program-rates")
    assert section.h2.get_text(strip=True) == "diplomacy"
    counts_table, rates_table = section.select("table.rates")[:2]
    counts = {row.th.get_text(strip=True): row.select("td")[-1].get_text(strip=True)
              for row in counts_table.select("tbody tr")}
    assert counts == {"I": "1", "P": "0", "R": "1", "NC": "0", "O": "0", "UH": "2", "UO": "0",
                      "NE": "1"}
    rates = {row.th.get_text(strip=True): row.select("td")[-1].get_text(strip=True)
             for row in rates_table.select("tbody tr")}
    assert rates["RR1"] == "25.0%"  # 1 / (1 + 1 + 2)
    text = section.get_text(" ", strip=True)
    assert "e = 0.67" in text  # 2 eligible of the 3 resolved
    assert "2 case(s) are still being called" in text
    cy = signed_in(fieldwork.app, "cy")
    cy.get("/rates")
    assert [h.get_text(strip=True) for h in cy.soup.select("section.program-rates h2")] == [
        "renewals"]


# -- dialogkit serve --------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    for name in ("script.yaml", "dialogkit.toml"):
        shutil.copy(EXAMPLE / name, folder / name)
    return folder


def test_serve_mounts_the_console_at_phone(project: Path, monkeypatch: pytest.MonkeyPatch):
    store = open_store(None, project)
    store.add_program("customer-diplomacy")
    Interviewers(store.engine, hasher=CHEAP).add("ann", "Ann", PASSWORD, ["customer-diplomacy"])
    store.close()
    pages: dict[str, Any] = {}

    def run(server: uvicorn.Server, sockets: Any = None) -> None:  # instead of listening
        phone = Phone(server.config.app)
        page = phone.get("/phone/sign-in").response
        pages["sign-in"] = page
        pages["action"] = phone.soup.select_one("form.sign-in")["action"]
        pages["signed-in"] = phone.post("/phone/sign-in", user="ann", password=PASSWORD).path
        pages["cookie"] = phone.response.history[0].headers["set-cookie"]
        pages["form"] = phone.client.get("/").status_code
        for socket in sockets or ():
            socket.close()
        OPEN.remove(phone)
        phone.close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    result = CliRunner().invoke(main, ["serve", str(project), "--port", "0", "--no-test-links"])
    assert result.exit_code == 0, result.output
    assert "Interviewer console: http://127.0.0.1:" in result.output
    assert pages["sign-in"].status_code == 200
    assert pages["sign-in"].headers["cache-control"] == "no-store"
    assert urlsplit(pages["action"]).path == "/phone/sign-in"
    assert pages["signed-in"] == "/phone/"
    assert "; Path=/phone;" in pages["cookie"]
    assert pages["form"] == 200  # the web form is still served beside it


def test_serve_refuses_a_broken_phone_table_naming_the_key(project: Path):
    settings = project / "dialogkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "max_attempts = 6", "max_attempts = 0"), encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", str(project), "--port", "0", "--no-test-links"])
    assert result.exit_code == 1
    assert "dialogkit.toml: [phone] max_attempts: 0 is less than the minimum of 1" in (
        result.output)
