"""The store's tables (SQLAlchemy Core). Alembic migrations in `dialogkit/migrations` create
and upgrade them; this module is what the code and the migrations' autogenerate compare with.

Every engine event is appended to `events` and never changed; `sessions.state` holds the
current state of each session (the engine's JSON), `answers` one row per answered question
(probe answers with their question) for reports and exports.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

Timestamp = sa.DateTime(timezone=True)

programs = sa.Table(
    "programs", metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
)

script_versions = sa.Table(
    "script_versions", metadata,
    sa.Column("version", sa.String(64), primary_key=True, comment="sha256 of the script"),
    sa.Column("script_id", sa.String(100), nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False, comment="the script file as loaded"),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
)

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
)

respondents = sa.Table(
    "respondents", metadata,
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

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("program_id", sa.String(100), sa.ForeignKey("programs.id"), index=True),
    sa.Column("script_version", sa.String(64), sa.ForeignKey("script_versions.version"),
              nullable=False, index=True),
    sa.Column("respondent_id", sa.String(100), sa.ForeignKey("respondents.id"), index=True),
    sa.Column("channel", sa.String(50), nullable=False),
    sa.Column("language", sa.String(20)),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False, comment="bumped by every change"),
    sa.Column("state", sa.Text, nullable=False, comment="the engine's session state, JSON"),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("completed_at", Timestamp),
)

answers = sa.Table(
    "answers", metadata,
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("question_id", sa.String(100), nullable=False),
    sa.Column("value", sa.Text, comment="JSON; null when declined"),
    sa.Column("other", sa.Text),
    sa.Column("declined", sa.String(30)),
    sa.Column("probes", sa.Text, nullable=False, comment="JSON list of probe answers"),
    sa.Column("answered_at", Timestamp, nullable=False),
)

events = sa.Table(
    "events", metadata,
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("key", sa.String(300)),
    sa.Column("node", sa.String(100)),
    sa.Column("data", sa.Text, nullable=False, comment="JSON"),
    sa.Column("channel", sa.String(50), nullable=False),
    sa.Column("at", Timestamp, nullable=False),
)

submissions = sa.Table(
    "submissions", metadata,
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("submission", sa.String(64), primary_key=True,
              comment="what was submitted at which version, hashed: a retry is recognized"),
    sa.Column("version", sa.Integer, nullable=False, comment="the session version it made"),
)

resume_tokens = sa.Table(
    "resume_tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True, comment="sha256; never the token"),
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False,
              index=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp),
    sa.Column("revoked_at", Timestamp),
)

referrals = sa.Table(
    "referrals", metadata,
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

contact_history = sa.Table(
    "contact_history", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("respondent_id", sa.String(100), sa.ForeignKey("respondents.id"), index=True),
    sa.Column("program_id", sa.String(100), sa.ForeignKey("programs.id"), index=True),
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id")),
    sa.Column("channel", sa.String(50), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False, comment="started, resumed, invited..."),
    sa.Column("at", Timestamp, nullable=False, index=True),
)

messages = sa.Table(
    "messages", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("channel", sa.String(50), nullable=False),
    sa.Column("dedupe_key", sa.String(300), nullable=False, unique=True,
              comment="one message per key: a rerun recognizes what it queued before"),
    sa.Column("kind", sa.String(30), nullable=False, comment="invitation, reminder, question..."),
    sa.Column("program_id", sa.String(100), sa.ForeignKey("programs.id"), index=True),
    sa.Column("respondent_id", sa.String(100), sa.ForeignKey("respondents.id"), index=True),
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), index=True),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("subject", sa.Text),
    sa.Column("external_id", sa.String(300), index=True, comment="e.g. the email Message-ID"),
    sa.Column("state", sa.String(20), nullable=False, index=True,
              comment="queued, sending, sent or failed"),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("payload", sa.LargeBinary,
              comment="the message to send; cleared once it is sent or has failed"),
    sa.Column("reply_token_hash", sa.String(64), index=True,
              comment="sha256 of the token a reply to the message carries; never the token"),
    sa.Column("asked_key", sa.String(300), comment="the question the message puts"),
    sa.Column("asked_version", sa.Integer, comment="the session version it was put at"),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("sent_at", Timestamp),
)

suppressions = sa.Table(
    "suppressions", metadata,
    sa.Column("channel", sa.String(50), primary_key=True),
    sa.Column("address", sa.String(320), primary_key=True, comment="lower-cased"),
    sa.Column("reason", sa.String(30), nullable=False, comment="opted_out or bounced"),
    sa.Column("detail", sa.Text),
    sa.Column("at", Timestamp, nullable=False),
)

opt_out_tokens = sa.Table(
    "opt_out_tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True, comment="sha256; never the token"),
    sa.Column("channel", sa.String(50), nullable=False),
    sa.Column("address", sa.String(320), nullable=False),
    sa.Column("respondent_id", sa.String(100), sa.ForeignKey("respondents.id")),
    sa.Column("created_at", Timestamp, nullable=False),
)

inbound = sa.Table(
    "inbound", metadata,
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

# -- interviewer-administered fieldwork (the phone channel) -------------------------------------

interviewers = sa.Table(
    "interviewers", metadata,
    sa.Column("id", sa.String(100), primary_key=True, comment="the name they sign in with"),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False, comment="argon2id; never the password"),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("password_changed_at", Timestamp, nullable=False,
              comment="sign-ins from before it are no longer valid"),
)

interviewer_programs = sa.Table(
    "interviewer_programs", metadata,
    sa.Column("interviewer_id", sa.String(100), sa.ForeignKey("interviewers.id"),
              primary_key=True),
    sa.Column("program_id", sa.String(100), sa.ForeignKey("programs.id"), primary_key=True),
)

call_cases = sa.Table(
    "call_cases", metadata,
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
    sa.UniqueConstraint("program_id", "respondent_id", name="uq_call_cases_program_respondent"),
)

call_attempts = sa.Table(
    "call_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(32), sa.ForeignKey("call_cases.id"), nullable=False,
              index=True),
    sa.Column("interviewer_id", sa.String(100), sa.ForeignKey("interviewers.id"),
              nullable=False),
    sa.Column("started_at", Timestamp, nullable=False),
    sa.Column("ended_at", Timestamp, nullable=False),
    sa.Column("code", sa.String(10), nullable=False, comment="AAPOR disposition code"),
    sa.Column("callback_at", Timestamp),
    sa.Column("note", sa.Text),
)

call_notes = sa.Table(
    "call_notes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(32), sa.ForeignKey("call_cases.id"), nullable=False,
              index=True),
    sa.Column("interviewer_id", sa.String(100), sa.ForeignKey("interviewers.id"),
              nullable=False),
    sa.Column("question_key", sa.String(300), comment="the question it is about, if any"),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", Timestamp, nullable=False),
)
