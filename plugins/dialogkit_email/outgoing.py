"""Queuing the email channel's messages, each exactly once.

Every message is written to the store's queue (`dialogkit.store.messages`) in the same
transaction as what it carries: an invitation with its new session and resume link, a
reminder with a fresh link, a follow-up question with the answer it follows. Its dedupe key
says what it is for, so whatever runs twice queues it once:

- ``email:invitation:PROGRAM:RESPONDENT``: one invitation per person and program;
- ``email:reminder:SESSION:N``: the Nth reminder of a session;
- ``email:reply:INBOUND``: the answer to one inbound reply (next question, a request to
  reply again, or thanks).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from attrs import frozen

from dialogkit.engine import Conversation, Prompt, Respondent, state_from_json, state_to_json
from dialogkit.script import Script
from dialogkit.store.messages import Messages
from dialogkit.store.respondents import Candidate
from dialogkit.store.store import DEFAULT_TOKEN_TTL, Started, Store
from dialogkit_email.adapter import QuestionView, answerable, view
from dialogkit_email.compose import Composer, Envelope, Kind, Recipient
from dialogkit_email.settings import EmailSettings
from dialogkit_email.transport import wire_bytes
from dialogkit_email.words import translator

CHANNEL = "email"


@frozen
class Thread:
    """The reply a message answers: its Message-ID, the ids it refers to, its subject."""

    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str | None


@frozen
class Ahead:
    """What an email would put to the person next: the statements before it, and the
    prompt (None once the conversation has ended)."""

    lead: tuple[str, ...]
    prompt: Prompt | None


def look_ahead(conversation: Conversation) -> Ahead:
    """The next prompt that asks something, past any statements, without changing the
    conversation (a copy is moved on)."""
    prompt = conversation.prompt
    if prompt is None or prompt.kind != "statement":
        return Ahead(lead=(), prompt=prompt)
    copy = Conversation(conversation.script,
                        state_from_json(state_to_json(conversation.state)),
                        conversation.question_types, conversation.follow_up)
    lead: list[str] = []
    while (prompt := copy.prompt) is not None and prompt.kind == "statement":
        lead.append(prompt.text)
        copy.proceed()
    return Ahead(lead=tuple(lead), prompt=prompt)


def language_for(script: Script, candidate: Candidate) -> str:
    """The session language: the respondent's `language` attribute when the script speaks
    it, else the script's default."""
    wanted = candidate.attributes.get("language")
    languages = script.document.languages
    if isinstance(wanted, str):
        for language in languages:
            if language.lower() == wanted.lower() or language.split("-")[0] == wanted.lower():
                return language
    return script.default_language


def estimate_text(script: Script, language: str) -> str:
    minutes = max(1, round(script.document.estimated_minutes))
    t = translator(language)
    return t("minute") if minutes == 1 else t("minutes", minutes=minutes)


def reply_subject(subject: str | None) -> str:
    """"Re: …" for a message answering `subject` (without piling up prefixes)."""
    text = (subject or "").strip()
    while text[:3].lower() in ("re:", "aw:", "sv:") or text[:4].lower() == "fwd:":
        text = text.split(":", 1)[1].strip()
    return f"Re: {text}" if text else "Re:"


