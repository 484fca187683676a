"""The built-in console channel: the channel contract suite, and what is particular to it."""

from __future__ import annotations

import pytest
from attrs import evolve

import dialogkit_console
from dialogkit.answers import AnswerError
from dialogkit.channels import Reply, apply_reply
from dialogkit.engine import Prompt, PromptOption, state_to_json
from dialogkit.plugins import ALLOW_ENV, BLOCK_ENV
from dialogkit.testing.channel_contract import (
    CONTRACT_ANSWERS,
    Answer,
    ChannelContract,
    contract_conversation,
    contract_prompts,
    registration_test,
    step_id,
)
from dialogkit_console.adapter import ConsoleChannel


def console_reply(prompt: Prompt, answer: Answer) -> str:
    """What a person types at the console to give ``answer``."""
    return ConsoleChannel().format_reply(prompt, answer.value, answer.other)


class TestConsoleContract(ChannelContract):
    back_reply = "/back"
    decline_reply = "/pass"
    stop_reply = "/stop"
    plain_text = True

    @pytest.fixture
    def channel(self) -> ConsoleChannel:
        return ConsoleChannel()

    def reply_for(self, prompt: Prompt, answer: Answer) -> str:
        return console_reply(prompt, answer)


def test_registered_in_process() -> None:
    assert isinstance(registration_test(dialogkit_console, "console"), ConsoleChannel)


def test_registered_by_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BLOCK_ENV, raising=False)
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    assert isinstance(registration_test(None, "console"), ConsoleChannel)


# -- console specifics ---------------------------------------------------------------------

PROMPTS = contract_prompts()


def choice(type_: str = "multiple_choice", **fields: object) -> Prompt:
    options = (
        PromptOption(value="red", label="Red"),
        PromptOption(value="green", label="Green"),
        PromptOption(value="other", label="Another colour", is_other=True),
    )
    return Prompt(kind="question", key="colour", node_id="colour", type=type_,
                  text="Which colours?", options=options, **fields)


def yes_no() -> Prompt:
    return Prompt(kind="question", key="ok", node_id="ok", type="yes_no", text="OK?")


def test_options_are_numbered() -> None:
    lines = ConsoleChannel().render(PROMPTS["found_us"]).splitlines()
    assert lines[1] == "  1) A web search"
    assert lines[2].startswith('  2) A colleague of <script>alert(1)</script> & "quotes" ')
    assert lines[3:5] == ["  3) An advert", "  4) Somewhere else"]
    assert lines[-1].startswith("> Type the number of your choice, then ': '")


def test_hint_lists_the_commands_that_apply() -> None:
    console = ConsoleChannel()
    assert console.render(PROMPTS["welcome"]).splitlines()[-1] == (
        "> Press Enter to continue. [/stop]"
    )
    assert console.render(PROMPTS["renew"]).endswith("[/back /pass /stop]")
    assert console.render(PROMPTS["comments"]).endswith("[/back /skip /stop]")


def test_scale_labels_and_help() -> None:
    console = ConsoleChannel()
    assert "  1 = Poorly … 5 = Perfectly" in console.render(PROMPTS["usage"]).splitlines()
    rendered = console.render(PROMPTS["team_size"])
    assert "  (Count everyone, including yourself.)" in rendered.splitlines()
    assert rendered.startswith('== About you, <script>alert(1)</script> & "quotes" ')


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/back", Reply(action="back")),
        ("/BACK ", Reply(action="back")),
        ("/pass", Reply(action="decline", reason="prefer_not_to_say")),
        ("/skip", Reply(action="decline", reason="skipped")),
        ("/dk", Reply(action="decline", reason="dont_know")),
        ("/refused", Reply(action="decline", reason="refused")),
        ("/stop", Reply(action="stop")),
    ],
)
def test_commands(typed: str, expected: Reply) -> None:
    console = ConsoleChannel()
    assert console.parse(choice(), typed) == expected
    assert console.parse(PROMPTS["job"], typed) == expected


@pytest.mark.parametrize(
    ("typed", "value", "other"),
    [
        ("1", ["red"], None),
        ("1,3: teal", ["red", "other"], "teal"),
        ("1, 3:teal and navy", ["red", "other"], "teal and navy"),
        ("1 2", ["red", "green"], None),
        ("green", ["green"], None),
    ],
)
def test_multiple_choice(typed: str, value: list[str], other: str | None) -> None:
    assert ConsoleChannel().parse(choice(), typed) == Reply(value=value, other=other)


def test_single_choice() -> None:
    console = ConsoleChannel()
    assert console.parse(choice("single_choice"), "3: teal") == Reply(value="other", other="teal")
    with pytest.raises(AnswerError, match="just one"):
        console.parse(choice("single_choice"), "1,2")


