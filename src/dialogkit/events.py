"""Events the engine emits at every step; the store records them and follow-up hooks react."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from attrs import define, field

EventKind = Literal[
    "started", "asked", "answered", "probed", "probe_answered", "declined", "went_back",
    "dropped", "corrected", "referred", "completed", "resumed",
]


@define(kw_only=True)
class Event:
    """One thing that happened in a session (a record to read, not to change).

    `seq` numbers the session's events from 1; `key` is the answer key (question id, with
    `[item]` suffixes inside loops) when the event concerns a question; `data` carries the
    details (the answer, the probe level and text, the referral, the outcome...).

    Not frozen: the engine makes two or three events per answer, and a mutable attrs record
    is built in half the time of a frozen one.
    """

    seq: int
    kind: EventKind
    key: str | None = None
    node: str | None = None
    data: Mapping[str, Any] = field(factory=dict)
