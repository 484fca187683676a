"""Interviewer-administered fieldwork: interviewer accounts and the programs they work on,
the call queue (one case per respondent and program), every call attempt with its AAPOR
disposition, and the interviewer's notes.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "interviewers",
        sa.Column("id", sa.String(100), primary_key=True, comment="the name they sign in with"),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False, comment="argon2id; never the password"),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("password_changed_at", Timestamp, nullable=False,
                  comment="sign-ins from before it are no longer valid")
    )
    op.create_table(
        "interviewer_programs",
        sa.Column("interviewer_id", sa.String(100), sa.ForeignKey("interviewers.id"),
                  primary_key=True),
        sa.Column("program_id", sa.String(100), sa.ForeignKey("programs.id"), primary_key=True)
    )
    op.create_table(
        "call_cases",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("program_id", sa.String(100), sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("respondent_id", sa.String(100), sa.ForeignKey("respondents.id"), nullable=False,
                  index=True),
        sa.Column("script_version", sa.String(64), sa.ForeignKey("script_versions.version"),
                  nullable=False),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"),
                  comment="the interview, once started"),
        sa.Column("time_zone", sa.String(64), nullable=False, comment="the respondent's, IANA"),
        sa.Column("state", sa.String(20), nullable=False, comment="open or closed"),
        sa.Column("appointment", sa.Boolean, nullable=False,
                  comment="next_call_at is a time agreed with the respondent"),
        sa.Column("next_call_at", Timestamp, nullable=False, comment="not to be called before"),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_code", sa.String(10), comment="AAPOR disposition of the last attempt"),
        sa.Column("final_code", sa.String(10), comment="AAPOR final disposition once closed"),
        sa.Column("claimed_by", sa.String(100), sa.ForeignKey("interviewers.id"), index=True),
        sa.Column("claimed_until", Timestamp, comment="the claim lapses after this"),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Index("ix_call_cases_queue", "program_id", "state", "appointment", "time_zone",
             "next_call_at"),
        sa.UniqueConstraint("program_id", "respondent_id", name="uq_call_cases_program_respondent")
    )
    op.create_table(
        "call_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("call_cases.id"), nullable=False,
                  index=True),
        sa.Column("interviewer_id", sa.String(100), sa.ForeignKey("interviewers.id"),
                  nullable=False),
        sa.Column("started_at", Timestamp, nullable=False),
        sa.Column("ended_at", Timestamp, nullable=False),
        sa.Column("code", sa.String(10), nullable=False, comment="AAPOR disposition code"),
        sa.Column("callback_at", Timestamp),
        sa.Column("note", sa.Text)
    )
    op.create_table(
        "call_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("call_cases.id"), nullable=False,
                  index=True),
        sa.Column("interviewer_id", sa.String(100), sa.ForeignKey("interviewers.id"),
                  nullable=False),
        sa.Column("question_key", sa.String(300), comment="the question it is about, if any"),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", Timestamp, nullable=False)
    )


def downgrade() -> None:
    for table in ("call_notes", "call_attempts", "call_cases", "interviewer_programs",
                  "interviewers"):
        op.drop_table(table)
