"""Who is due a reminder: invited by email, not finished, not heard from lately.

A session is reminded when its invitation was sent, the conversation is still open, the last
message to it (invitation, reminder, or a question answering a reply) went out at least
`after` ago, fewer than `maximum` reminders were
sent, and neither the person nor their address has opted out or bounced since.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from attrs import frozen

from dialogkit.store import tables
from dialogkit.store.messages import Messages, OutboundMessage, normalize_address
from dialogkit.store.respondents import Candidate, read_candidates
from dialogkit.store.store import Store
from dialogkit_email.outgoing import CHANNEL


@frozen
class DueReminder:
    session_id: str
    number: int
    """1 for the first reminder of the session, 2 for the second..."""
    candidate: Candidate
    program: str | None
    by_reply: bool


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _open_sessions(store: Store, session_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    column = tables.sessions.c
    with store.engine.connect() as connection:
        for start in range(0, len(session_ids), 500):
            found.update(connection.scalars(sa.select(column.id).where(
                column.id.in_(session_ids[start:start + 500]), column.status == "active")))
    return found


def due_reminders(store: Store, messages: Messages, *, program: str | None,
                  after: timedelta, maximum: int) -> list[DueReminder]:
    """The reminders to send now (see the module docstring)."""
    by_session: dict[str, list[OutboundMessage]] = {}
    for message in messages.find(channel=CHANNEL, program_id=program):
        if message.session_id is not None:
            by_session.setdefault(message.session_id, []).append(message)
    now = store.clock()
    suppressed = messages.suppressed(CHANNEL)
    open_sessions = _open_sessions(store, list(by_session))
    candidates = {c.id: c for c in read_candidates(store.engine)}
    due = []
    for session_id, sent in by_session.items():
        invitation = next((m for m in sent if m.kind == "invitation"), None)
        if invitation is None or invitation.state != "sent" or session_id not in open_sessions:
            continue
        reminders = [m for m in sent if m.kind == "reminder" and m.state != "failed"]
        if len(reminders) >= maximum or any(m.state != "sent" for m in reminders):
            continue
        last = max(_aware(m.sent_at) for m in sent if m.sent_at)
        candidate = candidates.get(invitation.respondent_id or "")
        if (now - last < after or candidate is None or not candidate.email
                or candidate.opted_out or normalize_address(candidate.email) in suppressed):
            continue
        due.append(DueReminder(session_id=session_id, number=len(reminders) + 1,
                               candidate=candidate, program=invitation.program_id,
                               by_reply=invitation.asked_key is not None))
    return due
