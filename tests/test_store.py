"""The store: sessions kept in the database, on SQLite and PostgreSQL.

A session is started, answered, declined and stepped back through one `Store`, then read
again through another (as another process would); the tables say what was answered, and the
event log holds everything that happened, in order, appended only. Also: script versions,
resume tokens, idempotent retries, conflicts, listing, and where the store lives.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dialogkit.answers import AnswerError
from dialogkit.engine import Conversation, NavigationError, Respondent
from dialogkit.loader import load_script_text
from dialogkit.script import Script
from dialogkit.store import (
    ConflictError,
    Store,
    StoreConfigError,
    StoreError,
    TokenError,
    UnknownSession,
    hash_token,
    open_store,
    tables,
)
from dialogkit.store.config import StoreConfig, resolve_config
from store_workers.scripts import nps

VARIANT = """\
dialogkit: 1
id: store-check
title: Store check
purpose: We want to know how the store keeps what you tell us.
estimated_minutes: 2
nodes:
  - id: score
    type: nps
    text: How likely are you to recommend us?
    probes:
      depth: 2
      when: "answer <= 6"
      wording:
        - Why a {answer}?
        - Why does that matter?
  - id: what_wrong
    type: text
    when: "answers.score <= 6"
    text: What went wrong?
    required: false
  - id: tools
    type: multiple_choice
    text: Which tools do you use?
    options:
      - {value: sheets, label: Spreadsheets}
      - {value: crm, label: A CRM}
    other: Something else
  - id: budget
    type: number
    text: What is your yearly budget?
    prefer_not_to_say: true
  - id: who
    type: referral
    text: Who else should we ask?
    fields: [name, email, role]
    required: false
    end: false
  - id: phone_thanks
    type: statement
    when: "channel == 'phone'"
    text: Thanks for taking our call.
  - id: again
    type: yes_no
    text: May we contact you again?
