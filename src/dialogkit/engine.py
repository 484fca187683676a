"""The conversation engine: pure, deterministic, and the same for every channel.

A `Conversation` pairs a compiled `Script` with a `SessionState`. It tells what to ask next
(`prompt`), takes an answer, a refusal or a step back, and returns the `Event`s that happened.
It does no I/O and reads no clock; randomized orders come from the seed recorded in the state,
so a session replays identically. The state is plain data (`state_to_json`/`state_from_json`),
so a session can stop on one channel and resume on another.

Only the conditions on the way to the next question are evaluated, so the cost of an answer
does not grow with the length of the script.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

from attrs import Factory, define, frozen

from dialogkit import model
from dialogkit.answers import (
    CHECKERS,
    CHOICE_CHECKERS,
    OTHER,
    AnswerError,
    check_number,
    is_empty,
    required_error,
)
from dialogkit.converter import converter
from dialogkit.events import Event, EventKind
from dialogkit.script import CompiledNode, Script

__all__ = [
    "AnswerError",
    "Conversation",
    "NavigationError",
    "Prompt",
    "PromptOption",
    "Respondent",
    "SessionState",
    "state_from_json",
    "state_to_json",
]

Frame = tuple[str, int, int, tuple[tuple[str, str], ...] | None]
"""Where the conversation is inside one section: (section id or "" for the script, position,
loop item index, loop items as (value, label) pairs or None when the section is no loop)."""

FollowUp = Callable[["Conversation", Event], Sequence[str]]
"""Called after an answer; returns texts of extra probes to ask about it."""

ROOT = ""
DECLINE_REASONS = ("prefer_not_to_say", "dont_know", "refused", "skipped")
INTERVIEWER_CODES = ("dont_know", "refused")
"""What an interviewer records when the person on the line doesn't know or won't say: allowed
on every question, because a person can always refuse out loud. Self-administered channels
don't offer them; they decline only what `Prompt.can_decline` allows."""


class NavigationError(Exception):
    """A step that is not possible now (going back from the first question, answering after
    the end, declining a question that must be answered)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@define
class Respondent:
    """Who is being asked: attributes (e.g. first_name, plan), role and segments."""

    id: str = ""
    attributes: dict[str, Any] = Factory(dict)
    role: str | None = None
    segments: list[str] = Factory(list)


@define
class SessionState:
    """Everything needed to continue a session, as plain data."""

    script_id: str
    script_version: str
    respondent: Respondent
    channel: str
    language: str
    seed: int
    status: Literal["active", "completed", "referred"] = "active"
    cursor: Sequence[Any] = ()
    probe_level: int = 0
    answers: dict[str, Any] = Factory(dict)
    other: dict[str, str] = Factory(dict)
    declined: dict[str, str] = Factory(dict)
    probes: dict[str, list[str]] = Factory(dict)
    trail: list[Any] = Factory(list)
    referrals: list[dict[str, Any]] = Factory(list)
    ahead: list[str] = Factory(list)
    proposed: dict[str, list[str]] = Factory(dict)
    proposed_from: dict[str, int] = Factory(dict)
    event_seq: int = 0


def state_to_json(state: SessionState) -> dict[str, Any]:
    """The state as JSON-ready plain data: a snapshot later steps don't change (positions
    are tuples, which JSON writes as lists)."""
    return converter.unstructure(state)


def _unstructure_state(state: SessionState) -> dict[str, Any]:
    # Written out by hand: the store saves the state at every answer, and cattrs' generic
    # walk over the trail costs several times the rest of the step. Containers are copied
    # one level deep; what they hold is never changed in place by the engine.
    respondent = state.respondent
    return {
        "script_id": state.script_id, "script_version": state.script_version,
        "respondent": {"id": respondent.id, "attributes": dict(respondent.attributes),
                       "role": respondent.role, "segments": list(respondent.segments)},
        "channel": state.channel, "language": state.language, "seed": state.seed,
        "status": state.status, "cursor": tuple(state.cursor),
        "probe_level": state.probe_level, "answers": dict(state.answers),
        "other": dict(state.other), "declined": dict(state.declined),
        "probes": {key: list(texts) for key, texts in state.probes.items()},
        "trail": list(state.trail), "referrals": list(state.referrals),
        "ahead": list(state.ahead),
        "proposed": {key: list(texts) for key, texts in state.proposed.items()},
        "proposed_from": dict(state.proposed_from), "event_seq": state.event_seq,
    }


converter.register_unstructure_hook(SessionState, _unstructure_state)


def state_from_json(data: Mapping[str, Any]) -> SessionState:
    """A state back from `state_to_json`'s output (possibly after a JSON round trip)."""
    return converter.structure(data, SessionState)


