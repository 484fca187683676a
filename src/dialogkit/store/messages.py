"""Outbound messages, sent exactly once; opt-outs and bounces; inbound messages handled once.

Channels that send messages of their own (email, SMS) keep them here:

- A message is **queued** under a `dedupe_key`: queuing the same key again does nothing, so a
  campaign run twice queues each message once.
- Sending moves it to **sending** just before the point of no return (for SMTP, before the
  final ``.`` of the DATA phase), then to **sent** once the server has taken it; a temporary
  failure puts it back to **queued** with the reason, a permanent one marks it **failed**.
  A message still *sending* after a crash may or may not have gone: it is not sent again
  unless asked (`requeue`).
- The payload (the message with its links) is kept only until the message is sent or has
  failed.

Opt-outs and bounces are **suppressions**, per channel and address, across every program: a
suppressed address is never contacted again. Opt-out links carry a token of their own
(stored hashed). Inbound messages (replies, bounces) are recorded by the hash of their own id,
so a message read twice is handled once.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from attrs import frozen

from dialogkit.store import tables
from dialogkit.store.store import Store, TokenError, hash_token

MessageState = Literal["queued", "sending", "sent", "failed"]


@frozen
class OutboundMessage:
    """A stored outbound message (without its payload)."""

    id: str
    channel: str
    kind: str
    dedupe_key: str
    program_id: str | None
    respondent_id: str | None
    session_id: str | None
    address: str
    subject: str | None
    external_id: str | None
    state: MessageState
    attempts: int
    last_error: str | None
    asked_key: str | None
    asked_version: int | None
    created_at: datetime
    sent_at: datetime | None


@frozen
class OptOut:
    """The address an opt-out link was for, and whether this use of it opted it out
    (false when it already was)."""

    channel: str
    address: str
    respondent_id: str | None
    new: bool


def _message_columns() -> list[sa.Column[Any]]:
    return [tables.messages.c[attribute.name] for attribute in OutboundMessage.__attrs_attrs__]


def normalize_address(address: str) -> str:
    """How addresses are compared and suppressed: trimmed and lower-cased."""
    return address.strip().lower()


def key_hash(key: str) -> str:
    """How an inbound message's own id is recorded: its SHA-256."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Messages:
    """The outbound messages, suppressions and inbound records of a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine
        self._columns = _message_columns()

    def _now(self) -> datetime:
        return self.store.clock()

    # -- queuing -----------------------------------------------------------------------------
    def queue(self, connection: sa.Connection, *, channel: str, dedupe_key: str, kind: str,
              address: str, payload: bytes, subject: str | None = None,
              external_id: str | None = None, program_id: str | None = None,
              respondent_id: str | None = None, session_id: str | None = None,
              reply_token: str | None = None, asked_key: str | None = None,
              asked_version: int | None = None) -> str | None:
        """Queue a message inside the caller's transaction; returns its id, or None when a
        message with this `dedupe_key` exists already (nothing is written)."""
        if self.exists(dedupe_key, connection):
            return None
        message_id = uuid.uuid4().hex
        connection.execute(tables.messages.insert(), dict(
            id=message_id, channel=channel, dedupe_key=dedupe_key, kind=kind,
            program_id=program_id, respondent_id=respondent_id, session_id=session_id,
            address=address, subject=subject, external_id=external_id, state="queued",
            attempts=0, payload=payload,
            reply_token_hash=hash_token(reply_token) if reply_token else None,
            asked_key=asked_key, asked_version=asked_version, created_at=self._now()))
        return message_id

    def exists(self, dedupe_key: str, connection: sa.Connection | None = None) -> bool:
        """Whether a message was queued under `dedupe_key` (in any state)."""
        query = sa.select(tables.messages.c.id).where(
            tables.messages.c.dedupe_key == dedupe_key)
        if connection is not None:
            return connection.scalar(query) is not None
        with self.engine.connect() as own:
            return own.scalar(query) is not None

    def existing_keys(self, dedupe_keys: Iterable[str]) -> set[str]:
        """Which of `dedupe_keys` have a message already."""
        keys = list(dedupe_keys)
        found: set[str] = set()
        with self.engine.connect() as connection:
            for start in range(0, len(keys), 500):
                found.update(connection.scalars(sa.select(tables.messages.c.dedupe_key).where(
                    tables.messages.c.dedupe_key.in_(keys[start:start + 500]))))
        return found

    # -- reading -------------------------------------------------------------------------------
    def _select(self) -> sa.Select[Any]:
        return sa.select(*self._columns)

    def _records(self, query: sa.Select[Any]) -> list[OutboundMessage]:
        with self.engine.connect() as connection:
            return [OutboundMessage(**row._mapping) for row in connection.execute(query)]

    def find(self, *, channel: str | None = None, state: MessageState | None = None,
             kinds: Sequence[str] | None = None, program_id: str | None = None,
             session_id: str | None = None) -> list[OutboundMessage]:
        """Messages matching every given filter, oldest first."""
        query = self._select().order_by(tables.messages.c.created_at, tables.messages.c.id)
        column = tables.messages.c
        for value, condition in ((channel, column.channel == channel),
                                 (state, column.state == state),
                                 (kinds, column.kind.in_(kinds or ())),
                                 (program_id, column.program_id == program_id),
                                 (session_id, column.session_id == session_id)):
            if value is not None:
                query = query.where(condition)
        return self._records(query)

    def queued(self, channel: str, batch: int = 200
               ) -> Iterator[tuple[OutboundMessage, bytes]]:
        """The queued messages of a channel with their payloads, oldest first, read a batch
        at a time (a message queued while this runs comes in a later batch)."""
        column = tables.messages.c
        after: tuple[Any, str] | None = None
        while True:
            query = sa.select(*self._columns, column.payload).where(
                column.channel == channel, column.state == "queued",
                column.payload.is_not(None)).order_by(column.created_at, column.id).limit(batch)
            if after is not None:
                query = query.where(sa.tuple_(column.created_at, column.id) > after)
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
            for row in rows:
                values = dict(row._mapping)
                payload = values.pop("payload")
                yield OutboundMessage(**values), payload
            if len(rows) < batch:
                return
            after = (rows[-1].created_at, rows[-1].id)

    def payload(self, message_id: str) -> bytes | None:
        """The message to send (None once it is sent or has failed)."""
        with self.engine.connect() as connection:
            return connection.scalar(sa.select(tables.messages.c.payload).where(
                tables.messages.c.id == message_id))

    def by_reply_token(self, token: str) -> OutboundMessage | None:
        """The message whose reply carries `token`."""
        found = self._records(self._select().where(
            tables.messages.c.reply_token_hash == hash_token(token)))
        return found[0] if found else None

    def by_external_ids(self, channel: str, external_ids: Sequence[str]
                        ) -> list[OutboundMessage]:
        """Sent messages with these external ids (email Message-IDs), in the given order."""
        if not external_ids:
            return []
        found = {m.external_id: m for m in self._records(self._select().where(
            tables.messages.c.channel == channel,
            tables.messages.c.external_id.in_(list(external_ids))))}
        return [found[i] for i in external_ids if i in found]

    def counts(self, *, channel: str, program_id: str | None = None) -> dict[str, int]:
        """How many messages are in each state."""
        column = tables.messages.c
        query = sa.select(column.state, sa.func.count()).where(
            column.channel == channel).group_by(column.state)
        if program_id is not None:
            query = query.where(column.program_id == program_id)
        with self.engine.connect() as connection:
            return {state: count for state, count in connection.execute(query)}

    # -- the state machine ---------------------------------------------------------------------
    def _move(self, message_id: str, from_states: Sequence[str],
              record: OutboundMessage | None = None, **values: Any) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(tables.messages.update().where(
                tables.messages.c.id == message_id,
                tables.messages.c.state.in_(list(from_states))).values(**values))
            moved = result.rowcount == 1
            if moved and values.get("state") == "sent":
                row: Any = record or connection.execute(sa.select(
                    tables.messages.c.respondent_id, tables.messages.c.program_id,
                    tables.messages.c.session_id, tables.messages.c.channel,
                    tables.messages.c.kind).where(tables.messages.c.id == message_id)).one()
                connection.execute(tables.contact_history.insert().values(
                    respondent_id=row.respondent_id, program_id=row.program_id,
                    session_id=row.session_id, channel=row.channel, kind=row.kind,
                    at=values["sent_at"]))
        return moved

    def mark_sending(self, message_id: str) -> None:
        """queued → sending, counting the attempt; raises `MessageStateError` when the
        message is not queued (another run took it)."""
        column = tables.messages.c
        if not self._move(message_id, ["queued"], state="sending",
                          attempts=column.attempts + 1):
            raise MessageStateError(f"message {message_id} is not queued")

    def mark_sent(self, message_id: str, record: OutboundMessage | None = None) -> None:
        """sending → sent: the payload is dropped and the send is written to the contact
        history (`record`, the message as read before, saves reading it again)."""
        self._move(message_id, ["sending"], record, state="sent", sent_at=self._now(),
                   payload=None, last_error=None)

    def defer(self, message_id: str, reason: str) -> None:
        """Back to queued after a temporary failure, with the reason."""
        self._move(message_id, ["sending", "queued"], state="queued", last_error=reason)

    def fail(self, message_id: str, reason: str) -> None:
        """A permanent failure: the message will not be sent; its payload is dropped."""
        self._move(message_id, ["sending", "queued"], state="failed", last_error=reason,
                   payload=None)

    def requeue(self, message_ids: Iterable[str]) -> int:
        """Put messages left *sending* by a stopped run back in the queue (they may go
        twice); returns how many."""
        ids = list(message_ids)
        if not ids:
            return 0
        with self.engine.begin() as connection:
            return connection.execute(tables.messages.update().where(
                tables.messages.c.id.in_(ids), tables.messages.c.state == "sending").values(
                state="queued")).rowcount

    # -- suppressions and opt-outs -------------------------------------------------------------
    def suppress(self, channel: str, address: str, reason: Literal["opted_out", "bounced"],
                 detail: str | None = None, connection: sa.Connection | None = None) -> bool:
        """Never contact `address` on `channel` again; returns false if it already was.
        An opt-out also marks every respondent with that email address as opted out."""
        if connection is None:
            with self.engine.begin() as own:
                return self.suppress(channel, address, reason, detail, own)
        address = normalize_address(address)
        if self.suppression(channel, address, connection) is not None:
            return False
        now = self._now()
        connection.execute(tables.suppressions.insert().values(
            channel=channel, address=address, reason=reason, detail=detail, at=now))
        same_email = sa.func.lower(tables.respondents.c.email) == address
        ids: list[str | None] = []
        if channel == "email":
            if reason == "opted_out":
                connection.execute(tables.respondents.update().where(same_email).values(
                    opted_out=True))
            ids = list(connection.scalars(sa.select(tables.respondents.c.id).where(same_email)))
        for respondent_id in ids or [None]:
            connection.execute(tables.contact_history.insert().values(
                respondent_id=respondent_id, program_id=None, session_id=None,
                channel=channel, kind=reason, at=now))
        return True

    def suppression(self, channel: str, address: str,
                    connection: sa.Connection | None = None) -> str | None:
        """Why `address` must not be contacted on `channel` ("opted_out", "bounced"), or
        None."""
        query = sa.select(tables.suppressions.c.reason).where(
            tables.suppressions.c.channel == channel,
            tables.suppressions.c.address == normalize_address(address))
        if connection is not None:
            return connection.scalar(query)
        with self.engine.connect() as own:
            return own.scalar(query)

    def suppressed(self, channel: str) -> dict[str, str]:
        """Every suppressed address of a channel, with the reason."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(
                tables.suppressions.c.address, tables.suppressions.c.reason).where(
                tables.suppressions.c.channel == channel))
            return {address: reason for address, reason in rows}

    def issue_opt_out_token(self, connection: sa.Connection, channel: str, address: str,
                            respondent_id: str | None = None) -> str:
        """A new token for an opt-out link (inside the caller's transaction); stored
        hashed."""
        token = secrets.token_urlsafe(32)
        connection.execute(tables.opt_out_tokens.insert(), dict(
            token_hash=hash_token(token), channel=channel,
            address=normalize_address(address), respondent_id=respondent_id,
            created_at=self._now()))
        return token

    def opt_out_address(self, token: str) -> tuple[str, str]:
        """The (channel, address) an opt-out token is for; raises `TokenError`."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(
                tables.opt_out_tokens.c.channel, tables.opt_out_tokens.c.address).where(
                tables.opt_out_tokens.c.token_hash == hash_token(token))).first()
        if row is None:
            raise TokenError("This link is not valid. Please check that it was copied whole.",
                             "unknown")
        return row.channel, row.address

    def opt_out(self, token: str) -> OptOut:
        """Opt out the address an opt-out link was sent to (idempotent); raises
        `TokenError` for an unknown token."""
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(tables.opt_out_tokens).where(
                tables.opt_out_tokens.c.token_hash == hash_token(token))).first()
            if row is None:
                raise TokenError("This link is not valid. Please check that it was copied "
                                 "whole.", "unknown")
            new = self.suppress(row.channel, row.address, "opted_out",
                                "opt-out link", connection)
        return OptOut(channel=row.channel, address=row.address,
                      respondent_id=row.respondent_id, new=new)

    # -- inbound ---------------------------------------------------------------------------------
    def inbound_outcome(self, channel: str, key: str) -> str | None:
        """What became of an inbound message handled before (None: not handled yet)."""
        with self.engine.connect() as connection:
            return connection.scalar(sa.select(tables.inbound.c.outcome).where(
                tables.inbound.c.channel == channel,
                tables.inbound.c.key_hash == key_hash(key)))

    def record_inbound(self, channel: str, key: str, outcome: str, *,
                       message_id: str | None = None, session_id: str | None = None,
                       detail: str | None = None,
                       connection: sa.Connection | None = None) -> bool:
        """Record an inbound message as handled; false when it was already."""
        if connection is None:
            with self.engine.begin() as own:
                return self.record_inbound(channel, key, outcome, message_id=message_id,
                                           session_id=session_id, detail=detail,
                                           connection=own)
        hashed = key_hash(key)
        if connection.scalar(sa.select(tables.inbound.c.outcome).where(
                tables.inbound.c.channel == channel,
                tables.inbound.c.key_hash == hashed)) is not None:
            return False
        connection.execute(tables.inbound.insert().values(
            channel=channel, key_hash=hashed, message_id=message_id, session_id=session_id,
            outcome=outcome, detail=detail, received_at=self._now()))
        return True


class MessageStateError(Exception):
    """A message is not in the state the change needs."""
