"""Running a script from an answers file, and the transcript it gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dialogkit.autopilot import (
    AnswersFile,
    AnswersFileError,
    Transcript,
    read_answers_file,
    run_with_answers,
)
from dialogkit.converter import structure_document
from dialogkit.engine import Conversation, Respondent
from dialogkit.events import Event
from dialogkit.script import Script, compile_script


def build(nodes: list[dict[str, Any]], **top: Any) -> Script:
    document = {"dialogkit": 1, "id": "autopilot", "title": "Autopilot", "purpose": "Testing.",
                "estimated_minutes": 1, "nodes": nodes, **top}
    return compile_script(structure_document(document), version="v1")


SCRIPT = build([
    {"id": "hello", "type": "statement", "text": "Hello {respondent.first_name}"},
    {"id": "nps", "type": "nps", "text": "Recommend?",
     "probes": {"depth": 3, "when": "answer <= 6"}},
    {"id": "tools", "type": "multiple_choice", "text": "Tools?",
     "options": ["mail", "chat"], "other": True},
    {"id": "each_tool", "type": "section", "loop": {"over": "answers.tools"},
     "nodes": [{"id": "why", "type": "text", "text": "Why {item}?"}]},
    {"id": "reason", "type": "text", "text": "Main reason?"},
    {"id": "check", "type": "confirm", "of": "reason", "text": "So: {answers.reason}?"},
    {"id": "income", "type": "number", "text": "Income?", "prefer_not_to_say": True},
    {"id": "comments", "type": "text", "text": "Anything else?", "required": False},
    {"id": "more", "type": "yes_no", "text": "Know someone?"},
    {"id": "refer", "type": "referral", "text": "Who?", "when": "answers.more"},
])

ANSWERS: dict[str, Any] = {
    "nps": 4,
    "nps/probes": ["Setup took weeks", "We missed our launch"],
    "tools": {"value": ["mail", "other"], "other": "A spreadsheet"},
    "why[mail]": "Everyone has it",
    "why[other]": "It is free",
    "reason": {"each": ["Price", "Support quality"]},
    "check": {"each": [False, True]},
    "income": {"decline": "prefer_not_to_say"},
    "more": True,
    "refer": {"name": "Bo", "email": "bo@example.com"},
}


def run(answers: dict[str, Any], script: Script = SCRIPT, **options: Any) -> Any:
    return run_with_answers(script, AnswersFile(answers=answers), **options)


def test_a_full_run_gives_the_transcript() -> None:
    recorded: list[Event] = []
    answers_file = AnswersFile(answers=ANSWERS, seed=3,
                               respondent=Respondent(id="r1", attributes={"first_name": "Ann"}))
    transcript = run_with_answers(SCRIPT, answers_file, channel="sms",
                                  on_events=lambda _, events: recorded.extend(events))
    assert transcript.outcome == "referred"
    assert (transcript.script, transcript.version, transcript.seed, transcript.channel,
            transcript.language) == ("autopilot", "v1", 3, "sms", "en")
    assert transcript.respondent == {"id": "r1", "role": None, "segments": [],
                                     "attributes": {"first_name": "Ann"}}
    assert transcript.steps == [
        {"kind": "statement", "key": "hello", "text": "Hello Ann"},
        {"kind": "question", "key": "nps", "type": "nps", "text": "Recommend?", "answer": 4},
        {"kind": "probe", "key": "nps", "level": 1, "text": "Why is that important to you?",
         "answer": "Setup took weeks"},
        {"kind": "probe", "key": "nps", "level": 2, "text": "And why does that matter to you?",
         "answer": "We missed our launch"},
        {"kind": "probe", "key": "nps", "level": 3,
         "text": "What would that make possible for you?", "declined": "skipped"},
        {"kind": "question", "key": "tools", "type": "multiple_choice", "text": "Tools?",
         "answer": ["mail", "other"], "other": "A spreadsheet"},
        {"kind": "question", "key": "why[mail]", "type": "text", "text": "Why mail?",
         "answer": "Everyone has it"},
        {"kind": "question", "key": "why[other]", "type": "text", "text": "Why A spreadsheet?",
         "answer": "It is free"},
        {"kind": "question", "key": "reason", "type": "text", "text": "Main reason?",
         "answer": "Price"},
        {"kind": "confirm", "key": "check", "type": "confirm", "text": "So: Price?",
         "answer": False},
        {"kind": "question", "key": "reason", "type": "text", "text": "Main reason?",
         "answer": "Support quality"},
        {"kind": "confirm", "key": "check", "type": "confirm", "text": "So: Support quality?",
         "answer": True},
        {"kind": "question", "key": "income", "type": "number", "text": "Income?",
         "declined": "prefer_not_to_say"},
        {"kind": "question", "key": "comments", "type": "text", "text": "Anything else?",
         "declined": "skipped"},
        {"kind": "question", "key": "more", "type": "yes_no", "text": "Know someone?",
         "answer": True},
        {"kind": "referral", "key": "refer", "type": "referral", "text": "Who?",
         "answer": {"name": "Bo", "email": "bo@example.com"}},
    ]
    assert transcript.answers == {
        "nps": 4, "tools": ["mail", "other"], "why[mail]": "Everyone has it",
        "why[other]": "It is free", "reason": "Support quality", "check": True,
        "income": None, "comments": None, "more": True,
        "refer": {"name": "Bo", "email": "bo@example.com"}}
    assert transcript.probes == {"nps": ["Setup took weeks", "We missed our launch"]}
    assert transcript.referrals == [{"key": "refer", "name": "Bo", "email": "bo@example.com"}]
    assert recorded[0].kind == "started" and recorded[-1].data == {"outcome": "referred"}
    assert [e.seq for e in recorded] == list(range(1, len(recorded) + 1))
    plain = transcript.to_json()
    assert json.loads(json.dumps(plain)) == plain
    assert plain["outcome"] == "referred" and plain["steps"] == transcript.steps


def test_the_same_answers_give_the_same_transcript() -> None:
    assert run(ANSWERS).to_json() == run(ANSWERS).to_json()


def test_each_repeats_its_last_answer() -> None:
    answers = {**ANSWERS, "check": {"each": [False, False, True]}, "reason": {"each": ["A"]}}
    transcript = run(answers)
    asked = [step["key"] for step in transcript.steps if step["key"] in ("reason", "check")]
    assert asked == ["reason", "check"] * 3
    assert transcript.answers["reason"] == "A"


def test_each_item_may_be_a_special_form() -> None:
    script = build([{"id": "a", "type": "text", "text": "A?", "prefer_not_to_say": True},
                    {"id": "c", "type": "confirm", "of": "a", "text": "OK?"}])
    transcript = run({"a": {"each": [{"decline": "refused"}, "Fine"]},
                      "c": {"each": [False, True]}}, script)
    assert [step.get("answer", step.get("declined")) for step in transcript.steps] == [
        "refused", False, "Fine", True]


def test_probes_stop_when_their_list_runs_out() -> None:
    transcript = run({**ANSWERS, "nps/probes": "Only one"})
    assert transcript.probes == {"nps": ["Only one"]}
    assert [s["level"] for s in transcript.steps if s["kind"] == "probe"] == [1, 2]
    transcript = run({k: v for k, v in ANSWERS.items() if k != "nps/probes"})
    assert transcript.probes == {}


def test_probes_are_not_asked_when_not_due() -> None:
    transcript = run({**ANSWERS, "nps": 9})
    assert not [s for s in transcript.steps if s["kind"] == "probe"]
    assert transcript.probes == {}


def test_optional_questions_not_in_the_file_are_skipped() -> None:
    transcript = run({**ANSWERS, "more": False})
    assert transcript.outcome == "completed"
    assert transcript.answers["comments"] is None


def test_a_missing_required_answer_is_an_error_naming_the_question() -> None:
    answers = {k: v for k, v in ANSWERS.items() if k != "why[other]"}
    with pytest.raises(AnswersFileError,
                       match=r"^the answers file has no answer for 'why\[other\]' "
                             r"\('Why A spreadsheet\?'\)$"):
        run(answers)


def test_prefer_not_to_say_is_not_implied() -> None:
    answers = {k: v for k, v in ANSWERS.items() if k != "income"}
    with pytest.raises(AnswersFileError, match="no answer for 'income'"):
        run(answers)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nps", 11, "the answer for 'nps' (11) was refused: "
                    "Please choose a whole number from 0 to 10."),
        ("tools", {"value": ["other"]}, "the answer for 'tools' (['other']) was refused: "
                                        "Please tell us what your other answer is."),
        ("refer", {"email": "bo@example.com"},
         "the answer for 'refer' ({'email': 'bo@example.com'}) was refused: "
         "Please give the name of the person we should ask."),
    ],
)
def test_a_refused_answer_is_an_error(key: str, value: Any, message: str) -> None:
    with pytest.raises(AnswersFileError) as raised:
        run({**ANSWERS, key: value})
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("key", "decline", "message"),
    [
        ("nps", "prefer_not_to_say",
         "declining 'nps' ('prefer_not_to_say') was refused: This question needs an answer."),
        ("income", "later", "declining 'income' ('later') was refused: unknown reason 'later'"),
    ],
)
def test_a_refused_decline_is_an_error(key: str, decline: str, message: str) -> None:
    with pytest.raises(AnswersFileError) as raised:
        run({**ANSWERS, key: {"decline": decline}})
    assert str(raised.value).startswith(message)


def test_a_confirmation_always_answered_no_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dialogkit.autopilot.MAX_STEPS", 50)
    with pytest.raises(AnswersFileError, match="did not end after 50 steps"):
        run({**ANSWERS, "check": False})


def test_seed_and_language_from_the_file_or_the_caller() -> None:
    script = build([{"id": "q", "type": "single_choice", "randomize": True,
                     "text": {"en": "Pick", "fr": "Choisis"},
                     "options": [f"o{i}" for i in range(8)]}], languages=["en", "fr"])
    by_file = run_with_answers(script, AnswersFile(answers={"q": "o1"}, seed=5, language="fr"))
    assert (by_file.seed, by_file.language, by_file.steps[0]["text"]) == (5, "fr", "Choisis")
    by_caller = run_with_answers(script, AnswersFile(answers={"q": "o1"}, seed=5), seed=9)
    assert by_caller.seed == 9
    expected, _ = Conversation.start(script, seed=9)
    assert by_caller.answers == {"q": "o1"} and expected.prompt.options


# -- answers files ---------------------------------------------------------------------------

def write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "run.answers.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content),
                    encoding="utf-8")
    return path


def test_read_answers_file(tmp_path: Path) -> None:
    path = write(tmp_path, {
        "respondent": {"id": "7", "role": "buyer", "segments": ["loyal"],
                       "attributes": {"first_name": "Ann"}},
        "seed": 11, "language": "en", "answers": ANSWERS,
    })
    answers_file = read_answers_file(path)
    assert answers_file.answers == ANSWERS
    assert answers_file.respondent == Respondent(id="7", attributes={"first_name": "Ann"},
                                                 role="buyer", segments=["loyal"])
    assert (answers_file.seed, answers_file.language) == (11, "en")
    assert run_with_answers(SCRIPT, answers_file).steps[0]["text"] == "Hello Ann"


def test_read_a_minimal_answers_file(tmp_path: Path) -> None:
    answers_file = read_answers_file(write(tmp_path, {"answers": {}}))
    assert answers_file.respondent == Respondent()
    assert answers_file.seed is None and answers_file.language is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"answers": {', r"run\.answers\.json:1:14: Expecting property name"),
        ("[]", "expected an object with an 'answers' object"),
        ({}, "expected an object with an 'answers' object"),
        ({"answers": []}, "'answers' must be an object giving the answer for each question key"),
        ({"answers": {}, "seeds": 1},
         "unknown field\\(s\\) seeds; expected respondent, seed, language, answers"),
        ({"answers": {}, "respondent": "Ann"}, "'respondent' must be an object"),
        ({"answers": {}, "respondent": {"name": "Ann"}},
         "unknown field\\(s\\) in 'respondent' name; expected id, role, segments, attributes"),
        ({"answers": {}, "respondent": {"id": 7}}, "'respondent.id' must be a string"),
        ({"answers": {}, "respondent": {"role": 5}},
         "'respondent.role' must be a role id \\(a string\\) or null"),
        ({"answers": {}, "respondent": {"segments": "enterprise"}},
         "'respondent.segments' must be a list of segment ids"),
        ({"answers": {}, "respondent": {"segments": ["a", 2]}},
         "'respondent.segments' must be a list of segment ids"),
        ({"answers": {}, "respondent": {"attributes": ["plan"]}},
         "'respondent.attributes' must be an object"),
        ({"answers": {}, "seed": "x"}, "'seed' must be a whole number"),
        ({"answers": {}, "seed": 1.5}, "'seed' must be a whole number"),
        ({"answers": {}, "seed": True}, "'seed' must be a whole number"),
        ({"answers": {}, "language": ["en"]}, "'language' must be a language code"),
    ],
)
def test_bad_answers_files(tmp_path: Path, content: Any, message: str) -> None:
    with pytest.raises(AnswersFileError, match=message):
        read_answers_file(write(tmp_path, content))


def test_every_problem_is_reported_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, {"answers": {}, "seed": "x", "respondent": {"segments": "e"}})
    with pytest.raises(AnswersFileError) as raised:
        read_answers_file(path)
    assert sorted(str(raised.value).splitlines()) == [
        f"{path}: 'respondent.segments' must be a list of segment ids",
        f"{path}: 'seed' must be a whole number",
    ]


def test_a_role_may_be_null_and_a_whole_float_is_a_seed(tmp_path: Path) -> None:
    answers_file = read_answers_file(write(tmp_path, {
        "answers": {}, "respondent": {"role": None}, "seed": 4.0}))
    assert answers_file.respondent.role is None
    assert answers_file.seed == 4 and isinstance(answers_file.seed, int)


def test_the_schema_is_shipped_with_the_others() -> None:
    from dialogkit.schemas import SchemaValidator, load_schema

    schema = load_schema("answers.schema.json")
    SchemaValidator.check_schema(schema)
    for example in Path(__file__).resolve().parents[1].glob("examples/*/*.answers.json"):
        assert not list(SchemaValidator(schema).iter_errors(json.loads(example.read_text())))


def test_a_language_the_script_lacks_is_an_answers_file_error() -> None:
    with pytest.raises(AnswersFileError, match="has no language 'xx'"):
        run_with_answers(SCRIPT, AnswersFile(answers=ANSWERS, language="xx"))


# -- the transcript, step by step --------------------------------------------------------------

def test_transcript_records_what_the_engine_did() -> None:
    conversation, _ = Conversation.start(
        SCRIPT, Respondent(id="r2", attributes={"first_name": "Bo"}, segments=["s"]), seed=4)
    transcript = Transcript.start(conversation)
    assert (transcript.script, transcript.version, transcript.seed, transcript.channel,
            transcript.language, transcript.outcome) == ("autopilot", "v1", 4, "console", "en",
                                                         "unfinished")
    assert transcript.respondent == {"id": "r2", "role": None, "segments": ["s"],
                                     "attributes": {"first_name": "Bo"}}
    replies = [
        lambda: conversation.answer(None),
        lambda: conversation.answer("3"),  # stored as the number 3
        lambda: conversation.back(),
        lambda: conversation.answer(3),
        lambda: conversation.answer("  Too slow "),
        lambda: conversation.decline("skipped"),
        lambda: conversation.answer(["chat", "other"], other=" Fax "),
    ]
    for reply in replies:
        prompt = conversation.prompt
        transcript.record(prompt, reply())
    transcript.close(conversation)
    assert transcript.steps == [
        {"kind": "statement", "key": "hello", "text": "Hello Bo"},
        {"kind": "question", "key": "nps", "type": "nps", "text": "Recommend?", "answer": 3},
        {"kind": "probe", "key": "nps", "went_back": True},
        {"kind": "question", "key": "nps", "type": "nps", "text": "Recommend?", "answer": 3},
        {"kind": "probe", "key": "nps", "level": 1, "text": "Why is that important to you?",
         "answer": "Too slow"},
        {"kind": "probe", "key": "nps", "level": 2, "text": "And why does that matter to you?",
         "declined": "skipped"},
        {"kind": "question", "key": "tools", "type": "multiple_choice", "text": "Tools?",
         "answer": ["chat", "other"], "other": "Fax"},
    ]
    plain = transcript.to_json()
    assert plain["outcome"] == "unfinished"
    assert plain["answers"] == {"nps": 3, "tools": ["chat", "other"]}
    assert plain["probes"] == {"nps": ["Too slow"]}


def test_an_unreadable_answers_file(tmp_path: Path) -> None:
    with pytest.raises(AnswersFileError, match="cannot read the answers file"):
        read_answers_file(tmp_path / "missing.json")
