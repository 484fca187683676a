"""The web form in a real browser (Chromium through Playwright): whole interviews, going back,
saving for later, double submits, the keyboard alone, hostile text and no JavaScript.

The plain-HTTP tests (`tests/test_web_form.py`) check what the server sends; these check that
a real browser, with its own form submission, history, focus and HTML parser, gets through.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from dialogkit.loader import load_script, load_script_text
from dialogkit.script import Script

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

    from .conftest import LiveServer, NewContext, WebFormServer

REPO = Path(__file__).resolve().parents[2]
TITLE = "A few minutes about you and Northwind Outfitters"
INVOLVED = "Were you the person who decided to buy from Northwind Outfitters?"
CONVINCED = "What convinced you to choose us for your first order?"
REFER = "Thank you, that helps. Who made that decision, so we can ask them instead?"
PROBES = ("Why is that important to you?", "And why does that matter to you?",
          "What would that make possible for you?")
RECOMMEND = "How likely are you to recommend Northwind Outfitters to a friend?"
HEAR_BACK = "May we write to you to tell you what we change because of this conversation?"


@pytest.fixture(scope="module")
def diplomacy() -> Script:
    return load_script(REPO / "examples" / "customer_diplomacy" / "script.yaml")


def fill(page: Page, label: str, text: str) -> None:
    page.get_by_label(label, exact=True).fill(text)


def pick(page: Page, *labels: str) -> None:
    for label in labels:
        page.get_by_label(label, exact=True).check()


def answer(web: WebFormServer, page: Page, label: str, text: str) -> None:
    """Type `text` into the field labelled `label` and press Continue."""
    fill(page, label, text)
    web.press(page, "Continue")


def choose(web: WebFormServer, page: Page, *labels: str) -> None:
    """Pick the options labelled `labels` and press Continue."""
    pick(page, *labels)
    web.press(page, "Continue")


def no_error_shown(page: Page) -> None:
    text = page.locator("body").inner_text()
    assert "Traceback" not in text and "Internal Server Error" not in text
    assert page.locator(".error-summary").count() == 0


# --- the flagship interview, start to finish -------------------------------------------------


def test_first_time_customer_completes_the_flagship_interview(
    web_form: WebFormServer, page: Page, diplomacy: Script
) -> None:
    web = web_form
    started = web.start(diplomacy, "Ada", segments=("first_time",))
    page.goto(web.link(started))
    assert page.url == f"{web.base_url}/s/{started.session_id}"  # the token left the address
    assert web.heading(page) == TITLE
    assert "why customers choose us" in page.locator(".purpose").inner_text()
    assert page.locator(".estimate").inner_text() == "About 6 minutes"

    web.press(page, "Start")
    assert web.heading(page) == "Hello Ada, and thank you for giving us a few minutes."
    web.press(page, "Continue")
    assert web.heading(page) == INVOLVED
    assert page.title() == f"{INVOLVED} – {TITLE}"
    choose(web, page, "Yes")

    assert web.heading(page) == CONVINCED
    assert page.locator(".section-title").inner_text() == "Your first order"
    answer(web, page, CONVINCED, "Delivery to the mountains in two days")
    assert web.heading(page) == PROBES[0]
    assert page.locator(".context").inner_text() == CONVINCED  # the question being probed
    answer(web, page, PROBES[0], "We leave on trips at short notice")
    assert web.heading(page) == PROBES[1]
    answer(web, page, PROBES[1], "A missed trip costs us a whole season")
    assert web.heading(page) == PROBES[2]
    web.press(page, "I'd rather not say more")  # ends the probes early

    considered = "Which other shops did you consider before choosing?"
    assert web.heading(page) == considered
    pick(page, "Summit & Co", "Somewhere else (please say where)")
    fill(page, "Please say which", "The Gear Barn")
    web.press(page, "Continue")
    shop_better = "What, if anything, did {} do better than us? (optional)"
    assert web.heading(page) == shop_better.format("Summit & Co")
    answer(web, page, shop_better.format("Summit & Co"), "Cheaper tents")
    assert web.heading(page) == shop_better.format("The Gear Barn")
    web.press(page, "Continue")  # optional: left empty

    assert web.heading(page) == ("So what I heard is: Delivery to the mountains in two days. "
                                 "Did I get that right?")
    choose(web, page, "Yes")
    assert web.heading(page) == RECOMMEND
    assert page.locator(".scale-labels").inner_text().split("\n") == [
        "0 = Not at all likely", "10 = Extremely likely"]
    choose(web, page, "5")
    assert web.heading(page) == "What is the main reason for your score of 5?"
    answer(web, page, "What is the main reason for your score of 5?", "Tents sold out")
    assert web.heading(page) == PROBES[0]
    answer(web, page, PROBES[0], "I wanted one for the trip")
    fix_first = "If we could fix one thing before anything else, what should it be?"
    assert web.heading(page) == fix_first  # asked because the score was 6 or less
    answer(web, page, fix_first, "Keep tents in stock")
    assert web.heading(page) == HEAR_BACK
    choose(web, page, "Yes")
    assert web.heading(page) == ("Thank you, Ada. What you told us goes to the people who can "
                                 "change things, and we will let you know what changed.")
    web.press(page, "Continue")

    assert web.heading(page) == "Thank you"
    text = page.locator("main").inner_text()
    assert "Your answers have been saved." in text
    assert "Within four weeks we will write to tell you what we are changing" in text
    assert page.get_by_role("button").count() == 0

    state = web.store.conversation(started.session_id).state
    assert state.status == "completed"
    assert state.answers == {
        "involved": True,
        "convinced": "Delivery to the mountains in two days",
        "considered": ["summit", "other"],
        "shop_better[summit]": "Cheaper tents",
        "shop_better[other]": None,
        "confirm_convinced": True,
        "recommend": 5,
        "fix_first": "Keep tents in stock",
        "hear_back": True,
    }
    assert state.other == {"considered": "The Gear Barn"}
    assert state.probes == {
        "convinced": ["We leave on trips at short notice",
                      "A missed trip costs us a whole season"],
        "recommend": ["Tents sold out", "I wanted one for the trip"],
    }


# --- going back and changing a branch --------------------------------------------------------


def test_going_back_and_changing_an_answer_drops_the_branch_not_taken(
    web_form: WebFormServer, page: Page, diplomacy: Script
) -> None:
    web = web_form
    started = web.start(diplomacy, "Bo", segments=("first_time",))
    session_id = started.session_id
    web.begin(page, started)
    web.press(page, "Continue")
    choose(web, page, "Yes")
    answer(web, page, CONVINCED, "The friendly advice on the phone")
    answer(web, page, PROBES[0], "I knew nothing about tents")
    web.press(page, "I'd rather not say more")
    considered = "Which other shops did you consider before choosing?"
    choose(web, page, "Summit & Co")
    answer(web, page, "What, if anything, did Summit & Co do better than us? (optional)",
           "Cheaper tents")
    assert web.heading(page).startswith("So what I heard is: The friendly advice")
    assert web.answers(session_id)["shop_better[summit]"] == "Cheaper tents"

    # A loop's branch: back to the shops, and "none" instead of Summit & Co.
    web.press(page, "Back")
    web.press(page, "Back")
    assert web.heading(page) == considered
    assert page.get_by_label("Summit & Co", exact=True).is_checked()
    page.get_by_label("Summit & Co", exact=True).uncheck()
    choose(web, page, "None — we only looked at you")
    assert web.heading(page).startswith("So what I heard is: The friendly advice")
    assert "shop_better[summit]" not in web.answers(session_id)  # dropped at once
    assert web.answers(session_id)["considered"] == ["none"]

    # The screening question's branch: back to the start, and "no" instead of "yes".
    for expected in (considered, PROBES[1], PROBES[0], CONVINCED, INVOLVED):
        web.press(page, "Back")
        assert web.heading(page) == expected
    assert page.get_by_label("Yes", exact=True).is_checked()
    choose(web, page, "No")
    assert web.heading(page) == REFER
    fill(page, "Name", "Cleo Park")
    fill(page, "Email address", "cleo@example.com")
    answer(web, page, "Role", "Buyer")
    assert web.heading(page) == "Thank you"
    assert "We will ask the person you named instead." in page.locator("main").inner_text()

    state = web.store.conversation(session_id).state
    assert state.status == "referred"
    assert state.answers == {"involved": False, "refer": {
        "name": "Cleo Park", "email": "cleo@example.com", "role": "Buyer"}}
    assert state.probes == {}
    dropped = {event["key"] for event in web.events(session_id, "dropped")}
    assert dropped == {"convinced", "considered", "shop_better[summit]"}


# --- save and finish later, in another browser -----------------------------------------------


def test_save_and_finish_later_resumes_in_a_new_browser(
    web_form: WebFormServer, new_context: NewContext, diplomacy: Script
) -> None:
    web = web_form
    started = web.start(diplomacy, "Dee", segments=("loyal",), years=7)
    first = new_context()
    page = first.new_page()
    web.begin(page, started)
    web.press(page, "Continue")
    choose(web, page, "Yes")
    keeps_you = "You have been with us for 7 years. What keeps you coming back?"
    assert web.heading(page) == keeps_you
    fill(page, keeps_you, "The repair service")  # typed, not sent: saving keeps it
    web.press(page, "Save and finish later")
    assert web.heading(page) == "Your answers are saved"
    link = page.locator("#resume-link")
    resume_url = link.get_attribute("href")
    assert resume_url is not None and link.inner_text() == resume_url
    assert resume_url.startswith(f"{web.base_url}/r/")
    assert resume_url != web.link(started)  # a fresh link
    assert web.answers(started.session_id)["keeps_you"] == "The repair service"
    first.close()  # the first browser is gone, cookies and all

    later = new_context().new_page()
    later.goto(resume_url)
    assert urlsplit(later.url).path == f"/s/{started.session_id}"
    assert web.heading(later) == PROBES[0]  # where they stopped
    assert "Welcome back" in later.locator(".notice").inner_text()
    web.press(later, "Back")
    assert web.heading(later) == keeps_you
    assert later.get_by_label(keeps_you).input_value() == "The repair service"
    answer(web, later, keeps_you, "The repair service, and the staff")
    assert web.heading(later) == PROBES[0]
    assert web.answers(started.session_id)["keeps_you"] == "The repair service, and the staff"


# --- double submits --------------------------------------------------------------------------


def test_a_resent_form_records_the_answer_once(
    web_form: WebFormServer, page: Page, diplomacy: Script
) -> None:
    """The first POST reaches the server but its response never reaches the page (a 204
    leaves the old form on screen), so the respondent presses Continue again: the same form,
    the same submission id."""
    web = web_form
    started = web.start(diplomacy, "Eve", segments=("lost",))
    web.store.answer(started.session_id, None)  # past the greeting
    page.goto(web.link(started))
    assert web.heading(page) == INVOLVED
    posts: list[int] = []

    def lose_the_first_response(route: Route) -> None:
        if route.request.method == "POST":
            if not posts:
                response = route.fetch(max_redirects=0)  # the server records the answer...
                posts.append(response.status)
                route.fulfill(status=204)  # ...but the page never hears back
                return
            posts.append(0)
        route.fallback()

    page.route(f"{web.base_url}/s/{started.session_id}", lose_the_first_response)
    pick(page, "Yes")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("button", name="Continue").click()
    assert posts == [303]
    assert web.heading(page) == INVOLVED  # still the old form, "Yes" still picked
    assert page.get_by_label("Yes", exact=True).is_checked()
    assert len(web.events(started.session_id, "answered")) == 1

    web.press(page, "Continue")  # again
    assert len(posts) == 2
    one_thing = "What one thing could we have done to earn your repeat business?"
    assert web.heading(page) == one_thing
    no_error_shown(page)
    assert page.locator(".notice").count() == 0  # a repeat, not a conflict
    answered = web.events(started.session_id, "answered")
    assert [event["key"] for event in answered] == ["involved"]
    assert web.answers(started.session_id) == {"involved": True}


class SlowConnection:
    """ASGI middleware: once `hold_next()` is called, the response to the next POST is held
    back (after the app has answered it) until a later POST has been answered, or until
    `release()` (or ten seconds)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.posts = 0
        self.armed = False
        self.released = threading.Event()

    def hold_next(self) -> None:
        self.released.clear()
        self.armed = True

    def release(self) -> None:
        self.released.set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        self.posts += 1
        if not self.armed:
            await self.app(scope, receive, send)
            self.release()
            return
        self.armed = False

        async def held(message: Any) -> None:
            deadline = time.monotonic() + 10
            while message["type"] == "http.response.start" and not self.released.is_set():
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.01)
            await send(message)

        await self.app(scope, receive, held)


