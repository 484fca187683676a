"""Durable sessions: the store (SQLite by default, PostgreSQL by URL).

    from dialogkit.store import open_store

    store = open_store(project_dir=".")          # dialogkit.db in the folder, migrated
    started = store.start_session(script, "cust-1042", program="diplomacy-2026")
    step = store.answer(started.session_id, 9, expected_version=started.step.version)

See docs/store.md.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from dialogkit.engine import FollowUp
from dialogkit.store.config import StoreConfig, StoreConfigError, resolve_config
from dialogkit.store.store import (
    ConflictError,
    SessionSummary,
    Started,
    Step,
    Store,
    StoreError,
    TokenError,
    UnknownSession,
    hash_token,
)

__all__ = [
    "ConflictError",
    "SessionSummary",
    "Started",
    "Step",
    "Store",
    "StoreConfig",
    "StoreConfigError",
    "StoreError",
    "TokenError",
    "UnknownSession",
    "create_engine",
    "current_revision",
    "hash_token",
    "head_revision",
    "open_store",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
MIGRATION_LOCK = 0x6469616C6F67  # "dialog": the PostgreSQL advisory lock migrations hold


def create_engine(config: StoreConfig) -> sa.Engine:
    """An SQLAlchemy engine for the store; SQLite gets WAL, its `synchronous` setting,
    foreign keys, a busy timeout, and transactions that take the write lock up front."""
    sqlite = config.url.startswith("sqlite")
    # the store holds one connection per thread that uses it; an SQLite connection is only a
    # file handle, so any number of threads may each have one
    engine = sa.create_engine(config.url, **({"max_overflow": -1} if sqlite else {}))
    if engine.dialect.name == "sqlite":
        synchronous = config.sqlite_synchronous

        @sa.event.listens_for(engine, "connect")
        def _configure(connection: Any, _record: Any) -> None:
            connection.isolation_level = None  # BEGIN is issued below, not by the driver
            cursor = connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            _journal_mode_wal(cursor)
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _journal_mode_wal(cursor: Any) -> None:
    """Switch a database to WAL (it stays so). The switch needs the database to itself and
    SQLite may refuse it at once, without waiting, while another process opens it too (two
    web workers starting on a new store): try again until the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Migrate the store's schema to `revision` (the newest by default), keeping all data."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # one migration at a time (workers that
            # start together); SQLite's write transaction already locks the database
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK})
        command.upgrade(_alembic_config(connection), revision)


def current_revision(engine: sa.Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest schema revision this version of dialogkit knows."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def open_store(url: str | None = None, project_dir: str | os.PathLike[str] = ".", *,
               sqlite_synchronous: str | None = None, migrate: bool = True,
               question_types: Mapping[str, Any] | None = None,
               follow_up: FollowUp | None = None) -> Store:
    """Open the project's store (see `dialogkit.store.config` for where it is), migrating
    its schema to the newest revision unless `migrate` is false."""
    config = resolve_config(url, project_dir, sqlite_synchronous)
    engine = create_engine(config)
    if migrate:
        upgrade(engine)
    elif (revision := current_revision(engine)) != head_revision():
        where = engine.url.render_as_string(hide_password=True)
        state = (f"is at schema revision {revision}, not {head_revision()}" if revision
                 else "has no schema yet")
        raise StoreError(f"the store at {where} {state}: run `dialogkit db upgrade`")
    return Store(engine, question_types=question_types, follow_up=follow_up)
