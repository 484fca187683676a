"""Behaviour of the conversation engine, as a respondent or a channel sees it.

Scripts are built from plain dicts (structured and compiled, without the YAML loader).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogkit.answers import AnswerError
from dialogkit.converter import structure_document
from dialogkit.engine import (
    Conversation,
    NavigationError,
    Respondent,
    SessionState,
    state_from_json,
    state_to_json,
)
from dialogkit.events import Event
from dialogkit.script import Script, compile_script
from dialogkit.testing.scripts import script_from_nodes


def build(nodes: list[dict[str, Any]], **top: Any) -> Script:
    return script_from_nodes(nodes, **top)


def text(id_: str, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "type": "text", "text": id_.upper(), **extra}


def start(script: Script, **options: Any) -> Conversation:
    conversation, _ = Conversation.start(script, **options)
    return conversation


def restored(conversation: Conversation) -> Conversation:
    """The same session, after its state went through JSON (as a store would keep it)."""
    data = json.loads(json.dumps(state_to_json(conversation.state)))
    return Conversation(conversation.script, state_from_json(data))


def keys_asked(conversation: Conversation, answers: dict[str, Any] | None = None,
               default: Any = "some answer") -> list[str]:
    """Answer every prompt until the end (statements continue); return the keys asked."""
    answers = answers or {}
    asked = []
    while (prompt := conversation.prompt) is not None:
        asked.append(prompt.key)
        assert len(asked) < 200
        conversation.answer(answers.get(prompt.key, default))
    return asked


def kinds(events: list[Event]) -> list[tuple[str, str | None]]:
    return [(e.kind, e.key) for e in events]


# -- starting and ending ---------------------------------------------------------------------

def test_start_asks_the_first_visible_node() -> None:
    script = build([text("hidden", when="false"), {"id": "hi", "type": "statement",
                                                    "text": "Hi"}, text("q")])
    conversation, events = Conversation.start(script, seed=4, channel="web")
    assert [(e.seq, e.kind, e.key) for e in events] == [(1, "started", None), (2, "asked", "hi")]
    assert events[0].data == {"script": "test-script", "version": script.version, "seed": 4,
                              "channel": "web"}
    assert len(script.version) == 64  # the content hash sessions pin
    assert events[1].data == {"text": "Hi"}
    prompt = conversation.prompt
    assert (prompt.kind, prompt.key, prompt.can_go_back, prompt.can_decline) == (
        "statement", "hi", False, False)
    assert kinds(conversation.proceed()) == [("asked", "q")]


def test_a_script_whose_nodes_are_all_hidden_ends_at_once() -> None:
    conversation, events = Conversation.start(build([text("q", when="false")]))
    assert [e.kind for e in events] == ["started", "completed"]
    assert events[-1].data == {"outcome": "completed"}
    assert conversation.finished and conversation.prompt is None


def test_nothing_can_be_done_after_the_end() -> None:
    conversation = start(build([text("q")]))
    events = conversation.answer("done")
    assert kinds(events) == [("answered", "q"), ("completed", None)]
    assert conversation.state.status == "completed" and list(conversation.state.cursor) == []
    for act in (conversation.answer, conversation.decline, conversation.back):
        with pytest.raises(NavigationError, match="has ended"):
            act()


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="has no language 'de'"):
        Conversation.start(build([text("q")], languages=["en", "fr"]), language="de")


def test_a_session_belongs_to_one_version_of_a_script() -> None:
    document = {"dialogkit": 1, "id": "v", "title": "V", "purpose": "P",
                "estimated_minutes": 1, "nodes": [text("q")]}
    old = compile_script(structure_document(document), version="aaa")
    new = compile_script(structure_document(document), version="bbb")
    conversation = start(old)
    with pytest.raises(ValueError, match="version aaa"):
        Conversation(new, conversation.state)


def test_progress_and_question_numbers() -> None:
    script = build([{"id": "s", "type": "statement", "text": "Hi"}, text("a"), text("b"),
                    text("c"), text("d")])
    conversation = start(script)
    progress = []
    while conversation.prompt:
        progress.append(conversation.prompt.progress)
        conversation.answer("x")
    assert progress == [0.0, 0.0, 0.25, 0.5, 0.75]


# -- conditions ------------------------------------------------------------------------------

CONDITIONS = build(
    [
        {"id": "nps", "type": "nps", "text": "NPS"},
        text("low", when="answers.nps <= 6"),
        text("high", when="answers.nps >= 9"),
        text("pro", when="respondent.plan == 'pro' and respondent['sign-up'] < 2020"),
        text("buyer", when="role == 'buyer'"),
        text("first_seg", when="segment == 'loyal'"),
        text("any_seg", when="'lost' in segments"),
        text("web", when="channel == 'web'"),
        text("french", when="language == 'fr'"),
        text("detractor", when="calc.detractor"),
        text("never", required=False, when="false"),
        text("unanswered", when="answers.never > 3 or len(answers.never) > 0"),
        text("for_buyers", roles=["buyer"]),
        text("for_lost", segments=["lost", "first_time"]),
        {"id": "users", "type": "section", "roles": ["user"], "segments": ["loyal"],
         "nodes": [text("u1"), text("u2")]},
        {"id": "cond_section", "type": "section", "when": "answers.nps == 10",
         "nodes": [text("s1")]},
    ],
    languages=["en", "fr"],
    roles=[{"id": "buyer"}, {"id": "user"}],
    segments=["loyal", "lost", "first_time"],
    calculations={"detractor": "answers.nps <= 6"},
)


def test_conditions_on_answers_and_calculations() -> None:
    assert keys_asked(start(CONDITIONS), {"nps": 3}) == ["nps", "low", "detractor"]
    assert keys_asked(start(CONDITIONS), {"nps": 7}) == ["nps"]
    assert keys_asked(start(CONDITIONS), {"nps": 10}) == ["nps", "high", "s1"]


def test_conditions_on_the_respondent_channel_and_language() -> None:
    respondent = Respondent(id="r1", attributes={"plan": "pro", "sign-up": 2019},
                            role="buyer", segments=["lost", "loyal"])
    conversation = start(CONDITIONS, respondent=respondent, channel="web", language="fr")
    assert keys_asked(conversation, {"nps": 8}) == [
        "nps", "pro", "buyer", "any_seg", "web", "french", "for_buyers", "for_lost"]


def test_role_and_segment_targeted_section() -> None:
    user = Respondent(role="user", segments=["loyal"])
    assert keys_asked(start(CONDITIONS, respondent=user), {"nps": 8}) == [
        "nps", "first_seg", "u1", "u2"]
    wrong_segment = Respondent(role="user", segments=["first_time"])
    assert keys_asked(start(CONDITIONS, respondent=wrong_segment), {"nps": 8}) == [
        "nps", "for_lost"]
    no_role = Respondent(segments=["loyal"])
    assert keys_asked(start(CONDITIONS, respondent=no_role), {"nps": 8}) == ["nps", "first_seg"]


def test_env_shows_what_conditions_see() -> None:
    respondent = Respondent(attributes={"plan": "pro"}, role="buyer", segments=["lost"])
    conversation = start(CONDITIONS, respondent=respondent, channel="sms")
    conversation.answer(2)
    env = conversation.env()
    assert env["answers"]["nps"] == 2
    assert (env["role"], env["segment"], env["segments"], env["channel"], env["language"]) == (
        "buyer", "lost", ["lost"], "sms", "en")
    assert env["calc"]["detractor"] is True


# -- texts -----------------------------------------------------------------------------------

def test_answers_and_attributes_are_substituted_into_texts_and_labels() -> None:
    script = build([
        text("name", text="Your name, {respondent.first_name}?"),
        {"id": "pick", "type": "single_choice", "text": "{answers.name}, pick one",
         "help": "{{literal}} braces", "interviewer": "Say {answers.name} slowly",
         "options": [{"value": "me", "label": "Me ({answers.name})"}, "you"],
         "other": "Someone else than {respondent.first_name}"},
        {"id": "rate", "type": "rating", "points": 3, "text": "Rate",
         "low_label": "Bad for {answers.pick}", "high_label": "Good"},
        {"id": "num", "type": "number", "text": "How many?", "unit": "{answers.pick}s"},
        {"id": "bye", "type": "statement", "text": "Bye {answers.name}: {answers.num}"},
    ])
    conversation = start(script, respondent=Respondent(attributes={"first_name": "Zoë"}))
    assert conversation.prompt.text == "Your name, Zoë?"
    conversation.answer("Ann")
    prompt = conversation.prompt
    assert (prompt.text, prompt.help, prompt.interviewer) == (
        "Ann, pick one", "{literal} braces", "Say Ann slowly")
    assert [(o.value, o.label, o.is_other) for o in prompt.options] == [
        ("me", "Me (Ann)", False), ("you", "you", False),
        ("other", "Someone else than Zoë", True)]
    conversation.answer("me")
    # a choice answer substitutes as its label, not its value
    assert (conversation.prompt.low_label, conversation.prompt.high_label) == (
        "Bad for Me (Ann)", "Good")
    conversation.answer(2)
    assert conversation.prompt.unit == "Me (Ann)s"
    conversation.answer(2.5)
    assert conversation.prompt.text == "Bye Ann: 2.5"


def test_missing_values_show_as_nothing() -> None:
    script = build([text("a", required=False), text("b", text="[{answers.a}|{respondent.x}]")])
    conversation = start(script)
    conversation.answer("")
    assert conversation.prompt.text == "[|]"


LANGUAGES = build(
    [{"id": "q", "type": "single_choice",
      "text": {"en": "Colour, {respondent.name}?", "fr": "Couleur, {respondent.name} ?"},
      "help": "Pick one",
      "options": [{"value": "red", "label": {"en": "Red", "fr": "Rouge"}},
                  {"value": "blue", "label": {"en": "Blue"}}],
      "probes": {"depth": 1, "wording": [{"en": "Why {answer}?", "fr": "Pourquoi {answer} ?"}]}}],
    languages=["en", "fr"],
)


@pytest.mark.parametrize(
    ("language", "question", "labels", "probe"),
    [
        (None, "Colour, Al?", ["Red", "Blue"], "Why Red?"),
        ("en", "Colour, Al?", ["Red", "Blue"], "Why Red?"),
        ("fr", "Couleur, Al ?", ["Rouge", "Blue"], "Pourquoi Rouge ?"),
    ],
)
def test_texts_in_the_respondents_language(language: str | None, question: str,
                                           labels: list[str], probe: str) -> None:
    conversation = start(LANGUAGES, language=language,
                         respondent=Respondent(attributes={"name": "Al"}))
    prompt = conversation.prompt
    assert (prompt.text, prompt.help) == (question, "Pick one")
    assert [o.label for o in prompt.options] == labels
    conversation.answer("red")
    assert conversation.prompt.text == probe
    assert conversation.state.language == (language or "en")


# -- loops -----------------------------------------------------------------------------------

LOOP = build([
    {"id": "tools", "type": "multiple_choice", "text": "Which tools?", "required": False,
     "options": [{"value": "crm", "label": "The CRM"}, "mail", "chat"], "other": True},
    {"id": "per_tool", "type": "section", "title": "About {tool}",
     "loop": {"over": "answers.tools", "as": "tool"},
     "nodes": [
         {"id": "rate", "type": "rating", "points": 5,
          "text": "Rate {tool} ({tool.value}, #{tool.index})"},
         text("why", text="Why {answers.rate} for {tool.label}?", when="answers.rate <= 2"),
     ]},
    {"id": "bye", "type": "statement", "text": "Bye: "},
])


def test_a_loop_asks_its_nodes_for_each_picked_item() -> None:
    conversation = start(LOOP)
    conversation.answer(["mail", "other", "crm"], other="A notebook")
    seen = []
    ratings = {"rate[mail]": 1, "rate[other]": 4, "rate[crm]": 2}
    while (prompt := conversation.prompt) is not None:
        seen.append((prompt.key, prompt.text, prompt.section_title, prompt.loop_item))
        conversation.answer(ratings.get(prompt.key, "because"))
    assert seen == [
        ("rate[mail]", "Rate mail (mail, #0)", "About mail", "mail"),
        ("why[mail]", "Why 1 for mail?", "About mail", "mail"),
        ("rate[other]", "Rate A notebook (other, #1)", "About A notebook", "A notebook"),
        ("rate[crm]", "Rate The CRM (crm, #2)", "About The CRM", "The CRM"),
        ("why[crm]", "Why 2 for The CRM?", "About The CRM", "The CRM"),
        ("bye", "Bye: ", None, None),
    ]
    assert conversation.state.answers == {
        "tools": ["mail", "other", "crm"], "rate[mail]": 1, "why[mail]": "because",
        "rate[other]": 4, "rate[crm]": 2, "why[crm]": "because"}


@pytest.mark.parametrize("picked", ["", []])
def test_a_loop_over_an_empty_list_is_skipped(picked: Any) -> None:
    conversation = start(LOOP)
    conversation.answer(picked)
    assert conversation.prompt.key == "bye"


def test_nested_loops_key_answers_by_every_item() -> None:
    script = build([
        {"id": "a", "type": "multiple_choice", "text": "A", "options": ["x", "y"]},
        {"id": "b", "type": "multiple_choice", "text": "B", "options": ["1", "2"]},
        {"id": "outer", "type": "section", "loop": {"over": "answers.a"}, "nodes": [
            {"id": "inner", "type": "section", "loop": {"over": "answers.b", "as": "n"},
             "nodes": [text("q", text="{item}{n}")]},
        ]},
    ])
    conversation = start(script)
    conversation.answer(["y", "x"])
    conversation.answer(["2", "1"])
    texts = []
    while conversation.prompt:
        texts.append(conversation.prompt.text)
        conversation.answer("ok")
    assert texts == ["y2", "y1", "x2", "x1"]
    assert sorted(conversation.state.answers) == ["a", "b", "q[x][1]", "q[x][2]", "q[y][1]",
                                                  "q[y][2]"]


# -- carry-forward ---------------------------------------------------------------------------

CARRY = build([
    {"id": "tools", "type": "multiple_choice", "text": "Which tools?", "required": False,
     "options": ["mail", {"value": "crm", "label": "The CRM ({respondent.company})"}, "chat"],
     "other": True},
    {"id": "best", "type": "single_choice", "text": "Which is best?", "options_from": "tools"},
    text("why", text="Why is {answers.best} best?"),
])


def test_options_from_offers_the_picked_options_with_their_labels() -> None:
    conversation = start(CARRY, respondent=Respondent(attributes={"company": "Acme"}))
    conversation.answer(["crm", "other", "mail"], other="  Carrier pigeon ")
    prompt = conversation.prompt
    assert [(o.value, o.label) for o in prompt.options] == [
        ("crm", "The CRM (Acme)"), ("other", "Carrier pigeon"), ("mail", "mail")]
    with pytest.raises(AnswerError, match="Please choose one of the options"):
        conversation.answer("chat")
    events = conversation.answer("other")
    assert events[0].data == {"value": "other"}
    assert conversation.state.answers["best"] == "other"
    assert "best" not in conversation.state.other


def test_options_from_a_single_choice() -> None:
    script = build([
        {"id": "one", "type": "single_choice", "text": "One", "options": ["a", "b"]},
        {"id": "again", "type": "multiple_choice", "text": "Again", "options_from": "one"},
    ])
    conversation = start(script)
    conversation.answer("b")
    assert [o.value for o in conversation.prompt.options] == ["b"]


def test_options_from_nothing_picked_skips_the_question() -> None:
    conversation = start(CARRY)
    events = conversation.answer([])
    assert kinds(events)[-1] == ("asked", "why")


# -- randomized order ------------------------------------------------------------------------

RANDOM = build([
    {"id": "pick", "type": "single_choice", "text": "Pick", "randomize": True, "other": True,
     "options": [{"value": "first", "label": "First", "fixed": True},
                 *[f"o{i}" for i in range(8)],
                 {"value": "none", "label": "None", "fixed": True}]},
    {"id": "block", "type": "section", "randomize": True,
     "nodes": [text(f"s{i}") for i in range(6)]},
    text("after"),
])


def option_order(seed: int) -> list[str]:
    return [o.value for o in start(RANDOM, seed=seed).prompt.options]


def node_order(conversation: Conversation) -> list[str]:
    return keys_asked(conversation, {"pick": "o1"})


def test_randomized_options_depend_on_the_seed_only() -> None:
    assert option_order(3) == option_order(3)
    orders = {tuple(option_order(seed)) for seed in range(8)}
    assert len(orders) > 1
    for order in orders:
        assert order[0] == "first" and order[-2:] == ("none", "other")
        assert sorted(order[1:-2]) == [f"o{i}" for i in range(8)]


def test_randomized_sections_depend_on_the_seed_only() -> None:
    first = node_order(start(RANDOM, seed=11))
    assert first == node_order(start(RANDOM, seed=11))
    assert first[0] == "pick" and first[-1] == "after"
    assert sorted(first[1:-1]) == [f"s{i}" for i in range(6)]
    assert len({tuple(node_order(start(RANDOM, seed=seed))) for seed in range(6)}) > 1


@pytest.mark.parametrize("seed", [0, 1, 2, 7])
def test_a_session_restored_at_each_step_keeps_the_random_orders(seed: int) -> None:
    straight = start(RANDOM, seed=seed)
    expected_options = straight.prompt.options
    expected = node_order(straight)
    conversation = restored(start(RANDOM, seed=seed))
    assert conversation.prompt.options == expected_options
    asked = []
    while conversation.prompt:
        asked.append(conversation.prompt.key)
        conversation.answer("o1" if asked[-1] == "pick" else "x")
        conversation = restored(conversation)
    assert asked == expected


def test_randomized_options_inside_a_loop_differ_per_item() -> None:
    script = build([
        {"id": "m", "type": "multiple_choice", "text": "M", "options": ["a", "b", "c", "d"]},
        {"id": "loop", "type": "section", "loop": {"over": "answers.m"}, "nodes": [
            {"id": "q", "type": "single_choice", "text": "Q", "randomize": True,
             "options": [f"v{i}" for i in range(8)]}]},
    ])
    conversation = start(script, seed=1)
    conversation.answer(["a", "b", "c", "d"])
    orders = set()
    while conversation.prompt:
        orders.add(tuple(o.value for o in conversation.prompt.options))
        conversation.answer("v0")
    assert len(orders) > 1


# -- probes ----------------------------------------------------------------------------------

def probe_script(**probes: Any) -> Script:
    return build([text("q", probes=probes), {"id": "bye", "type": "statement", "text": "Bye"}])


def test_standard_probes_go_depth_levels_deep() -> None:
    conversation = start(probe_script(depth=3))
    events = conversation.answer("The price went up")
    assert kinds(events) == [("answered", "q"), ("probed", "q")]
    assert events[1].data == {"level": 1, "text": "Why is that important to you?"}
    prompt = conversation.prompt
    assert (prompt.kind, prompt.key, prompt.probe_level, prompt.probe_depth) == ("probe", "q", 1, 3)
    assert prompt.question_text == "Q" and prompt.can_decline and prompt.can_go_back
    texts = [prompt.text]
    for answer in ("Budget is tight", "We must cut costs"):
        conversation.answer(answer)
        texts.append(conversation.prompt.text)
    events = conversation.answer("Investors")
    assert kinds(events) == [("probe_answered", "q"), ("asked", "bye")]
    assert events[0].data == {"level": 3, "text": "Investors"}
    assert texts == ["Why is that important to you?", "And why does that matter to you?",
                     "What would that make possible for you?"]
    assert conversation.state.probes == {"q": ["Budget is tight", "We must cut costs",
                                               "Investors"]}


def test_own_wording_substitutes_answer_and_previous() -> None:
    conversation = start(probe_script(depth=3, wording=[
        "Why '{answer}'?", "Why '{previous}' (about '{answer}')?", "And '{previous}'?"]))
    conversation.answer("Too slow")
    assert conversation.prompt.text == "Why 'Too slow'?"
    conversation.answer("Lost time")
    assert conversation.prompt.text == "Why 'Lost time' (about 'Too slow')?"
    conversation.answer("Missed deadlines")
    assert conversation.prompt.text == "And 'Missed deadlines'?"


NPS_PROBES = build([
    {"id": "nps", "type": "nps", "text": "NPS",
     "probes": {"depth": 2, "when": "answer <= 6", "wording": ["Why only {answer}?", "Why?"]}},
    {"id": "bye", "type": "statement", "text": "Bye"},
])


@pytest.mark.parametrize(("score", "probed"), [(0, True), (6, True), (7, False), (10, False)])
def test_probes_only_when_their_condition_holds(score: int, probed: bool) -> None:
    conversation = start(NPS_PROBES)
    conversation.answer(score)
    prompt = conversation.prompt
    assert (prompt.kind == "probe") is probed
    if probed:
        assert prompt.text == f"Why only {score}?"


@pytest.mark.parametrize("stop", ["no", "Don't know!", "NOT SURE.", "n/a", "Nothing", "x", "  "])
def test_a_text_answer_that_says_nothing_is_not_probed(stop: str) -> None:
    conversation = start(build([text("q", required=False, probes={"depth": 2}), text("next")]))
    conversation.answer(stop)
    assert conversation.prompt.key == "next"
    assert conversation.state.probes == {}


def test_stop_rules_end_probing_after_a_probe_answer() -> None:
    conversation = start(probe_script(depth=4, stop={"phrases": ["whatever"], "min_length": 5}))
    conversation.answer("Price")
    conversation.answer("Budget limits")
    conversation.answer("  WhatEver. ")
    assert conversation.prompt.key == "bye"
    assert conversation.state.probes == {"q": ["Budget limits", "WhatEver."]}
    conversation = start(probe_script(depth=4, stop={"phrases": ["whatever"], "min_length": 5}))
    conversation.answer("Price")
    conversation.answer("Cost")  # shorter than min_length
    assert conversation.prompt.key == "bye"
    conversation = start(probe_script(depth=4, stop={"phrases": ["whatever"], "min_length": 5}))
    conversation.answer("Price")
    conversation.answer("no idea")  # the script's phrases replace the default ones
    assert conversation.prompt.kind == "probe"


def test_min_length_on_a_text_answer_before_probing() -> None:
    conversation = start(probe_script(depth=2, stop={"min_length": 6}))
    conversation.answer("Price")
    assert conversation.prompt.key == "bye"
    conversation = start(probe_script(depth=2, stop={"min_length": 6}))
    conversation.answer("Prices")
    assert conversation.prompt.kind == "probe"


def test_stop_rules_do_not_apply_to_other_answers_before_probing() -> None:
    conversation = start(build([{"id": "q", "type": "yes_no", "text": "Q?",
                                 "probes": {"depth": 1}}]))
    conversation.answer("no")
    assert conversation.prompt.kind == "probe"


def test_probe_defaults_are_merged_into_questions() -> None:
    script = build([text("a"), text("b", probes={"depth": 1}), text("c", probes={"depth": 0})],
                   probe_defaults={"depth": 2, "stop": {"min_length": 4}})
    conversation = start(script)
    conversation.answer("Long enough")
    assert conversation.prompt.probe_depth == 2
    conversation.answer("abc")  # min_length 4 from the defaults
    assert conversation.prompt.key == "b"
    conversation.answer("Long enough")
    assert conversation.prompt.probe_depth == 1
    conversation.answer("Yes indeed")
    assert conversation.prompt.key == "c"
    conversation.answer("Long enough")
    assert conversation.finished


@pytest.mark.parametrize("stop", ["decline", "empty"])
def test_declining_or_an_empty_answer_stops_probing(stop: str) -> None:
    conversation = start(probe_script(depth=3))
    conversation.answer("Price")
    conversation.answer("Budget")
    events = conversation.decline("dont_know") if stop == "decline" else conversation.answer(" ")
    reason = "dont_know" if stop == "decline" else "skipped"
    assert kinds(events) == [("declined", "q"), ("asked", "bye")]
    assert events[0].data == {"reason": reason, "level": 2}
    assert conversation.state.probes == {"q": ["Budget"]}
    assert conversation.state.answers == {"q": "Price"}
    assert conversation.state.declined == {}


def test_declining_the_first_probe_records_no_probe_answers() -> None:
    conversation = start(probe_script(depth=2))
    conversation.answer("Price")
    events = conversation.decline("refused")
    assert events[0].data == {"reason": "refused", "level": 1}
    assert conversation.state.probes == {}
    assert conversation.state.answers == {"q": "Price"}


def test_the_whole_standard_ladder() -> None:
    conversation = start(probe_script(depth=5))
    conversation.answer("Price")
    texts = []
    while conversation.prompt.kind == "probe":
        texts.append(conversation.prompt.text)
        conversation.answer(f"Reason {len(texts)}")
    assert texts == [
        "Why is that important to you?", "And why does that matter to you?",
        "What would that make possible for you?", "What is behind that for you?",
        "Is there anything else you would like to add about that?"]
    assert conversation.state.probes["q"] == [f"Reason {i}" for i in range(1, 6)]


def test_a_probe_answer_must_be_text() -> None:
    conversation = start(probe_script(depth=1))
    conversation.answer("Price")
    with pytest.raises(AnswerError, match="Please write your answer as text"):
        conversation.answer(5)
    assert conversation.prompt.kind == "probe"


def test_back_from_a_probe_and_forward_again_keeps_probe_answers() -> None:
    conversation = start(probe_script(depth=2))
    conversation.answer("Price")
    conversation.answer("Budget")
    events = conversation.back()
    assert kinds(events) == [("went_back", "q")] and events[0].data == {"level": 1}
    prompt = conversation.prompt
    assert (prompt.kind, prompt.probe_level, prompt.current) == ("probe", 1, "Budget")
    conversation.back()
    prompt = conversation.prompt
    assert (prompt.kind, prompt.current) == ("question", "Price")
    conversation.answer("Price")
    assert conversation.prompt.current == "Budget"
    conversation.answer("Budget cuts")
    assert conversation.state.probes == {"q": ["Budget cuts"]}


def test_back_through_probes_keeps_the_later_probe_answers() -> None:
    conversation = start(probe_script(depth=3))
    for answer in ("Price", "Budget", "Costs", "Investors"):
        conversation.answer(answer)
    assert conversation.prompt.key == "bye"
    for _ in range(4):
        conversation.back()
    currents = []
    while conversation.prompt.key != "bye":
        currents.append(conversation.prompt.current)
        conversation.answer(conversation.prompt.current)
    assert currents == ["Price", "Budget", "Costs", "Investors"]
    assert conversation.state.probes == {"q": ["Budget", "Costs", "Investors"]}


def test_probe_answers_beyond_where_probing_now_stops_are_forgotten() -> None:
    conversation = start(probe_script(depth=3))
    for answer in ("Price", "Budget", "Costs", "Investors"):
        conversation.answer(answer)
    conversation.back()
    conversation.back()
    assert conversation.prompt.probe_level == 2
    events = conversation.answer("not sure")
    assert kinds(events) == [("probe_answered", "q"), ("asked", "bye")]
    assert conversation.state.probes == {"q": ["Budget", "not sure"]}


def test_changing_an_answer_so_it_is_no_longer_probed_forgets_its_probes() -> None:
    conversation = start(NPS_PROBES)
    conversation.answer(3)
    conversation.answer("Slow support")
    conversation.back()
    conversation.back()
    conversation.answer(9)
    assert conversation.prompt.key == "bye"
    assert conversation.state.probes == {}


def test_probe_in_a_loop_is_recorded_per_item() -> None:
    script = build([
        {"id": "m", "type": "multiple_choice", "text": "M", "options": ["a", "b"]},
        {"id": "l", "type": "section", "loop": {"over": "answers.m"},
         "nodes": [text("q", probes={"depth": 1, "wording": ["More on {item}: {answer}?"]})]},
    ])
    conversation = start(script)
    conversation.answer(["b", "a"])
    conversation.answer("Fast")
    assert conversation.prompt.text == "More on b: Fast?"
    conversation.answer("Very fast")
    conversation.answer("Cheap")
    conversation.answer("Very cheap")
    assert conversation.state.probes == {"q[b]": ["Very fast"], "q[a]": ["Very cheap"]}


# -- going back ------------------------------------------------------------------------------

BRANCH = build([
    {"id": "q1", "type": "yes_no", "text": "Q1"},
    text("yes_branch", when="answers.q1"),
    text("deeper", when="answers.yes_branch == 'deep'"),
    text("no_branch", when="not answers.q1"),
    text("common", text="Common ({answers.yes_branch})"),
    text("last"),
])


def test_back_from_the_first_prompt_is_impossible() -> None:
    conversation = start(BRANCH)
    assert not conversation.prompt.can_go_back
    with pytest.raises(NavigationError, match="first question"):
        conversation.back()


def test_back_then_forward_keeps_answers() -> None:
    conversation = start(BRANCH)
    for value in (True, "deep", "down", "both"):
        conversation.answer(value)
    for expected in ("common", "deeper", "yes_branch", "q1"):
        events = conversation.back()
        assert kinds(events) == [("went_back", expected)]
    assert not conversation.prompt.can_go_back
    seen = []
    while conversation.prompt.key != "last":
        seen.append((conversation.prompt.key, conversation.prompt.current))
        events = conversation.answer(conversation.prompt.current)
        assert "dropped" not in [e.kind for e in events]
    assert seen == [("q1", True), ("yes_branch", "deep"), ("deeper", "down"), ("common", "both")]


def test_changing_an_answer_drops_the_branch_no_longer_taken() -> None:
    conversation = start(BRANCH)
    for value in (True, "deep", "down", "both"):
        conversation.answer(value)
    for _ in range(4):
        conversation.back()
    events = conversation.answer(False)
    assert kinds(events) == [("answered", "q1"), ("dropped", "yes_branch"),
                             ("dropped", "deeper"), ("asked", "no_branch")]
    assert events[1].node == "yes_branch"
    assert conversation.state.answers == {"q1": False, "common": "both"}
    conversation.answer("other way")
    prompt = conversation.prompt
    assert (prompt.key, prompt.text, prompt.current) == ("common", "Common ()", "both")


def test_a_dropped_answer_no_longer_decides_what_is_asked() -> None:
    conversation = start(BRANCH)
    for value in (True, "deep", "down"):
        conversation.answer(value)
    conversation.back()
    conversation.back()
    events = conversation.answer("shallow")
    assert kinds(events) == [("answered", "yes_branch"), ("dropped", "deeper"),
                             ("asked", "common")]
    conversation.back()
    conversation.back()
    events = conversation.answer(False)
    assert kinds(events)[-1] == ("asked", "no_branch")


def test_the_next_prompt_never_shows_a_dropped_answer() -> None:
    conversation = start(build([
        {"id": "q1", "type": "yes_no", "text": "Q1"},
        text("detail", when="answers.q1"),
        text("summary", text="You said: {answers.detail}"),
    ]))
    conversation.answer(True)
    conversation.answer("secret")
    conversation.back()
    conversation.back()
    events = conversation.answer(False)
    assert kinds(events) == [("answered", "q1"), ("dropped", "detail"), ("asked", "summary")]
    assert events[-1].data == {"text": "You said: "}
    assert conversation.prompt.text == "You said: "


def test_back_and_change_the_loop_list_drops_answers_of_items_no_longer_picked() -> None:
    conversation = start(LOOP)
    conversation.answer(["mail", "crm"])
    conversation.answer(4)
    conversation.answer(5)
    assert conversation.prompt.key == "bye"
    for _ in range(3):
        conversation.back()
    events = conversation.answer(["crm", "chat"])
    assert kinds(events) == [("answered", "tools"), ("dropped", "rate[mail]"),
                             ("asked", "rate[crm]")]
    assert conversation.prompt.current == 5


def test_a_declined_answer_is_prefilled_as_declined_and_can_be_changed() -> None:
    conversation = start(build([{"id": "inc", "type": "number", "text": "Income",
                                 "prefer_not_to_say": True}, text("next")]))
    conversation.decline()
    conversation.back()
    assert conversation.prompt.current is None
    conversation.answer(100)
    assert conversation.state.answers["inc"] == 100
    assert conversation.state.declined == {}


# -- confirmation ----------------------------------------------------------------------------

CONFIRM = build([
    text("reason", text="Main reason?"),
    {"id": "size", "type": "number", "text": "Team size?"},
    {"id": "check", "type": "confirm", "of": "reason",
     "text": "So it is: {answers.reason}. Right?"},
    text("after"),
])


def test_confirmation_no_asks_the_question_again_then_continues() -> None:
    conversation = start(CONFIRM)
    conversation.answer("Price")
    conversation.answer(5)
    assert conversation.prompt.kind == "confirm"
    assert conversation.prompt.text == "So it is: Price. Right?"
    events = conversation.answer("no")
    assert kinds(events) == [("answered", "check"), ("corrected", "reason"), ("asked", "reason")]
    assert events[1].data == {"confirmation": "check"}
    assert conversation.prompt.current == "Price"
    conversation.answer("Support")
    assert (conversation.prompt.key, conversation.prompt.current) == ("size", 5)
    conversation.answer(5)
    assert conversation.prompt.text == "So it is: Support. Right?"
    conversation.answer(True)
    assert conversation.prompt.key == "after"
    assert conversation.state.answers == {"reason": "Support", "size": 5, "check": True}


def test_confirmation_yes_continues() -> None:
    assert keys_asked(start(CONFIRM), {"size": 1, "check": "yes"}) == [
        "reason", "size", "check", "after"]


# -- screening and referral ------------------------------------------------------------------

SCREENING = build([
    {"id": "right_person", "type": "yes_no", "text": "Are you the right person?"},
    {"id": "refer", "type": "referral", "text": "Who should we ask?",
     "when": "not answers.right_person"},
    text("reason"),
])


def test_screening_out_to_a_referral_ends_the_conversation() -> None:
    conversation = start(SCREENING)
    conversation.answer(False)
    assert conversation.prompt.kind == "referral"
    events = conversation.answer({"name": "Bo Chen", "email": "bo@example.com"})
    assert kinds(events) == [("answered", "refer"), ("referred", "refer"), ("completed", None)]
    assert events[1].data == {"referral": {"name": "Bo Chen", "email": "bo@example.com"}}
    assert events[2].data == {"outcome": "referred"}
    assert conversation.state.status == "referred" and conversation.finished
    assert conversation.state.referrals == [
        {"key": "refer", "name": "Bo Chen", "email": "bo@example.com"}]


def test_the_right_person_is_not_referred() -> None:
    assert keys_asked(start(SCREENING), {"right_person": True}) == ["right_person", "reason"]


def test_referred_after_going_back_keeps_only_the_path_taken() -> None:
    conversation = start(SCREENING)
    conversation.answer(True)
    conversation.back()
    conversation.answer(False)
    conversation.answer("Bo")
    assert conversation.state.status == "referred"
    assert conversation.state.answers == {"right_person": False, "refer": {"name": "Bo"}}
    conversation = start(build([
        {"id": "right_person", "type": "yes_no", "text": "Right?"},
        {"id": "refer", "type": "referral", "text": "Who?", "when": "not answers.right_person"},
        text("reason"), text("more")]))
    conversation.answer(True)
    conversation.answer("Price")
    conversation.back()
    conversation.back()
    conversation.answer(False)
    events = conversation.answer("Bo")
    assert kinds(events) == [("answered", "refer"), ("referred", "refer"),
                             ("dropped", "reason"), ("completed", None)]
    assert conversation.state.answers == {"right_person": False, "refer": {"name": "Bo"}}


def test_a_referral_that_does_not_end_continues() -> None:
    conversation = start(build([
        {"id": "refer", "type": "referral", "text": "Anyone else?", "end": False,
         "fields": ["name", "phone"]},
        text("next"),
    ]))
    events = conversation.answer({"name": "Al", "phone": "555"})
    assert kinds(events) == [("answered", "refer"), ("referred", "refer"), ("asked", "next")]
    assert conversation.state.status == "active"
    assert conversation.state.referrals == [{"key": "refer", "name": "Al", "phone": "555"}]


def test_a_referral_answered_again_replaces_the_first() -> None:
    conversation = start(build([
        {"id": "ask", "type": "yes_no", "text": "Know someone?"},
        {"id": "refer", "type": "referral", "text": "Who?", "end": False, "required": False,
         "when": "answers.ask"},
        text("next"),
    ]))
    conversation.answer(True)
    conversation.answer("Al")
    conversation.back()
    events = conversation.answer("Bea")
    assert kinds(events) == [("answered", "refer"), ("referred", "refer"), ("asked", "next")]
    assert conversation.state.referrals == [{"key": "refer", "name": "Bea"}]
    conversation.back()
    conversation.decline("skipped")
    assert conversation.state.referrals == []
    conversation.back()
    conversation.answer("Cy")
    conversation.back()
    conversation.back()
    events = conversation.answer(False)
    assert ("dropped", "refer") in kinds(events)
    assert conversation.state.referrals == []


# -- events ----------------------------------------------------------------------------------

EVENTS = build([
    {"id": "rec", "type": "nps", "text": "Recommend?",
     "probes": {"depth": 2, "when": "answer <= 6"}},
    {"id": "conf", "type": "confirm", "of": "rec", "text": "You said {answers.rec}?"},
    {"id": "income", "type": "number", "text": "Income?", "prefer_not_to_say": True},
    text("extra", when="answers.income > 10"),
    {"id": "more", "type": "yes_no", "text": "Know someone else?"},
    {"id": "refer", "type": "referral", "text": "Who?", "when": "answers.more"},
])


def test_the_events_of_a_short_run() -> None:
    conversation, events = Conversation.start(EVENTS)
    steps = [
        lambda: conversation.answer(3),
        lambda: conversation.answer("Slow support"),
        lambda: conversation.decline(),
        lambda: conversation.answer(False),
        lambda: conversation.answer(9),
        lambda: conversation.answer(True),
        lambda: conversation.answer(50),
        lambda: conversation.answer("Details"),
        conversation.back,
        conversation.back,
        lambda: conversation.decline("prefer_not_to_say"),
        lambda: conversation.answer(True),
        lambda: conversation.answer({"name": "Bo"}),
    ]
    for step in steps:
        events = events + step()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [(e.kind, e.key) for e in events] == [
        ("started", None), ("asked", "rec"),
        ("answered", "rec"), ("probed", "rec"),
        ("probe_answered", "rec"), ("probed", "rec"),
        ("declined", "rec"), ("asked", "conf"),
        ("answered", "conf"), ("corrected", "rec"), ("asked", "rec"),
        ("answered", "rec"), ("asked", "conf"),
        ("answered", "conf"), ("asked", "income"),
        ("answered", "income"), ("asked", "extra"),
        ("answered", "extra"), ("asked", "more"),
        ("went_back", "extra"),
        ("went_back", "income"),
        ("declined", "income"), ("dropped", "extra"), ("asked", "more"),
        ("answered", "more"), ("asked", "refer"),
        ("answered", "refer"), ("referred", "refer"), ("completed", None),
    ]
    assert {e.kind for e in events} == {
        "started", "asked", "answered", "probed", "probe_answered", "declined", "went_back",
        "dropped", "corrected", "referred", "completed"}
    assert all(e.node == e.key for e in events if e.key)
    state = conversation.state
    assert state.event_seq == len(events)
    assert state.answers == {"rec": 9, "conf": True, "income": None, "more": True,
                             "refer": {"name": "Bo"}}
    assert state.declined == {"income": "prefer_not_to_say"}
    assert state.probes == {}


def test_event_numbers_continue_after_a_restore() -> None:
    conversation, events = Conversation.start(EVENTS)
    conversation = restored(conversation)
    more = conversation.answer(8)
    assert [e.seq for e in more] == [len(events) + 1, len(events) + 2]


# -- session state round trip ----------------------------------------------------------------

def block(kind: str, i: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Nodes (and calculations) of one building block of a generated script."""
    if kind == "branch":
        return [
            {"id": f"gate{i}", "type": "yes_no", "text": "Gate?", "prefer_not_to_say": True},
            text(f"yes{i}", when=f"answers.gate{i}",
                 probes={"depth": 2, "stop": {"phrases": ["no"], "min_length": 2}}),
            {"id": f"nps{i}", "type": "nps", "text": "NPS {answers.yes" + str(i) + "}",
             "when": f"not answers.gate{i}",
             "probes": {"depth": 2, "when": "answer <= 6",
                        "wording": ["Why {answer}?", "And '{previous}'?"]}},
            text(f"low{i}", when=f"calc.low{i}", required=False),
        ], {f"low{i}": f"answers.nps{i} <= 3"}
    if kind == "loop":
        return [
            {"id": f"pick{i}", "type": "multiple_choice", "text": "Pick", "required": False,
             "options": ["a", "b", {"value": "c", "label": "Cee"}], "other": True,
             "randomize": True},
            {"id": f"loop{i}", "type": "section", "title": "On {item}",
             "loop": {"over": f"answers.pick{i}"},
             "nodes": [{"id": f"rate{i}", "type": "rating", "points": 3, "text": "Rate {item}"},
                       text(f"why{i}", when=f"answers.rate{i} == 1", required=False)]},
            {"id": f"best{i}", "type": "single_choice", "text": "Best?",
             "options_from": f"pick{i}", "randomize": True},
        ], {}
    if kind == "shuffle":
        return [{"id": f"shuffle{i}", "type": "section", "randomize": True, "nodes": [
            {"id": f"num{i}", "type": "number", "text": "N", "min": 0, "max": 9,
             "integer": True},
            {"id": f"day{i}", "type": "date", "text": "D", "min": "2024-01-01"},
            {"id": f"note{i}", "type": "statement", "text": "Note"},
            {"id": f"ok{i}", "type": "yes_no", "text": "OK?", "required": False},
        ]}], {}
    if kind == "confirm":
        return [text(f"reason{i}"),
                {"id": f"conf{i}", "type": "confirm", "of": f"reason{i}", "text": "Right?"}], {}
    return [{"id": f"ref{i}", "type": "referral", "text": "Who?", "end": False,
             "when": "respondent.refer"},
            {"id": f"choice{i}", "type": "single_choice", "text": "C", "required": False,
             "options": ["x", "y", {"value": "z", "label": "Zed", "fixed": True}],
             "other": "Else", "randomize": True}], {}


