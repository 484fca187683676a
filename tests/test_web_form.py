"""The web form served by `dialogkit_web_form.create_app`, driven through HTTP like a browser
without JavaScript."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogkit import hookimpl
from dialogkit.engine import Respondent
from dialogkit.followups import probes_from_plugins
from dialogkit.plugin_types import Probe
from dialogkit.plugins import load_plugins
from dialogkit.store import Store, open_store
from dialogkit_web_form import create_app
from dialogkit_web_form.security import RedactTokens
from web_client import Browser, web_script

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'web.db'}")
    yield store
    store.close()


@pytest.fixture
def app(store: Store):
    return create_app(store, secret_key="test-secret")


def start(store: Store, name: str = "Ines", language: str | None = None, **kwargs):
    return store.start_session(web_script(), Respondent(id=f"r-{name}", attributes={
        "first_name": name}), language=language, **kwargs)


def answered(store: Store, session_id: str) -> dict:
    return dict(store.conversation(session_id).state.answers)


def at_first_question(app, store: Store, **kwargs) -> tuple[Browser, str]:
    started = start(store, **kwargs)
    browser = Browser(app).open(f"/r/{started.token}").start()
    browser.send()  # past the greeting
    return browser, started.session_id


def test_link_opens_a_welcome_page_with_purpose_and_estimate(app, store):
    started = start(store)
    browser = Browser(app).open(f"/r/{started.token}")
    assert browser.status == 200
    assert browser.path == f"/s/{started.session_id}"  # the token is gone from the address
    text = browser.soup.get_text(" ")
    assert "what made your visit easy or hard" in text
    assert "About 3 minutes" in text
    browser.start()
    assert browser.heading() == "Hello Ines!"


def test_whole_interview_with_branch_probe_and_confirmation(app, store):
    browser, session_id = at_first_question(app, store)
    assert browser.heading() == "Did you plan the visit yourself?"
    browser.send(answer="yes")
    assert browser.heading() == "How did you book?"
    labels = [label.get_text() for label in browser.soup.select(".option label")]
    assert labels == ["On the website", "By phone", "Another way"]
    browser.send(answer="other", other="Through a friend")
    browser.send(answer="The map")
    assert browser.heading() == "Why was The map easy?"
    assert "What was the easiest part?" in browser.soup.select_one(".context").get_text()
    browser.send(answer="It showed the parking")
    browser.send(answer="3")
    browser.send(action="decline")  # prefer not to say
    assert "You said the easiest part was: The map" in browser.heading()
    browser.send(answer="yes")
    browser.send(answer="4")
    assert browser.heading() == "Thank you"
    assert "writes back within a month" in browser.soup.get_text()
    state = store.conversation(session_id).state
    assert state.status == "completed"
    assert state.answers == {"decided": True, "channel": "other", "easy": "The map",
                             "nights": 3, "income": None, "check": True, "score": 4}
    assert state.other == {"channel": "Through a friend"}
    assert state.probes == {"easy": ["It showed the parking"]}
    assert state.declined == {"income": "prefer_not_to_say"}


def test_screening_out_asks_for_a_referral_and_says_so_at_the_end(app, store):
    browser, session_id = at_first_question(app, store)
    browser.send(answer="no")
    assert browser.heading() == "Who planned it, so we can ask them?"
    labels = {label["for"]: label.get_text() for label in browser.soup.select("label")}
    assert labels == {"referral-name": "Name", "referral-email": "Email address"}
    browser.send(**{"referral-name": "Sam", "referral-email": "not-an-email"})
    assert browser.status == 422
    assert browser.soup.find("input", id="referral-name")["value"] == "Sam"
    link = browser.soup.select_one(".error-summary a")["href"]
    assert link == "#referral-email"  # the part of the answer the message is about
    assert browser.soup.find(id="referral-email")["aria-invalid"] == "true"
    assert not browser.soup.find(id="referral-name").has_attr("aria-invalid")
    browser.send(**{"referral-name": "Sam", "referral-email": "sam@example.com"})
    assert "ask the person you named" in browser.soup.get_text()
    assert store.conversation(session_id).state.status == "referred"


def test_a_rejected_answer_is_explained_next_to_the_field_and_kept(app, store):
    browser, session_id = at_first_question(app, store)
    browser.send(answer="yes").send(answer="web").send(answer="Parking").send(action="decline")
    assert browser.heading() == "How many nights did you stay?"
    browser.send(answer="about 90 <b>nights</b>")
    assert browser.status == 422
    soup = browser.soup
    assert soup.title.get_text().startswith("Error:")
    summary = soup.select_one(".error-summary")
    assert summary["role"] == "alert"
    link = summary.find("a")
    field = soup.find(id=link["href"].lstrip("#"))
    assert field is not None and field.name == "input"
    assert field["value"] == "about 90 <b>nights</b>"  # kept as typed (and escaped)
    assert field["aria-invalid"] == "true"
    assert "error" in field["aria-describedby"].split()
    assert "number" in soup.find(id="error").get_text()
    assert "nights" not in answered(store, session_id)
    browser.send(answer="2")
    assert browser.heading() == "Which band is your income in?"
    assert answered(store, session_id)["nights"] == 2


def test_back_shows_the_earlier_answer_and_a_changed_branch_drops_the_old_one(app, store):
    browser, session_id = at_first_question(app, store)
    browser.send(answer="yes").send(answer="phone")
    browser.send(action="back")
    assert browser.heading() == "How did you book?"
    assert browser.soup.find("input", value="phone").has_attr("checked")
    browser.send(action="back")
    assert browser.soup.find("input", value="yes").has_attr("checked")
    browser.send(answer="no")
    assert browser.heading() == "Who planned it, so we can ask them?"
    browser.send(**{"referral-name": "Sam"})
    state = store.conversation(session_id).state
    assert state.status == "referred"
    assert "channel" not in state.answers


def test_save_gives_a_link_that_resumes_in_another_browser(app, store):
    browser, session_id = at_first_question(app, store)
    browser.send(answer="yes").send(answer="web")
    browser.send(action="save", answer="The friendly staff")  # typed, then saved
    assert browser.heading() == "Your answers are saved"
    link = browser.soup.find(id="resume-link")["href"]
    assert answered(store, session_id)["easy"] == "The friendly staff"
    other = Browser(app).open(link)
    assert other.path == f"/s/{session_id}"
    assert other.heading() == "Why was The friendly staff easy?"
    assert "Welcome back" in other.soup.select_one(".notice").get_text()
    other.send(action="back")
    assert other.soup.find(id="answer")["value"] == "The friendly staff"


def test_double_submit_records_the_answer_once(app, store):
    browser, session_id = at_first_question(app, store)
    form = browser.form_fields()
    first = browser.client.post(f"/s/{session_id}", data={**form, "answer": "yes"})
    second = browser.client.post(f"/s/{session_id}", data={**form, "answer": "yes"})
    assert first.status_code == second.status_code == 200  # both land on the next page
    assert "How did you book?" in second.text
    answers = [e for e in store.events(session_id) if e["kind"] == "answered"]
    assert len(answers) == 1


def test_a_stale_page_from_another_tab_changes_nothing(app, store):
    browser, session_id = at_first_question(app, store)
    stale = browser.form_fields()
    browser.send(answer="yes")
    response = browser.client.post(f"/s/{session_id}", data={
        **stale, "submission": "another-tab", "answer": "no", "action": "next"})
    assert "already been answered" in response.text
    assert "How did you book?" in response.text
    assert answered(store, session_id)["decided"] is True


def test_forged_posts_without_the_csrf_token_are_refused(app, store):
    browser, session_id = at_first_question(app, store)
    fields = browser.form_fields()
    no_token = {k: v for k, v in fields.items() if k != "csrf"}
    response = browser.client.post(f"/s/{session_id}", data={**no_token, "answer": "no"})
    assert response.status_code == 403
    back = BeautifulSoup(response.text, "html.parser").find("a", string="Continue now")
    assert back["href"].endswith(f"/s/{session_id}")  # the way back to the page
    wrong = browser.client.post(f"/s/{session_id}",
                                data={**fields, "csrf": "x" * 43, "answer": "no"})
    assert wrong.status_code == 403
    assert "decided" not in answered(store, session_id)


def test_another_browser_cannot_see_or_answer_a_session(app, store):
    browser, session_id = at_first_question(app, store)
    fields = browser.form_fields()
    stranger = Browser(app).open(f"/s/{session_id}")
    assert stranger.status == 403
    assert "Ines" not in stranger.response.text
    posted = stranger.client.post(f"/s/{session_id}", data={**fields, "answer": "no"})
    assert posted.status_code == 403
    assert "decided" not in answered(store, session_id)


@pytest.mark.parametrize("case", ["unknown", "expired", "revoked"])
def test_bad_links_get_a_friendly_page(store, case):
    now = [datetime.now(UTC)]
    store.clock = lambda: now[0]
    app = create_app(store, secret_key="k")
    started = start(store)
    token = started.token
    if case == "unknown":
        token = "x" * 43
    elif case == "expired":
        now[0] += timedelta(days=31)
    else:
        store.revoke_tokens(started.session_id)
    browser = Browser(app).open(f"/r/{token}")
    assert browser.status == 404
    assert browser.heading() == "This link does not work"
    text = browser.soup.get_text(" ")
    assert {"unknown": "not valid", "expired": "expired", "revoked": "withdrawn"}[case] in text
    assert "Traceback" not in text


def test_guessing_links_is_rate_limited(store):
    app = create_app(store, secret_key="k", guess_limit="5/minute")
    started = start(store)
    browser = Browser(app)
    for attempt in range(5):
        assert browser.open(f"/r/guess{attempt}").status == 404
    blocked = browser.open(f"/r/{started.token}")  # even a right one, once blocked
    assert blocked.status == 429
    assert int(blocked.response.headers["retry-after"]) > 0
    assert Browser(app).client.get(f"/r/{started.token}",
                                   headers={"x-forwarded-for": "1.2.3.4"}).status_code == 429


def test_respondent_text_is_escaped_everywhere(app, store):
    browser, _ = at_first_question(app, store, name=HOSTILE)
    browser.send(action="back")  # the greeting, with the hostile name in it
    assert HOSTILE not in browser.response.text
    assert "&lt;script&gt;" in browser.response.text
    assert browser.heading() == f"Hello {HOSTILE}!"
    browser.send().send(answer="yes").send(answer="web").send(answer=HOSTILE)
    assert browser.heading() == f"Why was {HOSTILE} easy?"
    assert "<script>" not in browser.response.text


def test_every_page_sends_the_security_headers(app, store):
    started = start(store)
    browser = Browser(app)
    responses = [browser.client.get(f"/r/{started.token}", follow_redirects=False),
                 browser.client.get(f"/s/{started.session_id}"),
                 browser.client.get(f"/s/{started.session_id}?begin=1"),
                 browser.client.get("/r/unknown"), browser.client.get("/nowhere"),
                 browser.client.get("/static/dialogkit.css")]
    for response in responses:
        headers = response.headers
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "script-src" not in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
    assert responses[1].headers["cache-control"] == "no-store"
    cookie = responses[0].headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_pages_have_no_inline_script_or_style(app, store):
    browser, _ = at_first_question(app, store)
    soup = browser.soup
    assert soup.find("script") is None
    assert soup.find("style") is None
    assert not soup.select("[style]")
    assert not [tag for tag in soup.find_all(True) if any(a.startswith("on") for a in tag.attrs)]


def test_every_control_has_a_label_and_choices_a_legend(app, store):
    browser, _ = at_first_question(app, store)
    browser.send(answer="yes")
    soup = browser.soup
    assert soup.select_one("fieldset legend h1").get_text() == "How did you book?"
    for control in soup.select("input:not([type=hidden]), textarea"):
        assert soup.find("label", attrs={"for": control["id"]}) is not None, control


def test_the_page_speaks_the_session_language(app, store):
    started = store.start_session(web_script(SCRIPT_DE), Respondent(
        attributes={"first_name": "Jo"}), language="de")
    browser = Browser(app).open(f"/r/{started.token}")
    assert browser.soup.html["lang"] == "de"
    assert browser.soup.find("a", string="Beginnen") is not None
    assert "Etwa 3 Minuten" in browser.soup.get_text()


SCRIPT_DE = """\
dialogkit: 1
id: kurz
languages: [de, en]
title: {de: Ihr Besuch, en: Your visit}
purpose: {de: Wir wollen es besser machen., en: We want to do better.}
estimated_minutes: 3
nodes:
  - id: note
    type: text
    text: {de: Was sollen wir ändern?, en: What should we change?}
