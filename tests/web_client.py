"""A respondent's browser for the web form tests: follows redirects, reads pages with
Beautiful Soup and sends forms the way a browser would (hidden fields included)."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from dialogkit.loader import load_script_text
from dialogkit.script import Script

SCRIPT = """\
dialogkit: 1
id: web-check
title: Your visit
purpose: We want to know what made your visit easy or hard, so we can fix the hard parts.
estimated_minutes: 3
closing: A person on our team reads every answer this week and writes back within a month.
nodes:
  - id: hello
    type: statement
    text: "Hello {respondent.first_name}!"
  - id: decided
    type: yes_no
    text: Did you plan the visit yourself?
  - id: who
    type: referral
    when: "not answers.decided"
    text: Who planned it, so we can ask them?
    fields: [name, email]
  - id: channel
    type: single_choice
    text: How did you book?
    options:
      - {value: web, label: On the website}
      - {value: phone, label: By phone}
    other: Another way
  - id: easy
    type: text
    text: What was the easiest part?
    probes:
      depth: 1
      wording: ["Why was {answer} easy?"]
  - id: nights
    type: number
    text: How many nights did you stay?
    integer: true
    min: 1
    max: 60
  - id: income
    type: single_choice
    text: Which band is your income in?
    prefer_not_to_say: true
    options:
      - {value: low, label: Below average}
      - {value: high, label: Above average}
  - id: check
    type: confirm
    of: easy
    text: "You said the easiest part was: {answers.easy}. Is that right?"
  - id: score
    type: rating
    points: 5
    text: How was the visit overall?
    low_label: Poor
    high_label: Excellent
"""


def web_script(text: str = SCRIPT) -> Script:
    return load_script_text(text, "web-check.yaml")


class Browser:
    """One browser: its own cookies, the page it is on."""

    def __init__(self, app: Any) -> None:
        self.client = TestClient(app, base_url="http://127.0.0.1")
        self.response: Any = None

    @property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.response.text, "html.parser")

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def path(self) -> str:
        return self.response.url.path

    def open(self, url: str) -> Browser:
        self.response = self.client.get(url)
        return self

    def heading(self) -> str:
        return self.soup.h1.get_text(" ", strip=True)

    def form_fields(self) -> dict[str, str]:
        """The hidden fields of the page's form."""
        form = self.soup.find("form")
        assert form is not None, f"no form on {self.path}: {self.response.text[:500]}"
        return {field["name"]: field.get("value", "")
                for field in form.find_all("input", type="hidden")}

    def send(self, action: str = "next", **fields: Any) -> Browser:
        """Submit the page's form with `fields` filled in and the button `action` pressed."""
        form = self.soup.find("form")
        assert form is not None, f"no form on {self.path}"
        data: dict[str, Any] = {**self.form_fields(), "action": action}
        data.update(fields)
        self.response = self.client.post(form["action"], data=data)
        return self

    def start(self) -> Browser:
        """Press Start on a welcome page."""
        link = self.soup.select_one("a.button.primary")  # "Start", in the page's language
        assert link is not None, f"no Start link on {self.path}"
        return self.open(link["href"])