def test_clicking_continue_again_on_a_slow_connection_records_the_answer_once(
    web_form: WebFormServer, page: Page, live_server: LiveServer, diplomacy: Script
) -> None:
    from dialogkit_web_form import create_app

    web = web_form
    slow = SlowConnection(create_app(web.store, secret_key="slow"))
    base_url = live_server(slow)
    started = web.start(diplomacy, "Fay", segments=("lost",))
    web.store.answer(started.session_id, None)  # past the greeting
    web.store.answer(started.session_id, True)  # and the screening question
    page.goto(f"{base_url}/r/{started.token}")
    one_thing = "What one thing could we have done to earn your repeat business?"
    assert web.heading(page) == one_thing
    fill(page, one_thing, "Cheaper delivery")

    box = page.get_by_role("button", name="Continue").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    slow.hold_next()
    try:
        page.mouse.click(x, y)  # (the mouse, not a locator: those wait for the navigation)
        deadline = time.monotonic() + 5
        while len(web.events(started.session_id, "answered")) < 2:  # recorded; no reply yet
            assert time.monotonic() < deadline, "the first click never reached the server"
            page.wait_for_timeout(20)  # (not time.sleep: Playwright must route the request)
        page.mouse.click(x, y)  # the page has not changed: the respondent clicks again
        page.get_by_role("heading", level=1).filter(has_text=PROBES[0]).wait_for()
        page.wait_for_load_state("load")
    finally:
        slow.release()

    assert slow.posts == 2
    assert web.heading(page) == PROBES[0]
    no_error_shown(page)
    assert page.locator(".notice").count() == 0  # a repeat, not a conflict
    answered = web.events(started.session_id, "answered")
    assert [event["key"] for event in answered] == ["involved", "one_thing"]
    assert web.answers(started.session_id)["one_thing"] == "Cheaper delivery"


