"""The opt-out link of a message, opened in a real browser (Chromium through Playwright): the
page passes axe-core, its button opts the address out, and it works without JavaScript and in
the browser's language. Screenshots: ``<artifacts>/screenshots/web/opt-out*.png``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dialogkit.store import tables
from dialogkit.store.messages import Messages

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .conftest import CheckAccessibility, NewContext, Screenshot, WebFormServer

ADDRESS = "ines@example.com"


def opt_out_link(web: WebFormServer, address: str = ADDRESS) -> str:
    """A respondent with `address`, and the opt-out link a message to them would carry."""
    store = web.store
    with store.engine.begin() as connection:
        connection.execute(tables.respondents.insert().values(
            id="r-ines", email=address, segments=[], attributes={}, consent=True,
            opted_out=False, created_at=datetime.now(UTC)))
        token = Messages(store).issue_opt_out_token(connection, "email", address, "r-ines")
    return f"{web.base_url}/u/{token}"


def test_a_respondent_stops_all_messages_from_the_link(
    web_form: WebFormServer, a11y_page: Page, check_accessibility: CheckAccessibility,
    screenshot: Screenshot
) -> None:
    web, page = web_form, a11y_page
    link = opt_out_link(web)
    response = page.goto(link)
    assert response is not None and response.status == 200
    assert web.heading(page) == "Stop messages from us"
    assert "i***@example.com" in page.locator("main").inner_text()
    check_accessibility(page)
    screenshot(page, "web/opt-out")
    assert Messages(web.store).suppression("email", ADDRESS) is None  # opening it did nothing

    done = web.press(page, "Stop all messages")
    assert done is not None and done.status == 200
    assert web.heading(page) == "You will get no more messages"
    check_accessibility(page)
    screenshot(page, "web/opt-out-done")
    assert Messages(web.store).suppression("email", ADDRESS) == "opted_out"

    page.goto(link)
    assert web.heading(page) == "You have already opted out"
    assert page.get_by_role("button").count() == 0
    check_accessibility(page)
    screenshot(page, "web/opt-out-already")


def test_the_button_works_without_javascript_and_in_german(
    web_form: WebFormServer, new_context: NewContext
) -> None:
    web = web_form
    page = new_context(java_script_enabled=False, locale="de-DE").new_page()
    page.goto(opt_out_link(web))  # the page's own Content-Security-Policy applies
    assert page.locator("html").get_attribute("lang") == "de"
    assert web.heading(page) == "Keine Nachrichten mehr von uns"
    web.press(page, "Alle Nachrichten abbestellen")
    assert web.heading(page) == "Sie erhalten keine Nachrichten mehr"
    assert Messages(web.store).suppression("email", ADDRESS) == "opted_out"
