"""Run a script from an answers file, without a person, and record the transcript.

An answers file (JSON) gives the answer for each question key; see docs/answers-files.md::

    {
      "respondent": {"id": "r-1", "role": "buyer", "segments": ["loyal"],
                     "attributes": {"first_name": "Ann"}},
      "seed": 7,
      "answers": {
        "nps": 4,
        "nps/probes": ["Setup took weeks", "We missed our launch"],
        "tools": {"value": ["acme", "other"], "other": "A spreadsheet"},
        "income": {"decline": "prefer_not_to_say"},
        "reason": {"each": ["Price", "Support quality"]}
      }
    }

A question the file doesn't answer is skipped when optional and an error when required; a
line of probes ends when its list runs out; `each` gives a different answer each time the same
question is asked (after a confirmation answered "no", say).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from attrs import define, field

from dialogkit.answers import AnswerError
from dialogkit.engine import Conversation, FollowUp, NavigationError, Prompt, Respondent
from dialogkit.events import Event
from dialogkit.script import Script

MAX_STEPS = 100_000


class AnswersFileError(ValueError):
    """The answers file is unreadable, or doesn't fit the script."""


@define
class AnswersFile:
    answers: Mapping[str, Any]
    respondent: Respondent = field(factory=Respondent)
    seed: int | None = None
    language: str | None = None


def read_answers_file(path: str | Path) -> AnswersFile:
    """Read and check the shape of an answers file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise AnswersFileError(f"{path}: cannot read the answers file: {error}") from None
    except json.JSONDecodeError as error:
        raise AnswersFileError(f"{path}:{error.lineno}:{error.colno}: {error.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise AnswersFileError(f"{path}: expected an object with an 'answers' object")
    unknown = sorted(set(data) - {"answers", "respondent", "seed", "language"})
    if unknown:
        raise AnswersFileError(f"{path}: unknown field(s) {', '.join(unknown)}; expected "
                               "answers, respondent, seed, language")
    person = data.get("respondent") or {}
    if not isinstance(person, dict):
        raise AnswersFileError(f"{path}: 'respondent' must be an object")
    respondent = Respondent(
        id=str(person.get("id", "")), attributes=dict(person.get("attributes", {})),
        role=person.get("role"), segments=list(person.get("segments", [])),
    )
    return AnswersFile(answers=data["answers"], respondent=respondent, seed=data.get("seed"),
                       language=data.get("language"))


@define
class Transcript:
    """What was asked and answered, in order, with the session's outcome."""

    script: str
    version: str
    seed: int
    channel: str
    language: str
    respondent: dict[str, Any]
    steps: list[dict[str, Any]] = field(factory=list)
    outcome: str = "unfinished"
    answers: dict[str, Any] = field(factory=dict)
    probes: dict[str, list[str]] = field(factory=dict)
    referrals: list[dict[str, Any]] = field(factory=list)
    unused_answers: list[str] = field(factory=list)
    """Keys of the answers file that were never asked for (not part of `to_json`)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "script": self.script, "version": self.version, "seed": self.seed,
            "channel": self.channel, "language": self.language, "respondent": self.respondent,
            "outcome": self.outcome, "steps": self.steps, "answers": self.answers,
            "probes": self.probes, "referrals": self.referrals,
        }


class _Answerer:
    """Hands out the answers file's answer for each prompt, in turn."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers
        self.uses: dict[str, int] = {}
        self.asked: set[str] = set()

    def unused(self) -> list[str]:
        """The file's keys no prompt asked for (a typo, or a path not taken)."""
        return [key for key in self.answers if key not in self.asked]

    def next(self, prompt: Prompt) -> tuple[str, Any]:
        """("answer", (value, other)), ("decline", reason) or ("missing", None)."""
        if prompt.kind == "statement":
            return "answer", (None, None)
        key = f"{prompt.key}/probes" if prompt.kind == "probe" else prompt.key
        if key not in self.answers:
            return ("decline", "skipped") if prompt.kind == "probe" else ("missing", None)
        given = self.answers[key]
        self.asked.add(key)
        if prompt.kind == "probe":
            texts = given if isinstance(given, list) else [given]
            index = prompt.probe_level - 1
            return ("answer", (texts[index], None)) if index < len(texts) else ("decline",
                                                                                 "skipped")
        count = self.uses.get(key, 0)
        self.uses[key] = count + 1
        if isinstance(given, dict) and "each" in given:
            sequence = given["each"]
            given = sequence[min(count, len(sequence) - 1)]
        if isinstance(given, dict) and "decline" in given:
            return "decline", given["decline"]
        if isinstance(given, dict) and "value" in given:
            return "answer", (given["value"], given.get("other"))
        return "answer", (given, None)


