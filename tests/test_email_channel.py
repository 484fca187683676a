"""The email channel adapter against the channel contract suite, and how it reads the words
people write in replies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogkit.answers import AnswerError
from dialogkit.engine import Prompt, PromptOption
from dialogkit.testing.channel_contract import Answer, ChannelContract, registration_test
from dialogkit_email import EmailChannel


def words_for(prompt: Prompt, answer: Answer) -> str:
    """What a person would write to give `answer`."""
    value = answer.value
    if prompt.kind == "statement":
        return ""
    if prompt.kind != "probe" and prompt.type == "referral":
        return "\n".join(f"{field}: {text}" for field, text in value.items())
    if isinstance(value, bool):
        return "Yes" if value else "no thanks"
    if isinstance(value, list):
        numbers = [str(n) for n, o in enumerate(prompt.options, 1) if o.value in value]
        return ", ".join(numbers)
    if prompt.options and prompt.kind == "question" and prompt.type == "single_choice":
        number = next(n for n, o in enumerate(prompt.options, 1) if o.value == value)
        return f"{number}: {answer.other}" if answer.other else str(number)
    return str(value)


class TestEmailContract(ChannelContract):
    back_reply = "BACK"
    decline_reply = "SKIP"
    stop_reply = "LATER"

    @pytest.fixture
    def channel(self) -> EmailChannel:
        return EmailChannel({})

    def reply_for(self, prompt: Prompt, answer: Answer) -> str:
        return words_for(prompt, answer)


def test_registered() -> None:
    registration_test(None, "email")


def nps(**fields: object) -> Prompt:
    return Prompt(kind="question", key="nps", node_id="nps", type="nps", text="Recommend?",
                  minimum=0, maximum=10, **fields)


@pytest.mark.parametrize(("words", "value"), [
    ("9", 9), ("9/10", 9), ("10!", 10), ("  7 - support was quick", 7),
    ("I'd say 8, the app is good", 8), ("0", 0), ("6\n\nThe reports are slow, 3 times", 6),
])
def test_a_score_is_read_from_the_words_around_it(words: str, value: int) -> None:
    assert EmailChannel().parse(nps(), words).value == value


@pytest.mark.parametrize("words", ["eleven", "11", "-1", "somewhere between 5 and 6", "7.5",
                                   "", "12 out of 10"])
def test_a_reply_without_a_score_in_range_says_what_is_expected(words: str) -> None:
    with pytest.raises(AnswerError) as raised:
        EmailChannel().parse(nps(), words)
    assert raised.value.code == "scale_range"
    assert raised.value.in_language("de") != raised.value.message


@given(st.integers(0, 10), st.text(alphabet=st.characters(categories=("L", "Zs", "P")),
                                   max_size=40))
def test_any_score_followed_by_words_reads_as_that_score(score: int, words: str) -> None:
    assert EmailChannel().parse(nps(), f"{score} {words}").value == score


def choice(kind: str = "single_choice") -> Prompt:
    options = (PromptOption(value="price", label="Price"),
               PromptOption(value="speed", label="Delivery speed"),
               PromptOption(value="other", label="Something else", is_other=True))
    return Prompt(kind="question", key="why", node_id="why", type=kind, text="Why?",
                  options=options, can_decline=True)


@pytest.mark.parametrize(("words", "value", "other"), [
    ("2", "speed", None), ("Delivery speed", "speed", None), ("price", "price", None),
    ("3: our budget was cut", "other", "our budget was cut"), ("2.", "speed", None),
])
def test_a_choice_is_read_by_number_or_by_its_words(words: str, value: str,
                                                     other: str | None) -> None:
    reply = EmailChannel().parse(choice(), words)
    assert (reply.value, reply.other) == (value, other)


def test_several_choices_are_read_from_numbers_and_words() -> None:
    assert EmailChannel().parse(choice("multiple_choice"), "1, 2").value == ["price", "speed"]
    assert EmailChannel().parse(choice("multiple_choice"), "1 and 2").value == [
        "price", "speed"]


def test_an_option_that_is_not_offered_is_an_error() -> None:
    with pytest.raises(AnswerError) as raised:
        EmailChannel().parse(choice(), "7")
    assert raised.value.code == "choice_not_offered"


@pytest.mark.parametrize(("words", "value"), [
    ("Yes", True), ("yes please", True), ("Ja", True), ("oui", True), ("Sí.", True),
    ("No", False), ("nein danke", False), ("non", False)])
def test_yes_and_no_in_four_languages(words: str, value: bool) -> None:
    prompt = Prompt(kind="question", key="ok", node_id="ok", type="yes_no", text="OK?")
    assert EmailChannel().parse(prompt, words).value is value


def test_skip_passes_a_question_that_may_be_passed() -> None:
    reply = EmailChannel().parse(choice(), "SKIP")
    assert (reply.action, reply.reason) == ("decline", "skipped")


def test_the_rendered_question_numbers_the_options_and_says_how_to_reply() -> None:
    text = EmailChannel({"language": "de"}).render(choice())
    assert "  1) Price" in text and "  3) Something else" in text
    assert "Antworten Sie mit der Nummer Ihrer Wahl" in text
    assert "SKIP" in text
