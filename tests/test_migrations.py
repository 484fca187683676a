"""Schema migrations: a store made by an older dialogkit upgrades without losing anything.

A database is created at revision 0001 (the first released schema) and filled with plain SQL,
as that version would have left it; `dialogkit db upgrade` brings it to the newest revision,
every row stays as it was, sessions get their language from their state, and the store
carries on with the sessions. The migrations build exactly the tables `tables.py` describes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from dialogkit.cli import main
from dialogkit.engine import Conversation, Respondent, state_to_json
from dialogkit.loader import load_script
from dialogkit.store import (
    StoreError,
    create_engine,
    current_revision,
    hash_token,
    head_revision,
    open_store,
    tables,
    upgrade,
)
from dialogkit.store.config import resolve_config
from store_workers.scripts import EXAMPLES

TOKEN = "a-resume-token-handed-out-by-dialogkit-0.1-xyz"
AT = "2026-01-15 10:00:00.000000"
TABLES = ["programs", "script_versions", "accounts", "respondents", "sessions", "answers",
          "events", "submissions", "resume_tokens", "referrals", "contact_history"]


def engine_for(url: str) -> sa.Engine:
    return create_engine(resolve_config(url))


def run(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _insert(connection: sa.Connection, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    connection.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)


def _session_rows(connection: sa.Connection, session_id: str, script: Any, conversation:
                  Conversation, events: list, respondent: str, channel: str) -> None:
    state = conversation.state
    writes = sum(1 for e in events if e.kind in ("answered", "probe_answered", "declined"))
    _insert(connection, "sessions", {
        "id": session_id, "program_id": "review-2025", "script_version": script.version,
        "respondent_id": respondent, "channel": channel, "status": state.status,
        "version": 1 + writes, "state": json.dumps(state_to_json(state)),
        "created_at": AT, "updated_at": AT, "completed_at": None})
    for event in events:
        _insert(connection, "events", {
            "session_id": session_id, "seq": event.seq, "kind": event.kind, "key": event.key,
            "node": event.node, "data": json.dumps(dict(event.data)), "channel": channel,
            "at": AT})
    for key, value in state.answers.items():
        _insert(connection, "answers", {
            "session_id": session_id, "key": key, "question_id": key.split("[", 1)[0],
            "value": json.dumps(value), "other": state.other.get(key),
            "declined": state.declined.get(key), "probes": json.dumps(state.probes.get(key, [])),
            "answered_at": AT})
    for n in range(writes):
        _insert(connection, "submissions", {"session_id": session_id,
                                            "submission": f"{n:064x}", "version": n + 2})
    _insert(connection, "contact_history", {
        "respondent_id": respondent, "program_id": "review-2025", "session_id": session_id,
        "channel": channel, "kind": "started", "at": AT})


def make_old_store(url: str) -> dict[str, Any]:
    """A store as dialogkit with schema 0001 left it: two sessions in two languages."""
    engine = engine_for(url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    nps = load_script(EXAMPLES / "nps_checkin" / "script.yaml")
    review = load_script(EXAMPLES / "account_review" / "script.yaml")
    jana = Respondent(id="cust-2", role="decision_maker",
                      attributes={"first_name": "Jana", "company": "Kontor AG"})

    english, events_en = Conversation.start(nps, Respondent(id="cust-1"), channel="email",
                                            seed=3)
    events_en += english.answer(4) + english.answer("Bank sync breaks every week")
    german, events_de = Conversation.start(review, jana, channel="phone", language="de", seed=9)
    events_de += german.answer(None) + german.answer(["cost"])  # the intro, then the goals
    with engine.begin() as connection:
        _insert(connection, "programs", {"id": "review-2025", "name": "Reviews 2025",
                                         "created_at": AT})
        for script in (nps, review):
            _insert(connection, "script_versions", {
                "version": script.version, "script_id": script.id, "title": script.id,
                "source": script.source.text, "file": script.file, "created_at": AT})
        _insert(connection, "accounts", {"id": "kontor", "name": "Kontor AG",
                                         "attributes": json.dumps({"tier": "gold"}),
                                         "created_at": AT})
        for respondent in (Respondent(id="cust-1"), jana):
            _insert(connection, "respondents", {
                "id": respondent.id, "account_id": "kontor" if respondent is jana else None,
                "name": None, "email": f"{respondent.id}@example.com", "phone": None,
                "role": respondent.role, "segments": json.dumps(respondent.segments),
                "attributes": json.dumps(respondent.attributes), "consent": True,
                "opted_out": False, "created_at": AT})
        _session_rows(connection, "e" * 32, nps, english, events_en, "cust-1", "email")
        _session_rows(connection, "d" * 32, review, german, events_de, "cust-2", "phone")
        _insert(connection, "resume_tokens", {
            "token_hash": hash_token(TOKEN), "session_id": "e" * 32, "created_at": AT,
            "expires_at": None, "revoked_at": None})
        _insert(connection, "referrals", {
            "session_id": "d" * 32, "key": "refer", "name": "Uwe Kurz", "email": None,
            "phone": "+49 30 1234", "role": "user", "note": None, "created_at": AT})
    engine.dispose()
    return {"english": english, "german": german, "events_en": events_en,
            "events_de": events_de}


def dump(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as plain SQL reads it."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        dumped = {table: [dict(row._mapping) for row in connection.execute(sa.text(
            f"SELECT * FROM {table}")).all()] for table in TABLES}
    engine.dispose()
    for rows in dumped.values():
        rows.sort(key=repr)
    return dumped


def differences(url: str) -> list[Any]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection), tables.metadata)
    engine.dispose()
    return found


def test_an_old_store_upgrades_without_loss(database_url: str) -> None:
    old = make_old_store(database_url)
    before = dump(database_url)
    assert len(before["events"]) == len(old["events_en"]) + len(old["events_de"])

    result = run("db", "current", "--database-url", database_url)
    assert result.output.strip() == f"current: 0001; newest: {head_revision()}"
    result = run("db", "upgrade", "--database-url", database_url)
    assert result.output.strip().endswith(f"upgraded from 0001 to {head_revision()}")
    assert current_revision(engine_for(database_url)) == head_revision()
    result = run("db", "current", "--database-url", database_url)
    assert result.output.strip() == f"current: {head_revision()}; newest: {head_revision()}"
    result = run("db", "upgrade", "--database-url", database_url)
    assert result.output.strip().endswith(f"already at revision {head_revision()}")

    after = dump(database_url)
    languages = {row["id"]: row.pop("language") for row in after["sessions"]}
    assert languages == {"e" * 32: "en", "d" * 32: "de"}  # backfilled from the state
    assert after == before
    assert differences(database_url) == []

    # the store carries on with both sessions, and the old resume link still works
    store = open_store(database_url)
    step = store.resume(TOKEN)
    assert (step.session_id, step.version, step.prompt.kind, step.prompt.probe_level) == (
        "e" * 32, 3, "probe", 2)
    assert step.prompt.text == "Why does that matter for your work?"
    step = store.answer("e" * 32, "It costs me an hour", expected_version=3)
    assert step.prompt.key == "may_contact"
    events = store.events("e" * 32)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["kind"] for e in events[len(old["events_en"]):]] == [
        "probe_answered", "asked"]
    assert events[0]["data"]["version"] == old["english"].state.script_version

    german = store.load("d" * 32)
    assert german.prompt.text == old["german"].prompt.text
    assert "Wie gut" in german.prompt.text
    step = store.answer("d" * 32, 2, expected_version=german.version)
    assert step.prompt.kind == "probe" and step.prompt.text.startswith("Was müsste")
    (row,) = [r for r in store.list_sessions() if r.id == "d" * 32]
    assert (row.version, row.channel, row.respondent_id) == (german.version + 1, "phone",
                                                             "cust-2")
    store.close()


def test_fresh_schema_matches_the_tables(database_url: str) -> None:
    engine = engine_for(database_url)
    assert current_revision(engine) is None
    result = run("db", "current", "--database-url", database_url)
    assert result.output.strip() == f"current: none (empty database); newest: {head_revision()}"
    result = run("db", "upgrade", "--database-url", database_url)
    assert "upgraded from an empty database to" in result.output
    assert current_revision(engine) == head_revision()
    assert differences(database_url) == []
    inspector = sa.inspect(engine)
    assert set(TABLES) <= set(inspector.get_table_names())
    engine.dispose()


def test_an_old_store_is_not_used_unmigrated(database_url: str) -> None:
    with pytest.raises(StoreError, match="has no schema yet: run `dialogkit db upgrade`"):
        open_store(database_url, migrate=False)
    upgrade(engine_for(database_url), "0001")
    with pytest.raises(StoreError) as error:
        open_store(database_url, migrate=False)
    assert error.value.message.endswith(
        f"is at schema revision 0001, not {head_revision()}: run `dialogkit db upgrade`")
    assert "0001" in str(error.value)
    run("db", "upgrade", "--database-url", database_url)
    open_store(database_url, migrate=False).close()


def test_db_upgrade_finds_the_project_store(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIALOGKIT_DATABASE_URL", raising=False)
    default = tmp_path / "plain"
    default.mkdir()
    run("db", "upgrade", "--project-dir", str(default))
    assert current_revision(engine_for(f"sqlite:///{default / 'dialogkit.db'}")) == \
        head_revision()

    configured = tmp_path / "configured"
    (configured / "data").mkdir(parents=True)
    (configured / "dialogkit.toml").write_text('[store]\nurl = "sqlite:///data/answers.db"\n')
    monkeypatch.chdir(tmp_path)
    result = run("db", "upgrade", "--project-dir", str(configured))
    assert str(configured / "data" / "answers.db") in result.output
    assert (configured / "data" / "answers.db").exists()
    assert not (tmp_path / "data").exists()

    (configured / "dialogkit.toml").write_text('[store]\nsqlite_synchronous = "often"\n')
    result = CliRunner().invoke(main, ["db", "upgrade", "--project-dir", str(configured)])
    assert result.exit_code == 1 and "sqlite synchronous must be one of" in result.output
