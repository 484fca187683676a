"""The SMS channel: dialogkit's channel contract suite, its registration, and SMS specifics."""

from __future__ import annotations

import pytest
from dialogkit.answers import AnswerError
from dialogkit.channels import Reply
from dialogkit.engine import Prompt, PromptOption
from dialogkit.plugins import ALLOW_ENV, BLOCK_ENV
from dialogkit.testing.channel_contract import (
    Answer,
    ChannelContract,
    contract_prompts,
    registration_test,
)

import dialogkit_sms
from dialogkit_sms.adapter import (
    GSM7_LIMIT,
    UNICODE_LIMIT,
    SmsChannel,
    clean,
    is_gsm7,
    join_segments,
    segment,
    sms_length,
)


def sms_reply(prompt: Prompt, answer: Answer) -> str:
    """What a person texts back to give ``answer``."""
    return SmsChannel({}).format_reply(prompt, answer.value, answer.other)


class TestSmsContract(ChannelContract):
    back_reply = "BACK"
    decline_reply = "SKIP"
    stop_reply = "STOP"

    @pytest.fixture
    def channel(self) -> SmsChannel:
        return SmsChannel({})

    def reply_for(self, prompt: Prompt, answer: Answer) -> str:
        return sms_reply(prompt, answer)

    def visible_text(self, rendered: str) -> str:
        return super().visible_text(join_segments(rendered))