# --- the keyboard alone ----------------------------------------------------------------------


FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {tag: element.tagName.toLowerCase(), type: element.type || null,
          id: element.id || null, name: element.name || null, value: element.value ?? null,
          text: element.innerText ? element.innerText.trim() : null,
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
}"""


def tab(page: Page) -> dict[str, Any]:
    """Press Tab; what has the focus now (and whether its focus outline shows)."""
    page.keyboard.press("Tab")
    focused: dict[str, Any] = page.evaluate(FOCUSED)
    assert focused["outline"], f"no visible focus outline on {focused}"
    return focused


def tab_to_continue(page: Page) -> None:
    focused = tab(page)
    assert (focused["tag"], focused["text"]) == ("button", "Continue"), focused


def enter(page: Page) -> None:
    """Press Enter and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_keyboard_alone_gets_through_each_type_of_question(
    web_form: WebFormServer, page: Page
) -> None:
    from dialogkit.testing.scripts import CONTRACT_SCRIPT

    web = web_form
    script = load_script_text(json.dumps(CONTRACT_SCRIPT), "contract.json")
    started = web.start(script, "Ada", name="Ada")
    page.goto(web.link(started))
    focused = tab(page)
    assert (focused["tag"], focused["text"]) == ("a", "Start")
    enter(page)

    assert web.heading(page) == "Welcome, Ada! This takes about three minutes."
    tab_to_continue(page)  # a statement: nothing to answer
    enter(page)

    assert web.heading(page) == "How did you first hear about us?"  # one choice, with "other"
    assert tab(page)["id"] == "answer-1"  # the radio group is one stop
    page.keyboard.press("ArrowUp")  # wraps round to the last option, "Somewhere else"
    assert page.evaluate(FOCUSED)["value"] == "other"
    assert tab(page)["id"] == "other"
    page.keyboard.type("A podcast")
    enter(page)  # Enter in a text field sends Continue, the form's first button

    assert web.heading(page) == "Which features do you use most? Pick one or two."
    assert tab(page)["value"] == "reports"
    page.keyboard.press("Space")
    assert tab(page)["value"] == "alerts"  # check boxes are a stop each
    assert tab(page)["value"] == "exports"
    page.keyboard.press("Space")
    assert tab(page)["value"] == "none"
    tab_to_continue(page)
    enter(page)

    assert web.heading(page) == "How well does the product fit the way you work?"  # rating
    assert tab(page)["value"] == "1"
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED)["value"] == "4"
    tab_to_continue(page)
    with page.expect_navigation():
        page.keyboard.press("Space")  # a button answers to Space as well as Enter

    assert web.heading(page) == "How likely are you to recommend us to a friend?"  # NPS
    assert tab(page)["value"] == "0"
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED)["value"] == "9"
    tab_to_continue(page)
    enter(page)

    assert web.heading(page) == "What is your job title?"  # short text
    assert tab(page)["id"] == "answer"
    page.keyboard.type("Surveyor")
    enter(page)

    assert web.heading(page) == "What does a typical day look like for a Surveyor?"  # probe
    assert tab(page)["tag"] == "textarea"
    page.keyboard.type("Fieldwork,")
    page.keyboard.press("Enter")  # in a text area Enter is a new line, not a submit
    page.keyboard.type("then maps")
    tab_to_continue(page)
    enter(page)

    assert web.heading(page) == "So you work as Surveyor. Did I get that right?"  # confirm
    assert tab(page)["value"] == "yes"
    page.keyboard.press("Space")
    tab_to_continue(page)
    enter(page)

    assert web.heading(page) == "How many people are in your team?"  # number
    assert tab(page)["id"] == "answer"
    page.keyboard.type("12")
    enter(page)

    assert web.heading(page) == "When did your team start using the product?"  # date
    assert tab(page)["type"] == "date"
    page.keyboard.type("03152021")  # month, day, year: the en-US date field
    enter(page)

    assert web.heading(page) == "Do you expect to renew next year?"  # yes/no
    tab(page)
    page.keyboard.press("ArrowDown")  # from Yes to No
    assert page.evaluate(FOCUSED)["value"] == "no"
    order = [tab(page)["text"] for _ in range(4)]
    assert order == ["Continue", "Prefer not to say", "Back", "Save and finish later"]
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)["text"] == "Continue"
    enter(page)

    assert web.heading(page) == "Who else in your company should we talk to?"
    state = web.store.conversation(started.session_id).state
    assert state.answers == {
        "found_us": "other", "features": ["reports", "exports"], "usage": 4, "recommend": 9,
        "job": "Surveyor", "job_confirm": True, "team_size": 12,
        "started": state.answers["started"], "renew": False}
    assert str(state.answers["started"]) == "2021-03-15"
    assert state.other == {"found_us": "A podcast"}
    # The browser sends a text area's line breaks as CRLF (HTML's form encoding).
    assert [text.replace("\r\n", "\n") for text in state.probes["job"]] == [
        "Fieldwork,\nthen maps"]


