"""Alembic environment: runs the migrations on the connection `dialogkit.store` hands over,
or on `sqlalchemy.url` when alembic is used directly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from dialogkit.store.tables import metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
        with engine.begin() as own:
            _migrate(own)
        return
    _migrate(connection)


def _migrate(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run()
