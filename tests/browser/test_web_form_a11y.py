"""Accessibility of every page the web form shows: axe-core (WCAG 2.0/2.1 A and AA) on each
page type, a full-page screenshot of each (``<artifacts>/screenshots/web/``), and each checked
at a phone's width (375 px) for content wider than the screen.

Each test walks through its pages and reports the problems of all of them at the end, so one
run lists every page type that fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from dialogkit.loader import load_script, load_script_text
from dialogkit.testing.scripts import CONTRACT_SCRIPT

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

    from .conftest import CheckAccessibility, NewContext, Screenshot, WebFormServer

REPO = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
PHONE_SCREENSHOTS = {"single-choice-with-other", "nps", "error-number", "referral", "saved"}
OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(element => element.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map(element => element.outerHTML.slice(0, 120));
  return {scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, wide: wide};
}"""


class Audit:
    """Checks page after page, collecting what is wrong instead of stopping at the first."""

    def __init__(self, page: Page, check_accessibility: CheckAccessibility,
                 screenshot: Screenshot) -> None:
        self.page = page
        self._check = check_accessibility
        self._screenshot = screenshot
        self.problems: list[str] = []
        self.seen: list[str] = []

    def __call__(self, kind: str, response: Response | None = None, status: int = 200) -> None:
        """Screenshot the page as `web/<kind>`, run axe-core on it and check that it fits a
        phone's width (a few are screenshotted there too, as `web/phone/<kind>`)."""
        page = self.page
        self.seen.append(kind)
        if response is not None and response.status != status:
            self.problems.append(f"[{kind}] status {response.status}, expected {status}")
        text = page.locator("body").inner_text()
        if "Traceback" in text or "Internal Server Error" in text:
            self.problems.append(f"[{kind}] shows an error: {text[:300]}")
        self._screenshot(page, f"web/{kind}")
        try:
            self._check(page)
        except pytest.fail.Exception as failure:
            self.problems.append(f"[{kind}] {failure}")
        page.set_viewport_size(PHONE)
        try:
            fit: dict[str, Any] = page.evaluate(OVERFLOW)
            if fit["scrollWidth"] > fit["innerWidth"]:
                self.problems.append(
                    f"[{kind}] wider than a {PHONE['width']} px screen: scrollWidth "
                    f"{fit['scrollWidth']} > {fit['innerWidth']}; too wide: {fit['wide'][:5]}")
            if kind in PHONE_SCREENSHOTS:
                self._screenshot(page, f"web/phone/{kind}")
        finally:
            page.set_viewport_size(DESKTOP)

    def finish(self, expected: list[str]) -> None:
        assert self.seen == expected
        if self.problems:
            pytest.fail(f"{len(self.problems)} problem(s):\n\n" + "\n\n".join(self.problems),
                        pytrace=False)


@pytest.fixture
def audit(new_context: NewContext, check_accessibility: CheckAccessibility,
          screenshot: Screenshot) -> Audit:
    page = new_context(bypass_csp=True, viewport=DESKTOP).new_page()
    return Audit(page, check_accessibility, screenshot)


def fill(page: Page, label: str, text: str) -> None:
    page.get_by_label(label, exact=True).fill(text)


def pick(page: Page, *labels: str) -> None:
    for label in labels:
        page.get_by_label(label, exact=True).check()


def error_link_focuses(page: Page, field_id: str) -> bool:
    """Follow the error summary's link: does it take the focus to the field?"""
    link = page.locator(".error-summary a")
    if link.get_attribute("href") != f"#{field_id}":
        return False
    link.click()
    return bool(page.evaluate("id => document.activeElement.id === id", field_id))