# --- the form's own error messages -----------------------------------------------------------


def test_the_form_not_the_browser_explains_a_rejected_date_or_email(
    web_form: WebFormServer, page: Page
) -> None:
    """An out-of-range date and a malformed email should get the page's error summary and
    message (announced, linked to the field, kept on the page), like every other rejected
    answer, not the browser's own passing tooltip."""
    from dialogkit.testing.scripts import CONTRACT_SCRIPT

    web = web_form
    script = load_script_text(json.dumps(CONTRACT_SCRIPT), "contract.json")
    started = web.start(script, "Ada", name="Ada")
    for value in (None, "search", ["reports"], 3, 5, "Surveyor", "Maps", True, 12):
        web.store.answer(started.session_id, value)  # straight to the date question
    page.goto(web.link(started))
    date_label = "When did your team start using the product?"
    assert web.heading(page) == date_label
    fill(page, date_label, "1999-12-31")  # before the script's minimum, 2000-01-01
    # the browser would block this date itself (min on the field), but the form says
    # novalidate: the page's own message explains it instead of a passing tooltip
    assert page.evaluate("() => !document.querySelector('form').checkValidity()")
    assert page.evaluate("() => document.querySelector('form').noValidate")
    rejected = web.press(page, "Continue")
    assert rejected is not None and rejected.status == 422
    assert "2000" in page.locator(".error-summary").inner_text()
    answer(web, page, date_label, "2021-03-15")
    choose(web, page, "Yes")
    fill(page, "Name", "Sam")
    fill(page, "Email address", "sam@")
    rejected = web.press(page, "Continue")
    assert rejected is not None and rejected.status == 422
    assert "email address" in page.locator(".error-summary").inner_text()


