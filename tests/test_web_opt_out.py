"""The opt-out page of the web form (``/u/{token}``): what a respondent who follows the link
in a message sees, what the button and a mail provider's one-click post do, on SQLite and
PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from dialogkit.engine import Respondent
from dialogkit.store import Store, open_store, tables
from dialogkit.store.messages import Messages
from dialogkit.store.store import StoreError
from dialogkit_web_form import create_app
from dialogkit_web_form.app import masked_address
from dialogkit_web_form.messages import MESSAGES
from dialogkit_web_form.security import RedactTokens
from web_client import Browser, web_script

HOSTILE = '<script>alert("x")</script>'
ADDRESS = "ines@example.com"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}
OPT_OUT_WORDS = ["opt_out_title", "opt_out_body", "opt_out_button", "opted_out_title",
                 "opted_out_body", "already_opted_out_title", "already_opted_out_body"]


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = open_store(database_url)
    yield store
    store.close()


@pytest.fixture
def app(store: Store):
    return create_app(store, secret_key="test-secret")


def add_respondent(store: Store, respondent_id: str, email: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(tables.respondents.insert().values(
            id=respondent_id, email=email, segments=[], attributes={"first_name": "Ines"},
            consent=True, opted_out=False, created_at=datetime.now(UTC)))


def opt_out_link(store: Store, address: str = ADDRESS, respondent_id: str | None = "r-ines",
                 channel: str = "email") -> str:
    """The path of a new opt-out link for `address` (its respondent stored first)."""
    if respondent_id is not None:
        add_respondent(store, respondent_id, address)
    with store.engine.begin() as connection:
        token = Messages(store).issue_opt_out_token(connection, channel, address,
                                                    respondent_id)
    return f"/u/{token}"


def opted_out(store: Store, respondent_id: str) -> bool:
    with store.engine.connect() as connection:
        return connection.scalar(sa.select(tables.respondents.c.opted_out).where(
            tables.respondents.c.id == respondent_id))


def suppressions(store: Store) -> int:
    with store.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(tables.suppressions))


def test_the_link_shows_the_masked_address_and_a_button_and_changes_nothing(app, store):
    link = opt_out_link(store)
    browser = Browser(app)
    for _ in range(2):  # a mail scanner opening it first changes nothing either
        browser.open(link)
        assert browser.status == 200
        assert "set-cookie" not in browser.response.headers
    assert browser.heading() == "Stop messages from us"
    text = browser.soup.get_text(" ")
    assert "i***@example.com" in text and "any of our programs" in text
    assert ADDRESS not in browser.response.text
    form = browser.soup.find("form")
    assert form["method"] == "post" and form["action"].endswith(link)
    assert form.find("button").get_text(strip=True) == "Stop all messages"
    assert not form.find_all("input")  # no CSRF token: see the POST route
    assert Messages(store).suppression("email", ADDRESS) is None
    assert opted_out(store, "r-ines") is False
    assert browser.client.head(link).status_code == 200
    assert Messages(store).suppression("email", ADDRESS) is None


def test_the_button_opts_the_address_out_of_every_program(app, store):
    link = opt_out_link(store)
    add_respondent(store, "r-ines-again", "Ines@Example.com")  # another program's record
    add_respondent(store, "r-sam", "sam@example.com")
    browser = Browser(app).open(link)
    posted = browser.client.post(browser.soup.find("form")["action"])
    assert posted.status_code == 200
    browser.response = posted
    assert browser.heading() == "You will get no more messages"
    assert "i***@example.com" in browser.soup.get_text(" ")
    assert browser.soup.find("form") is None
    assert Messages(store).suppression("email", ADDRESS) == "opted_out"
    assert opted_out(store, "r-ines") and opted_out(store, "r-ines-again")
    assert not opted_out(store, "r-sam")
    with pytest.raises(StoreError, match="opted out"):
        store.start_session(web_script(), "r-ines-again")
    store.start_session(web_script(), Respondent(id="r-sam"))


def test_a_one_click_post_from_a_mail_provider_opts_out(app, store):
    link = opt_out_link(store)
    provider = TestClient(app, base_url="http://127.0.0.1")  # no cookie, no CSRF token
    response = provider.post(link, data=ONE_CLICK)
    assert response.request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert response.status_code == 200
    assert "You will get no more messages" in response.text
    assert "set-cookie" not in response.headers
    assert Messages(store).suppression("email", ADDRESS) == "opted_out"
    assert opted_out(store, "r-ines")


def test_opting_out_again_says_it_already_was(app, store):
    link = opt_out_link(store)
    browser = Browser(app)
    assert browser.client.post(link, data=ONE_CLICK).status_code == 200
    browser.response = browser.client.post(link)
    assert browser.status == 200
    assert browser.heading() == "You have already opted out"
    assert "i***@example.com" in browser.soup.get_text(" ")
    assert suppressions(store) == 1
    browser.open(link)  # the link opened afterwards
    assert browser.heading() == "You have already opted out"
    assert browser.soup.find("form") is None


def test_another_link_to_the_same_address_says_already(app, store):
    first = opt_out_link(store)
    second = opt_out_link(store, "INES@example.com", respondent_id=None)
    browser = Browser(app)
    browser.client.post(first)
    assert browser.open(second).heading() == "You have already opted out"
    assert suppressions(store) == 1


def test_unknown_links_are_not_found_and_guessing_is_limited(store):
    app = create_app(store, secret_key="k", guess_limit="5/minute")
    link = opt_out_link(store)
    browser = Browser(app)
    for attempt in range(5):
        guess = f"/u/guess{attempt}"
        response = (browser.client.get(guess) if attempt % 2
                    else browser.client.post(guess, data=ONE_CLICK))
        assert response.status_code == 404
        browser.response = response
        assert browser.heading() == "This link does not work"
        assert "not valid" in browser.soup.get_text()
    for response in (browser.client.get(link), browser.client.post(link, data=ONE_CLICK)):
        assert response.status_code == 429  # even a right one, once blocked
        assert int(response.headers["retry-after"]) > 0
    assert Messages(store).suppression("email", ADDRESS) is None


def test_a_hostile_address_shows_as_text(app, store):
    address = f"x@{HOSTILE}.example"
    link = opt_out_link(store, address)
    browser = Browser(app).open(link)
    for response in (browser.response, browser.client.post(link),
                     browser.client.post(link)):
        browser.response = response
        assert "<script>" not in response.text
        assert "&lt;script&gt;" in response.text
        assert f"x***@{HOSTILE.lower()}.example" in browser.soup.get_text(" ")


def test_the_page_follows_the_browser_language(app, store):
    link = opt_out_link(store)
    browser = Browser(app)
    browser.client.headers["accept-language"] = "de-CH, en;q=0.5"
    browser.open(link)
    assert browser.soup.html["lang"] == "de"
    assert browser.heading() == "Keine Nachrichten mehr von uns"
    assert "i***@example.com" in browser.soup.get_text(" ")
    assert browser.soup.find("button").get_text(strip=True) == "Alle Nachrichten abbestellen"
    browser.response = browser.client.post(link)
    assert browser.heading() == "Sie erhalten keine Nachrichten mehr"
    browser.response = browser.client.post(link)
    assert browser.heading() == "Sie haben sich bereits abgemeldet"
    browser.client.headers["accept-language"] = "fr"
    assert browser.open("/u/" + "x" * 43).heading() == "Ce lien ne fonctionne pas"


def test_every_opt_out_page_sends_the_security_headers(app, store):
    link = opt_out_link(store)
    client = Browser(app).client
    for response in (client.get(link), client.post(link, data=ONE_CLICK), client.post(link),
                     client.get(link), client.get("/u/unknown"), client.post("/u/unknown")):
        headers = response.headers
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy and "form-action 'self'" in policy
        assert "script-src" not in policy and "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert headers["cache-control"] == "no-store"
        assert "<script" not in response.text and " style=" not in response.text


def test_the_page_posts_to_itself_under_a_mount(store):
    link = opt_out_link(store)
    host = Starlette(routes=[Mount("/survey", app=create_app(store, secret_key="k"))])
    browser = Browser(host).open(f"/survey{link}")
    assert browser.soup.find("form")["action"] == f"http://127.0.0.1/survey{link}"
    browser.response = browser.client.post(browser.soup.find("form")["action"])
    assert browser.heading() == "You will get no more messages"


def test_an_sms_link_masks_all_but_the_end_of_the_number(app, store):
    link = opt_out_link(store, "+4915112345678", respondent_id=None, channel="sms")
    browser = Browser(app).open(link)
    assert "***5678" in browser.soup.get_text(" ")
    assert "+4915112345678" not in browser.response.text
    browser.client.post(link)
    assert Messages(store).suppression("sms", "+4915112345678") == "opted_out"


@pytest.mark.parametrize(("address", "shown"), [
    ("ines@example.com", "i***@example.com"),
    ("a@b.example", "a***@b.example"),
    ("odd@name@example.com", "o***@example.com"),
    ("+4915112345678", "***5678"),
    ("1234", "***"),
])
def test_addresses_are_masked(address, shown):
    assert masked_address(address) == shown


@pytest.mark.parametrize("language", sorted(MESSAGES))
def test_every_language_has_the_opt_out_words(language):
    words = MESSAGES[language]
    assert [name for name in OPT_OUT_WORDS if not words.get(name)] == []
    assert "{address}" in words["opted_out_body"] and "{address}" in words["opt_out_body"]


def test_opt_out_tokens_are_redacted_in_access_logs(caplog):
    logger = logging.getLogger("test.access.opt_out")
    logger.addFilter(RedactTokens())
    token = "Sx0_secret-token-value"
    with caplog.at_level(logging.INFO, logger="test.access.opt_out"):
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "POST", f"/u/{token}", "1.1", 200)
    assert token not in caplog.text
    assert '"POST /u/… HTTP/1.1"' in caplog.text
