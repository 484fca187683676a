"""Column comments (on PostgreSQL; SQLite keeps none): the schema says what its JSON and
hashed columns hold, as `dialogkit.store.tables` does.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COMMENTS = [
    # table, column, type, nullable, comment
    ("script_versions", "version", sa.String(64), False, "sha256 of the script"),
    ("script_versions", "source", sa.Text(), False, "the script file as loaded"),
    ("sessions", "version", sa.Integer(), False, "bumped by every change"),
    ("sessions", "state", sa.Text(), False, "the engine's session state, JSON"),
    ("answers", "value", sa.Text(), True, "JSON; null when declined"),
    ("answers", "probes", sa.Text(), False, "JSON list of probe answers"),
    ("events", "data", sa.Text(), False, "JSON"),
    ("submissions", "submission", sa.String(64), False,
     "what was submitted at which version, hashed: a retry is recognized"),
    ("submissions", "version", sa.Integer(), False, "the session version it made"),
    ("resume_tokens", "token_hash", sa.String(64), False, "sha256; never the token"),
    ("contact_history", "kind", sa.String(30), False, "started, resumed, invited..."),
]


def _comment(upgrading: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # no comments to keep (and altering a column there rebuilds its table)
    for table, column, type_, nullable, comment in COMMENTS:
        op.alter_column(table, column, existing_type=type_, existing_nullable=nullable,
                        comment=comment if upgrading else None,
                        existing_comment=None if upgrading else comment)


def upgrade() -> None:
    _comment(upgrading=True)


def downgrade() -> None:
    _comment(upgrading=False)