# --- hostile text ----------------------------------------------------------------------------


HOSTILE_NAME = '<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>'
HOSTILE_ANSWER = '<script>window.__xss=3;alert(3)</script><b onmouseover="window.__xss=4">b</b>'
HOSTILE_NUMBER = '"><img src=x onerror="window.__xss=5;alert(5)">'
HOSTILE_SCRIPT = """\
dialogkit: 1
id: hostile
title: Checking what we show
purpose: "To see that whatever {respondent.first_name} gives is shown as text."
estimated_minutes: 1
closing: "You told us: {answers.easy}"
nodes:
  - id: hello
    type: statement
    text: "Hello {respondent.first_name}!"
  - id: about
    type: section
    title: "About {respondent.first_name}"
    nodes:
      - id: easy
        type: text
        text: What was easiest for {respondent.first_name}?
        probes: {depth: 1, wording: ["Why was {answer} easy?"]}
      - id: channel
        type: single_choice
        text: How did {respondent.first_name} book?
        options:
          - {value: web, label: "On the website, {respondent.first_name}"}
        other: Another way
      - id: nights
        type: number
        text: How many nights?
        integer: true
      - id: check
        type: confirm
        of: easy
        text: "You said: {answers.easy} (by {answers.channel}). Is that right?"
"""


