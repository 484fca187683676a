"""Reading what comes back: replies that answer a question, and bounces.

Each inbound message is handled once (the store records it by its Message-ID):

- a **delivery status notification** (RFC 3464) marks every permanently failed address as
  bounced: it is never written to again, by any program;
- an **automatic reply** (out of office, RFC 3834) is noted and not answered;
- a **reply** is matched to its session by the token in the address it was sent to
  (``replies+TOKEN@…``), or else by the messages it refers to when it comes from the address
  the question went to. Quoted text and signatures are removed, the words are read as an
  answer to the question the message asked and recorded through the engine, and the next
  question (or thanks) is queued. Words that can't be read get a polite request to reply
  again, saying what is expected; a reply to a question answered since (by email or on the
  web) gets the current question; a reply after the conversation ended is noted.

Queued answers are sent by `dialogkit.delivery.deliver`, as `dialogkit inbox` does.
"""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Literal, cast

from attrs import define, field

from dialogkit.answers import AnswerError
from dialogkit.channels import Reply
from dialogkit.store.messages import Messages, OutboundMessage, normalize_address
from dialogkit.store.respondents import Candidate, read_candidates
from dialogkit.store.store import ConflictError, Store
from dialogkit_email.adapter import EmailChannel
from dialogkit_email.bounces import Bounce, parse_bounce
from dialogkit_email.inbound import InboundMessage, InboundSource
from dialogkit_email.outgoing import CHANNEL, Outgoing, Thread, look_ahead
from dialogkit_email.replies import (
    is_automatic,
    referenced_ids,
    reply_text,
    reply_tokens,
    sender_address,
)
from dialogkit_email.words import translator


@define
class InboxReport:
    """What a run of `process_inbox` did, by outcome."""

    answered: int = 0
    asked_again: int = 0
    bounced: int = 0
    automatic: int = 0
    unmatched: int = 0
    late: int = 0
    stale: int = 0
    duplicates: int = 0
    bounced_addresses: list[str] = field(factory=list)


