"""Outbound messages sent exactly once, org-wide opt-outs and bounces (suppressions), the
tokens of opt-out links, and inbound messages already handled.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("dedupe_key", sa.String(300), nullable=False, unique=True,
                  comment="one message per key: a rerun recognizes what it queued before"),
        sa.Column("kind", sa.String(30), nullable=False,
                  comment="invitation, reminder, question..."),
        sa.Column("program_id", sa.String(100), sa.ForeignKey("programs.id"), index=True),
        sa.Column("respondent_id", sa.String(100), sa.ForeignKey("respondents.id"),
                  index=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), index=True),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("external_id", sa.String(300), index=True,
                  comment="e.g. the email Message-ID"),
        sa.Column("state", sa.String(20), nullable=False, index=True,
                  comment="queued, sending, sent or failed"),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("payload", sa.LargeBinary,
                  comment="the message to send; cleared once it is sent or has failed"),
        sa.Column("reply_token_hash", sa.String(64), index=True,
                  comment="sha256 of the token a reply to the message carries; never the "
                          "token"),
        sa.Column("asked_key", sa.String(300), comment="the question the message puts"),
        sa.Column("asked_version", sa.Integer, comment="the session version it was put at"),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("sent_at", Timestamp),
    )
    op.create_table(
        "suppressions",
        sa.Column("channel", sa.String(50), primary_key=True),
        sa.Column("address", sa.String(320), primary_key=True, comment="lower-cased"),
        sa.Column("reason", sa.String(30), nullable=False, comment="opted_out or bounced"),
        sa.Column("detail", sa.Text),
        sa.Column("at", Timestamp, nullable=False),
    )
    op.create_table(
        "opt_out_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True,
                  comment="sha256; never the token"),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("respondent_id", sa.String(100), sa.ForeignKey("respondents.id")),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "inbound",
        sa.Column("channel", sa.String(50), primary_key=True),
        sa.Column("key_hash", sa.String(64), primary_key=True,
                  comment="sha256 of the message's own id (an email's Message-ID)"),
        sa.Column("message_id", sa.String(32), sa.ForeignKey("messages.id"),
                  comment="the message it answers, when known"),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id")),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("received_at", Timestamp, nullable=False),
    )


def downgrade() -> None:
    for table in ("inbound", "opt_out_tokens", "suppressions", "messages"):
        op.drop_table(table)
