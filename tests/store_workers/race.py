"""Worker processes that race each other on the same sessions.

The tests start two processes ("spawn") running `serve` once, then give both the same task;
the tasks meet at a shared barrier right before the write they race on.
"""

from __future__ import annotations

import traceback
from typing import Any

from dialogkit.store import ConflictError, open_store

BARRIER_TIMEOUT = 30


def serve(commands: Any, results: Any, barrier: Any) -> None:
    """Run the tasks `commands` brings ((name, args) of a function below; None to stop),
    putting each one's result (or ("error", what went wrong)) on `results`."""
    while (task := commands.get()) is not None:
        name, args = task
        try:
            results.put(TASKS[name](*args, barrier=barrier))
        except BaseException as error:
            barrier.abort()  # the other worker must not wait for this one
            results.put(("error", "".join(traceback.format_exception(error))))


def race_rounds(url: str, session_ids: list[str], value: Any, *, barrier: Any
                ) -> list[tuple[str, str, Any]]:
    """For each session: read it, wait for the other worker, then answer `value` at the
    version read. Returns (session id, "won", version) or (session id, "conflict", message)
    for each."""
    store = open_store(url, migrate=False)
    outcomes = []
    try:
        for session_id in session_ids:
            version = store.load(session_id).version
            barrier.wait(BARRIER_TIMEOUT)
            try:
                step = store.answer(session_id, value, expected_version=version)
            except ConflictError as error:
                outcomes.append((session_id, "conflict", error.message))
            else:
                outcomes.append((session_id, "won", step.version))
    finally:
        store.close()
    return outcomes


def keep_answering(url: str, session_id: str, name: str, count: int, *, barrier: Any
                   ) -> tuple[str, str, list[int]]:
    """Answer the session's current question `count` times, naming no version.
    Returns (name, "done", the versions made)."""
    store = open_store(url, migrate=False)
    try:
        barrier.wait(BARRIER_TIMEOUT)
        made = [store.answer(session_id, f"{name} {n}").version for n in range(count)]
    finally:
        store.close()
    return name, "done", made


def open_at_once(url: str, *, barrier: Any) -> tuple[str, str | None]:
    """Open (and so migrate) the store at the same moment as the other worker."""
    barrier.wait(BARRIER_TIMEOUT)
    store = open_store(url)
    store.close()
    return "opened", None


TASKS = {task.__name__: task for task in (race_rounds, keep_answering, open_at_once)}