def test_hostile_names_and_answers_show_as_text_and_never_run(
    web_form: WebFormServer, new_context: NewContext
) -> None:
    """In a context that ignores the Content-Security-Policy, so that only escaping stops
    the markup (the policy would block inline script on its own)."""
    web = web_form
    page = new_context(bypass_csp=True).new_page()
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    script = load_script_text(HOSTILE_SCRIPT, "hostile.yaml")
    started = web.start(script, HOSTILE_NAME)
    shown: list[str] = []

    def nothing_ran() -> None:
        page.wait_for_load_state("load")
        assert page.evaluate("() => typeof window.__xss") == "undefined", page.url
        assert page.locator("main img, main script, main b").count() == 0, page.content()
        shown.append(web.heading(page))

    page.goto(web.link(started))
    page.locator("main").hover()
    nothing_ran()
    assert page.locator(".purpose").inner_text() == (
        f"To see that whatever {HOSTILE_NAME} gives is shown as text.")
    web.press(page, "Start")
    nothing_ran()
    assert web.heading(page) == f"Hello {HOSTILE_NAME}!"
    web.press(page, "Continue")
    nothing_ran()
    assert page.locator(".section-title").inner_text() == f"About {HOSTILE_NAME}"
    assert page.title() == f"What was easiest for {HOSTILE_NAME}? – Checking what we show"
    answer(web, page, f"What was easiest for {HOSTILE_NAME}?", HOSTILE_ANSWER)
    nothing_ran()
    assert web.heading(page) == f"Why was {HOSTILE_ANSWER} easy?"  # the probe echoes it
    answer(web, page, f"Why was {HOSTILE_ANSWER} easy?", HOSTILE_ANSWER)
    nothing_ran()
    assert page.get_by_label(f"On the website, {HOSTILE_NAME}").count() == 1
    pick(page, "Another way")
    answer(web, page, "Please say which", HOSTILE_ANSWER)
    nothing_ran()
    answer(web, page, "How many nights?", HOSTILE_NUMBER)  # rejected, and shown again
    nothing_ran()
    assert page.locator(".error-summary").count() == 1
    assert page.get_by_label("How many nights?").input_value() == HOSTILE_NUMBER
    answer(web, page, "How many nights?", "2")
    nothing_ran()
    assert web.heading(page) == (f"You said: {HOSTILE_ANSWER} (by {HOSTILE_ANSWER}). "
                                 "Is that right?")
    choose(web, page, "Yes")
    nothing_ran()
    assert f"You told us: {HOSTILE_ANSWER}" in page.locator("main").inner_text()

    assert dialogs == []
    assert len(shown) == 9
    state = web.store.conversation(started.session_id).state
    assert state.answers["easy"] == HOSTILE_ANSWER  # stored as given
    assert state.other == {"channel": HOSTILE_ANSWER}


