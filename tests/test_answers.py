"""Answer checking per question type, as a respondent meets it through the engine.

Every refused answer must leave the session exactly as it was and say, in words meant for
the respondent, what is expected.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogkit.answers import AnswerError
from dialogkit.engine import Conversation, NavigationError, state_to_json
from dialogkit.script import Script
from dialogkit.testing.scripts import script_from_nodes

FAST = settings(max_examples=60, deadline=None)


def build(nodes: list[dict[str, Any]], **top: Any) -> Script:
    return script_from_nodes(nodes, **top)


def one_question(**question: Any) -> Script:
    """A script asking question `q`, then saying goodbye."""
    return build([{"id": "q", "text": "Q?", **question},
                  {"id": "bye", "type": "statement", "text": "Bye"}])


def ask(script: Script) -> Conversation:
    conversation, _ = Conversation.start(script)
    return conversation


def accepted(script: Script, value: Any, other: str | None = None) -> Any:
    """Answer `q` with `value`; return the stored answer (the conversation moved on)."""
    conversation = ask(script)
    events = conversation.answer(value, other=other)
    assert events[0].kind == "answered"
    assert conversation.prompt.key == "bye"
    stored = conversation.state.answers["q"]
    assert events[0].data["value"] == stored
    json.dumps(state_to_json(conversation.state), allow_nan=False)  # storable as plain JSON
    return stored


def refused(script: Script, value: Any, other: str | None = None) -> str:
    """Answer `q` with `value`, expect a refusal that changes nothing; return its message."""
    conversation = ask(script)
    before = state_to_json(conversation.state)
    prompt = conversation.prompt
    with pytest.raises(AnswerError) as raised:
        conversation.answer(value, other=other)
    assert state_to_json(conversation.state) == before
    assert conversation.prompt == prompt
    assert str(raised.value) == raised.value.message
    return raised.value.message


# -- text ------------------------------------------------------------------------------------

TEXT = one_question(type="text", max_length=10)


def test_text_is_stored_stripped() -> None:
    assert accepted(TEXT, "  hello  ") == "hello"


@pytest.mark.parametrize("value", [5, ["a"], {"a": 1}, True])
def test_text_must_be_text(value: Any) -> None:
    assert refused(TEXT, value) == "Please write your answer as text."


def test_text_max_length_counts_the_stripped_answer() -> None:
    assert accepted(TEXT, "  0123456789  ") == "0123456789"
    assert refused(TEXT, "01234567890") == (
        "Please keep your answer to 10 characters or fewer (it has 11)."
    )


@FAST
@given(st.text(max_size=20))
def test_text_within_max_length_or_refused(value: str) -> None:
    text = value.strip()
    if not text:
        assert refused(TEXT, value) == "Please write an answer."
    elif len(text) <= 10:
        assert accepted(TEXT, value) == text
    else:
        assert refused(TEXT, value).startswith("Please keep your answer to 10 characters")


def test_text_answered_other_is_just_text() -> None:
    conversation = ask(TEXT)
    events = conversation.answer("other", other="ignored")
    assert conversation.state.answers == {"q": "other"}
    assert conversation.state.other == {}
    assert "other" not in events[0].data


# -- missing answers -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({"type": "text"}, "Please write an answer."),
        ({"type": "single_choice", "options": ["a", "b"]}, "Please choose an option."),
        ({"type": "multiple_choice", "options": ["a", "b"]}, "Please choose at least one option."),
        ({"type": "yes_no"}, "Please answer yes or no."),
        ({"type": "referral"}, "Please give the name of the person we should ask."),
        ({"type": "rating", "points": 5}, "Please answer this question."),
        ({"type": "nps"}, "Please answer this question."),
        ({"type": "number"}, "Please answer this question."),
        ({"type": "date"}, "Please answer this question."),
    ],
)
@pytest.mark.parametrize("empty", [None, "", "   ", [], {}])
def test_a_required_question_needs_an_answer(question: dict[str, Any], message: str,
                                             empty: Any) -> None:
    assert refused(one_question(**question), empty) == message


def test_a_confirmation_needs_yes_or_no() -> None:
    script = build([{"id": "a", "type": "text", "text": "A?"},
                    {"id": "q", "type": "confirm", "of": "a", "text": "Right?"}])
    conversation = ask(script)
    conversation.answer("thing")
    with pytest.raises(AnswerError, match=r"^Please answer yes or no\.$"):
        conversation.answer(None)
    with pytest.raises(AnswerError, match=r"^Please answer yes or no\.$"):
        conversation.answer("maybe")


@pytest.mark.parametrize(
    "question",
    [{"type": "text"}, {"type": "nps"}, {"type": "multiple_choice", "options": ["a", "b"]},
     {"type": "date"}, {"type": "referral"}],
)
@pytest.mark.parametrize("empty", [None, " ", []])
def test_an_optional_question_left_empty_is_skipped(question: dict[str, Any],
                                                    empty: Any) -> None:
    conversation = ask(one_question(required=False, **question))
    assert conversation.prompt.can_decline and not conversation.prompt.required
    events = conversation.answer(empty)
    assert [e.kind for e in events] == ["declined", "asked"]
    assert events[0].data == {"reason": "skipped"}
    state = conversation.state
    assert state.answers == {"q": None}
    assert state.declined == {"q": "skipped"}
    assert conversation.prompt.key == "bye"


# -- declining -------------------------------------------------------------------------------

def test_a_required_question_cannot_be_declined() -> None:
    conversation = ask(one_question(type="nps"))
    assert not conversation.prompt.can_decline
    before = state_to_json(conversation.state)
    with pytest.raises(NavigationError, match="needs an answer"):
        conversation.decline()
    assert state_to_json(conversation.state) == before


@pytest.mark.parametrize("reason", ["prefer_not_to_say", "dont_know", "refused", "skipped"])
def test_prefer_not_to_say_allows_declining_and_records_the_reason(reason: str) -> None:
    conversation = ask(one_question(type="number", prefer_not_to_say=True))
    prompt = conversation.prompt
    assert prompt.required and prompt.prefer_not_to_say and prompt.can_decline
    events = conversation.decline(reason)
    assert (events[0].kind, events[0].key, events[0].data) == (
        "declined", "q", {"reason": reason})
    assert conversation.state.answers == {"q": None}
    assert conversation.state.declined == {"q": reason}


@pytest.mark.parametrize("reason", ["dont_know", "refused"])
def test_an_interviewer_can_code_dont_know_or_refused_on_a_required_question(reason: str) -> None:
    conversation = ask(one_question(type="yes_no"))
    assert conversation.prompt.required and not conversation.prompt.can_decline
    conversation.decline(reason)
    assert conversation.state.declined == {"q": reason}
    assert conversation.prompt.node_id == "bye"


@pytest.mark.parametrize("reason", ["prefer_not_to_say", "skipped"])
def test_a_respondent_cannot_skip_a_required_question(reason: str) -> None:
    conversation = ask(one_question(type="yes_no"))
    with pytest.raises(NavigationError, match="needs an answer"):
        conversation.decline(reason)
    assert conversation.state.declined == {}


def test_an_optional_question_can_be_declined() -> None:
    conversation = ask(one_question(type="yes_no", required=False))
    conversation.decline("dont_know")
    assert conversation.state.declined == {"q": "dont_know"}


def test_prefer_not_to_say_still_needs_an_answer_when_answering() -> None:
    script = one_question(type="number", prefer_not_to_say=True)
    assert refused(script, "") == "Please answer this question."


def test_an_unknown_decline_reason_is_refused() -> None:
    conversation = ask(one_question(type="text", required=False))
    with pytest.raises(ValueError, match="unknown reason 'busy'"):
        conversation.decline("busy")
    assert conversation.prompt.key == "q"


def test_a_statement_cannot_be_declined() -> None:
    conversation = ask(build([{"id": "s", "type": "statement", "text": "Hi"},
                              {"id": "q", "type": "text", "text": "Q?"}]))
    with pytest.raises(NavigationError):
        conversation.decline()


# -- single choice ---------------------------------------------------------------------------

SINGLE = one_question(type="single_choice", options=["a", {"value": "b", "label": "Bee"}],
                      other="Something else")


def test_single_choice_takes_an_option_value() -> None:
    assert accepted(SINGLE, "b") == "b"


@pytest.mark.parametrize("value", ["Bee", "c", "A", ["a"], 1, True])
def test_single_choice_refuses_anything_but_an_option(value: Any) -> None:
    assert refused(SINGLE, value) == "Please choose one of the options."


def test_single_choice_other_needs_its_text() -> None:
    assert refused(SINGLE, "other") == "Please tell us what your other answer is."
    assert refused(SINGLE, "other", other="   ") == "Please tell us what your other answer is."
    conversation = ask(SINGLE)
    events = conversation.answer("other", other="  A friend ")
    assert events[0].data == {"value": "other", "other": "A friend"}
    assert conversation.state.other == {"q": "A friend"}


def test_other_text_is_forgotten_when_the_answer_changes() -> None:
    conversation = ask(SINGLE)
    conversation.answer("other", other="A friend")
    conversation.back()
    assert conversation.prompt.current == "other"
    assert conversation.prompt.current_other == "A friend"
    conversation.answer("a")
    assert conversation.state.other == {}


# -- multiple choice -------------------------------------------------------------------------

MULTIPLE = one_question(
    type="multiple_choice",
    options=["a", "b", "c", {"value": "none", "label": "None of these", "exclusive": True}],
    other=True, min_picks=2, max_picks=3,
)


def test_multiple_choice_keeps_picks_in_order_without_repeats() -> None:
    assert accepted(MULTIPLE, ["c", "a", "c"]) == ["c", "a"]


def test_multiple_choice_messages() -> None:
    assert refused(MULTIPLE, 3) == "Please choose from the options."
    assert refused(MULTIPLE, ["a", 3]) == "Please choose from the options."
    assert refused(MULTIPLE, ["a", "z"]) == "Please choose only from the options shown."
    assert refused(MULTIPLE, ["a"]) == "Please choose at least 2."
    assert refused(MULTIPLE, "a") == "Please choose at least 2."
    assert refused(MULTIPLE, ["a", "b", "c", "other"], other="x") == (
        "Please choose no more than 3."
    )
    assert refused(MULTIPLE, ["a", "none"]) == (
        "'None of these' can't be combined with other choices."
    )
    assert refused(MULTIPLE, ["a", "other"]) == "Please tell us what your other answer is."


def test_an_exclusive_option_alone_is_enough_despite_min_picks() -> None:
    assert accepted(MULTIPLE, ["none"]) == ["none"]


def test_multiple_choice_other_text_is_stored() -> None:
    conversation = ask(MULTIPLE)
    conversation.answer(["other", "a"], other=" Fax ")
    assert conversation.state.answers["q"] == ["other", "a"]
    assert conversation.state.other == {"q": "Fax"}


@FAST
@given(st.lists(st.sampled_from(["a", "b", "c", "none", "zz"]), max_size=6))
def test_multiple_choice_rules(picks: list[str]) -> None:
    distinct = list(dict.fromkeys(picks))
    if not distinct:
        assert refused(MULTIPLE, picks) == "Please choose at least one option."
    elif "zz" in distinct:
        assert refused(MULTIPLE, picks) == "Please choose only from the options shown."
    elif "none" in distinct and len(distinct) > 1:
        assert "can't be combined" in refused(MULTIPLE, picks)
    elif len(distinct) < 2 and distinct != ["none"]:
        assert refused(MULTIPLE, picks) == "Please choose at least 2."
    elif len(distinct) > 3:
        assert refused(MULTIPLE, picks) == "Please choose no more than 3."
    else:
        assert accepted(MULTIPLE, picks) == distinct


# -- rating and NPS --------------------------------------------------------------------------

RATING = one_question(type="rating", points=5)
NPS = one_question(type="nps")


@FAST
@given(st.integers(-20, 20) | st.integers())
def test_rating_takes_whole_numbers_in_range(value: int) -> None:
    if 1 <= value <= 5:
        assert accepted(RATING, value) == value
    else:
        assert refused(RATING, value) == "Please choose a whole number from 1 to 5."


@FAST
@given(st.integers(-20, 20))
def test_nps_takes_0_to_10(value: int) -> None:
    if 0 <= value <= 10:
        assert accepted(NPS, value) == value
        assert accepted(NPS, f" {value} ") == value
        assert accepted(NPS, float(value)) == value
    else:
        assert refused(NPS, value) == "Please choose a whole number from 0 to 10."


@pytest.mark.parametrize("value", [True, False, 7.5, "7.5", "seven", [7], "", "nan"])
def test_nps_refuses_non_numbers(value: Any) -> None:
    message = "Please choose a whole number from 0 to 10."
    if value == "":
        message = "Please answer this question."
    assert refused(NPS, value) == message


def test_nps_prompt_describes_the_scale() -> None:
    prompt = ask(one_question(type="nps", low_label="Never", high_label="Surely")).prompt
    assert (prompt.points, prompt.minimum, prompt.maximum) == (11, 0, 10)
    assert (prompt.low_label, prompt.high_label) == ("Never", "Surely")
    rating = ask(RATING).prompt
    assert (rating.points, rating.minimum, rating.maximum) == (5, 1, 5)


# -- yes / no --------------------------------------------------------------------------------

YES_NO = one_question(type="yes_no")


@pytest.mark.parametrize(
    ("value", "stored"),
    [(True, True), (False, False), ("yes", True), (" Y ", True), ("TRUE", True), ("no", False),
     ("n", False), ("False", False)],
)
def test_yes_no_answers(value: Any, stored: bool) -> None:
    assert accepted(YES_NO, value) is stored


@pytest.mark.parametrize("value", ["maybe", 1, 0, "oui", ["yes"]])
def test_yes_no_refuses_anything_else(value: Any) -> None:
    assert refused(YES_NO, value) == "Please answer yes or no."


# -- numbers ---------------------------------------------------------------------------------

def test_number_messages_describe_the_range() -> None:
    assert refused(one_question(type="number"), "x") == "Please enter a number, like 12 or 2.5."
    assert refused(one_question(type="number"), 3 + 0j) == "Please enter a number, like 12 or 2.5."
    assert refused(one_question(type="number", min=1), 0) == "Please enter a number of at least 1."
    assert refused(one_question(type="number", max=2.5), 3) == (
        "Please enter a number of at most 2.5."
    )
    assert refused(one_question(type="number", min=0, max=10, integer=True), 2.5) == (
        "Please enter a whole number from 0 to 10."
    )


@pytest.mark.parametrize("value", ["inf", "-Infinity", "nan", math.inf, math.nan, "1e999",
                                   True, [1], {"n": 1}])
def test_number_refuses_what_is_not_a_finite_number(value: Any) -> None:
    assert refused(one_question(type="number"), value) == "Please enter a number, like 12 or 2.5."


def test_number_accepts_text_with_thousands_separators() -> None:
    number = one_question(type="number")
    assert accepted(number, " 1,250 ") == 1250
    assert accepted(number, "2.5") == 2.5
    assert accepted(number, 4.0) == 4
    assert accepted(one_question(type="number", integer=True), 10**30) == 10**30


NUMBER = one_question(type="number", min=-5, max=5)


@FAST
@given(st.floats(-10, 10, allow_nan=False) | st.integers(-10, 10))
def test_number_in_range_or_refused(value: float) -> None:
    if -5 <= value <= 5:
        assert accepted(NUMBER, value) == value
        assert accepted(NUMBER, repr(value)) == value
    else:
        assert refused(NUMBER, value) == "Please enter a number from -5 to 5."


@FAST
@given(st.floats(-10, 10, allow_nan=False))
def test_integer_number_takes_whole_numbers_only(value: float) -> None:
    script = one_question(type="number", integer=True)
    if value.is_integer():
        stored = accepted(script, value)
        assert stored == value and isinstance(stored, int)
    else:
        assert refused(script, value) == "Please enter a whole number."


# -- dates -----------------------------------------------------------------------------------

DATE = one_question(type="date", min="2024-01-01", max="2024-12-31")


@FAST
@given(st.dates(dt.date(2023, 6, 1), dt.date(2025, 6, 1)))
def test_date_within_bounds(day: dt.date) -> None:
    text = day.isoformat()
    if day.year == 2024:
        assert accepted(DATE, text) == text
        assert accepted(DATE, day) == text
    elif day.year == 2023:
        assert refused(DATE, text) == "Please enter a date on or after 2024-01-01."
    else:
        assert refused(DATE, day) == "Please enter a date on or before 2024-12-31."


def test_date_from_a_datetime_keeps_the_day() -> None:
    assert accepted(DATE, dt.datetime(2024, 3, 31, 23, 59)) == "2024-03-31"


@pytest.mark.parametrize("value", ["31/03/2024", "2024-02-30", "tomorrow", 20240331, ["x"]])
def test_date_refuses_what_is_not_a_date(value: Any) -> None:
    assert refused(DATE, value) == "Please enter a date as YYYY-MM-DD, e.g. 2024-03-31."


# -- referral --------------------------------------------------------------------------------

REFERRAL = build([{"id": "q", "type": "referral", "text": "Who?", "end": False},
                  {"id": "bye", "type": "statement", "text": "Bye"}])


def test_referral_takes_a_name_or_the_fields() -> None:
    assert accepted(REFERRAL, " Ann Lee ") == {"name": "Ann Lee"}
    assert accepted(REFERRAL, {"name": "Ann", "email": " ann@example.com ", "role": ""}) == {
        "name": "Ann", "email": "ann@example.com"}


def test_referral_messages() -> None:
    assert refused(REFERRAL, {"email": "ann@example.com"}) == (
        "Please give the name of the person we should ask."
    )
    assert refused(REFERRAL, {"name": "  "}) == "Please give the name of the person we should ask."
    assert refused(REFERRAL, {"name": "Ann", "phone": "123"}) == (
        "Please only fill in: name, email, role."
    )
    assert refused(REFERRAL, 42) == "Please tell us who we should ask instead."
    for email in ("ann.example.com", "@example.com", "ann@"):
        assert refused(REFERRAL, {"name": "Ann", "email": email}) == (
            "Please check the email address: it should look like name@example.com."
        )


def test_referral_fields_are_offered() -> None:
    script = build([{"id": "q", "type": "referral", "text": "Who?", "fields": ["name", "phone"]}])
    conversation = ask(script)
    assert conversation.prompt.kind == "referral"
    assert conversation.prompt.fields == ("name", "phone")
    assert refused(script, {"name": "Ann", "email": "a@b.c"}) == "Please only fill in: name, phone."


@pytest.mark.parametrize(("language", "typed", "stored"), [
    ("en", "1,250", 1250), ("en", "12,500,000", 12500000), ("en", "3.5", 3.5),
    ("en", "12 000", 12000), ("en", "-1,000.25", -1000.25),
    ("fr", "1,5", 1.5), ("fr", "-0,25", -0.25), ("fr", "12 000", 12000),
    ("de", "1.000,5", 1000.5), ("de", "1.500", 1500), ("de", "2.5", 2.5), ("de-AT", "3,75", 3.75),
])
def test_typed_numbers_are_read_the_way_the_language_writes_them(
        language: str, typed: str, stored: float) -> None:
    script = build([{"id": "q", "type": "number", "text": "Q?"}], languages=[language])
    conversation, _ = Conversation.start(script, language=language)
    conversation.answer(typed)
    assert conversation.state.answers["q"] == stored


@pytest.mark.parametrize(("language", "typed"), [
    ("en", "1,5"), ("en", "1,2,3"), ("en", "12,34,567"), ("en", ",5"), ("en", "1.000,5"),
    ("fr", "1,000.5"), ("de", "1,2,3"),
])
def test_numbers_that_could_be_misread_are_refused(language: str, typed: str) -> None:
    script = build([{"id": "q", "type": "number", "text": "Q?"}], languages=[language])
    conversation, _ = Conversation.start(script, language=language)
    with pytest.raises(AnswerError, match="Please enter a number"):
        conversation.answer(typed)


@pytest.mark.parametrize("typed", ["20240105", "2024-W01-1", "2024-1-5"])
def test_dates_must_be_written_yyyy_mm_dd(typed: str) -> None:
    assert refused(one_question(type="date"), typed).startswith("Please enter a date as YYYY-MM-DD")
