"""Follow-up hooks: alerts and tags are collected, proposed probes are asked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dialogkit import hookimpl
from dialogkit.autopilot import AnswersFile, run_with_answers
from dialogkit.engine import Conversation, state_from_json, state_to_json
from dialogkit.followups import FollowUpDispatcher
from dialogkit.plugin_types import Alert, Probe, Tag
from dialogkit.plugins import load_plugins
from dialogkit.testing.scripts import script_from_dict

SCRIPT = script_from_dict({
    "dialogkit": 1, "id": "followups", "title": "T", "purpose": "P", "estimated_minutes": 1,
    "nodes": [
        {"id": "score", "type": "nps", "text": "Score?",
         "probes": {"depth": 1, "wording": ["Why {answer}?"]}},
        {"id": "plan", "type": "single_choice", "text": "Plan?", "options": ["free", "team"]},
        {"id": "bye", "type": "statement", "text": "Bye"},
    ],
})


class Desk:
    """Proposes a probe and raises an alert for low scores; tags every finished session."""

    def __init__(self) -> None:
        self.answers_seen: list[tuple[str, Any]] = []

    @hookimpl
    def dialogkit_after_answer(self, event):
        self.answers_seen.append((event.kind, event.key))
        if event.kind == "answered" and event.key == "score" and event.data["value"] <= 6:
            yield Alert(message="Low score", severity="warning")
            yield Probe(text="What would have made it a 10?")
            yield Probe(text="Who else should we ask?")
        if event.kind == "answered" and event.key == "plan":
            yield Probe(text="Why that plan?")

    @hookimpl
    def dialogkit_after_session(self, outcome):
        yield Tag(name=f"session-{outcome}")


def start(desk: Desk) -> tuple[Conversation, FollowUpDispatcher]:
    plugins = load_plugins(entry_points=False, extra=[("desk", desk)])
    dispatcher = FollowUpDispatcher(plugins.manager, SCRIPT)
    conversation, events = Conversation.start(SCRIPT, seed=1, follow_up=dispatcher.follow_up)
    dispatcher.dispatch(conversation, events)
    return conversation, dispatcher


def test_proposed_probes_follow_the_scripts_own() -> None:
    desk = Desk()
    conversation, dispatcher = start(desk)
    dispatcher.dispatch(conversation, conversation.answer(4))
    asked = []
    for reply in ("Slow support", "Faster replies", "My manager"):
        prompt = conversation.prompt
        asked.append((prompt.kind, prompt.probe_level, prompt.probe_depth, prompt.text))
        dispatcher.dispatch(conversation, conversation.answer(reply))
    assert asked == [
        ("probe", 1, 3, "Why 4?"),
        ("probe", 2, 3, "What would have made it a 10?"),
        ("probe", 3, 3, "Who else should we ask?"),
    ]
    assert conversation.state.probes["score"] == ["Slow support", "Faster replies", "My manager"]
    assert conversation.prompt.key == "plan"
    assert [f["kind"] for f in dispatcher.followups] == ["alert", "probe", "probe"]
    # after_answer ran once per answer, probe answers included
    assert desk.answers_seen == [("answered", "score")] + [("probe_answered", "score")] * 3


def test_a_question_without_probes_gets_proposed_ones_and_sessions_are_tagged() -> None:
    conversation, dispatcher = start(Desk())
    dispatcher.dispatch(conversation, conversation.answer(9))
    dispatcher.dispatch(conversation, conversation.answer("Great"))  # the script's own probe
    events = conversation.answer("team")
    assert [e.kind for e in events] == ["answered", "probed"]
    assert conversation.prompt.text == "Why that plan?"
    dispatcher.dispatch(conversation, events)
    dispatcher.dispatch(conversation, conversation.answer("Shared ledgers"))
    dispatcher.dispatch(conversation, conversation.proceed())
    assert conversation.finished
    assert dispatcher.followups[-1] == {"kind": "tag", "event": conversation.state.event_seq,
                                        "key": None, "name": "session-completed"}


def test_declining_a_proposed_probe_ends_the_line() -> None:
    conversation, _ = start(Desk())
    conversation.answer(2)
    conversation.answer("Bugs")
    conversation.decline("skipped")
    assert conversation.prompt.key == "plan"
    assert conversation.state.probes["score"] == ["Bugs"]


def test_proposed_probes_survive_a_json_round_trip_and_going_back() -> None:
    conversation, dispatcher = start(Desk())
    conversation.answer(3)
    conversation.answer("Bugs")
    saved = json.loads(json.dumps(state_to_json(conversation.state)))
    resumed = Conversation(SCRIPT, state_from_json(saved), follow_up=dispatcher.follow_up)
    assert resumed.prompt.text == "What would have made it a 10?"
    resumed.back()
    resumed.back()
    assert resumed.prompt.key == "score" and resumed.prompt.kind == "question"
    resumed.answer(9)  # a new answer: the proposals about the old one are gone
    assert resumed.prompt.text == "Why 9?"
    resumed.answer("Fast")
    assert resumed.prompt.key == "plan"


def test_answers_files_answer_proposed_probes_in_turn() -> None:
    desk = Desk()
    plugins = load_plugins(entry_points=False, extra=[("desk", desk)])
    dispatcher = FollowUpDispatcher(plugins.manager, SCRIPT)
    transcript = run_with_answers(
        SCRIPT, AnswersFile(answers={"score": 5, "score/probes": ["A", "B"], "plan": "free",
                                     "plan/probes": ["Cheap"]}),
        on_events=dispatcher.dispatch, follow_up=dispatcher.follow_up)
    assert transcript.probes == {"score": ["A", "B"], "plan": ["Cheap"]}
    assert [s["text"] for s in transcript.steps if s["kind"] == "probe"] == [
        "Why 5?", "What would have made it a 10?", "Who else should we ask?", "Why that plan?"]


def test_a_hook_returning_something_else_is_an_error() -> None:
    class Wrong:
        @hookimpl
        def dialogkit_after_answer(self):
            return ["not a follow-up"]

    plugins = load_plugins(entry_points=False, extra=[("wrong", Wrong())])
    dispatcher = FollowUpDispatcher(plugins.manager, SCRIPT)
    conversation, _ = Conversation.start(SCRIPT, follow_up=dispatcher.follow_up)
    with pytest.raises(TypeError, match="expected Alert, Probe or Tag"):
        conversation.answer(5)