@frozen(kw_only=True)
class PromptOption:
    value: str
    label: str
    exclusive: bool = False
    is_other: bool = False


@frozen(kw_only=True)
class Prompt:
    """What to put to the respondent now, with every text rendered (not escaped)."""

    kind: Literal["statement", "question", "probe", "confirm", "referral"]
    key: str
    node_id: str
    type: str
    text: str
    help: str | None = None
    interviewer: str | None = None
    required: bool = False
    prefer_not_to_say: bool = False
    can_decline: bool = False
    options: tuple[PromptOption, ...] = ()
    min_picks: int | None = None
    max_picks: int | None = None
    points: int | None = None
    low_label: str | None = None
    high_label: str | None = None
    minimum: Any = None
    maximum: Any = None
    integer: bool = False
    unit: str | None = None
    long: bool = False
    max_length: int | None = None
    fields: tuple[str, ...] = ()
    config: Mapping[str, Any] | None = None
    probe_level: int = 0
    probe_depth: int = 0
    question_text: str | None = None
    current: Any = None
    current_other: str | None = None
    section_title: str | None = None
    loop_item: str | None = None
    progress: float = 0.0
    can_go_back: bool = False


class LoopItem:
    """The current item of a loop: renders as its label, compares equal to its value."""

    __slots__ = ("index", "label", "value")

    def __init__(self, value: Any, label: str, index: int) -> None:
        self.value, self.label, self.index = value, label, index

    def __str__(self) -> str:
        return self.label

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LoopItem):
            return self.value == other.value
        return self.value == other

    def __hash__(self) -> int:
        return hash(self.value)


class _LoopAnswers(Mapping[str, Any]):
    """`answers` inside a loop: a question of the loop means the current item's answer."""

    def __init__(self, answers: Mapping[str, Any], script: Script, suffixes: Mapping[str, str]):
        self._answers, self._script, self._suffixes = answers, script, suffixes

    def _key(self, question_id: str) -> str:
        node = self._script.by_id.get(question_id)
        if node is None or not node.loop_chain:
            return question_id
        return question_id + "".join(self._suffixes.get(s, "") for s in node.loop_chain)

    def __getitem__(self, question_id: str) -> Any:
        return self._answers[self._key(question_id)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._answers)

    def __len__(self) -> int:
        return len(self._answers)


class _Calculations(Mapping[str, Any]):
    """`calc`: calculated values, evaluated when first read, against the same names."""

    def __init__(self, script: Script, env: Mapping[str, Any]) -> None:
        self._script, self._env, self._values = script, env, {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = self._script.calculations[name].evaluate(self._env)
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._script.calculations)

    def __len__(self) -> int:
        return len(self._script.calculations)


def _suffix(frames: Sequence[Frame]) -> str:
    return "".join(f"[{items[index][0]}]" for _, _, index, items in frames if items is not None)


def _freeze_frames(frames: Sequence[Sequence[Any]]) -> tuple[Frame, ...]:
    return tuple(
        (f[0], f[1], f[2], None if f[3] is None else tuple((v, lbl) for v, lbl in f[3]))
        for f in frames
    )