"""


def test_open_scripts_start_a_session_per_visitor(store):
    script = web_script()
    app = create_app(store, secret_key="k", open_scripts=[script])
    visitor = Browser(app).open("/start/web-check")
    assert "About 3 minutes" in visitor.soup.get_text()
    visitor.send()  # Start
    assert visitor.heading() == "Hello !"
    other = Browser(app).open("/start/web-check").send()
    assert other.path != visitor.path
    forged = Browser(app).client.post("/start/web-check", data={})
    assert forged.status_code == 403
    assert Browser(app).open("/start/not-open").status == 404


def test_tokens_are_redacted_in_access_logs(caplog):
    logger = logging.getLogger("test.access")
    logger.addFilter(RedactTokens())
    token = "Sx0_secret-token-value"
    with caplog.at_level(logging.INFO, logger="test.access"):
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", f"/survey/r/{token}", "1.1",
                    303)
    assert token not in caplog.text
    assert "/survey/r/…" in caplog.text


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(
    st.sampled_from(["answer", "other", "action", "version", "submission", "referral-name",
                     "referral-email", "junk"]),
    st.one_of(st.text(max_size=30), st.sampled_from(["next", "back", "decline", "save",
                                                     "yes", "no", "web", "1", "-1", ""])),
    max_size=6))
def test_any_posted_form_gets_a_page_never_a_crash(app, store, fields):
    browser, session_id = at_first_question(app, store)
    csrf = browser.form_fields()["csrf"]
    response = browser.client.post(f"/s/{session_id}", data={**fields, "csrf": csrf})
    assert response.status_code in (200, 422), response.text[:300]
    assert "Traceback" not in response.text


class AskAboutParking:
    """A plugin proposing a probe whenever an answer mentions parking."""

    @hookimpl
    def dialogkit_after_answer(self, script, state, event):
        if "parking" in str(event.data.get("value", "")).lower():
            yield Probe(text="What would make parking easier?")


def test_probes_proposed_by_plugins_are_asked_on_the_web(tmp_path):
    system = load_plugins(entry_points=False, extra=[("parking", AskAboutParking())])
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}",
                       follow_up=probes_from_plugins(system.manager))
    browser, session_id = at_first_question(create_app(store, secret_key="k"), store)
    browser.send(answer="yes").send(answer="web").send(answer="Parking")
    browser.send(answer="Near the door")  # the script's own probe
    assert browser.heading() == "What would make parking easier?"
    browser.send(answer="More spaces")
    assert store.conversation(session_id).state.probes["easy"] == ["Near the door",
                                                                   "More spaces"]
    store.close()


def test_a_session_runs_on_either_store(database_url):
    store = open_store(database_url)
    try:
        browser, session_id = at_first_question(create_app(store, secret_key="k"), store)
        browser.send(answer="yes").send(answer="phone").send(action="save", answer="Quiet")
        link = browser.soup.find(id="resume-link")["href"]
        Browser(create_app(store, secret_key="other")).open(link).send(answer="No queue")
        assert store.conversation(session_id).state.probes == {"easy": ["No queue"]}
    finally:
        store.close()


def test_pages_outside_a_conversation_follow_the_browser_language(app):
    browser = Browser(app)
    browser.client.headers["accept-language"] = "fr-CH, de;q=0.9, en;q=0.8"
    page = browser.open("/r/" + "x" * 43)
    assert page.soup.html["lang"] == "fr"
    assert page.heading() == "Ce lien ne fonctionne pas"
    assert "n'est pas valide" in page.soup.get_text()
    browser.client.headers["accept-language"] = "nl, de;q=0.5"
    assert browser.open("/nowhere").heading() == "Seite nicht gefunden"


def test_withdrawing_a_link_ends_access_from_browsers_that_opened_it(store):
    app = create_app(store, secret_key="k", recheck_seconds=0)
    browser, session_id = at_first_question(app, store)
    fields = browser.form_fields()
    store.revoke_tokens(session_id)
    page = browser.open(f"/s/{session_id}")
    assert page.status == 403
    assert "withdrawn" in page.soup.get_text()
    posted = browser.client.post(f"/s/{session_id}", data={**fields, "answer": "yes"})
    assert posted.status_code == 403  # the grant is gone: no answer, no new link
    assert "decided" not in answered(store, session_id)


def test_access_lasts_while_the_link_stands(store):
    app = create_app(store, secret_key="k", recheck_seconds=0)
    browser, _ = at_first_question(app, store)
    browser.send(answer="yes").send(answer="web")
    assert browser.heading() == "What was the easiest part?"  # checked at every page


def test_words_in_the_other_box_choose_other(app, store):
    browser, session_id = at_first_question(app, store)
    browser.send(answer="yes")
    browser.send(other="Through a friend")  # typed, not ticked
    assert answered(store, session_id)["channel"] == "other"
    browser.send(action="back")
    browser.send(answer="phone", other="Through a friend")  # typed, but another option ticked
    assert browser.status == 422
    assert "box" in browser.soup.select_one(".error-summary").get_text()
    assert answered(store, session_id)["channel"] == "other"


def test_a_confirmation_asked_again_after_no_is_not_ticked_no(app, store):
    browser, _ = at_first_question(app, store)
    browser.send(answer="yes").send(answer="web").send(answer="Map").send(answer="Clear")
    browser.send(answer="2").send(action="decline")
    assert browser.heading().startswith("You said the easiest part was: Map")
    browser.send(answer="no")  # back to the question it confirms
    assert browser.heading() == "What was the easiest part?"
    browser.send(answer="Signs").send(answer="Big letters")
    browser.send(answer="2").send(action="decline")  # the later pages come again, as given
    assert browser.heading().startswith("You said the easiest part was: Signs")
    assert not browser.soup.select("input[checked]")


def test_open_links_start_in_the_browser_language_when_the_script_has_it(store):
    app = create_app(store, secret_key="k", open_scripts=[web_script(SCRIPT_DE)])
    german = Browser(app)
    german.client.headers["accept-language"] = "de-AT, en;q=0.5"
    german.open("/start/kurz")
    assert german.heading() == "Ihr Besuch"
    german.send()
    assert german.heading() == "Was sollen wir ändern?"
    dutch = Browser(app)
    dutch.client.headers["accept-language"] = "nl"
    assert dutch.open("/start/kurz").send().heading() == "Was sollen wir ändern?"  # first: de


def test_an_oversized_answer_gets_a_page_not_a_bare_error(app, store):
    browser, session_id = at_first_question(app, store)
    fields = browser.form_fields()
    response = browser.client.post(f"/s/{session_id}",
                                   data={**fields, "answer": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 400
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1.get_text() == "This answer could not be sent"
    assert "decided" not in answered(store, session_id)


class Balancer:
    """Stands in front of several processes' apps; `to` picks where the next request goes."""

    def __init__(self, *apps):
        self.apps, self.to = apps, 0

    async def __call__(self, scope, receive, send):
        await self.apps[self.to](scope, receive, send)


