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
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from attrs import define, field

from dialogkit.answers import AnswerError
from dialogkit.engine import Conversation, FollowUp, NavigationError, Prompt, Respondent
from dialogkit.events import Event
from dialogkit.schemas import SchemaValidator, load_schema
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


ANSWERS_SCHEMA = "answers.schema.json"

_FIELD_RULES = {
    "respondent": "must be an object (with id, role, segments, attributes)",
    "respondent.id": "must be a string",
    "respondent.role": "must be a role id (a string) or null",
    "respondent.segments": "must be a list of segment ids",
    "respondent.attributes": "must be an object of attribute names and values",
    "seed": "must be a whole number",
    "language": "must be a language code (a string, such as \"en\")",
    "answers": "must be an object giving the answer for each question key",
}
"""What each field of an answers file must be, by its dotted path (see the schema)."""


def read_answers_file(path: str | Path) -> AnswersFile:
    """Read an answers file and check its shape (against ``schemas/answers.schema.json``)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise AnswersFileError(f"{path}: cannot read the answers file: {error}") from None
    except json.JSONDecodeError as error:
        raise AnswersFileError(f"{path}:{error.lineno}:{error.colno}: {error.msg}") from None
    problems = answers_file_problems(data)
    if problems:
        raise AnswersFileError("\n".join(f"{path}: {problem}" for problem in problems))
    person = data.get("respondent", {})
    respondent = Respondent(
        id=person.get("id", ""), attributes=dict(person.get("attributes", {})),
        role=person.get("role"), segments=list(person.get("segments", [])),
    )
    seed = data.get("seed")
    return AnswersFile(answers=data["answers"], respondent=respondent,
                       seed=None if seed is None else int(seed), language=data.get("language"))


def answers_file_problems(data: Any) -> list[str]:
    """How `data` (an answers file's parsed JSON) breaks the answers file schema, in words."""
    schema = load_schema(ANSWERS_SCHEMA)
    problems: list[str] = []
    for error in SchemaValidator(schema).iter_errors(data):
        where = [str(part) for part in error.absolute_path if isinstance(part, str)][:2]
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            expected = list(error.schema["properties"])
            unknown = sorted(set(error.instance) - set(expected))
            inside = f" in '{'.'.join(where)}'" if where else ""
            problem = (f"unknown field(s){inside} {', '.join(unknown)}; expected "
                       f"{', '.join(expected)}")
        elif not where:
            problem = "expected an object with an 'answers' object"
        else:
            name = ".".join(where)
            problem = f"'{name}' {_FIELD_RULES.get(name, error.message)}"
        if problem not in problems:
            problems.append(problem)
    return problems


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

    @classmethod
    def start(cls, conversation: Conversation) -> Transcript:
        """An empty transcript of the session `conversation` has just started."""
        state = conversation.state
        respondent = state.respondent
        return cls(
            script=state.script_id, version=state.script_version, seed=state.seed,
            channel=state.channel, language=state.language,
            respondent={"id": respondent.id, "role": respondent.role,
                        "segments": list(respondent.segments),
                        "attributes": dict(respondent.attributes)},
        )

    def record(self, prompt: Prompt, events: Sequence[Event]) -> dict[str, Any]:
        """Add the step `prompt` was, given the events replying to it gave; returns the step.

        The step says what the engine did with the reply: the answer as stored (`answer`,
        with `other` for an "other" option's words), the reason of a decline (`declined`),
        or `went_back`. A statement's step has none of these.
        """
        step: dict[str, Any] = {"kind": prompt.kind, "key": prompt.key}
        done = next((event for event in events if event.kind in _REPLY_EVENTS), None)
        if done is not None and done.kind == "went_back":
            step["went_back"] = True
            self.steps.append(step)
            return step
        step["text"] = prompt.text
        if prompt.kind == "probe":
            step["level"] = prompt.probe_level
        elif prompt.kind != "statement":
            step["type"] = prompt.type
        if done is None:
            pass
        elif done.kind == "declined":
            step["declined"] = done.data["reason"]
        elif done.kind == "probe_answered":
            step["answer"] = done.data["text"]
        else:
            step["answer"] = done.data["value"]
            if "other" in done.data:
                step["other"] = done.data["other"]
        self.steps.append(step)
        return step

    def close(self, conversation: Conversation) -> None:
        """Take the outcome and what was answered from `conversation`, at its end or when it
        stops early (the outcome is then "unfinished")."""
        state = conversation.state
        self.outcome = state.status if conversation.finished else "unfinished"
        self.answers = dict(state.answers)
        self.probes = {key: list(texts) for key, texts in state.probes.items()}
        self.referrals = list(state.referrals)

    def to_json(self) -> dict[str, Any]:
        return {
            "script": self.script, "version": self.version, "seed": self.seed,
            "channel": self.channel, "language": self.language, "respondent": self.respondent,
            "outcome": self.outcome, "steps": self.steps, "answers": self.answers,
            "probes": self.probes, "referrals": self.referrals,
        }


_REPLY_EVENTS = frozenset({"answered", "probe_answered", "declined", "went_back"})
"""The kinds of event a reply to a prompt gives first (a statement's gives none of them)."""


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
    try:
        conversation, events = Conversation.start(
            script, answers_file.respondent, channel=channel, language=answers_file.language,
            seed=used_seed, question_types=question_types, follow_up=follow_up,
        )
    except ValueError as error:  # a language the script doesn't have
        raise AnswersFileError(str(error)) from None
    if on_events:
        on_events(conversation, events)
    transcript = Transcript.start(conversation)
    answerer = _Answerer(answers_file.answers)
    for _ in range(MAX_STEPS):
        prompt = conversation.prompt
        if prompt is None:
            break
        action, given = answerer.next(prompt)
        if action == "missing":
            if prompt.can_decline and not prompt.required:
                action, given = "decline", "skipped"
            else:
                raise AnswersFileError(
                    f"the answers file has no answer for '{prompt.key}' ({prompt.text!r})")
        if action == "decline":
            events = _decline(conversation, prompt, given)
        else:
            value, other = given
            events = _answer(conversation, prompt, value, other)
        transcript.record(prompt, events)
        if on_events:
            on_events(conversation, events)
    else:
        raise AnswersFileError(f"the conversation did not end after {MAX_STEPS} steps; "
                               "does a confirmation keep being answered 'no'?")
    transcript.close(conversation)
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