BLOCKS = st.lists(st.sampled_from(["branch", "loop", "shuffle", "confirm", "refer"]),
                  max_size=3).map(lambda kinds_: ("branch", *kinds_))


@functools.cache
def generated_script(blocks: tuple[str, ...]) -> Script:
    """A script made of `blocks` (see `block`), ending with a screening and a referral."""
    nodes: list[dict[str, Any]] = []
    calculations: dict[str, str] = {}
    for i, kind in enumerate(blocks):
        more, calcs = block(kind, i)
        nodes += more
        calculations.update(calcs)
    nodes.append({"id": "end_screen", "type": "yes_no", "text": "Done?", "required": False})
    nodes.append({"id": "end_refer", "type": "referral", "text": "Who?",
                  "when": "answers.end_screen == false"})
    return build(nodes, calculations=calculations)


TEXTS = ["Because of the price", "no", "x", "", "Support was slow", "Don't know"]


def action(draw: st.DrawFn, conversation: Conversation) -> tuple[str, Any, Any]:
    """A random next step for the current prompt: mostly valid answers, some not."""
    prompt = conversation.prompt
    choices = ["answer"] * 3
    if prompt.can_go_back:
        choices += ["back"] * 2
    if prompt.can_decline:
        choices.append("decline")
    kind = draw(st.sampled_from(choices))
    if kind != "answer":
        return kind, None, None
    other = None
    if prompt.kind == "statement":
        value: Any = None
    elif prompt.kind == "probe" or prompt.type == "text":
        value = draw(st.sampled_from(TEXTS))
    elif prompt.type in ("yes_no", "confirm"):
        value = draw(st.sampled_from([True, True, False, "maybe"]))
    elif prompt.type == "single_choice":
        value = draw(st.sampled_from([o.value for o in prompt.options] + ["nope"]))
        other = "Something"
    elif prompt.type == "multiple_choice":
        value = draw(st.lists(st.sampled_from([o.value for o in prompt.options]), max_size=3))
        other = draw(st.sampled_from([None, "Mine"]))
    elif prompt.type in ("rating", "nps", "number"):
        value = draw(st.integers(prompt.minimum - 1, prompt.maximum))
    elif prompt.type == "date":
        value = draw(st.sampled_from(["2024-05-01", "2023-01-01", "not a date"]))
    else:
        value = draw(st.sampled_from([{"name": "Ann"}, {"email": "x"}, "Bo"]))
    return kind, value, other