@pytest.mark.parametrize("typed", ["4", "0", "purple", "\x1b[31m"])
def test_unknown_option(typed: str) -> None:
    with pytest.raises(AnswerError) as error:
        ConsoleChannel().parse(choice(), typed)
    assert "\x1b" not in error.value.message


@pytest.mark.parametrize(
    ("typed", "value"),
    [("yes", True), ("Y", True), ("1", True), ("no", False), (" N ", False), ("0", False)],
)
def test_yes_no(typed: str, value: bool) -> None:
    assert ConsoleChannel().parse(yes_no(), typed) == Reply(value=value)


def test_yes_no_rejects_other_words() -> None:
    with pytest.raises(AnswerError, match="yes or no"):
        ConsoleChannel().parse(yes_no(), "maybe")


def test_referral_fields_are_separated_by_semicolons() -> None:
    reply = ConsoleChannel().parse(PROMPTS["refer"], "Ada Lovelace; ada@example.com")
    assert reply == Reply(value={"name": "Ada Lovelace", "email": "ada@example.com"})


def test_control_characters_are_stripped() -> None:
    prompt = Prompt(
        kind="question", key="q", node_id="q", type="single_choice",
        text="Clear\x1b[2J the screen?\x07", help="\x9bhelp", section_title="\x00Title",
        options=(PromptOption(value="a", label="A\x1b]0;title\x07"),),
    )
    rendered = ConsoleChannel().render(prompt)
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in rendered)
    assert "Clear" in rendered and "the screen?" in rendered


# -- after going back: the earlier answer is shown, and Enter keeps it ----------------------

@pytest.mark.parametrize(
    ("prompt", "current", "other", "shown"),
    [
        (choice(), ["red", "other"], "teal", "1 (Red), 3 (Another colour: teal)"),
        (choice("single_choice"), "green", None, "2 (Green)"),
        (yes_no(), False, None, "no"),
        (PROMPTS["refer"], {"name": "Ada", "email": "ada@example.com"}, None,
         "Ada; ada@example.com"),
        (PROMPTS["job"], "Pilot\x1b[31m", None, "Pilot"),
    ],
)
def test_the_earlier_answer_is_shown_and_enter_keeps_it(
        prompt: Prompt, current: object, other: str | None, shown: str) -> None:
    console = ConsoleChannel()
    again = evolve(prompt, current=current, current_other=other, can_go_back=True)
    lines = console.render(again).splitlines()
    assert lines[-2] == f"  (your answer: {shown}; press Enter to keep it)"
    assert console.parse(again, "") == Reply(value=current, other=other)
    assert console.parse(again, "  \n") == Reply(value=current, other=other)
    assert "press Enter to keep it" not in console.render(prompt)


def test_back_then_enter_keeps_every_answer() -> None:
    """On the contract script: after each answer, /back shows it again and Enter keeps it."""
    console = ConsoleChannel()
    conversation = contract_conversation(channel="console")
    kept = 0
    while (prompt := conversation.prompt) is not None:
        answer = CONTRACT_ANSWERS[step_id(prompt)]
        apply_reply(conversation, console.parse(prompt, console_reply(prompt, answer)))
        if prompt.kind == "statement" or conversation.prompt is None:
            continue
        before = state_to_json(conversation.state)
        apply_reply(conversation, console.parse(conversation.prompt, "/back"))
        again = conversation.prompt
        assert step_id(again) == step_id(prompt)
        assert "press Enter to keep it" in console.render(again), step_id(prompt)
        apply_reply(conversation, console.parse(again, "\n"))
        after = state_to_json(conversation.state)
        for part in ("answers", "other", "probes", "cursor", "probe_level"):
            assert after[part] == before[part], (step_id(prompt), part)
        kept += 1
    assert conversation.state.status == "completed" and kept >= 10
    assert conversation.state.other == {"found_us": "A podcast"}


def test_an_empty_reply_without_an_earlier_answer_is_still_empty() -> None:
    assert ConsoleChannel().parse(choice(), "") == Reply(value=None)
    assert ConsoleChannel().parse(PROMPTS["job"], "") == Reply(value="")


# -- words after ':' belong to the other option ----------------------------------------------

@pytest.mark.parametrize("type_", ["single_choice", "multiple_choice"])
def test_words_for_an_option_that_is_not_other_are_refused(type_: str) -> None:
    with pytest.raises(AnswerError) as error:
        ConsoleChannel().parse(choice(type_), "2: fax machine")
    assert error.value.message == (
        "Words after ':' are only for the other option, 'Another colour'.")


def test_words_on_a_question_without_other_are_refused() -> None:
    prompt = evolve(choice("single_choice"), options=choice().options[:2])
    with pytest.raises(AnswerError, match="this question has none"):
        ConsoleChannel().parse(prompt, "2: fax machine")
