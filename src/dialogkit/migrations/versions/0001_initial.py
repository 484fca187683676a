"""The first store schema: programs, scripts, accounts, respondents, sessions, answers,
events, submissions, resume tokens, referrals and the contact history.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "programs",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "script_versions",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("script_id", sa.String(100), nullable=False, index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "respondents",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("account_id", sa.String(100), sa.ForeignKey("accounts.id"), index=True),
        sa.Column("name", sa.Text),
        sa.Column("email", sa.Text, index=True),
        sa.Column("phone", sa.Text),
        sa.Column("role", sa.String(100)),
        sa.Column("segments", sa.JSON, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("opted_out", sa.Boolean, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("program_id", sa.String(100), sa.ForeignKey("programs.id"), index=True),
        sa.Column("script_version", sa.String(64), sa.ForeignKey("script_versions.version"),
                  nullable=False, index=True),
        sa.Column("respondent_id", sa.String(100), sa.ForeignKey("respondents.id"),
                  index=True),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("completed_at", Timestamp),
    )
    op.create_table(
        "answers",
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("other", sa.Text),
        sa.Column("declined", sa.String(30)),
        sa.Column("probes", sa.Text, nullable=False),
        sa.Column("answered_at", Timestamp, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("key", sa.String(300)),
        sa.Column("node", sa.String(100)),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("submission", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "resume_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False,
                  index=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp),
        sa.Column("revoked_at", Timestamp),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False,
                  index=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("email", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("role", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "contact_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("respondent_id", sa.String(100), sa.ForeignKey("respondents.id"),
                  index=True),
        sa.Column("program_id", sa.String(100), sa.ForeignKey("programs.id"), index=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id")),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("at", Timestamp, nullable=False, index=True),
    )


def downgrade() -> None:
    for table in ("contact_history", "referrals", "resume_tokens", "submissions", "events",
                  "answers", "sessions", "respondents", "accounts", "script_versions",
                  "programs"):
        op.drop_table(table)