@st.composite
def actions(draw: st.DrawFn, conversation: Conversation) -> tuple[str, Any, Any]:
    return action(draw, conversation)


def act(conversation: Conversation, step: tuple[str, Any, Any]) -> list[Event] | str:
    kind, value, other = step
    try:
        if kind == "back":
            return conversation.back()
        if kind == "decline":
            return conversation.decline("prefer_not_to_say")
        return conversation.answer(value, other=other)
    except AnswerError as error:
        return error.message


def plain(conversation: Conversation) -> Any:
    return json.loads(json.dumps(state_to_json(conversation.state)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BLOCKS, st.integers(0, 3), st.booleans(), st.data())
def test_a_session_saved_and_restored_at_every_step_runs_identically(
        blocks: tuple[str, ...], seed: int, refers: bool, data: st.DataObject) -> None:
    script = generated_script(blocks)
    respondent = Respondent(attributes={"refer": refers})
    straight, events = Conversation.start(script, respondent, seed=seed)
    resumed, resumed_events = Conversation.start(script, respondent, seed=seed)
    assert resumed_events == events
    all_events = list(events)
    for _ in range(80):
        if straight.prompt is None:
            break
        resumed = restored(resumed)
        assert resumed.prompt == straight.prompt
        step = data.draw(actions(straight))
        outcome = act(straight, step)
        assert act(resumed, step) == outcome
        assert plain(resumed) == plain(straight)
        if not isinstance(outcome, str):
            all_events += outcome
        prompt = straight.prompt
        if prompt is not None and prompt.kind != "probe":
            assert prompt.current == straight.state.answers.get(prompt.key)
    assert [e.seq for e in all_events] == list(range(1, len(all_events) + 1))
    assert restored(resumed).prompt == straight.prompt
    if straight.finished:  # only answers of the path taken are left
        assert set(straight.state.answers) <= {key for _, _, key in straight.state.trail}


def give_again(conversation: Conversation) -> list[Event]:
    """Give the current prompt the answer (or refusal) it shows as already given."""
    prompt = conversation.prompt
    if prompt.kind == "statement":
        return conversation.proceed()
    if prompt.current is None:
        reason = "skipped" if prompt.kind == "probe" else conversation.state.declined[prompt.key]
        return conversation.decline(reason)
    return conversation.answer(prompt.current, other=prompt.current_other)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BLOCKS, st.integers(0, 3), st.integers(1, 40), st.data())