class Inbox:
    """Handles inbound email for one store."""

    def __init__(self, store: Store, outgoing: Outgoing) -> None:
        self.store = store
        self.outgoing = outgoing
        self.settings = outgoing.settings
        self.messages: Messages = outgoing.messages

    def process(self, source: InboundSource,
                on_progress: Callable[[InboundMessage], None] | None = None) -> InboxReport:
        """Handle every new message of `source`, marking each done once handled."""
        report = InboxReport()
        for item in source.messages():
            self.handle(item, report)
            source.done(item.key)
            if on_progress is not None:
                on_progress(item)
        return report

    def handle(self, item: InboundMessage, report: InboxReport) -> str:
        """Handle one inbound message; returns its outcome."""
        message = cast(EmailMessage, message_from_bytes(item.raw, policy=policy.default))
        key = str(message.get("Message-ID") or "").strip() or f"source:{item.key}"
        if self.messages.inbound_outcome(CHANNEL, key) is not None:
            report.duplicates += 1
            return "duplicate"
        bounce = parse_bounce(message)
        if bounce is not None:
            addresses = list(bounce.permanent_addresses)
            with self.store.engine.begin() as connection:
                for address in addresses:
                    if self.messages.suppress(CHANNEL, address, "bounced",
                                              _bounce_detail(bounce, address), connection):
                        report.bounced_addresses.append(address)
                self.messages.record_inbound(CHANNEL, key, "bounce" if addresses else "delayed",
                                             detail=", ".join(addresses) or None,
                                             connection=connection)
            report.bounced += bool(addresses)
            return "bounce"
        if is_automatic(message):
            self.messages.record_inbound(CHANNEL, key, "automatic")
            report.automatic += 1
            return "automatic"
        asked = self._asked(message)
        if asked is None or asked.session_id is None:
            self.messages.record_inbound(CHANNEL, key, "unmatched")
            report.unmatched += 1
            return "unmatched"
        outcome = self._answer(message, key, asked)
        setattr(report, outcome, getattr(report, outcome) + 1)
        return outcome

    def _asked(self, message: EmailMessage) -> OutboundMessage | None:
        """The message this one replies to (see the module docstring)."""
        reply_to = self.settings.reply_to
        for token in reply_tokens(message, reply_to.username, reply_to.domain):
            found = self.messages.by_reply_token(token)
            if found is not None:
                return found
        sender = sender_address(message)
        for found in reversed(self.messages.by_external_ids(CHANNEL, referenced_ids(message))):
            if found.asked_key and sender == normalize_address(found.address):
                return found
        return None

    def _answer(self, message: EmailMessage, key: str, asked: OutboundMessage) -> str:
        assert asked.session_id is not None
        session_id = asked.session_id
        conversation = self.store.conversation(session_id)
        candidate = read_candidates(self.store.engine, [asked.respondent_id])[0] \
            if asked.respondent_id else None
        if conversation.prompt is None or candidate is None or not candidate.email:
            self.messages.record_inbound(CHANNEL, key, "late", message_id=asked.id,
                                         session_id=session_id)
            return "late"
        language = conversation.state.language
        t = translator(language)
        thread = Thread(in_reply_to=key if key.startswith("<") else None,
                        references=tuple(referenced_ids(message)),
                        subject=str(message["Subject"] or ""))
        ahead = look_ahead(conversation)
        version = self.store.load(session_id).version
        if (ahead.prompt is None or ahead.prompt.key != asked.asked_key
                or version != asked.asked_version):  # answered since, here or on the web
            return self._queue(key, asked, session_id, candidate, "stale", thread,
                               intro=t("stale_intro"))
        text = reply_text(message)
        try:
            reply = EmailChannel({"language": language}).parse(ahead.prompt, text)
            if reply.action == "stop":  # LATER: a link to finish another time
                return self._queue(key, asked, session_id, candidate, "answered", thread,
                                   intro="", kind="resume")
            self._record(session_id, key, reply)
        except AnswerError as error:
            return self._queue(key, asked, session_id, candidate, "asked_again", thread,
                               intro=t("reask_intro"),
                               error=f"{error.in_language(language)} {t('reask_again')}")
        return self._queue(key, asked, session_id, candidate, "answered", thread,
                           intro=t("question_intro"))

    def _record(self, session_id: str, key: str, reply: Reply) -> None:
        """Continue past statements, then record the reply, each step once however often
        this runs (the submission names the inbound message)."""
        for _ in range(100):
            step = self.store.load(session_id)
            prompt = step.prompt
            if prompt is None or prompt.kind != "statement":
                break
            self.store.apply(session_id, Reply(value=None), expected_version=step.version,
                             submission=f"{key}:continue:{step.version}")
        step = self.store.load(session_id)
        try:
            self.store.apply(session_id, reply, expected_version=step.version,
                             submission=f"{key}:answer")
        except ConflictError:  # changed on the web meanwhile; the reply no longer fits
            raise AnswerError("Your answer crossed with a change made elsewhere; please reply "
                              "once more.") from None

    def _queue(self, key: str, asked: OutboundMessage, session_id: str, candidate: Candidate,
               outcome: str, thread: Thread, *, intro: str, error: str | None = None,
               kind: Literal["question", "resume"] = "question") -> str:
        conversation = self.store.conversation(session_id)
        version = self.store.load(session_id).version
        with self.store.engine.begin() as connection:
            self.outgoing.follow_up(
                connection, inbound_key=key, session_id=session_id,
                conversation=conversation, version=version, candidate=candidate,
                program=asked.program_id, thread=thread, intro=intro, error=error, kind=kind)
            self.messages.record_inbound(CHANNEL, key, outcome, message_id=asked.id,
                                         session_id=session_id, connection=connection)
        return outcome


def _bounce_detail(bounce: Bounce, address: str) -> str | None:
    for recipient in bounce.recipients:
        if recipient.address.lower() == address.lower():
            return f"{recipient.status} {recipient.diagnostic or ''}".strip()
    return None