def test_two_processes_serving_one_respondent_read_each_form_against_its_own_page(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = open_store(url), open_store(url)
    started = start(first)
    balancer = Balancer(create_app(first, secret_key="shared"),
                        create_app(second, secret_key="shared"))
    browser = Browser(balancer).open(f"/r/{started.token}").start()
    browser.send()  # the greeting, on the first process

    def send_via(process, **fields):
        balancer.to = process  # the next request lands on another process
        browser.send(**fields)

    send_via(1, answer="yes")
    send_via(0, other="A friend")  # the first process's copy is a page behind this form
    send_via(1, answer="Signs")
    send_via(0, answer="Big letters")
    send_via(1, answer="3")
    assert started.session_id in second._sessions  # both processes took part
    assert browser.status == 200
    state = open_store(url).conversation(started.session_id).state
    assert state.answers == {"decided": True, "channel": "other", "easy": "Signs",
                             "nights": 3}
    assert state.other == {"channel": "A friend"}
    assert state.probes == {"easy": ["Big letters"]}


def test_a_post_repeated_on_another_process_is_recorded_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    stores = [open_store(url), open_store(url)]
    started = start(stores[0])
    balancer = Balancer(*(create_app(s, secret_key="shared") for s in stores))
    browser = Browser(balancer).open(f"/r/{started.token}").start()
    browser.send()
    fields = {**browser.form_fields(), "answer": "yes", "action": "next"}
    path = f"/s/{started.session_id}"
    for process in (0, 1):
        balancer.to = process
        response = browser.client.post(path, data=fields)
        assert "How did you book?" in response.text
        assert "already been answered" not in response.text
    events = stores[0].events(started.session_id)
    assert [e["kind"] for e in events].count("answered") == 1


def test_another_cookie_of_the_same_name_does_not_lock_the_form_out(app, store):
    started = start(store)
    browser = Browser(app)
    browser.client.cookies.set("dialogkit", "from-another-dialogkit.on-a-wider-path")
    browser.open(f"/r/{started.token}").start()
    assert browser.status == 200
    assert browser.heading() == "Hello Ines!"


def test_the_secret_key_comes_from_the_environment(store, monkeypatch):
    monkeypatch.setenv("DIALOGKIT_SECRET_KEY", "from-the-environment")
    started = start(store)
    balancer = Balancer(create_app(store), create_app(store))
    browser = Browser(balancer).open(f"/r/{started.token}").start()
    balancer.to = 1  # another process with the same environment
    assert browser.send().heading() == "Did you plan the visit yourself?"


def test_a_limit_that_allows_no_try_is_refused(store):
    with pytest.raises(ValueError, match="at least one"):
        create_app(store, guess_limit="0/minute")


def test_only_the_allowed_hosts_are_answered(store):
    app = create_app(store, secret_key="k", allowed_hosts=["survey.example.com"])
    assert Browser(app).client.get("/", headers={"host": "evil.example"}).status_code == 400
    assert Browser(app).client.get("/", headers={"host": "survey.example.com"}).status_code == 200


def test_a_rejected_answer_is_explained_in_the_session_language(store):
    app = create_app(store, secret_key="k")
    started = store.start_session(web_script(SCRIPT_DE_NUMBER), language="de")
    browser = Browser(app).open(f"/r/{started.token}").start()
    browser.send(answer="viele")
    assert browser.status == 422
    assert "Bitte geben Sie eine Zahl ein" in browser.soup.find(id="error").get_text()


SCRIPT_DE_NUMBER = """\
dialogkit: 1
id: zahl
languages: [de]
title: Kurz
purpose: Wir wollen es besser machen.
estimated_minutes: 1
nodes:
  - id: n
    type: number
    text: Wie viele Nächte?
"""