def test_going_back_and_giving_the_same_answers_changes_nothing(
        blocks: tuple[str, ...], seed: int, steps: int, data: st.DataObject) -> None:
    conversation, _ = Conversation.start(generated_script(blocks), seed=seed)
    for _ in range(steps):
        if conversation.prompt is None:
            return
        kind, value, other = data.draw(actions(conversation))
        act(conversation, ("decline" if kind == "decline" else "answer", value, other))
    if conversation.prompt is None or not conversation.state.trail:
        return
    before = plain(conversation)
    prompt = conversation.prompt
    back = data.draw(st.integers(1, len(conversation.state.trail)))
    for _ in range(back):
        conversation.back()
    events = []
    for _ in range(back):
        events += give_again(conversation)
    assert "dropped" not in [e.kind for e in events]
    assert conversation.prompt == prompt
    after = plain(conversation)
    for name in ("answers", "other", "declined", "probes", "cursor", "trail", "referrals"):
        assert after[name] == before[name], name


def test_state_to_json_writes_every_field_and_is_a_snapshot() -> None:
    conversation = start(build([text("a"), text("b"), text("c")]))
    conversation.answer("one")
    saved = state_to_json(conversation.state)
    assert set(saved) == {f.name for f in attrs.fields(SessionState)}
    conversation.answer("two")
    assert saved["answers"] == {"a": "one"} and len(saved["trail"]) == 1
    assert state_from_json(json.loads(json.dumps(saved))).answers == {"a": "one"}


def test_a_referral_shows_as_the_name_with_the_rest_in_brackets() -> None:
    script = build([
        {"id": "who", "type": "referral", "text": "Who?", "end": False},
        {"id": "bye", "type": "statement", "text": "We will ask {answers.who}."},
    ])
    conversation = start(script)
    conversation.answer({"name": "Bo Chen", "role": "CTO", "email": "bo@example.com"})
    assert conversation.prompt.text == "We will ask Bo Chen (CTO, bo@example.com)."


def test_a_changed_answer_is_probed_afresh_and_an_unchanged_one_keeps_its_probes() -> None:
    conversation = start(probe_script(depth=1))
    conversation.answer("Price")
    conversation.answer("It was fair")
    conversation.back()
    conversation.back()
    conversation.answer("Price")  # the same answer: what was said about it still holds
    assert conversation.prompt.current == "It was fair"
    conversation.back()
    conversation.answer("Speed")  # a new answer: the old probe answer was about "Price"
    assert conversation.prompt.kind == "probe"
    assert conversation.prompt.current is None
    assert "q" not in conversation.state.probes
