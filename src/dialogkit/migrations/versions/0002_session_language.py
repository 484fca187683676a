"""Sessions record their interview language (for reports by language); existing sessions get
it from their stored state.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("language", sa.String(20)))
    sessions = sa.table("sessions", sa.column("id", sa.String), sa.column("state", sa.Text),
                        sa.column("language", sa.String))
    connection = op.get_bind()
    for session_id, state in connection.execute(sa.select(sessions.c.id, sessions.c.state)):
        language = json.loads(state).get("language")
        connection.execute(sessions.update().where(sessions.c.id == session_id)
                           .values(language=language))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("language")