def run_with_answers(
    script: Script, answers_file: AnswersFile, *, channel: str = "console",
    seed: int | None = None, on_events: Callable[[Conversation, list[Event]], None] | None = None,
    question_types: Mapping[str, Any] | None = None, follow_up: FollowUp | None = None,
) -> Transcript:
    """Run `script` to its end from an answers file; raise `AnswersFileError` if it can't."""
    used_seed = seed if seed is not None else (answers_file.seed or 0)
    conversation, events = Conversation.start(
        script, answers_file.respondent, channel=channel, language=answers_file.language,
        seed=used_seed, question_types=question_types, follow_up=follow_up,
    )
    if on_events:
        on_events(conversation, events)
    state = conversation.state
    respondent = state.respondent
    transcript = Transcript(
        script=script.id, version=script.version, seed=used_seed, channel=channel,
        language=state.language,
        respondent={"id": respondent.id, "role": respondent.role,
                    "segments": list(respondent.segments),
                    "attributes": dict(respondent.attributes)},
    )
    answerer = _Answerer(answers_file.answers)
    for _ in range(MAX_STEPS):
        prompt = conversation.prompt
        if prompt is None:
            break
        action, given = answerer.next(prompt)
        step = _describe(prompt)
        if action == "missing":
            if prompt.can_decline and not prompt.required:
                action, given = "decline", "skipped"
            else:
                raise AnswersFileError(
                    f"the answers file has no answer for '{prompt.key}' ({prompt.text!r})")
        if action == "decline":
            step["declined"] = given
            events = _decline(conversation, prompt, given)
        else:
            value, other = given
            if prompt.kind != "statement":
                step["answer"] = value
                if other is not None:
                    step["other"] = other
            events = _answer(conversation, prompt, value, other)
        transcript.steps.append(step)
        if on_events:
            on_events(conversation, events)
    else:
        raise AnswersFileError(f"the conversation did not end after {MAX_STEPS} steps; "
                               "does a confirmation keep being answered 'no'?")
    transcript.outcome = state.status
    transcript.answers = dict(state.answers)
    transcript.probes = {k: list(v) for k, v in state.probes.items()}
    transcript.referrals = list(state.referrals)
    transcript.unused_answers = answerer.unused()
    return transcript


def _answer(conversation: Conversation, prompt: Prompt, value: Any, other: Any) -> list[Event]:
    try:
        return conversation.answer(value, other=other)
    except AnswerError as error:
        raise AnswersFileError(
            f"the answer for '{prompt.key}' ({value!r}) was refused: {error.message}") from None


def _decline(conversation: Conversation, prompt: Prompt, reason: Any) -> list[Event]:
    try:
        return conversation.decline(reason)
    except (NavigationError, ValueError) as error:
        raise AnswersFileError(
            f"declining '{prompt.key}' ({reason!r}) was refused: {error}") from None


def _describe(prompt: Prompt) -> dict[str, Any]:
    step: dict[str, Any] = {"kind": prompt.kind, "key": prompt.key, "text": prompt.text}
    if prompt.kind == "probe":
        step["level"] = prompt.probe_level
    elif prompt.kind != "statement":
        step["type"] = prompt.type
    return step
