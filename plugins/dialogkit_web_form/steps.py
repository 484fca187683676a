"""What the pages do to the store, and where the store's calls run.

The store is synchronous and holds one database connection per thread. On PostgreSQL its
calls run on a small, fixed set of threads of the web form's own (never more than the
connection pool can serve), so the event loop goes on while a call waits for the server; each
request makes one trip there (a posted answer is read, checked and recorded in the same
trip). On SQLite they run on the event loop itself: a write takes well under a millisecond,
SQLite lets one writer in at a time anyway, and handing each call to a thread costs more
(under load, threads and the loop take turns at the interpreter lock) than the call.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Literal, TypeVar

from attrs import frozen

from dialogkit.answers import AnswerError, localized_message
from dialogkit.engine import Conversation, NavigationError
from dialogkit.script import Script
from dialogkit.store import Store
from dialogkit.store.store import DEFAULT_TOKEN_TTL, ConflictError, Started, Step
from dialogkit_web_form.forms import has_typed_answer, reply_from_form

T = TypeVar("T")
DEFAULT_THREADS = 4
"""Threads for the store's calls when it is not on SQLite."""


@frozen
class Submitted:
    """What became of a posted page.

    ``next``: recorded (or nothing to record), show the page as it now stands; ``moved``: the
    page was answered elsewhere first; ``rejected``: `error` says what is expected (in the
    session's language; `field` names the part of the answer it is about, if one), `step` and
    `conversation` are the page as it was; ``saved``: what was typed is recorded and `token`
    is a new resume token.
    """

    outcome: Literal["next", "moved", "rejected", "saved"]
    step: Step | None = None
    conversation: Conversation | None = None
    error: str | None = None
    field: str | None = None
    token: str | None = None


class StoreWorker:
    """Runs the web form's store calls on `threads` threads of its own, or on the event loop
    when `threads` is 0 (None: 0 on SQLite, `DEFAULT_THREADS` otherwise)."""

    def __init__(self, store: Store, *, threads: int | None = None,
                 token_ttl: timedelta | None = DEFAULT_TOKEN_TTL) -> None:
        self.store = store
        self.token_ttl = token_ttl
        if threads is None:
            threads = 0 if store.engine.dialect.name == "sqlite" else DEFAULT_THREADS
        self._executor = (ThreadPoolExecutor(threads, thread_name_prefix="dialogkit-store")
                          if threads else None)

    async def run(self, call: Callable[[], T]) -> T:
        """Call the store the way this app does (see the module docstring)."""
        if self._executor is None:
            return call()
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def view(self, session_id: str) -> tuple[Step, Conversation]:
        """The session as it stands (raises `UnknownSession`)."""
        def view() -> tuple[Step, Conversation]:
            step = self.store.load(session_id)
            return step, self.store.conversation(session_id, fresh=False)

        return await self.run(view)

    async def resume(self, token: str) -> Step:
        """The session of a resume token, continued on the web (raises `TokenError`)."""
        return await self.run(functools.partial(self.store.resume, token, channel="web"))

    async def token_withdrawn(self, token_hash: str) -> bool:
        """Whether the link a browser was granted a session by has been withdrawn."""
        return await self.run(functools.partial(self.store.token_withdrawn, token_hash))

    async def start(self, script: Script, language: str | None = None) -> Started:
        """A new session of an open script, for an unnamed visitor."""
        return await self.run(functools.partial(
            self.store.start_session, script, None, program=script.id, channel="web",
            language=language, token_ttl=self.token_ttl))

    async def submit(self, session_id: str, fields: Mapping[str, list[str]],
                     version: int | None, submission: str | None) -> Submitted:
        """Record a posted page (raises `UnknownSession`)."""
        return await self.run(functools.partial(
            self._submit, session_id, fields, version, submission))

    def _submit(self, session_id: str, fields: Mapping[str, list[str]], version: int | None,
                submission: str | None) -> Submitted:
        # The form is read against the step it was made from. The copy held in memory is
        # that step when their versions agree (the write then checks that nothing changed
        # meanwhile); otherwise another process may have moved the session on: read it again.
        store = self.store
        step = store.load(session_id, fresh=False)
        if version is None or step.version != version:
            step = store.load(session_id)
            if version is not None and step.version != version:
                # a page from an earlier step: a repeat of a post already recorded, or stale
                if submission and store.recorded(session_id, version, submission):
                    return Submitted("next")
                return Submitted("moved")
        conversation = store.conversation(session_id, fresh=False)
        prompt = step.prompt
        if prompt is None:
            return Submitted("next")
        try:
            reply = reply_from_form(prompt, fields)
            if reply.action == "stop":
                if has_typed_answer(prompt, fields):
                    typed = reply_from_form(prompt, {**fields, "action": ["next"]})
                    store.apply(session_id, typed, expected_version=version,
                                submission=submission)
                token = store.issue_token(session_id, ttl=self.token_ttl)
                return Submitted("saved", conversation=conversation, token=token)
            store.apply(session_id, reply, expected_version=version, submission=submission)
        except ConflictError:
            return Submitted("moved")
        except (AnswerError, NavigationError) as error:
            return Submitted("rejected", step=step, conversation=conversation,
                             error=localized_message(error, conversation.state.language),
                             field=getattr(error, "field", None))
        return Submitted("next")

    def close(self) -> None:
        """Let the threads go once their work is done."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