def test_registered_by_its_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed distribution declares the plugin; loading entry points finds `sms`."""
    monkeypatch.delenv(BLOCK_ENV, raising=False)
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    assert isinstance(registration_test(None, "sms"), SmsChannel)


def test_registered_in_process_with_config() -> None:
    adapter = registration_test(dialogkit_sms, "sms", config={"date_order": "mdy"})
    assert isinstance(adapter, SmsChannel) and adapter.date_order == "mdy"
    with pytest.raises(AssertionError, match="invalid"):
        registration_test(dialogkit_sms, "sms", config={"date_order": "ymd"})


# -- segmenting ------------------------------------------------------------------------------


def test_a_short_text_is_one_message() -> None:
    assert segment("x" * GSM7_LIMIT) == ["x" * GSM7_LIMIT]


def test_a_long_text_is_split_into_numbered_parts_that_each_fit() -> None:
    text = " ".join(f"word{n}" for n in range(60))
    parts = segment(text)
    assert len(parts) == 3
    assert [p[:6] for p in parts] == ["(1/3) ", "(2/3) ", "(3/3) "]
    assert all(sms_length(p) <= GSM7_LIMIT for p in parts)
    assert " ".join(join_segments("\n".join(parts)).split()) == text


def test_extended_characters_count_twice() -> None:
    assert is_gsm7("{€}") and sms_length("{€}") == 6
    assert segment("€" * 80) == ["€" * 80]
    parts = segment("€" * 81)
    assert len(parts) == 2 and all(sms_length(p) <= GSM7_LIMIT for p in parts)


def test_any_other_character_makes_the_limit_70() -> None:
    assert not is_gsm7("café ☕")
    assert segment("a" * 69 + "☃") == ["a" * 69 + "☃"]
    parts = segment("snow ☃ " * 20)
    assert len(parts) > 1 and all(len(p) <= UNICODE_LIMIT for p in parts)
    assert sms_length("🙂") == 2  # outside the BMP: two UTF-16 units


def test_numbering_grows_with_the_number_of_parts() -> None:
    parts = segment("word " * 400)
    assert len(parts) >= 10
    assert parts[-1].startswith(f"({len(parts)}/{len(parts)}) ")
    assert all(sms_length(p) <= GSM7_LIMIT for p in parts)


def test_a_word_longer_than_a_message_is_cut() -> None:
    parts = segment("x" * 400)
    assert "".join(join_segments(p) for p in parts) == "x" * 400
    assert all(len(p) <= GSM7_LIMIT for p in parts)


def test_parts_end_at_line_breaks_where_possible() -> None:
    lines = [f"{n}=Option number {n} with a label that is long" for n in range(1, 6)]
    assert all(len(line) == 43 for line in lines)  # three fit in a part, and half a fourth
    parts = segment("\n".join(lines))
    assert parts == ["(1/2) " + "\n".join(lines[:3]), "(2/2) " + "\n".join(lines[3:])]


# -- rendering -------------------------------------------------------------------------------

PROMPTS = contract_prompts()


def test_options_and_keywords() -> None:
    rendered = join_segments(SmsChannel().render(PROMPTS["features"]))
    assert rendered.splitlines()[1:] == [
        "1=Reports",
        "2=Alerts",
        "3=Exports",
        "4=None of these",
        "Reply with numbers, e.g. 1,3. Or BACK, STOP",
    ]
    assert SmsChannel().render(PROMPTS["renew"]).endswith("Reply Y or N. Or BACK, SKIP, STOP")


def test_scales_show_their_end_labels() -> None:
    rendered = SmsChannel().render(PROMPTS["recommend"])
    assert "0=Not at all likely 10=Extremely likely\nReply 0-10." in rendered


def test_the_other_option_says_how_to_add_words() -> None:
    rendered = join_segments(SmsChannel().render(PROMPTS["found_us"]))
    assert "4=Somewhere else" in rendered
    assert "For 4, add your words: 4 your words." in " ".join(rendered.split())


def test_escape_sequences_and_control_characters_are_removed() -> None:
    assert clean("Hi\x1b[31m there\x07\x1b]0;title\x07\n\tyou") == "Hi there you"
    prompt = Prompt(kind="question", key="q", node_id="q", type="text",
                    text="Clear\x1b[2J the screen?\x9b", help="\x00help")
    rendered = SmsChannel().render(prompt)
    assert rendered.splitlines()[:2] == ["Clear the screen?", "help"]


# -- parsing ---------------------------------------------------------------------------------


def choice(type_: str = "multiple_choice") -> Prompt:
    options = (
        PromptOption(value="red", label="Red"),
        PromptOption(value="green", label="Green"),
        PromptOption(value="other", label="Another colour", is_other=True),
    )
    return Prompt(kind="question", key="c", node_id="c", type=type_, text="Colours?",
                  options=options)


def prompt_of(type_: str, **fields: object) -> Prompt:
    return Prompt(kind="question", key="q", node_id="q", type=type_, text="?", **fields)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("back", Reply(action="back")),
        (" Back. ", Reply(action="back")),
        ("STOP", Reply(action="stop")),
        ("skip", Reply(action="decline", reason="skipped")),
        ("PASS!", Reply(action="decline", reason="skipped")),
    ],
)
def test_keywords(sent: str, expected: Reply) -> None:
    assert SmsChannel().parse(choice(), sent) == expected
    assert SmsChannel().parse(prompt_of("text"), sent) == expected


def test_skip_means_prefer_not_to_say_where_that_is_offered() -> None:
    prompt = prompt_of("yes_no", prefer_not_to_say=True, can_decline=True)
    assert SmsChannel().parse(prompt, "SKIP") == Reply(action="decline")


@pytest.mark.parametrize(
    ("sent", "value", "other"),
    [
        ("1", ["red"], None),
        ("1,2", ["red", "green"], None),
        ("2 1", ["green", "red"], None),
        ("1, 3 teal", ["red", "other"], "teal"),
        ("3: deep teal", ["other"], "deep teal"),
        ("green", ["green"], None),
    ],
)
def test_choices(sent: str, value: list[str], other: str | None) -> None:
    assert SmsChannel().parse(choice(), sent) == Reply(value=value, other=other)


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ("4", "no option 4"),
        ("1 please", "just the number"),
        ("purple", "number of your choice"),
    ],
)
def test_choices_that_cannot_be_read(sent: str, message: str) -> None:
    with pytest.raises(AnswerError, match=message):
        SmsChannel().parse(choice(), sent)


def test_single_choice_takes_one_number() -> None:
    assert SmsChannel().parse(choice("single_choice"), "2") == Reply(value="green")
    with pytest.raises(AnswerError, match="just one"):
        SmsChannel().parse(choice("single_choice"), "1,2")


@pytest.mark.parametrize(("sent", "value"), [("Y", True), ("yes!", True), ("n", False),
                                             ("NO", False), ("nope", False)])
def test_yes_no(sent: str, value: bool) -> None:
    assert SmsChannel().parse(prompt_of("yes_no"), sent) == Reply(value=value)


def test_scales_and_numbers() -> None:
    sms = SmsChannel()
    assert sms.parse(prompt_of("nps", minimum=0, maximum=10), "9") == Reply(value=9)
    with pytest.raises(AnswerError, match="from 1 to 5"):
        sms.parse(prompt_of("rating", minimum=1, maximum=5), "four")
    assert sms.parse(prompt_of("number", unit="people"), "12 people") == Reply(value="12")


@pytest.mark.parametrize(
    ("sent", "dmy", "mdy"),
    [
        ("2024-03-04", "2024-03-04", "2024-03-04"),
        ("04/03/2024", "2024-03-04", "2024-04-03"),
        ("4.3.24", "2024-03-04", "2024-04-03"),
        ("4 March 2024", "2024-03-04", "2024-03-04"),
        ("March 4th, 2024", "2024-03-04", "2024-03-04"),
        ("4 Mar 2024", "2024-03-04", "2024-03-04"),
    ],
)
def test_dates(sent: str, dmy: str, mdy: str) -> None:
    assert SmsChannel().parse(prompt_of("date"), sent) == Reply(value=dmy)
    assert SmsChannel({"date_order": "mdy"}).parse(prompt_of("date"), sent) == Reply(value=mdy)


@pytest.mark.parametrize("sent", ["31/02/2024", "next tuesday", "2024"])
def test_dates_that_cannot_be_read(sent: str) -> None:
    with pytest.raises(AnswerError, match="31/12/2024"):
        SmsChannel().parse(prompt_of("date"), sent)


def test_referrals() -> None:
    prompt = prompt_of("referral", fields=("name", "email", "phone", "role"))
    reply = SmsChannel().parse(prompt, "ada@example.com; Ada Lovelace, +44 20 7946 0958, CTO")
    assert reply == Reply(value={"email": "ada@example.com", "phone": "+44 20 7946 0958",
                                 "name": "Ada Lovelace", "role": "CTO"})
    with pytest.raises(AnswerError, match="name, email"):
        SmsChannel().parse(prompt_of("referral", fields=("name", "email")), "Ada, Bob, Eve")


def test_unknown_date_order_is_refused() -> None:
    with pytest.raises(ValueError, match="date_order"):
        SmsChannel({"date_order": "ymd"})