# --- without JavaScript ----------------------------------------------------------------------


def test_pages_work_with_javascript_disabled(
    web_form: WebFormServer, new_context: NewContext, diplomacy: Script
) -> None:
    web = web_form
    page = new_context(java_script_enabled=False).new_page()
    started = web.start(diplomacy, "Gus", segments=("lost",))
    web.begin(page, started)
    web.press(page, "Continue")
    choose(web, page, "Yes")
    one_thing = "What one thing could we have done to earn your repeat business?"
    answer(web, page, one_thing, "Kept my size in stock")
    answer(web, page, PROBES[0], "I am hard to fit")
    web.press(page, "I'd rather not say more")
    buy_now = "Where do you buy outdoor gear now?"
    assert web.heading(page) == buy_now
    web.press(page, "Continue")  # nothing picked: the server says so
    assert page.locator(".error-summary").count() == 1
    assert page.title().startswith("Error:")
    pick(page, "Somewhere else (please say where)")
    answer(web, page, "Please say which", "A second-hand shop")
    assert web.heading(page) == "So what I heard is: Kept my size in stock. Did I get that right?"
    web.press(page, "Back")
    assert page.get_by_label("Please say which").input_value() == "A second-hand shop"
    web.press(page, "Prefer not to say")
    choose(web, page, "No")  # not what they meant: back to the question confirmed
    assert web.heading(page) == one_thing
    assert page.get_by_label(one_thing).input_value() == "Kept my size in stock"

    state = web.store.conversation(started.session_id).state
    assert state.answers == {"involved": True, "one_thing": "Kept my size in stock",
                             "buy_now": None, "confirm_one_thing": False}
    assert state.declined == {"buy_now": "prefer_not_to_say"}
    assert state.probes == {"one_thing": ["I am hard to fit"]}
