"""Shared fixtures: databases to run the store against.

SQLite always; PostgreSQL when `DIALOGKIT_TEST_POSTGRES_URL` names a server (each test gets
a schema of its own, dropped afterwards). With `CI=true` a missing PostgreSQL fails the
PostgreSQL tests instead of skipping them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_ENV = "DIALOGKIT_TEST_POSTGRES_URL"


def postgres_url() -> str:
    """The PostgreSQL server to test against, or skip (fail on CI) without one."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = f"no PostgreSQL server: set {POSTGRES_ENV} (e.g. " \
                  "postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database, SQLite and PostgreSQL in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server = sa.make_url(postgres_url())
    schema = f"test_{secrets.token_hex(6)}"
    admin = sa.create_engine(server)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
