"""Two processes (and two threads) writing the same session at once.

Real processes ("spawn") race on SQLite and PostgreSQL: with a version named, exactly one of
two simultaneous answers wins and the other gets a `ConflictError`; with none named, every
answer is applied to the session as it then stands, and nothing is lost or written twice.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dialogkit.store import (
    ConflictError,
    Store,
    current_revision,
    head_revision,
    open_store,
    tables,
)
from store_workers import race
from store_workers.scripts import long_script, nps

ROUNDS = 20
TIMEOUT = 60
SPAWN = multiprocessing.get_context("spawn")


class Workers:
    """Two worker processes, started once for the module (starting one takes a second)."""

    def __init__(self) -> None:
        self.barrier = SPAWN.Barrier(2)
        self.results = SPAWN.Queue()
        self.commands = [SPAWN.Queue(), SPAWN.Queue()]
        self.processes = [SPAWN.Process(target=race.serve, args=(c, self.results, self.barrier))
                          for c in self.commands]
        for process in self.processes:
            process.start()

    def run(self, *tasks: tuple[str, tuple]) -> list[Any]:
        """Give each worker its task (at once); their results, in the order they came."""
        self.barrier.reset()
        for commands, task in zip(self.commands, tasks, strict=True):
            commands.put(task)
        results = [self.results.get(timeout=TIMEOUT) for _ in tasks]
        assert not [r for r in results if r[0] == "error"], results
        return results

    def stop(self) -> None:
        for commands in self.commands:
            commands.put(None)
        for process in self.processes:
            process.join(timeout=TIMEOUT)
            if process.is_alive():
                process.kill()


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    started = Workers()
    yield started
    started.stop()
    assert [p.exitcode for p in started.processes] == [0, 0]


def assert_log_consistent(store: Store, session_id: str) -> None:
    """Events numbered 1..N without gaps, the state counting the same N, one submission per
    write (the session's version is 1 + the writes made)."""
    events = store.events(session_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    conversation = store.conversation(session_id)
    assert conversation.state.event_seq == len(events)
    with store.engine.connect() as connection:
        version = connection.scalar(sa.select(tables.sessions.c.version).where(
            tables.sessions.c.id == session_id))
        writes = connection.scalar(sa.select(sa.func.count()).select_from(
            tables.submissions).where(tables.submissions.c.session_id == session_id))
    assert version == 1 + writes


def test_one_of_two_simultaneous_answers_wins(workers: Workers, database_url: str) -> None:
    store = open_store(database_url)
    script = nps()
    session_ids = [store.start_session(script).session_id for _ in range(ROUNDS)]
    outcomes = [outcome for result in workers.run(
        ("race_rounds", (database_url, session_ids, 3)),
        ("race_rounds", (database_url, session_ids, 10))) for outcome in result]
    by_session: dict[str, list[tuple]] = {}
    for session_id, outcome, detail in outcomes:
        by_session.setdefault(session_id, []).append((outcome, detail))
    fresh = open_store(database_url, migrate=False)  # nothing cached: what is stored
    messages = set()
    for session_id in session_ids:
        results = sorted(by_session[session_id])
        assert [r[0] for r in results] == ["conflict", "won"], results
        assert results[1][1] == 2
        messages.add(results[0][1])
        conversation = fresh.conversation(session_id)
        winner = conversation.state.answers["score"]
        assert winner in (3, 10)
        assert fresh.load(session_id).version == 2
        with fresh.engine.connect() as connection:
            rows = connection.execute(sa.select(tables.answers).where(
                tables.answers.c.session_id == session_id)).all()
        assert [(r.key, json.loads(r.value)) for r in rows] == [("score", winner)]
        events = fresh.events(session_id)
        assert [e["kind"] for e in events] == (
            ["started", "asked", "answered", "probed"] if winner == 3
            else ["started", "asked", "answered", "asked"])
        assert events[2]["data"] == {"value": winner}
        assert_log_consistent(fresh, session_id)
    print(f"conflict messages: {messages}")
    assert all("reload" in m for m in messages)


def test_writers_naming_no_version_lose_nothing(workers: Workers, database_url: str) -> None:
    store = open_store(database_url)
    session_id = store.start_session(long_script()).session_id
    count = 40
    outcomes = workers.run(("keep_answering", (database_url, session_id, "a", count)),
                           ("keep_answering", (database_url, session_id, "b", count)))
    assert sorted(o[:2] for o in outcomes) == [("a", "done"), ("b", "done")], outcomes
    made = sorted(v for o in outcomes for v in o[2])
    assert made == list(range(2, 2 + 2 * count))  # every write made its own version
    fresh = open_store(database_url, migrate=False)
    assert fresh.load(session_id).version == 1 + 2 * count
    assert_log_consistent(fresh, session_id)
    state = fresh.conversation(session_id).state
    keys = [f"q{n}" for n in range(1, 2 * count + 1)]
    assert list(state.answers) == keys
    answered = sorted(state.answers.values())
    assert answered == sorted([f"a {n}" for n in range(count)] + [f"b {n}" for n in range(count)])
    events = fresh.events(session_id)
    assert [e["key"] for e in events if e["kind"] == "answered"] == keys
    assert [e["data"]["value"] for e in events if e["kind"] == "answered"] == [
        state.answers[k] for k in keys]
    with fresh.engine.connect() as connection:
        rows = dict(connection.execute(sa.select(tables.answers.c.key, tables.answers.c.value)
                                       .where(tables.answers.c.session_id == session_id)).all())
    assert {k: json.loads(v) for k, v in rows.items()} == state.answers


def test_two_threads_of_one_store(database_url: str) -> None:
    """A web server's threads share one Store: the same rules hold between them."""
    store = open_store(database_url)
    script = long_script()
    count = 25
    session_id = store.start_session(script).session_id
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            barrier.wait()
            for n in range(count):
                store.answer(session_id, f"{name} {n}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not errors
    fresh = open_store(database_url, migrate=False)
    assert fresh.load(session_id).version == 1 + 2 * count
    assert_log_consistent(fresh, session_id)
    assert list(fresh.conversation(session_id).state.answers) == [
        f"q{n}" for n in range(1, 2 * count + 1)]

    # with a version: of two threads answering at the same version, one wins
    step = store.load(session_id)
    outcomes: list[str] = []

    def answer_at(value: str) -> None:
        barrier.wait()
        try:
            store.answer(session_id, value, expected_version=step.version)
            outcomes.append("won")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=answer_at, args=(value,)) for value in ("x", "y")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert sorted(outcomes) == ["conflict", "won"]
    fresh = open_store(database_url, migrate=False)
    assert fresh.load(session_id).version == step.version + 1
    assert_log_consistent(fresh, session_id)
    store.close()


def test_stores_opened_at_once_on_an_empty_database(workers: Workers, database_url: str
                                                     ) -> None:
    """Web workers starting together each open (and so migrate) the same new store."""
    outcomes = workers.run(("open_at_once", (database_url,)), ("open_at_once", (database_url,)))
    assert outcomes == [("opened", None)] * 2
    assert current_revision(sa.create_engine(database_url)) == head_revision()



def test_many_threads_of_one_sqlite_store_each_keep_a_connection(tmp_path: Path) -> None:
    """A server with many worker threads (Starlette's pool has 40) shares one SQLite store:
    every thread gets a connection of its own, none waits for another's to be given back."""
    store = open_store(f"sqlite:///{tmp_path / 'threads.db'}")
    script = long_script()
    threads_count = 32
    sessions = [store.start_session(script).session_id for _ in range(threads_count)]
    all_answered = threading.Barrier(threads_count, timeout=TIMEOUT)
    errors: list[BaseException] = []

    def work(session_id: str) -> None:
        try:
            store.answer(session_id, "first")
            all_answered.wait()  # every thread holds its connection at once
            store.answer(session_id, "second")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not errors
    assert all(store.load(s).version == 3 for s in sessions)
    store.close()
