"""Store throughput: answers per second through `Store.answer`, against the raw driver.

Usage::

    python bench/bench_store.py            # full run (about a minute)
    python bench/bench_store.py --quick    # smoke run (under 30 seconds)

The interview is the 20-question script of `bench_engine.py` (same generator, same seed),
loaded from its JSON text with `dialogkit.loader.load_script_text`; a valid answer for every
prompt, probe answers included, is worked out in advance. Each timed batch answers a set of
sessions started beforehand (session starts are not timed), one `store.answer(session_id,
value, expected_version=v)` per prompt, each one its own transaction, taking turns between
the sessions as concurrent respondents would.

The baseline is the raw driver (`sqlite3`, psycopg) executing the very statements the store
executes for one answer. Before anything is timed, one session is answered through the store
with its driver connection wrapped, which records every statement and its parameters,
transaction by transaction. The baseline replays those recordings (with its own session ids)
on a database of its own, made by the same migrations, with the same settings: for SQLite WAL,
the same `synchronous`, `BEGIN IMMEDIATE`, one transaction per answer; for PostgreSQL a plain
psycopg connection, one transaction per answer. After every batch the last session of both
sides must hold the same state, answers, events and submissions.

Configurations: SQLite with `synchronous=NORMAL` (the default) and `FULL`, and PostgreSQL at
$DIALOGKIT_BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test), in
schemas of its own that are dropped afterwards; if it cannot be reached it is left out and
reported as null. Batches of all configurations and both sides are interleaved; before each
timed SQLite batch the WAL is checkpointed and emptied on that side, so a batch checkpoints only
what it wrote. The figures are the best (and the median) of the repeats; the cyclic garbage
collector is paused while a batch is timed (pass --gc to keep it running). "own µs" is the
store's own work per answer, measured once more with a driver connection that does nothing.
The last line printed is one JSON object whose "ratio" is the worst store/baseline ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from bench_engine import ATTRIBUTES, generate, plan
from timing import Samples, time_batch

from dialogkit.engine import Respondent
from dialogkit.loader import load_script_text
from dialogkit.script import Script
from dialogkit.store import SQLITE_BUSY_TIMEOUT_MS, Store, StoreConfig, create_engine, upgrade

QUESTIONS = 20
POSTGRES_ENV = "DIALOGKIT_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RESPONDENT = Respondent(id="r-1", attributes=dict(ATTRIBUTES))
SEED = 1
MAX_SESSIONS = 1000  # per batch; the store keeps up to 1024 sessions in memory
MIN_SESSIONS = 3

# One recorded driver call: (executemany?, SQL, parameters or None for a bare statement).
Call = tuple[bool, str, Any]
Transaction = tuple[Call, ...]


# --------------------------------------------------------------------------- the interview


def interview() -> tuple[Script, list[Any]]:
    """The benchmark script, loaded from text as a stored script is, and its answers."""
    document, specs = generate(QUESTIONS)
    script = load_script_text(json.dumps(document, indent=1), f"<bench-store-{QUESTIONS}>")
    return script, plan(specs)


# --------------------------------------------------------------------------- recording


class _RecordingCursor:
    def __init__(self, cursor: Any, calls: list[Call]) -> None:
        self._cursor, self._calls = cursor, calls

    def execute(self, sql: str, params: Any = None) -> Any:
        self._calls.append((False, sql, params))
        return self._cursor.execute(sql) if params is None else self._cursor.execute(sql, params)

    def executemany(self, sql: str, params: Any) -> Any:
        params = list(params)
        self._calls.append((True, sql, params))
        return self._cursor.executemany(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _RecordingConnection:
    """Wraps the store's held driver connection; one list of calls per committed transaction."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self.transactions: list[Transaction] = []
        self._calls: list[Call] = []

    def cursor(self) -> _RecordingCursor:
        self._calls = []
        return _RecordingCursor(self._connection.cursor(), self._calls)

    def commit(self) -> None:
        self._connection.commit()
        self.transactions.append(tuple(self._calls))

    def rollback(self) -> None:
        self._connection.rollback()
        raise RuntimeError("the store rolled back while its statements were being recorded")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def record(store: Store, script: Script, values: Sequence[Any]) -> tuple[str, list[Transaction]]:
    """Answer one session through the store and record what it sends to the driver for each
    answer; returns the session id and one recorded transaction per answer."""
    started = store.start_session(script, RESPONDENT, seed=SEED)
    recorder = _RecordingConnection(store._raw())  # the connection `_write_once` runs on
    store._raw = lambda: recorder  # type: ignore[method-assign]
    try:
        version = started.step.version
        for value in values:
            version = store.answer(started.session_id, value, expected_version=version).version
    finally:
        del store._raw
    if len(recorder.transactions) != len(values):
        raise RuntimeError(f"recorded {len(recorder.transactions)} transactions for "
                           f"{len(values)} answers")
    _check_ids(started.session_id, recorder.transactions)
    return started.session_id, recorder.transactions


