"""The store: sessions that survive crashes, retries and concurrent writers.

Every change to a session runs in one transaction: the engine applies the step in memory,
then the new state (with its version bumped), the answer rows and the events are written and
committed, and only then is the result returned — so an answer a respondent was told was
saved is in the database. A second writer that started from the same version loses with a
`ConflictError`; the same submission sent twice (a retry, a double click) is recognized and
recorded once.

The per-answer statements are compiled once and run on the driver's own cursor; SQLAlchemy
keeps the schema, the dialects and the migrations.
"""

from __future__ import annotations

import hashlib
import json
import operator
import secrets
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy.dialects import postgresql, sqlite

from dialogkit.channels import Reply, apply_reply
from dialogkit.engine import (
    Conversation,
    FollowUp,
    Prompt,
    Respondent,
    state_from_json,
    state_to_json,
)
from dialogkit.events import Event
from dialogkit.loader import load_script_text
from dialogkit.script import Script
from dialogkit.store import tables

DEFAULT_TOKEN_TTL = timedelta(days=30)
CACHE_SIZE = 1024
_ANSWER_CHANGES = ("answered", "declined", "dropped")


class StoreError(Exception):
    """A store operation that cannot be done; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownSession(StoreError):
    """No session has that id."""


class ConflictError(StoreError):
    """Someone else changed the session first; reload it and try again."""


class TokenError(StoreError):
    """A resume token that is unknown, expired or revoked (`reason` says which)."""

    def __init__(self, message: str, reason: Literal["unknown", "expired", "revoked"]) -> None:
        super().__init__(message)
        self.reason = reason


class _Stale(Exception):
    """The session held in memory is older than the stored one."""


@frozen
class Step:
    """The outcome of a change: the session's new version, what happened, what to ask next.

    `replayed` is true when the same submission had already been recorded (nothing new was
    written); `prompt` is None once the conversation has ended.
    """

    session_id: str
    version: int
    events: tuple[Event, ...]
    prompt: Prompt | None
    status: str
    replayed: bool = False


@frozen
class Started:
    """A new session: its id, the resume token (given out once, stored only hashed), and the
    first step."""

    session_id: str
    token: str
    step: Step


@frozen
class SessionSummary:
    id: str
    program_id: str | None
    script_id: str
    script_version: str
    respondent_id: str | None
    channel: str
    status: str
    version: int
    created_at: datetime
    updated_at: datetime


def hash_token(token: str) -> str:
    """How a resume token is stored: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""Compact JSON; one encoder made once (json.dumps with options makes one per call)."""


class _Statements:
    """The hot-path statements, compiled once for the store's dialect and driver."""

    def __init__(self, dialect: sa.Dialect) -> None:
        self.named = dialect.paramstyle in ("named", "pyformat")
        t = tables
        self.update_session = self._compile(
            t.sessions.update()
            .where(t.sessions.c.id == sa.bindparam("b_id"),
                   t.sessions.c.version == sa.bindparam("b_version"))
            .values(state=sa.bindparam("state"), version=sa.bindparam("version"),
                    status=sa.bindparam("status"), channel=sa.bindparam("channel"),
                    updated_at=sa.bindparam("updated_at"),
                    completed_at=sa.bindparam("completed_at")),
            dialect)
        insert_answer = (sqlite.insert(t.answers) if dialect.name == "sqlite"
                         else postgresql.insert(t.answers))
        self.upsert_answer = self._compile(
            insert_answer.values(
                session_id=sa.bindparam("session_id"), key=sa.bindparam("key"),
                question_id=sa.bindparam("question_id"), value=sa.bindparam("value"),
                other=sa.bindparam("other"), declined=sa.bindparam("declined"),
                probes=sa.bindparam("probes"), answered_at=sa.bindparam("answered_at"))
            .on_conflict_do_update(
                index_elements=[t.answers.c.session_id, t.answers.c.key],
                set_={c: insert_answer.excluded[c]
                      for c in ("value", "other", "declined", "probes", "answered_at")}),
            dialect)
        self.delete_answer = self._compile(
            t.answers.delete().where(t.answers.c.session_id == sa.bindparam("session_id"),
                                     t.answers.c.key == sa.bindparam("key")), dialect)
        self.insert_event = self._compile(t.events.insert().values(
            session_id=sa.bindparam("session_id"), seq=sa.bindparam("seq"),
            kind=sa.bindparam("kind"), key=sa.bindparam("key"), node=sa.bindparam("node"),
            data=sa.bindparam("data"), channel=sa.bindparam("channel"),
            at=sa.bindparam("at")), dialect)
        self.insert_submission = self._compile(t.submissions.insert().values(
            session_id=sa.bindparam("session_id"), submission=sa.bindparam("submission"),
            version=sa.bindparam("version")), dialect)
        session = t.sessions.c
        read_session = sa.select(session.version, session.state, session.script_version).where(
            session.id == sa.bindparam("id"))
        self.read_session = self._compile(read_session, dialect)
        # PostgreSQL: hold the row against other writers until the transaction ends (SQLite's
        # write transactions already lock the whole database)
        self.read_session_locked = self._compile(read_session.with_for_update(key_share=True),
                                                 dialect)
        self.read_version = self._compile(
            sa.select(session.version).where(session.id == sa.bindparam("id")), dialect)
        self.read_script = self._compile(
            sa.select(t.script_versions.c.source, t.script_versions.c.file).where(
                t.script_versions.c.version == sa.bindparam("version")), dialect)
        self.read_submission = self._compile(
            sa.select(t.submissions.c.version).where(
                t.submissions.c.session_id == sa.bindparam("session_id"),
                t.submissions.c.submission == sa.bindparam("submission")), dialect)

    def _compile(self, statement: Any, dialect: sa.Dialect
                 ) -> tuple[str, Callable[[Mapping[str, Any]], Any]]:
        """The SQL text, and what turns named values into the driver's parameters."""
        compiled = statement.compile(dialect=dialect)
        if self.named:
            return compiled.string, _same
        names = tuple(compiled.positiontup or ())
        if len(names) == 1:
            return compiled.string, lambda values: (values[names[0]],)
        return compiled.string, operator.itemgetter(*names)

    @staticmethod
    def params(statement: tuple[str, Callable[[Mapping[str, Any]], Any]],
               values: Mapping[str, Any]) -> Any:
        """`values` in the form the driver takes for `statement`."""
        return statement[1](values)

    @staticmethod
    def fetch_one(cursor: Any, statement: tuple[str, Callable[[Mapping[str, Any]], Any]],
                  **values: Any) -> Any:
        """Run a compiled query; its first row, or None."""
        cursor.execute(statement[0], statement[1](values))
        return cursor.fetchone()


