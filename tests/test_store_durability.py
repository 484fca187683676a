"""An acknowledged answer survives the writing process being killed.

A worker (tests/store_workers/durability.py) starts sessions and answers them as fast as it
can; after each `store.answer` returns it logs the answer and fsyncs the log (that is when a
respondent would be told "saved"). The test kills it with SIGKILL in the middle of that, then
opens the store and checks that every logged answer is there and every session still loads
and goes on.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from dialogkit.store import Store, open_store, tables
from store_workers.scripts import reply_for

WORKER = Path(__file__).parent / "store_workers" / "durability.py"
RUN_FOR = 1.2  # seconds of answering before the kill
ENOUGH = 20  # acknowledged answers to wait for at least (a slow machine)


def kill_while_answering(url: str, tmp_path: Path, synchronous: str | None = None
                         ) -> list[dict]:
    """Run the worker, kill it mid-load; the records it acknowledged."""
    open_store(url).close()  # create the schema before the worker starts
    log = tmp_path / "acknowledged.jsonl"
    log.touch()
    worker = subprocess.Popen([sys.executable, str(WORKER), url, str(log),
                               *([synchronous] if synchronous else [])],
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while _count_answers(log) < ENOUGH:
            assert worker.poll() is None, worker.stderr.read().decode()
            assert time.monotonic() < deadline, "the worker answers nothing"
            time.sleep(0.05)
        time.sleep(RUN_FOR)
        assert worker.poll() is None, worker.stderr.read().decode()
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait()
        worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL
    lines = log.read_text(encoding="utf-8").splitlines()
    # the kill may cut the last line short: it was never acknowledged
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            assert line is lines[-1]
    return records


def _count_answers(log: Path) -> int:
    return log.read_text(encoding="utf-8").count('"key"')


def check_store_after_kill(url: str, records: list[dict]) -> dict[str, int]:
    store = open_store(url, migrate=False)  # a new process would do the same
    with store.engine.connect() as connection:
        sessions = {r.id: r for r in connection.execute(sa.select(tables.sessions))}
        answers = {(r.session_id, r.key): r for r in connection.execute(
            sa.select(tables.answers))}
        events = connection.execute(sa.select(tables.events.c.session_id, tables.events.c.seq)
                                    .order_by(tables.events.c.session_id,
                                              tables.events.c.seq)).all()
        writes = dict(connection.execute(
            sa.select(tables.submissions.c.session_id, sa.func.count())
            .group_by(tables.submissions.c.session_id)).all())

    # every acknowledged answer is there, as it was given
    for record in records:
        session = sessions.get(record["session"])
        assert session is not None, record
        assert session.version >= record["version"], record
        if record["kind"] == "started":
            continue
        row = answers.get((record["session"], record["key"]))
        assert row is not None, record
        if record["kind"] == "probe":
            assert json.loads(row.probes)[record["level"] - 1] == record["value"], record
        else:
            assert json.loads(row.value) == record["value"], record

    # every session is whole: its events numbered without a gap, as many as its state counts,
    # one recorded write per version; and it loads and goes on
    seqs: dict[str, list[int]] = {}
    for session_id, seq in events:
        seqs.setdefault(session_id, []).append(seq)
    fresh = Store(store.engine)
    for session_id, session in sessions.items():
        conversation = fresh.conversation(session_id)
        assert seqs[session_id] == list(range(1, conversation.state.event_seq + 1))
        assert session.version == 1 + writes.get(session_id, 0)
        step = fresh.load(session_id)
        assert step.version == session.version
        if step.prompt is not None:
            after = fresh.answer(session_id, reply_for(step.prompt, 4),
                                 expected_version=step.version)
            assert after.version == step.version + 1
    store.close()
    fresh.close()
    acknowledged = [r for r in records if r["kind"] != "started"]
    logged: dict[str, int] = {}
    for record in records:
        logged[record["session"]] = max(logged.get(record["session"], 0), record["version"])
    return {"sessions": len(sessions), "acknowledged answers": len(acknowledged),
            "answer rows": len(answers),
            # committed, but killed before the worker could log it (or never started there)
            "writes not acknowledged": sum(session.version - logged.get(session_id, 0)
                                           for session_id, session in sessions.items())}


def test_acknowledged_answers_survive_sigkill(database_url: str, tmp_path: Path) -> None:
    sqlite = database_url.startswith("sqlite")
    records = kill_while_answering(database_url, tmp_path, "NORMAL" if sqlite else None)
    figures = check_store_after_kill(database_url, records)
    print(f"\n{database_url.split(':')[0]}: {figures}")
    assert figures["acknowledged answers"] >= ENOUGH


def test_acknowledged_answers_survive_sigkill_sqlite_full(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'full.db'}"
    records = kill_while_answering(url, tmp_path, "FULL")
    figures = check_store_after_kill(url, records)
    print(f"\nsqlite FULL: {figures}")
    assert figures["acknowledged answers"] >= ENOUGH