def test_every_question_page_is_accessible(web_form: WebFormServer, audit: Audit) -> None:
    web, page = web_form, audit.page
    script = load_script_text(json.dumps(CONTRACT_SCRIPT), "contract.json")
    started = web.start(script, "Ada", name="Ada")

    audit("welcome", page.goto(web.link(started)))
    audit("statement", web.press(page, "Start"))
    web.press(page, "Continue")
    pick(page, "Somewhere else")
    fill(page, "Please say which", "A podcast")
    audit("single-choice-with-other")
    web.press(page, "Continue")

    pick(page, "Reports", "Alerts", "Exports")  # one too many
    audit("multiple-choice")
    audit("error-multiple-choice", web.press(page, "Continue"), 422)
    assert error_link_focuses(page, "answer-1"), "the error link does not reach the field"
    page.get_by_label("Exports", exact=True).uncheck()
    web.press(page, "Continue")

    audit("rating")
    pick(page, "4")
    audit("nps", web.press(page, "Continue"))
    pick(page, "9")
    audit("text-short", web.press(page, "Continue"))
    fill(page, "What is your job title?", "Surveyor")
    audit("probe", web.press(page, "Continue"))
    fill(page, "What does a typical day look like for a Surveyor?", "Fieldwork")
    audit("confirm", web.press(page, "Continue"))
    pick(page, "Yes")

    audit("number", web.press(page, "Continue"))
    fill(page, "How many people are in your team?", "a dozen")
    audit("error-number", web.press(page, "Continue"), 422)
    assert error_link_focuses(page, "answer"), "the error link does not reach the field"
    fill(page, "How many people are in your team?", "12")
    audit("date", web.press(page, "Continue"))
    fill(page, "When did your team start using the product?", "2021-03-15")
    audit("yes-no", web.press(page, "Continue"))
    pick(page, "No")

    audit("referral", web.press(page, "Continue"))
    audit("error-referral", web.press(page, "Continue"), 422)  # nobody named
    assert error_link_focuses(page, "referral-name"), "the error link does not reach the field"
    fill(page, "Name", "Cleo Park")
    fill(page, "Email address", "cleo@example.com")
    audit("text-long", web.press(page, "Continue"))
    fill(page, "Is there anything else you would like to tell us? (optional)", "No")
    web.press(page, "Continue")
    assert web.heading(page) == "Thank you for your time!"
    audit("finished", web.press(page, "Continue"))
    assert web.store.conversation(started.session_id).state.status == "completed"

    audit.finish(["welcome", "statement", "single-choice-with-other", "multiple-choice",
                  "error-multiple-choice", "rating", "nps", "text-short", "probe", "confirm",
                  "number", "error-number", "date", "yes-no", "referral", "error-referral",
                  "text-long", "finished"])


def test_every_other_page_is_accessible(
    web_form: WebFormServer, audit: Audit, new_context: NewContext
) -> None:
    web, page = web_form, audit.page
    diplomacy = load_script(REPO / "examples" / "customer_diplomacy" / "script.yaml")

    referred = web.start(diplomacy, "Bo", segments=("first_time",))
    web.begin(page, referred)
    web.press(page, "Continue")
    pick(page, "No")
    web.press(page, "Continue")
    fill(page, "Name", "Cleo Park")
    audit("finished-referred", web.press(page, "Continue"))
    assert "ask the person you named" in page.locator("main").inner_text()

    saved = web.start(diplomacy, "Dee", segments=("loyal",), years=3)
    web.begin(page, saved)
    web.press(page, "Continue")
    audit("saved", web.press(page, "Save and finish later"))
    resume_link = page.locator("#resume-link").get_attribute("href")
    assert resume_link is not None
    audit("resumed", page.goto(resume_link))
    assert page.locator(".notice").count() == 1

    page.locator("input[name=csrf]").evaluate("field => { field.value = 'forged'; }")
    audit("expired-form", web.press(page, "Continue"), 403)
    audit("bad-link", page.goto(f"{web.base_url}/r/not-a-real-link"), 404)
    audit("not-found", page.goto(f"{web.base_url}/nowhere"), 404)
    audit("index", page.goto(f"{web.base_url}/"))
    assert page.get_by_role("link", name="Channel contract").count() == 1
    audit("welcome-open-link", page.goto(f"{web.base_url}/start/channel-contract"))
    web.press(page, "Start")  # a button here, posting the form that starts a session
    assert web.heading(page) == "Welcome, ! This takes about three minutes."

    stranger = new_context(bypass_csp=True, viewport=DESKTOP).new_page()
    audit.page = stranger
    audit("forbidden", stranger.goto(f"{web.base_url}/s/{saved.session_id}"), 403)

    audit.finish(["finished-referred", "saved", "resumed", "expired-form", "bad-link",
                  "not-found", "index", "welcome-open-link", "forbidden"])