"""

BO = {"name": "Bo Berg", "email": "bo@example.com", "role": "buyer"}
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def variant(text: str = VARIANT) -> Script:
    return load_script_text(text, "store-check.yaml")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(database_url)
    yield opened
    opened.close()


def reopen(store: Store) -> Store:
    """Another Store on the same database, with nothing in memory: another process."""
    return open_store(store.engine.url.render_as_string(hide_password=False), migrate=False)


def rows(store: Store, table: sa.Table, **where: Any) -> list[Any]:
    query = sa.select(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with store.engine.connect() as connection:
        return connection.execute(query.order_by(*table.primary_key.columns)).all()


def answer_rows(store: Store, session_id: str) -> dict[str, tuple]:
    return {r.key: (None if r.value is None else json.loads(r.value), r.other, r.declined,
                    json.loads(r.probes))
            for r in rows(store, tables.answers, session_id=session_id)}


def event_rows(store: Store, session_id: str) -> list[tuple]:
    return [tuple(r) for r in rows(store, tables.events, session_id=session_id)]


def walk_variant(store: Store, session_id: str) -> list[Any]:
    """Answer the variant script up to its last question; returns the steps."""
    steps = [
        store.answer(session_id, 3),                    # score -> probe 1
        store.answer(session_id, "Too slow"),           # probe 1 -> probe 2
        store.decline(session_id, "skipped"),           # stops probing -> what_wrong
        store.answer(session_id, "Exports time out"),   # -> tools
        store.answer(session_id, ["crm", "other"], other="Notion"),
        store.decline(session_id),                      # budget: prefer not to say
        store.answer(session_id, BO),                   # who -> again
    ]
    assert steps[-1].prompt.key == "again"
    return steps


# -- a session through the store, and back again -------------------------------------------
def test_a_session_continues_in_another_store(store: Store) -> None:
    script = variant()
    started = store.start_session(script, Respondent(id="cust-1", attributes={"plan": "team"}),
                                  channel="web", seed=5)
    assert started.step.version == 1 and started.step.prompt.key == "score"
    assert [e.kind for e in started.step.events] == ["started", "asked"]
    session_id = started.session_id
    steps = walk_variant(store, session_id)
    assert [s.version for s in steps] == list(range(2, 9))
    back = store.back(session_id)
    assert back.prompt.key == "who" and back.prompt.current == BO

    other = reopen(store)
    step = other.load(session_id)
    assert step.version == back.version == 9
    assert step.prompt == back.prompt
    state = other.conversation(session_id).state
    assert state == store.conversation(session_id).state
    assert state.answers == {"score": 3, "what_wrong": "Exports time out",
                             "tools": ["crm", "other"], "budget": None, "who": BO}
    assert state.probes == {"score": ["Too slow"]}
    assert state.other == {"tools": "Notion"} and state.declined == {"budget": "prefer_not_to_say"}
    assert state.respondent.attributes == {"plan": "team"}

    # the other store carries on where the first left off, and the first sees it
    step = other.answer(session_id, BO)
    assert step.prompt.key == "again"
    step = other.answer(session_id, True)
    assert step.prompt is None and step.status == "completed"
    assert store.load(session_id).status == "completed"  # read again: its copy was stale
    (session,) = rows(store, tables.sessions, id=session_id)
    assert (session.status, session.version, session.channel) == ("completed", 11, "web")
    assert session.completed_at is not None
    assert session.respondent_id == "cust-1" and session.language == "en"
    assert json.loads(session.state)["status"] == "completed"
    other.close()


def test_answer_rows(store: Store) -> None:
    session_id = store.start_session(variant()).session_id
    walk_variant(store, session_id)
    assert answer_rows(store, session_id) == {
        "score": (3, None, None, ["Too slow"]),
        "what_wrong": ("Exports time out", None, None, []),
        "tools": (["crm", "other"], "Notion", None, []),
        "budget": (None, None, "prefer_not_to_say", []),
        "who": (BO, None, None, []),
    }
    assert {r.key: r.question_id for r in rows(store, tables.answers)} == {
        k: k for k in ("score", "what_wrong", "tools", "budget", "who")}

    # back to the score; a 9 takes the path without what_wrong: its answer row goes
    step = store.load(session_id)
    while (step.prompt.key, step.prompt.probe_level) != ("score", 0):
        step = store.back(session_id)
    step = store.answer(session_id, 9)
    assert [e.kind for e in step.events] == ["answered", "dropped", "asked"]
    assert answer_rows(store, session_id) == {
        "score": (9, None, None, []),
        "tools": (["crm", "other"], "Notion", None, []),
        "budget": (None, None, "prefer_not_to_say", []),
        "who": (BO, None, None, []),
    }
    # an answer changed from declined to given, and the other text cleared
    step = store.answer(session_id, ["sheets"])
    assert step.prompt.key == "budget"
    step = store.answer(session_id, 12000)
    assert answer_rows(store, session_id)["tools"] == (["sheets"], None, None, [])
    assert answer_rows(store, session_id)["budget"] == (12000, None, None, [])
    assert answer_rows(store, session_id) == {
        key: (value, None, None, []) for key, value in
        reopen(store).conversation(session_id).state.answers.items()}


def test_event_log_is_complete_and_only_appended(store: Store) -> None:
    started = store.start_session(variant(), channel="web")
    session_id = started.session_id
    returned = list(started.step.events)
    before = event_rows(store, session_id)
    actions = [lambda: store.answer(session_id, 3), lambda: store.answer(session_id, "Slow"),
               lambda: store.back(session_id), lambda: store.back(session_id),
               lambda: store.answer(session_id, 5), lambda: store.decline(session_id),
               lambda: store.answer(session_id, "Exports"), lambda: store.back(session_id)]
    for action in actions:
        returned.extend(action().events)
        after = event_rows(store, session_id)
        assert after[:len(before)] == before  # nothing written before was changed
        before = after
    events = store.events(session_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [(e["seq"], e["kind"], e["key"], e["node"], e["data"]) for e in events] == [
        (e.seq, e.kind, e.key, e.node, dict(e.data)) for e in returned]
    assert [e["kind"] for e in events] == [
        "started", "asked", "answered", "probed", "probe_answered", "probed", "went_back",
        "went_back", "answered", "probed", "declined", "asked", "answered", "asked",
        "went_back"]
    assert {e["channel"] for e in events} == {"web"}
    assert events[2]["data"] == {"value": 3} and events[8]["data"] == {"value": 5}
    assert all(e["at"].tzinfo is not None for e in events)
    assert store.conversation(session_id).state.event_seq == len(events)


def test_referral_rows(store: Store) -> None:
    store.add_program("diplomacy-2026", "Customer diplomacy 2026")
    session_id = store.start_session(variant(), Respondent(id="cust-7"),
                                     program="diplomacy-2026").session_id
    walk_variant(store, session_id)
    (referral,) = rows(store, tables.referrals, session_id=session_id)
    assert (referral.key, referral.name, referral.email, referral.role) == (
        "who", "Bo Berg", "bo@example.com", "buyer")
    assert referral.phone is None and referral.created_at is not None

    # the respondent goes back and names someone else: the referral is replaced, not added
    store.back(session_id)
    store.answer(session_id, {"name": "Cy Chen", "email": "cy@example.com", "role": "user"})
    assert [(r.key, r.name) for r in rows(store, tables.referrals, session_id=session_id)] == [
        ("who", "Cy Chen")]
    # ... or goes back again and declines to name anyone
    store.back(session_id)
    assert store.decline(session_id, "skipped").prompt.key == "again"
    assert rows(store, tables.referrals, session_id=session_id) == []
    assert store.conversation(session_id).state.referrals == []


def test_contact_history(database_url: str) -> None:
    now = [START]
    base = open_store(database_url)
    store = Store(base.engine, clock=lambda: now[0])
    store.add_program("checkin-q1")
    started = store.start_session(variant(), Respondent(id="cust-3"), program="checkin-q1",
                                  channel="email")
    session_id = started.session_id
    now[0] += timedelta(hours=1)
    store.resume(started.token)  # the same channel: a page reload, nothing to record
    store.resume(started.token, channel="phone")
    contacts = [(r.respondent_id, r.program_id, r.session_id, r.channel, r.kind, _aware(r.at))
                for r in rows(store, tables.contact_history)]
    assert contacts == [
        ("cust-3", "checkin-q1", session_id, "email", "started", START),
        ("cust-3", "checkin-q1", session_id, "phone", "resumed", START + timedelta(hours=1)),
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- script versions ---------------------------------------------------------------------------
def test_sessions_keep_the_script_version_they_started_with(store: Store) -> None:
    v1 = variant()
    old = store.start_session(v1).session_id
    store.answer(old, 9)
    v2 = variant(VARIANT.replace("Which tools do you use?", "Which tools does your team use?"))
    assert v2.id == v1.id and v2.version != v1.version
    store.add_script(v2)
    assert sorted(r.version for r in rows(store, tables.script_versions, script_id=v1.id)) == \
        sorted([v1.version, v2.version])

    new = store.start_session(v2).session_id
    store.answer(new, 9)
    assert store.load(new).prompt.text == "Which tools does your team use?"
    # a store that has only ever seen v2 still runs the old session on v1, from the database
    other = reopen(store)
    other.add_script(v2)
    assert other.load(old).prompt.text == "Which tools do you use?"
    assert other.answer(old, ["crm"]).prompt.key == "budget"
    assert other.conversation(old).script.version == v1.version
    assert other.conversation(new).script.version == v2.version
    by_id = {s.id: s for s in other.list_sessions()}
    assert by_id[old].script_version == v1.version and by_id[new].script_version == v2.version
    assert {s.script_id for s in by_id.values()} == {v1.id}
    # and the engine refuses to mix them
    with pytest.raises(ValueError, match="started with version"):
        Conversation(v2, other.conversation(old).state)
    # adding a version again changes nothing
    store.add_script(variant())
    assert len(rows(store, tables.script_versions)) == 2
    (stored,) = rows(store, tables.script_versions, version=v1.version)
    assert (stored.title, stored.file, stored.source) == ("Store check", "store-check.yaml",
                                                          VARIANT)


def test_a_script_without_its_source_is_refused(store: Store) -> None:
    from dialogkit.testing.scripts import script_from_nodes

    script = script_from_nodes([{"id": "q", "type": "text", "text": "Hi?"}])
    with pytest.raises(StoreError, match="no source text"):
        store.start_session(script)


# -- resume tokens -------------------------------------------------------------------------
def test_resume_tokens_are_strong_and_never_stored(store: Store) -> None:
    started = store.start_session(variant(), Respondent(id="cust-9"))
    token = started.token
    assert len(base64.urlsafe_b64decode(token + "=")) == 32  # 256 bits from secrets
    other_token = store.start_session(variant()).token
    assert other_token != token
    later = store.issue_token(started.session_id)
    store.answer(started.session_id, 10)
    stored = []
    for table in tables.metadata.sorted_tables:
        stored += [str(value) for row in rows(store, table) for value in row]
    for plain in (token, other_token, later):
        assert not [value for value in stored if plain in value]
        assert hash_token(plain) in stored
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert {r.session_id for r in rows(store, tables.resume_tokens,
                                       token_hash=hash_token(later))} == {started.session_id}


def test_resume_from_another_store_and_channel(store: Store) -> None:
    started = store.start_session(variant(), channel="web")
    session_id = started.session_id
    walk_variant(store, session_id)
    store.back(session_id)  # at `who`; on the phone, a statement comes before `again`

    other = reopen(store)
    step = other.resume(started.token, channel="phone")
    assert step.prompt.key == "who" and step.version == 10
    assert [e.kind for e in step.events] == ["resumed"]
    assert other.conversation(session_id).state.channel == "phone"
    assert other.conversation(session_id).env()["channel"] == "phone"
    assert rows(store, tables.sessions, id=session_id)[0].channel == "phone"
    step = other.answer(session_id, BO)
    assert step.prompt.key == "phone_thanks"  # the condition sees the new channel
    assert store.events(session_id)[-1]["channel"] == "phone"
    # resuming on the channel it is on writes nothing
    assert store.resume(started.token, channel="phone").version == step.version
    assert store.resume(started.token).prompt.key == "phone_thanks"
    assert len(store.events(session_id)) == len(other.events(session_id))
    other.close()


def test_expired_revoked_and_unknown_tokens(database_url: str) -> None:
    now = [START]
    base = open_store(database_url)
    store = Store(base.engine, clock=lambda: now[0])
    started = store.start_session(variant(), token_ttl=timedelta(hours=2))
    session_id = started.session_id
    forever = store.issue_token(session_id, ttl=None)

    now[0] = START + timedelta(hours=1, minutes=59)
    assert store.resume(started.token).session_id == session_id
    now[0] = START + timedelta(hours=2)
    with pytest.raises(TokenError) as expired:
        store.resume(started.token)
    assert expired.value.message == "This link has expired."
    # another Store (no memory of the session) agrees
    with pytest.raises(TokenError, match="expired"):
        Store(base.engine, clock=lambda: now[0]).resume(started.token)
    now[0] = START + timedelta(days=400)
    assert store.resume(forever).session_id == session_id

    assert store.revoke_tokens(session_id) == 2  # the expired one is withdrawn too
    assert store.revoke_tokens(session_id) == 0
    with pytest.raises(TokenError) as revoked:
        store.resume(forever)
    assert revoked.value.message == "This link has been withdrawn."
    fresh = store.issue_token(session_id)
    assert store.resume(fresh).session_id == session_id

    with pytest.raises(TokenError) as unknown:
        store.resume("not-a-token")
    assert "not valid" in unknown.value.message
    with pytest.raises(TokenError):
        store.resume(started.token[:-1])
    with pytest.raises(UnknownSession):
        store.issue_token("0" * 32)


# -- idempotency, conflicts, wrong answers ---------------------------------------------------
def test_the_same_submission_twice_is_recorded_once(store: Store) -> None:
    started = store.start_session(nps())
    session_id = started.session_id
    first = store.answer(session_id, 4, expected_version=1)
    events = event_rows(store, session_id)
    again = store.answer(session_id, 4, expected_version=1)  # the browser retries
    assert (first.replayed, again.replayed) == (False, True)
    assert (again.version, again.prompt, again.status) == (first.version, first.prompt,
                                                           first.status)
    assert again.events == ()
    assert event_rows(store, session_id) == events
    assert [r.key for r in rows(store, tables.answers, session_id=session_id)] == ["score"]
    assert len(rows(store, tables.submissions, session_id=session_id)) == 1

    # once the session has moved on, a late retry still replays; another answer conflicts
    store.answer(session_id, "Bank sync", expected_version=2)
    assert store.answer(session_id, 4, expected_version=1).replayed
    with pytest.raises(ConflictError) as conflict:
        store.answer(session_id, 5, expected_version=1)
    assert conflict.value.message == ("The session has moved on (it is at step 3, not 1); "
                                      "reload it and answer again.")
    with pytest.raises(ConflictError):
        store.back(session_id, expected_version=2)
    # a retry that reaches another process (its copy of the session is older) replays too
    other = reopen(store)
    other.load(session_id)
    store.decline(session_id, "skipped", expected_version=3)
    assert other.decline(session_id, "skipped", expected_version=3).replayed
    with pytest.raises(ConflictError):
        reopen(store).answer(session_id, 7, expected_version=2)
    assert len(store.events(session_id)) == store.conversation(session_id).state.event_seq
    assert store.load(session_id).version == 4


def test_named_submissions(store: Store) -> None:
    session_id = store.start_session(nps()).session_id
    first = store.answer(session_id, 9, expected_version=1, submission="form-17")
    again = store.answer(session_id, 9, expected_version=1, submission="form-17")
    assert again.replayed and again.version == first.version == 2
    # without a version named, an answer is simply applied to the session as it stands
    step = store.answer(session_id, "Reports")
    assert step.version == 3 and not step.replayed
    assert store.conversation(session_id).state.answers == {"score": 9, "best_part": "Reports"}


def test_a_wrong_answer_changes_nothing(store: Store) -> None:
    started = store.start_session(nps())
    session_id = started.session_id
    store.answer(session_id, 3)
    other_id = store.start_session(nps()).session_id
    tables_before = {t.name: rows(store, t) for t in tables.metadata.sorted_tables}
    with pytest.raises(AnswerError, match="text"):
        store.answer(session_id, 12, expected_version=2)  # a probe wants text
    with pytest.raises(NavigationError, match="first question"):
        store.back(other_id)
    with pytest.raises(NavigationError, match="needs an answer"):
        store.decline(other_id, "skipped", expected_version=1)
    assert {t.name: rows(store, t) for t in tables.metadata.sorted_tables} == tables_before
    assert store.load(session_id).version == 2
    # and nothing is left half-changed in memory: the session goes on normally
    step = store.answer(session_id, "Bank sync breaks", expected_version=2)
    assert step.version == 3 and step.prompt.probe_level == 2
    assert reopen(store).conversation(session_id).state == store.conversation(session_id).state
    with pytest.raises(UnknownSession, match="no session"):
        store.answer("f" * 32, 1)


# -- listing, respondents ----------------------------------------------------------------
def test_list_sessions(database_url: str) -> None:
    now = [START]
    base = open_store(database_url)
    store = Store(base.engine, clock=lambda: now[0])
    store.add_program("p1")
    store.add_program("p2")
    script = nps()
    ids = []
    for program, respondent in (("p1", "r1"), ("p1", "r2"), ("p2", "r1"), (None, None)):
        now[0] += timedelta(minutes=1)
        who = Respondent(id=respondent) if respondent else None
        ids.append(store.start_session(script, who, program=program).session_id)
    for answer in (10, "Reports", True):
        store.answer(ids[1], answer)

    assert [s.id for s in store.list_sessions()] == ids
    assert [s.id for s in store.list_sessions(program="p1")] == ids[:2]
    assert [s.id for s in store.list_sessions(respondent="r1")] == [ids[0], ids[2]]
    assert [s.id for s in store.list_sessions(status="completed")] == [ids[1]]
    assert [s.id for s in store.list_sessions(program="p1", status="active")] == [ids[0]]
    assert store.list_sessions(program="p3") == []
    summary = store.list_sessions(status="completed")[0]
    assert (summary.program_id, summary.respondent_id, summary.script_id, summary.version,
            summary.channel) == ("p1", "r2", "nps-checkin", 4, "web")
    assert summary.created_at == START + timedelta(minutes=2)
    assert summary.created_at.tzinfo is not None
    assert store.list_sessions()[3].respondent_id is None


def test_respondents(store: Store) -> None:
    with store.engine.begin() as connection:
        connection.execute(tables.respondents.insert(), [
            {"id": "kept", "role": "buyer", "segments": ["loyal"], "attributes": {"years": 4},
             "consent": True, "opted_out": False, "created_at": START},
            {"id": "gone", "role": None, "segments": [], "attributes": {}, "consent": True,
             "opted_out": True, "created_at": START},
        ])
    started = store.start_session(nps(), "kept")
    state = store.conversation(started.session_id).state
    assert (state.respondent.role, state.respondent.segments,
            state.respondent.attributes) == ("buyer", ["loyal"], {"years": 4})
    for who in ("gone", Respondent(id="gone")):
        with pytest.raises(StoreError, match="opted out"):
            store.start_session(nps(), who)
    with pytest.raises(StoreError, match="no respondent 'nobody'"):
        store.start_session(nps(), "nobody")
    assert len(rows(store, tables.sessions)) == 1
    # a Respondent not yet stored is recorded, without consent
    store.start_session(nps(), Respondent(id="new", role="user", segments=["first_time"]))
    (new,) = rows(store, tables.respondents, id="new")
    assert (new.role, new.segments, new.consent, new.opted_out) == (
        "user", ["first_time"], False, False)


# -- where the store is, and SQLite's settings --------------------------------------------------
@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("DIALOGKIT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DIALOGKIT_SQLITE_SYNCHRONOUS", raising=False)
    return monkeypatch


def test_database_url_resolution(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    assert resolve_config(project_dir=tmp_path) == StoreConfig(
        url=f"sqlite:///{(tmp_path / 'dialogkit.db').resolve()}", sqlite_synchronous="NORMAL")
    (tmp_path / "dialogkit.toml").write_text(
        '[store]\nurl = "postgresql+psycopg://db.example/toml"\nsqlite_synchronous = "full"\n')
    assert resolve_config(project_dir=tmp_path) == StoreConfig(
        url="postgresql+psycopg://db.example/toml", sqlite_synchronous="FULL")
    clean_env.setenv("DIALOGKIT_DATABASE_URL", "sqlite:////srv/env.db")
    clean_env.setenv("DIALOGKIT_SQLITE_SYNCHRONOUS", "extra")
    assert resolve_config(project_dir=tmp_path) == StoreConfig(
        url="sqlite:////srv/env.db", sqlite_synchronous="EXTRA")
    assert resolve_config("sqlite:////srv/arg.db", tmp_path, "off") == StoreConfig(
        url="sqlite:////srv/arg.db", sqlite_synchronous="OFF")


def test_a_relative_sqlite_url_in_the_project_file(tmp_path: Path,
                                                   clean_env: pytest.MonkeyPatch) -> None:
    (tmp_path / "dialogkit.toml").write_text('[store]\nurl = "sqlite:///data/answers.db"\n')
    (tmp_path / "data").mkdir()
    config = resolve_config(project_dir=tmp_path)
    assert config.url == f"sqlite:///{(tmp_path / 'data' / 'answers.db').resolve()}"
    # given on the command line or in the environment, a relative path is the caller's
    assert resolve_config("sqlite:///x.db", tmp_path).url == "sqlite:///x.db"


def test_bad_store_settings(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(StoreConfigError, match="one of OFF, NORMAL, FULL, EXTRA"):
        resolve_config(project_dir=tmp_path, sqlite_synchronous="sometimes")
    (tmp_path / "dialogkit.toml").write_text("[store\nurl = 1")
    with pytest.raises(StoreConfigError, match=r"dialogkit\.toml"):
        resolve_config(project_dir=tmp_path)
    (tmp_path / "dialogkit.toml").write_text('store = "here"\n')
    with pytest.raises(StoreConfigError, match=r"\[store\] must be a table"):
        resolve_config(project_dir=tmp_path)


def _pragmas(store: Store) -> tuple[str, int, int]:
    with store.engine.connect() as connection:
        return tuple(connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                     for name in ("journal_mode", "synchronous", "foreign_keys"))


def test_sqlite_defaults_to_wal_and_normal(tmp_path: Path, clean_env: pytest.MonkeyPatch
                                           ) -> None:
    store = open_store(project_dir=tmp_path)
    assert (tmp_path / "dialogkit.db").exists()
    assert _pragmas(store) == ("wal", 1, 1)  # synchronous 1 = NORMAL
    session_id = store.start_session(nps()).session_id
    with store._transaction() as cursor:  # the store's own connection too
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1
    store.close()
    # the file is in WAL mode for any other program that opens it
    raw = sqlite3.connect(tmp_path / "dialogkit.db")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("SELECT id FROM sessions").fetchall() == [(session_id,)]
    raw.close()


def test_sqlite_synchronous_full(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DIALOGKIT_SQLITE_SYNCHRONOUS", "FULL")
    assert _pragmas(open_store(project_dir=tmp_path)) == ("wal", 2, 1)  # 2 = FULL
    clean_env.delenv("DIALOGKIT_SQLITE_SYNCHRONOUS")
    (tmp_path / "dialogkit.toml").write_text('[store]\nsqlite_synchronous = "FULL"\n')
    assert _pragmas(open_store(project_dir=tmp_path)) == ("wal", 2, 1)
    assert _pragmas(open_store(project_dir=tmp_path, sqlite_synchronous="NORMAL")) == (
        "wal", 1, 1)


def test_a_new_program_is_recorded_when_a_session_starts(database_url: str,
                                                          tmp_path: Path) -> None:
    store = open_store(database_url, tmp_path)
    started = store.start_session(nps(), None, program="checkin-2026", seed=1)
    assert [s.id for s in store.list_sessions(program="checkin-2026")] == [started.session_id]
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(tables.programs.c.id)).scalars().all() == [
            "checkin-2026"]