def _flat(params: Any) -> list[Any]:
    values = params.values() if isinstance(params, dict) else params
    return list(values or ())


def _check_ids(session_id: str, transactions: Sequence[Transaction]) -> None:
    """The session id may appear only as a whole parameter, which `_rebind` replaces."""
    for transaction in transactions:
        for many, _sql, params in transaction:
            for row in params if many else [params]:
                for value in _flat(row):
                    if isinstance(value, str) and session_id in value and value != session_id:
                        raise RuntimeError("the session id is embedded in a parameter")


def _rebind(params: Any, old: str, new: str) -> Any:
    if params is None:
        return None
    if isinstance(params, dict):
        return {k: new if type(v) is str and v == old else v for k, v in params.items()}
    return tuple(new if type(v) is str and v == old else v for v in params)


def replay_plan(recorded: Sequence[Transaction], template_id: str, ids: Sequence[str]
                ) -> list[Transaction]:
    """The recorded transactions for `ids`, in the order the store side answers them (answer
    by answer, taking turns between the sessions)."""
    transactions = []
    for recorded_one in recorded:
        for new in ids:
            transactions.append(tuple(
                (many, sql, [_rebind(p, template_id, new) for p in params] if many
                 else _rebind(params, template_id, new))
                for many, sql, params in recorded_one))
    return transactions


# --------------------------------------------------------------------------- the two sides


class _NullCursor:
    rowcount = 1

    def execute(self, sql: str, params: Any = None) -> None:
        pass

    def executemany(self, sql: str, params: Any) -> None:
        pass

    def close(self) -> None:
        pass


class _NullConnection:
    """A driver connection that does nothing: what is left is the store's own work."""

    def cursor(self) -> _NullCursor:
        return _NullCursor()

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass


def run_store(store: Store, ids: Sequence[str], versions: list[int],
              values: Sequence[Any]) -> None:
    answer = store.answer
    for value in values:
        for j, session_id in enumerate(ids):
            versions[j] = answer(session_id, value, expected_version=versions[j]).version


def run_baseline(connection: Any, transactions: Sequence[Transaction]) -> None:
    """What the store's transaction does on the driver, without anything else."""
    for transaction in transactions:
        cursor = connection.cursor()
        for many, sql, params in transaction:
            if many:
                cursor.executemany(sql, params)
            elif params is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, params)
        connection.commit()
        cursor.close()


SEED_SESSIONS = (
    "INSERT INTO sessions (id, program_id, script_version, respondent_id, channel, language, "
    "status, version, state, created_at, updated_at, completed_at) SELECT {p}, program_id, "
    "script_version, respondent_id, channel, language, status, version, state, created_at, "
    "updated_at, completed_at FROM sessions WHERE id = {p}"
)
SEED_EVENTS = (
    'INSERT INTO events (session_id, seq, kind, "key", node, data, channel, at) SELECT {p}, '
    'seq, kind, "key", node, data, channel, at FROM events WHERE session_id = {p}'
)