class Outgoing:
    """Composes and queues the email channel's messages in one store."""

    def __init__(self, store: Store, settings: EmailSettings, composer: Composer | None = None,
                 token_ttl: timedelta | None = DEFAULT_TOKEN_TTL) -> None:
        self.store = store
        self.settings = settings
        self.composer = composer or Composer(settings)
        self.messages = Messages(store)
        self.token_ttl = token_ttl

    # -- links ---------------------------------------------------------------------------
    def resume_url(self, token: str) -> str:
        return f"{self.settings.web_url}/r/{token}"

    def opt_out_url(self, token: str) -> str:
        return f"{self.settings.web_url}/u/{token}"

    # -- invitations -----------------------------------------------------------------------
    @staticmethod
    def invitation_key(program: str, respondent_id: str) -> str:
        return f"email:invitation:{program}:{respondent_id}"

    def invite(self, script: Script, candidate: Candidate, *, program: str,
               by_reply: bool = False) -> str | None:
        """Start a session for `candidate` and queue its invitation, both or neither;
        returns the message id, or None when this person was invited to `program` before."""
        language = language_for(script, candidate)
        queued: list[str] = []

        def queue_invitation(connection: sa.Connection, started: Started,
                             conversation: Conversation) -> None:
            message_id = self._queue_session_message(
                connection, "invitation", self.invitation_key(program, candidate.id),
                script=script, candidate=candidate, language=language, program=program,
                session_id=started.session_id, resume_token=started.token,
                conversation=conversation, by_reply=by_reply, version=started.step.version)
            if message_id is None:  # invited before: keep no session either
                raise _InvitedBefore
            queued.append(message_id)

        try:
            self.store.start_session(script, _respondent(candidate), program=program,
                                     channel=CHANNEL, language=language,
                                     token_ttl=self.token_ttl, within=queue_invitation)
        except (_InvitedBefore, sa.exc.IntegrityError):  # IntegrityError: another run, now
            return None
        return queued[0]

    def preview(self, script: Script, candidate: Candidate, *, by_reply: bool = False
                ) -> EmailMessage:
        """The invitation `candidate` would get, with placeholder links; writes nothing."""
        language = language_for(script, candidate)
        conversation, _ = Conversation.start(
            script, _respondent(candidate), channel=CHANNEL, language=language,
            question_types=self.store.question_types)
        return self._compose("invitation", script, candidate, language, conversation,
                             resume_token="TOKEN", opt_out_token="OPT-OUT-TOKEN",
                             reply_token="REPLY-TOKEN" if by_reply else None,
                             message_id=self.composer.new_message_id(),
                             by_reply=by_reply)[0]

    # -- reminders -------------------------------------------------------------------------
    def remind(self, session_id: str, number: int, candidate: Candidate, *,
               program: str | None, by_reply: bool) -> str | None:
        """Queue reminder number `number` of a session, with a fresh link."""
        conversation = self.store.conversation(session_id)
        version = self.store.load(session_id).version
        key = f"email:reminder:{session_id}:{number}"
        with self.store.engine.begin() as connection:
            if self.messages.exists(key, connection):
                return None
            token = self.store.issue_token(session_id, ttl=self.token_ttl,
                                           connection=connection)
            return self._queue_session_message(
                connection, "reminder", key, script=conversation.script, candidate=candidate,
                language=conversation.state.language, program=program,
                session_id=session_id, resume_token=token, conversation=conversation,
                by_reply=by_reply,
                version=version)

    # -- answers to replies ----------------------------------------------------------------
    def follow_up(self, connection: sa.Connection, *, inbound_key: str, session_id: str,
                  conversation: Conversation, version: int, candidate: Candidate,
                  program: str | None, thread: Thread, intro: str,
                  error: str | None = None, kind: Kind = "question") -> str | None:
        """Queue the answer to an inbound reply: the next question (or a request to reply
        again, with `error`), thanks when the conversation has ended, or (`kind`
        "resume") a link to finish another time."""
        key = f"email:reply:{hashlib.sha256(inbound_key.encode()).hexdigest()}"
        if self.messages.exists(key, connection):
            return None
        token = self.store.issue_token(session_id, ttl=self.token_ttl, connection=connection)
        return self._queue_session_message(
            connection, kind, key, script=conversation.script, candidate=candidate,
            language=conversation.state.language, program=program, session_id=session_id,
            resume_token=token, conversation=conversation, by_reply=kind == "question",
            version=version,
            thread=thread, intro=intro, error=error)

    # -- composing --------------------------------------------------------------------------
    def _queue_session_message(self, connection: sa.Connection, kind: Kind, key: str, *,
                               script: Script, candidate: Candidate, language: str,
                               program: str | None, session_id: str, resume_token: str,
                               conversation: Conversation, by_reply: bool, version: int,
                               thread: Thread | None = None, intro: str | None = None,
                               error: str | None = None) -> str | None:
        assert candidate.email
        opt_out_token = self.messages.issue_opt_out_token(connection, CHANNEL, candidate.email,
                                                          candidate.id)
        reply_token = secrets.token_urlsafe(24) if by_reply else None
        message_id = self.composer.new_message_id()
        message, asked = self._compose(
            kind, script, candidate, language, conversation, resume_token=resume_token,
            opt_out_token=opt_out_token, reply_token=reply_token, message_id=message_id,
            by_reply=by_reply, thread=thread, intro=intro, error=error)
        return self.messages.queue(
            connection, channel=CHANNEL, dedupe_key=key, kind=kind, address=candidate.email,
            payload=wire_bytes(message), subject=str(message["Subject"]),
            external_id=message_id,
            program_id=program, respondent_id=candidate.id,
            session_id=session_id, reply_token=reply_token if asked else None,
            asked_key=asked.key if asked else None,
            asked_version=version if asked else None)

    def _compose(self, kind: Kind, script: Script, candidate: Candidate, language: str,
                 conversation: Conversation, *, resume_token: str, opt_out_token: str,
                 reply_token: str | None, message_id: str, by_reply: bool,
                 thread: Thread | None = None, intro: str | None = None,
                 error: str | None = None
                 ) -> tuple[EmailMessage, Prompt | None]:
        env = conversation.env()
        ahead = look_ahead(conversation) if by_reply else Ahead((), None)
        asked = ahead.prompt if ahead.prompt is not None and answerable(ahead.prompt) else None
        question: QuestionView | None = view(asked, language, ahead.lead) if asked else None
        context: dict[str, Any] = {
            "title": script.title.render(env, language),
            "purpose": script.purpose.render(env, language),
            "estimate": estimate_text(script, language),
            "link": self.resume_url(resume_token),
            "question": question, "intro": intro or "", "error": error,
            "about": (translator(language)("probe_about", question=asked.question_text)
                      if asked is not None and asked.kind == "probe" and asked.question_text
                      else None),
            "closing": (script.closing.render(env, language) if script.closing is not None
                        else script.purpose.render(env, language)),
            "reply_subject": reply_subject(thread.subject) if thread else None,
        }
        if kind == "question" and conversation.prompt is None:
            kind = "thanks"
            asked = None
        in_reply_to = thread.in_reply_to if thread else None
        references = list(thread.references) if thread else []
        if in_reply_to and in_reply_to not in references:
            references.append(in_reply_to)
        envelope = Envelope(message_id=message_id, opt_out_url=self.opt_out_url(opt_out_token),
                            reply_token=reply_token if asked else None,
                            in_reply_to=in_reply_to, references=tuple(references[-10:]))
        recipient = Recipient(address=candidate.email or "", name=candidate.name,
                              first_name=candidate.first_name, id=candidate.id,
                              attributes=candidate.attributes)
        message = self.composer.compose(kind, recipient, envelope, language=language,
                                        context=context, now=self.store.clock())
        return message, asked


class _InvitedBefore(Exception):
    """The invitation's dedupe key is taken: undo the new session."""


def _respondent(candidate: Candidate) -> Respondent:
    return Respondent(id=candidate.id, attributes=dict(candidate.attributes),
                      role=candidate.role, segments=list(candidate.segments))
