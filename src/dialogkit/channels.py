"""The channel interface: how a prompt reaches a person and how their reply comes back.

Channels only translate. A channel adapter renders a `Prompt` for its medium and parses the
person's reply into a `Reply`; `apply_reply` hands that to the engine, which alone decides what
to ask next. Channel plugins register a `dialogkit.plugin_types.Channel` record whose factory
builds an adapter; `dialogkit.testing.channel_contract` checks that an adapter conforms.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from attrs import frozen

from dialogkit.engine import Conversation, Prompt
from dialogkit.events import Event

__all__ = ["ChannelAdapter", "Reply", "apply_reply", "option_numbers"]


@frozen(kw_only=True)
class Reply:
    """What a person's reply means: an answer, a refusal, a step back, or stopping for now."""

    action: Literal["answer", "decline", "back", "stop"] = "answer"
    value: Any = None
    other: str | None = None
    reason: str = "prefer_not_to_say"


@runtime_checkable
class ChannelAdapter(Protocol):
    """What every channel implements.

    `render` returns what the person is shown or told (text in the channel's own format, with
    everything the respondent typed escaped as that format needs). `parse` turns their raw
    reply into a `Reply`, raising `dialogkit.answers.AnswerError` with a message for the
    person when the reply can't be understood.
    """

    name: str

    def render(self, prompt: Prompt) -> str: ...

    def parse(self, prompt: Prompt, reply: str) -> Reply: ...


def apply_reply(conversation: Conversation, reply: Reply) -> list[Event]:
    """Give a parsed reply to the engine; returns the events (empty for "stop")."""
    if reply.action == "answer":
        return conversation.answer(reply.value, other=reply.other)
    if reply.action == "decline":
        return conversation.decline(reply.reason)
    if reply.action == "back":
        return conversation.back()
    return []


def option_numbers(prompt: Prompt, value: Any) -> list[int]:
    """The 1-based numbers of the options a choice answer picked (for channels that number
    their options, to show or replay an answer in their own terms)."""
    picked = value if isinstance(value, list) else [value]
    return [number for number, option in enumerate(prompt.options, 1) if option.value in picked]