def snapshot(connection: Any, placeholder: str, session_id: str) -> tuple[Any, ...]:
    """A session's stored data, without ids and times, to compare the two sides."""
    cursor = connection.cursor()
    p = placeholder
    try:
        cursor.execute(f"SELECT version, status, state FROM sessions WHERE id = {p}",
                       (session_id,))
        session = tuple(cursor.fetchone() or ())
        cursor.execute(f'SELECT "key", question_id, value, other, declined, probes FROM answers '
                       f'WHERE session_id = {p} ORDER BY "key"', (session_id,))
        answers = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(f'SELECT seq, kind, "key", node, data, channel FROM events '
                       f'WHERE session_id = {p} ORDER BY seq', (session_id,))
        events = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(f"SELECT submission, version FROM submissions WHERE session_id = {p} "
                       f"ORDER BY version", (session_id,))
        submissions = [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()
        connection.rollback()
    return session, answers, events, submissions


# --------------------------------------------------------------------------- configurations


class Case:
    """One configuration: a store and a raw driver connection, on databases of their own."""

    key: str
    title: str
    placeholder: str

    def __init__(self, script: Script, values: Sequence[Any]) -> None:
        self.script, self.values = script, values
        self.store_side, self.baseline_side = Samples("store"), Samples("baseline")
        self.own_side = Samples("store, no-op driver")
        self.sessions = MIN_SESSIONS
        self.extra: dict[str, Any] = {}
        self.store: Store
        self.connection: Any  # the baseline's connection: it runs the timed transactions
        self.seeder: Any  # a second one on the same database, as the store starts sessions on one
        self.recorded: list[Transaction]
        self.recorded_id: str
        self.template_id: str

    # set up by subclasses: self.store, self.connection, self.seeder, self.template_id
    def open(self, stack: ExitStack) -> None:
        raise NotImplementedError

    def prepare(self) -> None:
        """Record the store's statements, then warm both sides up."""
        self.recorded_id, self.recorded = record(self.store, self.script, self.values)
        self.batch(timed=False)

    # -- one batch of each side
    def _start(self, count: int | None = None) -> tuple[list[str], list[int]]:
        ids, versions = [], []
        for _ in range(self.sessions if count is None else count):
            started = self.store.start_session(self.script, RESPONDENT, seed=SEED)
            ids.append(started.session_id)
            versions.append(started.step.version)
        return ids, versions

    def _seed(self) -> list[str]:
        ids = [uuid.uuid4().hex for _ in range(self.sessions)]
        cursor = self.seeder.cursor()
        p = self.placeholder
        self.seed_begin(cursor)
        cursor.executemany(SEED_SESSIONS.format(p=p), [(i, self.template_id) for i in ids])
        cursor.executemany(SEED_EVENTS.format(p=p), [(i, self.template_id) for i in ids])
        self.seeder.commit()
        cursor.close()
        return ids

    def seed_begin(self, cursor: Any) -> None:
        pass

    def settle(self, connection: Any) -> None:
        """Bring a side's database to the same starting point before a timed batch."""

    def batch(self, timed: bool = True, keep_gc: bool = False,
              store_first: bool = True) -> tuple[float, float]:
        """Answer `self.sessions` fresh sessions on each side; seconds per answer of each."""
        answers = self.sessions * len(self.values)
        results: dict[str, float] = {}
        last: dict[str, tuple[Any, ...]] = {}
        for side in ("store", "baseline") if store_first else ("baseline", "store"):
            if side == "store":
                ids, versions = self._start()
                raw = self.store.engine.raw_connection()
                try:
                    self.settle(raw)
                finally:
                    raw.close()
                elapsed = time_batch(partial(run_store, self.store, ids, versions, self.values),
                                     1, keep_gc)
                if any(v != versions[0] for v in versions):
                    raise RuntimeError("store sessions ended at different versions")
                raw = self.store.engine.raw_connection()
                try:
                    last[side] = snapshot(raw, self.placeholder, ids[-1])
                finally:
                    raw.close()
            else:
                ids = self._seed()
                transactions = replay_plan(self.recorded, self.recorded_id, ids)
                self.settle(self.seeder)
                elapsed = time_batch(partial(run_baseline, self.connection, transactions),
                                     1, keep_gc)
                del transactions
                last[side] = snapshot(self.seeder, self.placeholder, ids[-1])
            results[side] = elapsed / answers
        if last["store"] != last["baseline"]:
            raise AssertionError(f"{self.title}: the store and the baseline stored different "
                                 "data for a session")
        if timed:
            self.store_side.samples.append(results["store"])
            self.baseline_side.samples.append(results["baseline"])
        return results["store"], results["baseline"]

    def own_work(self, keep_gc: bool = False, repeats: int = 5) -> None:
        """The store's own work per answer: the same answers with the driver connection
        replaced by one that does nothing (nothing is written; the sessions are dropped)."""
        for _ in range(repeats):
            ids, versions = self._start(min(self.sessions, 20))
            self.store._raw = _NullConnection  # type: ignore[method-assign]
            try:
                elapsed = time_batch(partial(run_store, self.store, ids, versions, self.values),
                                     1, keep_gc)
            finally:
                del self.store._raw
                for session_id in ids:
                    self.store._forget(session_id)  # memory is ahead of the database now
            self.own_side.samples.append(elapsed / (len(ids) * len(self.values)))

    def size(self, batch_seconds: float) -> None:
        """Choose the sessions per batch so that one side's batch takes about batch_seconds."""
        per_answer, _ = self.batch(timed=False)
        sessions = round(batch_seconds / (per_answer * len(self.values)))
        self.sessions = max(MIN_SESSIONS, min(MAX_SESSIONS, sessions))

    def result(self) -> dict[str, Any]:
        s, b = self.store_side, self.baseline_side
        return {
            "store_answers_per_s": round(1 / s.best, 1),
            "baseline_answers_per_s": round(1 / b.best, 1),
            "ratio": round(b.best / s.best, 4),
            "ratio_median": round(statistics.median(
                base / store for store, base in zip(s.samples, b.samples, strict=True)), 4),
            "store_us_per_answer": round(s.best * 1e6, 2),
            "baseline_us_per_answer": round(b.best * 1e6, 2),
            "store_us_per_answer_median": round(s.median * 1e6, 2),
            "baseline_us_per_answer_median": round(b.median * 1e6, 2),
            "store_own_us_per_answer": round(self.own_side.best * 1e6, 2),
            **self.extra,
        }


def _baseline_database(url: str, synchronous: str, script: Script) -> str:
    """Create a baseline database with the store's migrations and one template session (made
    by a store, then closed); returns the template session's id."""
    engine = create_engine(StoreConfig(url=url, sqlite_synchronous=synchronous))
    upgrade(engine)
    store = Store(engine)
    try:
        return store.start_session(script, RESPONDENT, seed=SEED).session_id
    finally:
        store.close()


class SqliteCase(Case):
    placeholder = "?"

    def __init__(self, script: Script, values: Sequence[Any], synchronous: str) -> None:
        super().__init__(script, values)
        self.synchronous = synchronous
        self.key = f"sqlite_{synchronous.lower()}"
        self.title = f"SQLite, synchronous={synchronous}"

    def open(self, stack: ExitStack) -> None:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dk-bench-")))
        (folder / "store").mkdir()
        (folder / "baseline").mkdir()
        config = StoreConfig(url=f"sqlite:///{folder / 'store' / 'dialogkit.db'}",
                             sqlite_synchronous=self.synchronous)
        engine = create_engine(config)
        upgrade(engine)
        self.store = Store(engine)
        stack.callback(self.store.close)
        path = folder / "baseline" / "dialogkit.db"
        self.template_id = _baseline_database(f"sqlite:///{path}", self.synchronous,
                                              self.script)
        self.connection = connect_sqlite(path, self.synchronous)
        stack.callback(self.connection.close)
        self.seeder = connect_sqlite(path, self.synchronous)
        stack.callback(self.seeder.close)
        self.extra["one_row_commits_per_s"] = round(one_row_commits(
            folder / "one-row.db", self.synchronous))

    def seed_begin(self, cursor: Any) -> None:
        cursor.execute("BEGIN IMMEDIATE")

    def settle(self, connection: Any) -> None:
        # Checkpoint and empty the WAL, so that a batch checkpoints only what it wrote itself
        # (not the untimed session starts, which write more pages than the baseline's seeding).
        cursor = connection.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.fetchall()
        cursor.close()


def connect_sqlite(path: Path, synchronous: str) -> sqlite3.Connection:
    """A raw sqlite3 connection set up as `dialogkit.store.create_engine` sets up its own."""
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    return connection


def one_row_commits(path: Path, synchronous: str, seconds: float = 0.3) -> float:
    """For scale: one-row transactions per second on a raw sqlite3 connection."""
    connection = connect_sqlite(path, synchronous)
    try:
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            for _ in range(50):
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO t (v) VALUES (?)", ("x",))
                connection.commit()
            count += 50
        return count / elapsed
    finally:
        connection.close()


class PostgresCase(Case):
    key = "postgresql"
    title = "PostgreSQL"
    placeholder = "%s"

    def __init__(self, script: Script, values: Sequence[Any], url: str) -> None:
        super().__init__(script, values)
        self.url = url

    def open(self, stack: ExitStack) -> None:
        import psycopg

        base = sa.make_url(self.url)
        tag = secrets.token_hex(4)
        schemas = [f"dk_bench_store_{tag}", f"dk_bench_baseline_{tag}"]
        admin = psycopg.connect(**connect_args(base), autocommit=True)
        stack.callback(admin.close)
        for schema in schemas:
            admin.execute(f"CREATE SCHEMA {schema}")
            stack.callback(admin.execute, f"DROP SCHEMA {schema} CASCADE")
        store_url, baseline_url = (
            base.update_query_dict({"options": f"-csearch_path={schema}"}) for schema in schemas)
        engine = create_engine(StoreConfig(url=store_url.render_as_string(hide_password=False)))
        upgrade(engine)
        self.store = Store(engine)
        stack.callback(self.store.close)
        self.template_id = _baseline_database(
            baseline_url.render_as_string(hide_password=False), "NORMAL", self.script)
        self.connection = psycopg.connect(**connect_args(baseline_url))
        stack.callback(self.connection.close)
        self.seeder = psycopg.connect(**connect_args(baseline_url))
        stack.callback(self.seeder.close)
        self.extra["server"] = admin.info.parameter_status("server_version")


def connect_args(url: sa.URL) -> dict[str, Any]:
    """psycopg's connection arguments for a URL, as SQLAlchemy's dialect derives them."""
    engine = sa.create_engine(url.set(drivername="postgresql+psycopg"))
    try:
        _, kwargs = engine.dialect.create_connect_args(engine.url)
    finally:
        engine.dispose()
    kwargs.pop("context", None)  # SQLAlchemy's adapters map; a raw connection has its own
    return kwargs


def postgres_url() -> str:
    url = sa.make_url(os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES_URL)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def postgres_problem(url: str) -> str | None:
    """Why PostgreSQL cannot be used for the benchmark, or None."""
    try:
        import psycopg
    except ImportError as error:
        return f"psycopg is not installed ({error})"
    try:
        with psycopg.connect(**connect_args(sa.make_url(url)), connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except Exception as error:  # any reason at all: report it and go on without PostgreSQL
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    return None


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--seconds", type=float, default=None,
                        help="time spent measuring each side of each configuration "
                             "(default 8, or 1 with --quick)")
    parser.add_argument("--gc", action="store_true",
                        help="keep the cyclic garbage collector running while timing")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else (1.0 if args.quick else 8.0)
    repeats = 3 if args.quick else 7

    script, values = interview()
    cases: list[Case] = [SqliteCase(script, values, "NORMAL"), SqliteCase(script, values, "FULL")]
    url = postgres_url()
    safe_url = sa.make_url(url).render_as_string(hide_password=True)
    problem = postgres_problem(url)
    if problem is None:
        cases.append(PostgresCase(script, values, url))
    else:
        print(f"PostgreSQL at {safe_url} left out: {problem}", file=sys.stderr)

    with ExitStack() as stack:
        for case in cases:
            case.open(stack)
            case.prepare()
            case.size(seconds / repeats)
        for repeat in range(repeats):
            for case in cases:
                case.batch(keep_gc=args.gc, store_first=repeat % 2 == 0)
        for case in cases:
            case.own_work(args.gc)

    print(f"dialogkit store benchmark — Python {platform.python_version()}, SQLite "
          f"{sqlite3.sqlite_version}, {os.cpu_count()} CPUs, {'quick' if args.quick else 'full'} "
          f"run, best of {repeats} repeats, gc {'on' if args.gc else 'paused'} while timing")
    recorded = cases[0].recorded
    calls = sum(len(t) for t in recorded) / len(recorded)
    state = [len(params[3]) for t in recorded for _many, sql, params in t
             if sql.startswith("UPDATE sessions")]
    print(f"  {QUESTIONS}-question script, {len(values)} answers a session (probes included), "
          f"one transaction each: {calls:.1f} driver calls per answer (SQLite, BEGIN included), "
          f"state JSON {min(state)}–{max(state)} bytes")
    for case in cases:
        print(f"  {case.title}: {case.sessions} sessions a batch "
              f"({case.sessions * len(values)} answers)")
    if problem is not None:
        print(f"  PostgreSQL left out ({safe_url}): {problem}")
    print()
    header = (f"{'configuration':<28}  {'store ans/s':>11}  {'µs/answer':>9}  {'(median)':>8}  "
              f"{'baseline ans/s':>14}  {'µs/answer':>9}  {'(median)':>8}  {'ratio':>6}  "
              f"{'(median)':>8}  {'own µs':>6}")
    print(header)
    print("-" * len(header))
    results: dict[str, Any] = {"sqlite_normal": None, "sqlite_full": None, "postgresql": None}
    for case in cases:
        s, b = case.store_side, case.baseline_side
        print(f"{case.title:<28}  {1 / s.best:>11,.0f}  {s.best * 1e6:>9.1f}  "
              f"{s.median * 1e6:>8.1f}  {1 / b.best:>14,.0f}  {b.best * 1e6:>9.1f}  "
              f"{b.median * 1e6:>8.1f}  {case.result()['ratio']:>6.3f}  "
              f"{case.result()['ratio_median']:>8.3f}  "
              f"{case.own_side.best * 1e6:>6.1f}")
        results[case.key] = case.result()
    scale = ", ".join(f"{c.extra['one_row_commits_per_s']:,}/s with {c.synchronous}"
                      for c in cases if isinstance(c, SqliteCase))
    print("\n  ratio: baseline µs / store µs, best against best; (median): the median of the")
    print("  ratios of each repeat's store and baseline batches, which run back to back")
    print("  own µs: the store's own work per answer, measured with a driver that does nothing")
    print(f"  for scale: raw sqlite3 commits one-row transactions at {scale}")
    ratio = min(r["ratio"] for r in results.values() if r is not None)
    for case in cases:
        met = results[case.key]["ratio"] >= 0.5
        print(f"  [{'met' if met else 'MISSED'}] {case.title}: store at least half as fast as "
              f"the raw driver (ratio {results[case.key]['ratio']:.3f} >= 0.5)")
    left_out = {} if problem is None else {"postgresql_left_out": problem}
    print(json.dumps({"bench": "store", "ratio": ratio, **results, **left_out,
                      "quick": args.quick}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
