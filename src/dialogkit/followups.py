"""Calling the follow-up hooks on a session's events and collecting what they return."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs
import pluggy

from dialogkit.engine import Conversation
from dialogkit.events import Event
from dialogkit.plugin_types import Alert, Probe, Tag
from dialogkit.script import Script


class FollowUpDispatcher:
    """Runs the follow-up hooks for a conversation and keeps what they return.

    Pass `follow_up` to `Conversation.start` (or `Conversation`): it calls
    `dialogkit_after_answer` as soon as an answer is given, so the probes plugins propose are
    asked right away, after the script's own. Then hand each call's events to `dispatch`: it
    calls `dialogkit_after_answer` for probe answers and `dialogkit_after_session` when the
    session ends. Every follow-up (alert, tag or proposed probe) is kept in `followups` as
    plain data with the event it answers.
    """

    def __init__(self, manager: pluggy.PluginManager, script: Script) -> None:
        self.hook = manager.hook
        self.script = script
        self.followups: list[dict[str, Any]] = []
        self._handled: set[int] = set()

    def follow_up(self, conversation: Conversation, event: Event) -> list[str]:
        """The engine's callback after an answer; returns the probes plugins propose."""
        self._handled.add(event.seq)
        found = self._after_answer(conversation, event)
        return [f["message"] for f in found if f["kind"] == "probe"]

    def dispatch(self, conversation: Conversation, events: Iterable[Event]) -> list[dict[str, Any]]:
        """Run the hooks for `events` not handled yet; returns the new follow-ups."""
        found: list[dict[str, Any]] = []
        for event in events:
            if event.seq in self._handled:
                self._handled.discard(event.seq)
            elif event.kind in ("answered", "probe_answered"):
                found.extend(self._after_answer(conversation, event))
            elif event.kind == "completed":
                results = self.hook.dialogkit_after_session(
                    script=self.script, state=conversation.state, outcome=event.data["outcome"])
                found.extend(self._collect(results, event))
        return found

    def _after_answer(self, conversation: Conversation, event: Event) -> list[dict[str, Any]]:
        results = self.hook.dialogkit_after_answer(script=self.script, state=conversation.state,
                                                   event=event)
        return self._collect(results, event)

    def _collect(self, results: Iterable[Any], event: Event) -> list[dict[str, Any]]:
        found = [_describe(followup, event) for result in results for followup in result or ()]
        self.followups.extend(found)
        return found


def probes_from_plugins(manager: pluggy.PluginManager
                        ) -> Callable[[Conversation, Event], list[str]]:
    """A store's or conversation's `follow_up` callback: after each answer, the probes the
    `dialogkit_after_answer` hooks of `manager`'s plugins propose (alerts and tags they return
    are not kept by it; use `FollowUpDispatcher` for those)."""
    def follow_up(conversation: Conversation, event: Event) -> list[str]:
        return FollowUpDispatcher(manager, conversation.script).follow_up(conversation, event)

    return follow_up


def _describe(followup: Alert | Probe | Tag, event: Event) -> dict[str, Any]:
    kind = {Alert: "alert", Probe: "probe", Tag: "tag"}.get(type(followup))
    if kind is None:
        raise TypeError(f"a follow-up hook returned {followup!r}; expected Alert, Probe or Tag")
    data = attrs.asdict(followup)
    if kind == "probe":
        data["message"] = data.pop("text")
    return {"kind": kind, "event": event.seq, "key": event.key, **data}