def _same(values: Mapping[str, Any]) -> Mapping[str, Any]:
    return values


class _Loaded:
    """A session held in memory between requests (dropped whenever a write fails)."""

    __slots__ = ("conversation", "version")

    def __init__(self, conversation: Conversation, version: int) -> None:
        self.conversation, self.version = conversation, version


class Store:
    """Durable sessions on SQLite (the embedded default) or PostgreSQL. Open with
    `dialogkit.store.open_store`."""

    def __init__(self, engine: sa.Engine, *, question_types: Mapping[str, Any] | None = None,
                 clock: Callable[[], datetime] | None = None,
                 follow_up: FollowUp | None = None) -> None:
        self.engine = engine
        self.question_types = question_types or {}
        self.clock = clock or (lambda: datetime.now(UTC))
        self.follow_up = follow_up
        self._sql = _Statements(engine.dialect)
        self._sqlite = engine.dialect.name == "sqlite"
        self._local = threading.local()
        self._scripts: dict[str, Script] = {}
        self._programs: set[str] = set()
        self._sessions: OrderedDict[str, _Loaded] = OrderedDict()
        self._lock = threading.Lock()

    # -- connections and transactions ----------------------------------------------------
    def _raw(self) -> Any:
        """This thread's held driver connection."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self.engine.raw_connection()
        return connection

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[Any]:
        connection = self._raw()
        cursor = connection.cursor()
        try:
            if self._sqlite:  # a write takes the lock up front; a read waits for no one (WAL)
                cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield cursor
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()

    def close(self) -> None:
        """Give back this thread's connection and close the pool."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
        self.engine.dispose()

    def _timestamp(self, moment: datetime) -> Any:
        # SQLAlchemy stores SQLite datetimes as naive UTC text; match it so Core reads them
        if self._sqlite:
            return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        return moment

    # -- scripts ---------------------------------------------------------------------------
    def add_script(self, script: Script) -> str:
        """Record a script version (idempotent); sessions pin the version they start with."""
        if self._scripts.get(script.version) is script:
            return script.version
        if script.source is None:
            raise StoreError(f"script '{script.id}' has no source text; load it from a file "
                             "or with dialogkit.loader.load_script_text")
        with self.engine.begin() as connection:
            exists = connection.scalar(sa.select(tables.script_versions.c.version).where(
                tables.script_versions.c.version == script.version))
            if exists is None:
                connection.execute(tables.script_versions.insert().values(
                    version=script.version, script_id=script.id,
                    title=script.title.render({}, script.default_language),
                    source=script.source.text, file=script.file, created_at=self.clock()))
        self._scripts[script.version] = script
        return script.version

    def script(self, version: str) -> Script:
        """The script of a stored version (loaded once)."""
        script = self._scripts.get(version)
        if script is None:
            with self.engine.connect() as connection:
                row = connection.execute(sa.select(
                    tables.script_versions.c.source, tables.script_versions.c.file).where(
                    tables.script_versions.c.version == version)).first()
            if row is None:
                raise StoreError(f"no script version {version[:12]} in the store")
            script = load_script_text(row.source, row.file, question_types=self.question_types)
            self._scripts[version] = script
        return script

    # -- programs and respondents ----------------------------------------------------------
    def add_program(self, program_id: str, name: str | None = None) -> None:
        """Record a program (idempotent)."""
        if program_id in self._programs:
            return
        with self.engine.begin() as connection:
            if connection.scalar(sa.select(tables.programs.c.id).where(
                    tables.programs.c.id == program_id)) is None:
                connection.execute(tables.programs.insert().values(
                    id=program_id, name=name or program_id, created_at=self.clock()))
        self._programs.add(program_id)

    def respondent(self, respondent_id: str) -> Respondent:
        """A stored respondent, as the engine sees them."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(tables.respondents).where(
                tables.respondents.c.id == respondent_id)).first()
        if row is None:
            raise StoreError(f"no respondent '{respondent_id}'")
        if row.opted_out:
            raise StoreError(f"respondent '{respondent_id}' has opted out")
        return Respondent(id=row.id, attributes=dict(row.attributes), role=row.role,
                          segments=list(row.segments))

    def _ensure_respondent(self, connection: sa.Connection, respondent: Respondent) -> None:
        if not respondent.id:
            return
        opted_out = connection.scalar(sa.select(tables.respondents.c.opted_out).where(
            tables.respondents.c.id == respondent.id))
        if opted_out:
            raise StoreError(f"respondent '{respondent.id}' has opted out")
        if opted_out is None:
            connection.execute(tables.respondents.insert().values(
                id=respondent.id, role=respondent.role, segments=list(respondent.segments),
                attributes=dict(respondent.attributes), consent=False, opted_out=False,
                created_at=self.clock()))

    # -- sessions ---------------------------------------------------------------------------
    def start_session(self, script: Script, respondent: Respondent | str | None = None, *,
                      program: str | None = None, channel: str = "web",
                      language: str | None = None, seed: int | None = None,
                      token_ttl: timedelta | None = DEFAULT_TOKEN_TTL,
                      within: Callable[[sa.Connection, Started, Conversation], None] | None = None
                      ) -> Started:
        """Start and store a session; returns its id, its resume token and the first step.

        `respondent` is a stored respondent's id, or a `Respondent` (recorded if new);
        `program` is recorded if new. `within`, when given, is called with the connection,
        the new session and its conversation (to read, not change) before the transaction
        commits: what it writes is committed
        with the session, or neither is (e.g. an invitation that carries the session's
        link).
        """
        self.add_script(script)
        if program is not None:
            self.add_program(program)
        if isinstance(respondent, str):
            respondent = self.respondent(respondent)
        respondent = respondent or Respondent()
        conversation, events = Conversation.start(
            script, respondent, channel=channel, language=language,
            seed=secrets.randbelow(2**31) if seed is None else seed,
            question_types=self.question_types, follow_up=self.follow_up)
        session_id = uuid.uuid4().hex
        token = secrets.token_urlsafe(32)
        now = self.clock()
        state = conversation.state
        with self.engine.begin() as connection:
            self._ensure_respondent(connection, respondent)
            # statements with parameters (not .values()) are built once and cached
            connection.execute(tables.sessions.insert(), dict(
                id=session_id, program_id=program, script_version=script.version,
                respondent_id=respondent.id or None, channel=channel, status=state.status,
                language=state.language, version=1, state=_json(state_to_json(state)),
                created_at=now, updated_at=now))
            connection.execute(tables.events.insert(), [
                self._event_row(session_id, event, channel, now) for event in events])
            connection.execute(tables.resume_tokens.insert(), dict(
                token_hash=hash_token(token), session_id=session_id, created_at=now,
                expires_at=None if token_ttl is None else now + token_ttl))
            connection.execute(tables.contact_history.insert(), dict(
                respondent_id=respondent.id or None, program_id=program,
                session_id=session_id, channel=channel, kind="started", at=now))
            step = Step(session_id=session_id, version=1, events=tuple(events),
                        prompt=conversation.prompt, status=state.status)
            started = Started(session_id=session_id, token=token, step=step)
            if within is not None:
                within(connection, started, conversation)
        self._remember(session_id, _Loaded(conversation, 1))
        return started

    def load(self, session_id: str, *, fresh: bool = True) -> Step:
        """Where a session stands now (its prompt and version).

        With `fresh=False` the copy held in memory is taken as it is, without asking the
        database whether another process has changed the session since (a write still
        checks, and fails with `ConflictError` if it was made against an old version).
        """
        loaded = self._load(session_id, fresh)
        conversation = loaded.conversation
        return Step(session_id=session_id, version=loaded.version, events=(),
                    prompt=conversation.prompt, status=conversation.state.status)

    def conversation(self, session_id: str, *, fresh: bool = True) -> Conversation:
        """The engine's view of a stored session (read it; change it only through the store).
        `fresh` as for `load`."""
        return self._load(session_id, fresh).conversation

    def resume(self, token: str, *, channel: str | None = None) -> Step:
        """Continue a session from its resume token, on any channel."""
        now = self.clock()
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(tables.resume_tokens).where(
                tables.resume_tokens.c.token_hash == hash_token(token))).first()
        if row is None:
            raise TokenError("This link is not valid. Please check that it was copied whole.",
                             "unknown")
        if row.revoked_at is not None:
            raise TokenError("This link has been withdrawn.", "revoked")
        if row.expires_at is not None and _aware(row.expires_at) <= now:
            raise TokenError("This link has expired.", "expired")
        step = self.load(row.session_id)
        conversation = self.conversation(row.session_id)
        if channel and channel != conversation.state.channel:
            step = self._write(row.session_id, step.version, f"resumed on {channel}",
                               lambda c: c.change_channel(channel), contact=channel)
        return step

    def issue_token(self, session_id: str, *, ttl: timedelta | None = DEFAULT_TOKEN_TTL,
                    connection: sa.Connection | None = None) -> str:
        """A new resume token for a session (earlier ones stay valid until revoked); inside
        the caller's transaction when `connection` is given."""
        self._load(session_id)
        if connection is None:
            with self.engine.begin() as own:
                return self.issue_token(session_id, ttl=ttl, connection=own)
        token = secrets.token_urlsafe(32)
        now = self.clock()
        connection.execute(tables.resume_tokens.insert().values(
            token_hash=hash_token(token), session_id=session_id, created_at=now,
            expires_at=None if ttl is None else now + ttl))
        return token

    def token_withdrawn(self, token_hash: str) -> bool:
        """Whether the resume token with this hash (`hash_token`) has been withdrawn (or is
        not known at all); expiry is not withdrawal."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(tables.resume_tokens.c.revoked_at).where(
                tables.resume_tokens.c.token_hash == token_hash)).first()
        return row is None or row.revoked_at is not None

    def revoke_tokens(self, session_id: str) -> int:
        """Withdraw every resume token of a session; returns how many were active."""
        with self.engine.begin() as connection:
            result = connection.execute(tables.resume_tokens.update().where(
                tables.resume_tokens.c.session_id == session_id,
                tables.resume_tokens.c.revoked_at.is_(None)).values(revoked_at=self.clock()))
        return result.rowcount

    def answer(self, session_id: str, value: Any = None, *, other: str | None = None,
               expected_version: int | None = None, submission: str | None = None) -> Step:
        """Answer the current prompt and commit; see `apply` for the arguments."""
        return self.apply(session_id, Reply(value=value, other=other),
                          expected_version=expected_version, submission=submission)

    def decline(self, session_id: str, reason: str = "prefer_not_to_say", *,
                expected_version: int | None = None, submission: str | None = None) -> Step:
        return self.apply(session_id, Reply(action="decline", reason=reason),
                          expected_version=expected_version, submission=submission)

    def back(self, session_id: str, *, expected_version: int | None = None,
             submission: str | None = None) -> Step:
        return self.apply(session_id, Reply(action="back"),
                          expected_version=expected_version, submission=submission)

    def apply(self, session_id: str, reply: Reply, *, expected_version: int | None = None,
              submission: str | None = None) -> Step:
        """Apply a reply to a session and commit it before returning.

        `expected_version` is the version the reply was made against (a web form carries it):
        if the session has moved on, the reply is either a repeat of one already recorded
        (the same submission: its step is returned with `replayed=True`, nothing is written
        twice) or a conflict (`ConflictError`). `submission` names the submission; by default
        it is derived from the version and the reply. An `AnswerError` (a wrong answer)
        changes nothing.
        """
        if reply.action == "stop":
            return self.load(session_id)
        return self._write(session_id, expected_version, submission or _describe(reply),
                           lambda conversation: apply_reply(conversation, reply))

    def _write(self, session_id: str, expected_version: int | None, what: str,
               change: Callable[[Conversation], list[Event]], contact: str | None = None
               ) -> Step:
        try:
            return self._write_once(session_id, expected_version, what, change, contact)
        except _Stale:
            # another process wrote since this one last read: read the session again, locked
            # this time, so the version check (or, with no version named, the change) is made
            # against the session as it now stands
            return self._write_once(session_id, expected_version, what, change, contact)

    def _write_once(self, session_id: str, expected_version: int | None, what: str,
                    change: Callable[[Conversation], list[Event]], contact: str | None
                    ) -> Step:
        sql = self._sql
        with self._lock:  # taken out of the cache while it changes: another thread reads
            loaded = self._sessions.pop(session_id, None)  # its own copy meanwhile
        with self._transaction() as cursor:
            if loaded is None or (expected_version is not None
                                  and expected_version != loaded.version):
                loaded = self._read(cursor, session_id, lock=True)
            version = loaded.version
            if expected_version is not None and expected_version != version:
                replay = self._replayed(cursor, session_id, expected_version, what, loaded)
                if replay is not None:
                    return replay
                self._remember(session_id, loaded)  # as read, unchanged
                raise ConflictError(
                    f"The session has moved on (it is at step {version}, not "
                    f"{expected_version}); reload it and answer again.")
            conversation = loaded.conversation
            events = change(conversation)  # on an error the copy changed is dropped
            now = self.clock()
            at = self._timestamp(now)
            state = conversation.state
            new_version = version + 1
            values = {
                "b_id": session_id, "b_version": version, "version": new_version,
                "state": _json(state_to_json(state)), "status": state.status,
                "channel": state.channel, "updated_at": at,
                "completed_at": at if state.status != "active" else None,
            }
            cursor.execute(sql.update_session[0], sql.params(sql.update_session, values))
            if cursor.rowcount != 1:
                raise _Stale
            self._write_answers(cursor, session_id, conversation, events, at)
            if events:
                cursor.executemany(sql.insert_event[0], [
                    sql.params(sql.insert_event, self._event_row(
                        session_id, event, state.channel, at)) for event in events])
            key = _submission_key(version, what)
            cursor.execute(sql.insert_submission[0], sql.params(sql.insert_submission, {
                "session_id": session_id, "submission": key, "version": new_version}))
            if contact:
                sessions = tables.sessions
                self._execute_core(cursor, tables.contact_history.insert().values(
                    respondent_id=state.respondent.id or None,
                    program_id=sa.select(sessions.c.program_id).where(
                        sessions.c.id == session_id).scalar_subquery(),
                    session_id=session_id, channel=contact, kind="resumed", at=at))
            self._write_referrals(cursor, session_id, conversation, events, at)
        loaded.version = new_version
        self._remember(session_id, loaded)
        return Step(session_id=session_id, version=new_version, events=tuple(events),
                    prompt=conversation.prompt, status=state.status)

    def _write_answers(self, cursor: Any, session_id: str, conversation: Conversation,
                       events: Sequence[Event], at: Any) -> None:
        sql = self._sql
        state = conversation.state
        touched = {e.key for e in events if e.key is not None and e.kind in (
            *_ANSWER_CHANGES, "probe_answered")}
        for key in touched:
            if key in state.answers:
                cursor.execute(sql.upsert_answer[0], sql.params(sql.upsert_answer, {
                    "session_id": session_id, "key": key,
                    "question_id": key.split("[", 1)[0],
                    "value": None if key in state.declined else _json(state.answers[key]),
                    "other": state.other.get(key), "declined": state.declined.get(key),
                    "probes": _json(state.probes.get(key, [])), "answered_at": at}))
            else:
                cursor.execute(sql.delete_answer[0], sql.params(sql.delete_answer, {
                    "session_id": session_id, "key": key}))

    def _write_referrals(self, cursor: Any, session_id: str, conversation: Conversation,
                         events: Sequence[Event], at: Any) -> None:
        """Keep a session's referral rows as its state has them: a referral answered again
        replaces the one before; declined or dropped (after going back), it goes."""
        referrals, by_id = tables.referrals, conversation.script.by_id
        referral_keys = {e.key for e in events if e.kind in _ANSWER_CHANGES
                         and e.node in by_id and by_id[e.node].type == "referral"}
        for key in referral_keys:
            self._execute_core(cursor, referrals.delete().where(
                referrals.c.session_id == session_id, referrals.c.key == key))
        for referral in conversation.state.referrals:
            if referral["key"] in referral_keys:
                self._execute_core(cursor, referrals.insert().values(
                    session_id=session_id, key=referral["key"], name=referral["name"],
                    email=referral.get("email"), phone=referral.get("phone"),
                    role=referral.get("role"), note=referral.get("note"), created_at=at))

    def _execute_core(self, cursor: Any, statement: Any) -> None:
        compiled = statement.compile(dialect=self.engine.dialect)
        if self._sql.named:
            cursor.execute(compiled.string, compiled.params)
        else:
            cursor.execute(compiled.string,
                           tuple(compiled.params[name] for name in compiled.positiontup))

    def _event_row(self, session_id: str, event: Event, channel: str, at: Any
                   ) -> dict[str, Any]:
        return {"session_id": session_id, "seq": event.seq, "kind": event.kind,
                "key": event.key, "node": event.node, "data": _json(event.data),
                "channel": channel, "at": at}

    def _read(self, cursor: Any, session_id: str, lock: bool = False) -> _Loaded:
        """Read a session inside the current transaction; `lock` it against other writers
        until the transaction ends (SQLite's write transactions lock the whole database)."""
        sql = self._sql
        row = sql.fetch_one(cursor, sql.read_session_locked if lock else sql.read_session,
                            id=session_id)
        if row is None:
            raise UnknownSession(f"There is no session '{session_id}'.")
        version, state_json, script_version = row
        script = self._scripts.get(script_version)
        if script is None:  # read in this transaction: on SQLite another connection would
            # wait for the write lock this one may hold
            source, file = sql.fetch_one(cursor, sql.read_script, version=script_version)
            script = self._scripts[script_version] = load_script_text(
                source, file, question_types=self.question_types)
        conversation = Conversation(script, state_from_json(json.loads(state_json)),
                                    self.question_types, self.follow_up)
        return _Loaded(conversation, version)

    def recorded(self, session_id: str, version: int, submission: str) -> Step | None:
        """If `submission`, made against `version`, has been recorded: the session as it
        stands now (`replayed=True`); else None (a page from an earlier step, never sent)."""
        loaded = self._load(session_id)
        with self._transaction(write=False) as cursor:
            return self._replayed(cursor, session_id, version, submission, loaded)

    def _replayed(self, cursor: Any, session_id: str, expected_version: int, what: str,
                  loaded: _Loaded) -> Step | None:
        sql = self._sql
        if sql.fetch_one(cursor, sql.read_submission, session_id=session_id,
                         submission=_submission_key(expected_version, what)) is None:
            return None
        conversation = loaded.conversation
        self._remember(session_id, loaded)
        return Step(session_id=session_id, version=loaded.version, events=(),
                    prompt=conversation.prompt, status=conversation.state.status,
                    replayed=True)

    def _load(self, session_id: str, fresh: bool = True) -> _Loaded:
        """The session as stored now: the copy held in memory if no other process (or
        Store) has changed it since (not asked when `fresh` is false), else read again."""
        with self._lock:
            loaded = self._sessions.get(session_id)
        if loaded is not None and not fresh:
            return loaded
        with self._transaction(write=False) as cursor:
            if loaded is not None:
                row = self._sql.fetch_one(cursor, self._sql.read_version, id=session_id)
                if row is None:
                    raise UnknownSession(f"There is no session '{session_id}'.")
                if row[0] == loaded.version:
                    return loaded
            loaded = self._read(cursor, session_id)
        self._remember(session_id, loaded)
        return loaded

    def _remember(self, session_id: str, loaded: _Loaded) -> None:
        with self._lock:
            self._sessions[session_id] = loaded
            self._sessions.move_to_end(session_id)
            while len(self._sessions) > CACHE_SIZE:
                self._sessions.popitem(last=False)

    def _forget(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    # -- listing ----------------------------------------------------------------------------
    def list_sessions(self, *, program: str | None = None, status: str | None = None,
                      respondent: str | None = None) -> list[SessionSummary]:
        """Sessions, oldest first, optionally filtered."""
        s, v = tables.sessions, tables.script_versions
        query = sa.select(s, v.c.script_id).join(v, v.c.version == s.c.script_version)
        if program is not None:
            query = query.where(s.c.program_id == program)
        if status is not None:
            query = query.where(s.c.status == status)
        if respondent is not None:
            query = query.where(s.c.respondent_id == respondent)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(s.c.created_at, s.c.id)).all()
        return [SessionSummary(
            id=r.id, program_id=r.program_id, script_id=r.script_id,
            script_version=r.script_version, respondent_id=r.respondent_id, channel=r.channel,
            status=r.status, version=r.version, created_at=_aware(r.created_at),
            updated_at=_aware(r.updated_at)) for r in rows]

    def events(self, session_id: str) -> list[dict[str, Any]]:
        """A session's event log, in order."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(tables.events).where(
                tables.events.c.session_id == session_id).order_by(tables.events.c.seq)).all()
        if not rows:  # every stored session has its `started` event
            raise UnknownSession(f"There is no session '{session_id}'.")
        return [{"seq": r.seq, "kind": r.kind, "key": r.key, "node": r.node,
                 "data": json.loads(r.data), "channel": r.channel, "at": _aware(r.at)}
                for r in rows]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _describe(reply: Reply) -> str:
    return _json([reply.action, reply.value, reply.other, reply.reason])


def _submission_key(version: int, what: str) -> str:
    return hashlib.sha256(f"{version}\n{what}".encode()).hexdigest()