class Conversation:
    """One respondent's run through one script. See the module docstring."""

    def __init__(self, script: Script, state: SessionState,
                 question_types: Mapping[str, Any] | None = None,
                 follow_up: FollowUp | None = None) -> None:
        if state.script_version and script.version and state.script_version != script.version:
            raise ValueError(
                f"this session was started with version {state.script_version[:12]} of script "
                f"'{state.script_id}', not version {script.version[:12]}"
            )
        self.script = script
        self.state = state
        self.question_types = question_types or {}
        self.follow_up = follow_up
        state.trail = [(_freeze_frames(frames), level, key) for frames, level, key in state.trail]
        respondent = state.respondent
        self._base_env = {
            "respondent": respondent.attributes,
            "role": respondent.role,
            "segment": respondent.segments[0] if respondent.segments else None,
            "segments": list(respondent.segments),
            "channel": state.channel,
            "language": state.language,
        }
        self._segments = frozenset(respondent.segments)
        self._orders: dict[tuple[str, int], tuple[CompiledNode, ...]] = {}
        self._envs: dict[tuple[tuple[str, int], ...], dict[str, Any]] = {}
        self._static_options: dict[str, tuple[PromptOption, ...]] = {}
        self._prompt: Prompt | None = None
        self._events: list[Event] = []
        self._place(_freeze_frames(state.cursor))

    # -- starting ------------------------------------------------------------------------
    @classmethod
    def start(cls, script: Script, respondent: Respondent | None = None, *,
              channel: str = "console", language: str | None = None, seed: int = 0,
              question_types: Mapping[str, Any] | None = None,
              follow_up: FollowUp | None = None) -> tuple[Conversation, list[Event]]:
        """Start a session; returns the conversation and its first events.

        `follow_up(conversation, event)`, when given, is called after each answer and returns
        the texts of extra probes to ask about it (after the script's own), e.g. from the
        `dialogkit_after_answer` plugin hooks (see `dialogkit.followups`).
        """
        languages = script.document.languages
        if language is not None and language not in languages:
            raise ValueError(f"script '{script.id}' has no language '{language}' "
                             f"(it has {', '.join(languages)})")
        state = SessionState(
            script_id=script.id, script_version=script.version,
            respondent=respondent or Respondent(), channel=channel,
            language=language or script.default_language, seed=seed,
        )
        conversation = cls(script, state, question_types, follow_up)
        conversation._emit("started", data={"script": script.id, "version": script.version,
                                            "seed": seed, "channel": channel})
        conversation._move_to(conversation._settle([(ROOT, 0, 0, None)]))
        return conversation, conversation._take_events()

    # -- reading -------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.state.status != "active"

    @property
    def prompt(self) -> Prompt | None:
        """What to ask now; None once the conversation has ended."""
        if self._node_now is None:
            return None
        if self._prompt is None:
            self._prompt = self._make_prompt()
        return self._prompt

    def env(self) -> dict[str, Any]:
        """The names conditions and texts see at the current position."""
        return dict(self._env(self._frames))

    # -- acting --------------------------------------------------------------------------
    def answer(self, value: Any = None, *, other: str | None = None) -> list[Event]:
        """Give the answer to the current prompt (any value continues past a statement).

        Raises `AnswerError` with a message for the respondent when the answer can't be
        accepted; nothing changes then.
        """
        node, key = self._require_position()
        state = self.state
        node_type = node.type
        if node_type == "statement":
            state.trail.append((self._frames, 0, key))
            self._advance()
            return self._take_events()
        if state.probe_level:
            return self._answer_probe(node, key, value)
        if value is None or value == "" or is_empty(value):
            if node.node.required:
                raise required_error(node_type)
            return self.decline("skipped")
        stored = self._check(node, key, value, other)
        self._envs.clear()  # answers change: what was computed from them is stale
        if key in state.answers and state.answers[key] != stored:
            state.probes.pop(key, None)  # they were about the answer this one replaces
        state.answers[key] = stored
        state.declined.pop(key, None)
        data = {"value": stored}
        if node.other_label is not None and (
                (isinstance(stored, list) and OTHER in stored) or stored == OTHER):
            data["other"] = state.other[key] = (other or "").strip()
        else:
            state.other.pop(key, None)
        state.trail.append((self._frames, 0, key))
        self._emit("answered", key, node.id, data)
        state.proposed.pop(key, None)  # proposals were about the answer this one replaces
        state.proposed_from.pop(key, None)
        if self.follow_up is not None and node_type not in ("confirm", "referral"):
            texts = [t.strip() for t in self.follow_up(self, self._events[-1]) if t.strip()]
            if texts:
                state.proposed[key] = texts
        if node_type == "confirm" and stored is False:
            self._correct(node)
        elif node_type == "referral":
            self._refer(node, key, stored)
        elif self._should_probe(node, stored):
            self._probe(node, key, 1)
        elif not self._start_proposed(node, key, 1):
            state.probes.pop(key, None)
            self._advance()
        return self._take_events()

    def proceed(self) -> list[Event]:
        """Continue past a statement."""
        return self.answer(None)

    def decline(self, reason: str = "prefer_not_to_say") -> list[Event]:
        """Decline the current question (or stop a line of probes).

        ``prefer_not_to_say`` and ``skipped`` need a question that allows declining;
        the interviewer codes ``dont_know`` and ``refused`` are accepted on any question.
        """
        if reason not in DECLINE_REASONS:
            raise ValueError(f"unknown reason '{reason}'; use one of {', '.join(DECLINE_REASONS)}")
        node, key = self._require_position()
        state = self.state
        level = state.probe_level
        if level:
            kept = state.probes.get(key, [])[: level - 1]
            if kept:
                state.probes[key] = kept
            else:  # no probe answered: like a question never probed
                state.probes.pop(key, None)
            state.trail.append((self._frames, level, key))
            self._emit("declined", key, node.id, {"reason": reason, "level": level})
            self._advance()
            return self._take_events()
        question = node.node
        if node.type == "statement" or (question.required and not question.prefer_not_to_say
                                         and reason not in INTERVIEWER_CODES):
            raise NavigationError("This question needs an answer.")
        self._changed()
        state.answers[key] = None
        state.declined[key] = reason
        state.other.pop(key, None)
        state.probes.pop(key, None)
        state.proposed.pop(key, None)
        state.proposed_from.pop(key, None)
        state.referrals = [r for r in state.referrals if r["key"] != key]
        state.trail.append((self._frames, 0, key))
        self._emit("declined", key, node.id, {"reason": reason})
        self._advance()
        return self._take_events()

    def back(self) -> list[Event]:
        """Go back to the previous prompt; its answer is kept until it is changed."""
        _, leaving = self._require_position()
        state = self.state
        if not state.trail:
            raise NavigationError("This is the first question; there is nothing to go back to.")
        frames, level, key = state.trail.pop()
        if leaving != key and leaving in state.answers and leaving not in state.ahead:
            state.ahead.append(leaving)
        self._place(frames)
        state.probe_level = level
        self._emit("went_back", key, self._node_now.id, {"level": level})
        return self._take_events()

    def change_channel(self, channel: str) -> list[Event]:
        """Continue the session on another channel (`channel` in conditions follows)."""
        state = self.state
        state.channel = self._base_env["channel"] = channel
        self._envs.clear()
        self._prompt = None
        self._emit("resumed", data={"channel": channel})
        return self._take_events()

    # -- internals: where we are ---------------------------------------------------------
    def _place(self, frames: tuple[Frame, ...]) -> None:
        """Put the cursor at `frames` (a prompt's position, or () at the end)."""
        self._frames = frames
        self.state.cursor = frames  # a tuple; it serializes as a list
        self._prompt = None
        if frames and self.state.status == "active":
            node = self._node_now = self._node(frames)
            self._key_now = node.id + _suffix(frames) if len(frames) > 1 else node.id
        else:
            self._node_now = self._key_now = None

    def _require_position(self) -> tuple[CompiledNode, str]:
        node = self._node_now
        if node is None:
            raise NavigationError("This conversation has ended.")
        return node, self._key_now

    def _changed(self) -> None:
        """Answers are about to change: forget what was computed from them."""
        self._envs.clear()

    def _children(self, section_id: str, item_index: int) -> tuple[CompiledNode, ...]:
        if section_id == ROOT:
            return self.script.root
        cache_key = (section_id, item_index)
        order = self._orders.get(cache_key)
        if order is None:
            section = self.script.by_id[section_id]
            order = section.children
            if section.node.randomize:
                order = list(order)
                random.Random(f"{self.state.seed}:{section_id}:{item_index}").shuffle(order)
                order = tuple(order)
            self._orders[cache_key] = order
        return order

    def _node(self, frames: Sequence[Frame]) -> CompiledNode:
        section_id, pos, item_index, _ = frames[-1]
        return self._children(section_id, item_index)[pos]

    def _env(self, frames: Sequence[Frame]) -> dict[str, Any]:
        """The names seen at `frames`; shared by every position in the same loop items, and
        rebuilt once answers change (calculations are remembered inside it)."""
        loops = () if len(frames) == 1 else tuple(
            (section_id, index) for section_id, _, index, items in frames if items is not None)
        env = self._envs.get(loops)
        if env is not None:
            return env
        env = dict(self._base_env)
        answers: Mapping[str, Any] = self.state.answers
        if loops:
            suffixes = {}
            for section_id, _, index, items in frames:
                if items is not None:
                    value, label = items[index]
                    env[self.script.by_id[section_id].loop_as] = LoopItem(value, label, index)
                    suffixes[section_id] = f"[{value}]"
            answers = _LoopAnswers(answers, self.script, suffixes)
        env["answers"] = answers
        env["calc"] = _Calculations(self.script, env)
        self._envs[loops] = env
        return env

    def _visible(self, node: CompiledNode, frames: Sequence[Frame]) -> bool:
        if node.roles and self.state.respondent.role not in node.roles:
            return False
        if node.segments and not node.segments & self._segments:
            return False
        if node.when is not None and not node.when.evaluate(self._env(frames)):
            return False
        options_from = node.options_from
        if options_from:  # carry-forward with nothing picked: there is nothing to choose from
            return not is_empty(self._env(frames)["answers"].get(options_from))
        return True

    def _loop_items(self, section: CompiledNode, frames: Sequence[Frame]
                    ) -> tuple[tuple[str, str], ...]:
        env = self._env(frames)
        over = section.loop_over.evaluate(env) if section.loop_over else None
        if over is None or over == "":
            return ()
        if isinstance(over, (str, int, float)):
            over = [over]
        labels = self._labels_for(section.loop_over, env)
        items = []
        for value in over:
            value = str(value)
            items.append((value, labels.get(value, value)))
        return tuple(dict.fromkeys(items))

    def _labels_for(self, expression: Any, env: Mapping[str, Any]) -> dict[str, str]:
        """Option labels of the choice questions an expression reads, for loop item labels."""
        labels: dict[str, str] = {}
        for name, key in expression.references:
            node = self.script.by_id.get(key) if name == "answers" and key else None
            if node is not None and node.type in CHOICE_CHECKERS:
                labels.update(self._option_labels(node, self._key_for(node, self._frames), env))
        return labels

    def _option_labels(self, node: CompiledNode, key: str, env: Mapping[str, Any]
                       ) -> dict[str, str]:
        """Value → label for a choice question's options, "other" showing the words given."""
        labels = {option.value: option.label for option in self._options(node, env, key)}
        other_text = self.state.other.get(key)
        if other_text and OTHER in labels and node.other_label is not None:
            labels[OTHER] = other_text
        return labels

    def _settle(self, frames: list[Frame]) -> tuple[Frame, ...] | None:
        """From a position that may be hidden or past a section's end, find the next prompt."""
        while True:
            section_id, pos, index, items = frames[-1]
            children = self._children(section_id, index)
            if pos >= len(children):
                if len(frames) == 1:
                    return None
                if items is not None and index + 1 < len(items):
                    frames[-1] = (section_id, 0, index + 1, items)
                    continue
                frames.pop()
                parent, parent_pos, parent_index, parent_items = frames[-1]
                frames[-1] = (parent, parent_pos + 1, parent_index, parent_items)
                continue
            node = children[pos]
            if not node.always_shown and not self._visible(node, frames):
                frames[-1] = (section_id, pos + 1, index, items)
                continue
            if node.children:
                loop_items = self._loop_items(node, frames) if node.loop_over else None
                if loop_items == ():
                    frames[-1] = (section_id, pos + 1, index, items)
                    continue
                frames.append((node.id, 0, 0, loop_items))
                continue
            return tuple(frames)

    def _next(self, frames: tuple[Frame, ...]) -> tuple[Frame, ...] | None:
        section_id, pos, index, items = frames[-1]
        return self._settle([*frames[:-1], (section_id, pos + 1, index, items)])

    def _move_to(self, frames: tuple[Frame, ...] | None) -> None:
        state = self.state
        state.probe_level = 0
        if frames is None:
            self._finish("completed")
            return
        self._place(frames)
        node, key = self._node_now, self._key_now
        if key in state.ahead:
            state.ahead.remove(key)
        self._emit("asked", key, node.id, {"text": self._text(node, "text")})

    def _advance(self) -> None:
        frames = self._next(self._frames)
        while self.state.ahead and self._drop_untaken_branches(frames):
            frames = self._next(self._frames)  # what comes next may depend on dropped answers
        self._move_to(frames)

    def _finish(self, outcome: Literal["completed", "referred"]) -> None:
        state = self.state
        state.status = outcome
        state.probe_level = 0
        self._drop(list(state.ahead))  # the session ends: nothing ahead is on its path
        self._place(())
        self._emit("completed", data={"outcome": outcome})

    def _drop_untaken_branches(self, frames: tuple[Frame, ...] | None) -> bool:
        """After going back and changing an answer, drop answers of the path no longer taken.

        `state.ahead` holds the answers beyond the cursor. The path from `frames` is walked
        as the answers stand now (an unanswered question reads as null) until every answer
        ahead is met on it, or to the end; answers not met are dropped. Returns whether any
        answer was dropped.
        """
        missing = set(self.state.ahead)
        while frames is not None and missing:
            missing.discard(self._key(frames))
            frames = self._next(frames)
        self._drop([key for key in self.state.ahead if key in missing])
        return bool(missing)

    def _drop(self, keys: list[str]) -> None:
        state = self.state
        if keys:
            self._changed()
        for key in keys:
            state.ahead.remove(key)
            state.answers.pop(key, None)
            state.declined.pop(key, None)
            state.other.pop(key, None)
            state.probes.pop(key, None)
            state.proposed.pop(key, None)
            state.proposed_from.pop(key, None)
            state.referrals = [r for r in state.referrals if r["key"] != key]
            self._emit("dropped", key, key.split("[", 1)[0])

    def _correct(self, node: CompiledNode) -> None:
        """A confirmation answered "no": go back to the question it confirms."""
        state = self.state
        target = self.script.by_id[node.node.of]
        target_key = self._key_for(target, self._frames)
        for i in range(len(state.trail) - 1, -1, -1):
            frames, level, key = state.trail[i]
            if key == target_key and level == 0:
                passed = [k for _, lvl, k in state.trail[i + 1:] if lvl == 0]
                del state.trail[i:]
                for key_ahead in passed:
                    if key_ahead not in state.ahead:
                        state.ahead.append(key_ahead)
                self._emit("corrected", target_key, target.id, {"confirmation": node.id})
                self._move_to(frames)
                return
        self._advance()

    def _refer(self, node: CompiledNode, key: str, referral: dict[str, str]) -> None:
        state = self.state  # answered again (after going back): the new answer replaces it
        state.referrals = [*(r for r in state.referrals if r["key"] != key),
                           {"key": key, **referral}]
        self._emit("referred", key, node.id, {"referral": referral})
        if node.node.end:
            self._finish("referred")
        else:
            self._advance()

    # -- internals: probes ---------------------------------------------------------------
    def _should_probe(self, node: CompiledNode, value: Any) -> bool:
        plan = node.probe
        if plan is None or value is None:
            return False
        if node.type == "text" and plan.stops(value):
            return False
        if plan.when is None:
            return True
        env = dict(self._env(self._frames))
        env["answer"] = env["previous"] = value
        return bool(plan.when.evaluate(env))

    def _answer_probe(self, node: CompiledNode, key: str, value: Any) -> list[Event]:
        state = self.state
        level = state.probe_level
        text = value.strip() if isinstance(value, str) else ""
        if value is not None and not isinstance(value, str):
            raise AnswerError("text_expected")
        if not text:
            return self.decline("skipped")
        given = state.probes.get(key, [])  # later levels are kept until probing ends
        state.probes[key] = [*given[: level - 1], text, *given[level:]]
        state.trail.append((self._frames, level, key))
        self._emit("probe_answered", key, node.id, {"level": level, "text": text})
        start = state.proposed_from.get(key)
        if start is not None and level >= start:  # a proposed probe: ask each in turn
            more = level < start - 1 + len(state.proposed[key])
        else:
            more = level < node.probe.depth and not node.probe.stops(text)
        if more:
            self._probe(node, key, level + 1)
        elif start is not None or not self._start_proposed(node, key, level + 1):
            del state.probes[key][level:]
            self._advance()
        return self._take_events()

    def _probe(self, node: CompiledNode, key: str, level: int) -> None:
        self.state.probe_level = level
        self._prompt = None
        self._emit("probed", key, node.id, {"level": level, "text": self._probe_text(node, key)})

    def _start_proposed(self, node: CompiledNode, key: str, level: int) -> bool:
        """Begin the probes a follow-up proposed, if any, at `level`."""
        state = self.state
        if key not in state.proposed:
            return False
        state.proposed_from[key] = level
        self._probe(node, key, level)
        return True

    def _probe_env(self, node: CompiledNode, key: str) -> dict[str, Any]:
        """The display names for a probe's text: `answer` and `previous` added."""
        state = self.state
        level = state.probe_level
        env = self._display_env(self._frames)
        answer = self._display_value(node, key, state.answers.get(key))
        given = state.probes.get(key, [])
        env["answer"] = answer
        env["previous"] = given[level - 2] if 2 <= level <= len(given) + 1 else answer
        return env

    def _probe_text(self, node: CompiledNode, key: str) -> str:
        state = self.state
        level = state.probe_level
        start = state.proposed_from.get(key)
        if start is not None and level >= start:
            return state.proposed[key][level - start]
        wording = node.probe.wordings[level - 1]
        return wording.render(self._probe_env(node, key), state.language)

    def _probe_depth(self, node: CompiledNode, key: str) -> int:
        """How many probes this question's line has (the script's and any proposed)."""
        state = self.state
        start = state.proposed_from.get(key)
        if start is not None:
            return start - 1 + len(state.proposed[key])
        return (node.probe.depth if node.probe else 0) + len(state.proposed.get(key, ()))

    # -- internals: answers and texts ----------------------------------------------------
    def _key(self, frames: Sequence[Frame]) -> str:
        node = self._node(frames)
        return node.id + _suffix(frames) if len(frames) > 1 else node.id

    @staticmethod
    def _key_for(node: CompiledNode, frames: Sequence[Frame]) -> str:
        """The answer key of `node` as seen from `frames` (same loop items where shared)."""
        if not node.loop_chain:
            return node.id
        suffixes = {s: f"[{items[i][0]}]" for s, _, i, items in frames if items is not None}
        return node.id + "".join(suffixes.get(s, "") for s in node.loop_chain)

    def _check(self, node: CompiledNode, key: str, value: Any, other: str | None) -> Any:
        if node.type == "number":
            return check_number(node, value, other, self.state.language)
        checker = CHECKERS.get(node.type)
        if checker is not None:
            return checker(node, value, other)
        choice_checker = CHOICE_CHECKERS.get(node.type)
        if choice_checker is not None:
            return choice_checker(node, value, other, self._options(node, None, key))
        question_type = self.question_types.get(node.type)
        if question_type is None:
            raise NavigationError(f"no plugin provides the question type '{node.type}'")
        try:
            return question_type.normalize(node.node.config, value)
        except AnswerError:
            raise
        except ValueError as error:
            raise AnswerError(str(error)) from None

    def _options(self, node: CompiledNode, env: Mapping[str, Any] | None, key: str
                 ) -> tuple[PromptOption, ...]:
        """The options of a choice question as asked at `key` (env: None for the current
        position's); options that don't depend on answers are built once per key."""
        shared = node.static_options and not node.node.randomize
        cache = node.options_cache if shared else self._static_options
        cache_key = self.state.language if shared else key
        options = cache.get(cache_key)
        if options is not None:
            return options
        if env is None:
            env = self._env(self._frames)
        options = self._build_options(node, env, key)
        if node.static_options:
            cache[cache_key] = options
        return options

    def _build_options(self, node: CompiledNode, env: Mapping[str, Any], key: str
                       ) -> tuple[PromptOption, ...]:
        question = node.node
        language = self.state.language
        if question.options_from:
            source = self.script.by_id[question.options_from]
            source_key = self._key_for(source, self._frames)
            picked = env["answers"].get(source.id)
            picked = [picked] if isinstance(picked, str) else list(picked or ())
            labels = self._option_labels(source, source_key, env)
            options = [PromptOption(value=v, label=labels.get(v, v)) for v in picked]
            fixed = [False] * len(options)
        else:
            options = [PromptOption(value=o.value, label=o.label.render(env, language),
                                    exclusive=o.exclusive) for o in node.options]
            fixed = [o.fixed for o in node.options]
        if question.randomize:
            movable = [i for i, f in enumerate(fixed) if not f]
            shuffled = [options[i] for i in movable]
            random.Random(f"{self.state.seed}:{key}").shuffle(shuffled)
            for i, option in zip(movable, shuffled, strict=True):
                options[i] = option
        if node.other_label is not None and not question.options_from:
            options.append(PromptOption(value=OTHER, label=node.other_label.render(env, language),
                                        is_other=True))
        return tuple(options)

    def _display_value(self, node: CompiledNode, key: str, value: Any) -> Any:
        """An answer as a text shows it: choice values as their labels, a referral as the
        person's name with the rest in brackets."""
        if node.type == "referral" and isinstance(value, dict):
            rest = [v for k, v in value.items() if k != "name"]
            return value.get("name", "") + (f" ({', '.join(rest)})" if rest else "")
        if value is None or node.type not in CHOICE_CHECKERS:
            return value
        labels = self._option_labels(node, key, self._env(self._frames))
        if isinstance(value, list):
            return [labels.get(v, v) for v in value]
        return labels.get(value, value)

    def _display_env(self, frames: Sequence[Frame]) -> dict[str, Any]:
        """The names texts see: like conditions, but choice answers read as their labels."""
        env = dict(self._env(frames))
        env["answers"] = _DisplayAnswers(self, env["answers"], frames)
        return env

    def _text(self, node: CompiledNode, name: str) -> str | None:
        """A text of `node` in the session's language, rendered at the current position."""
        compiled = node.texts.get(name)
        if compiled is None:
            return None
        text = compiled.resolve(self.state.language)
        if text.__class__ is str:
            return text
        return text.render(self._display_env(self._frames))

    def _make_prompt(self) -> Prompt:
        state = self.state
        frames = self._frames
        node, key = self._node_now, self._key_now
        question = node.node
        env = self._env(frames)
        language = state.language

        def text(name: str) -> str | None:
            return self._text(node, name) if name in node.texts else None

        section_title = None
        loop_item = None
        if len(frames) > 1:
            section = self.script.by_id[frames[-1][0]]
            if "title" in section.texts:
                section_title = section.texts["title"].render(self._display_env(frames), language)
            if frames[-1][3] is not None:
                loop_item = frames[-1][3][frames[-1][2]][1]
        common = dict(
            key=key, node_id=node.id, type=node.type, section_title=section_title,
            loop_item=loop_item, interviewer=text("interviewer"),
            progress=node.question_number / max(self.script.question_count, 1),
            can_go_back=bool(state.trail),
        )
        if isinstance(question, model.Statement):
            return Prompt(kind="statement", text=text("text"), **common)
        level = state.probe_level
        if level:
            given = state.probes.get(key, [])
            return Prompt(
                kind="probe", text=self._probe_text(node, key), probe_level=level,
                probe_depth=self._probe_depth(node, key), can_decline=True,
                question_text=text("text"),
                current=given[level - 1] if len(given) >= level else None, **common,
            )
        kind = {"confirm": "confirm", "referral": "referral"}.get(node.type, "question")
        details: dict[str, Any] = {}
        if isinstance(question, model.SingleChoice):
            details["options"] = self._options(node, env, key)
            if isinstance(question, model.MultipleChoice):
                details["min_picks"], details["max_picks"] = question.min_picks, question.max_picks
        elif isinstance(question, model.Rating):
            details["points"] = question.points
            details["minimum"], details["maximum"] = 1, question.points
        elif isinstance(question, model.Nps):
            details["points"], details["minimum"], details["maximum"] = 11, 0, 10
        elif isinstance(question, model.Number):
            details.update(minimum=question.min, maximum=question.max, integer=question.integer,
                           unit=text("unit"))
        elif isinstance(question, model.DateQuestion):
            details.update(minimum=question.min, maximum=question.max)
        elif isinstance(question, model.TextQuestion):
            details.update(long=question.long, max_length=question.max_length)
        elif isinstance(question, model.Referral):
            details["fields"] = question.fields
        elif isinstance(question, model.PluginQuestion):
            details["config"] = question.config
        return Prompt(
            kind=kind, text=text("text"), help=text("help"), required=question.required,
            prefer_not_to_say=question.prefer_not_to_say,
            can_decline=question.prefer_not_to_say or not question.required,
            low_label=text("low_label"), high_label=text("high_label"),
            current=state.answers.get(key), current_other=state.other.get(key),
            **details, **common,
        )

    # -- internals: events ---------------------------------------------------------------
    def _emit(self, kind: EventKind, key: str | None = None, node: str | None = None,
              data: Mapping[str, Any] | None = None) -> None:
        state = self.state
        seq = state.event_seq = state.event_seq + 1
        self._events.append(Event(seq=seq, kind=kind, key=key, node=node,
                                  data={} if data is None else data))

    def _take_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events


class _DisplayAnswers(Mapping[str, Any]):
    """`answers` as texts see them: a choice answer reads as its option labels."""

    def __init__(self, conversation: Conversation, answers: Mapping[str, Any],
                 frames: Sequence[Frame]) -> None:
        self._conversation, self._answers, self._frames = conversation, answers, frames

    def __getitem__(self, question_id: str) -> Any:
        value = self._answers[question_id]
        node = self._conversation.script.by_id.get(question_id)
        if value is None or node is None or node.type not in (*CHOICE_CHECKERS, "referral"):
            return value
        key = self._conversation._key_for(node, self._frames)
        return self._conversation._display_value(node, key, value)

    def __iter__(self) -> Iterator[str]:
        return iter(self._answers)

    def __len__(self) -> int:
        return len(self._answers)
