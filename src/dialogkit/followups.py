"""Calling the follow-up hooks on a session's events and collecting what they return."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import pluggy

from dialogkit.engine import Conversation
from dialogkit.events import Event
from dialogkit.plugin_types import Alert, Probe, Tag
from dialogkit.script import Script

ANSWER_EVENTS = frozenset(("answered", "probe_answered"))


class FollowUpDispatcher:
    """Calls `dialogkit_after_answer` for each answer and `dialogkit_after_session` at the end.

    Each follow-up (alert, tag or proposed probe) is kept in `followups` as plain data with
    the event it answers, and returned by `dispatch` so a channel can show it.
    """

    def __init__(self, manager: pluggy.PluginManager, script: Script) -> None:
        self.hook = manager.hook
        self.script = script
        self.followups: list[dict[str, Any]] = []

    def dispatch(self, conversation: Conversation, events: Iterable[Event]) -> list[dict[str, Any]]:
        """Run the hooks for `events`; returns the new follow-ups."""
        found: list[dict[str, Any]] = []
        state = conversation.state
        for event in events:
            if event.kind in ANSWER_EVENTS:
                results = self.hook.dialogkit_after_answer(script=self.script, state=state,
                                                           event=event)
            elif event.kind == "completed":
                results = self.hook.dialogkit_after_session(
                    script=self.script, state=state, outcome=event.data["outcome"])
            else:
                continue
            for result in results:
                for followup in result or ():
                    found.append(_describe(followup, event))
        self.followups.extend(found)
        return found


def _describe(followup: Alert | Probe | Tag, event: Event) -> dict[str, Any]:
    kind = {Alert: "alert", Probe: "probe", Tag: "tag"}.get(type(followup))
    if kind is None:
        raise TypeError(f"a follow-up hook returned {followup!r}; expected Alert, Probe or Tag")
    data = attrs.asdict(followup, retain_collection_types=False)
    if kind == "probe":
        data["message"] = data.pop("text")
    return {"kind": kind, "event": event.seq, "key": event.key, **data}
