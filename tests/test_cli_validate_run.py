"""`dialogkit validate` and `dialogkit run` as a user meets them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogkit.cli import main

FLAGSHIP = Path(__file__).resolve().parents[1] / "examples" / "customer_diplomacy"

BROKEN_SCHEMA = """\
dialogkit: 1
id: Broken Script
title: T
purpose: P
estimated_minutes: five
nodes:
  - id: q1
    type: nps
    text: How likely?
    optoins: [1]
  - id: q2
    type: rating
    points: 12
    text: Rate
"""

BROKEN_MEANING = """\
dialogkit: 1
id: broken
title: T
purpose: P
estimated_minutes: 5
nodes:
  - id: q3
    type: text
    text: "Hello {respondent.name"
    when: "answers.q1 <= 6 and answer.q9 > 1"
  - id: q5
    type: confirm
    of: nothere
    text: ok?
    when: "answers.q7 == 1"
  - id: q3
    type: yes_no
    text: dup
    roles: [boss]
"""


def schema_problems(path: Path) -> list[str]:
    """What `validate` says about BROKEN_SCHEMA's four schema problems."""
    return [
        f"{path}:2:5: id: 'id' must be a slug: lower-case letters, digits, '-' and '_', "
        "starting with a letter or digit (got 'Broken Script')",
        f"{path}:5:20: estimated_minutes: 'estimated_minutes' must be a number (got \"five\")",
        f"{path}:10:5: nodes[0].optoins: question 'q1': unknown field 'optoins'",
        f"{path}:13:13: nodes[1].points: question 'q2': 'points' must be at most 11 (got 12)",
    ]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def validate(*files: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["validate", *map(str, files)])
    return result.exit_code, [line for line in result.stdout.splitlines() if line]


def test_valid_script_exits_zero() -> None:
    code, lines = validate(FLAGSHIP / "script.yaml")
    assert code == 0 and lines == []


def test_schema_problems_are_all_reported_with_positions(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", BROKEN_SCHEMA)
    code, lines = validate(path)
    assert code == 1
    assert lines == schema_problems(path)


def test_semantic_problems_are_all_reported_with_positions(tmp_path: Path) -> None:
    path = write(tmp_path, "meaning.yaml", BROKEN_MEANING)
    code, lines = validate(path)
    assert code == 1
    assert lines == [
        f"{path}:9:18: nodes[0].text: text: '{{' was never closed "
        "(hint: write '{{' for a literal brace)",
        f"{path}:10:32: nodes[0].when: expression: unknown name 'answer' "
        "(hint: did you mean 'answers'?)",
        f"{path}:13:9: nodes[1].of: 'of' must name a question; there is no question 'nothere'",
        f"{path}:15:12: nodes[1].when: 'answers.q7': there is no question 'q7'",
        f"{path}:16:9: nodes[2].id: duplicate id 'q3' (first used at nodes[0])",
        f"{path}:19:12: nodes[2].roles: unknown role 'boss' "
        "(hint: declare it under 'roles' at the top of the script)",
    ]


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "syntax.yaml", "dialogkit: 1\nid: x\n  title: [\n")
    code, lines = validate(path)
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith(f"{path}:3:8: YAML syntax error")


def test_several_files_are_all_checked(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.yaml", BROKEN_SCHEMA)
    code, lines = validate(broken, FLAGSHIP / "script.yaml", tmp_path / "missing.yaml")
    assert code == 1
    assert any(line.startswith(str(broken)) for line in lines)
    assert any("missing.yaml:1:1" in line and "cannot read" in line for line in lines)


def test_lint_warnings_print_but_pass_unless_strict(tmp_path: Path) -> None:
    pitch = BROKEN_SCHEMA.replace("id: Broken Script", "id: pitch").replace(
        "estimated_minutes: five", "estimated_minutes: 1").replace("    optoins: [1]\n", "")
    pitch = pitch.replace("points: 12", "points: 5").replace(
        "text: Rate", "text: How do you rate our new discount club?")
    path = write(tmp_path, "pitch.yaml", pitch)
    code, lines = validate(path)
    assert code == 0
    assert any("[talk-about-them]" in line and ":13:11:" in line for line in lines)
    assert any("[no-sales-pitch]" in line for line in lines)
    strict = CliRunner().invoke(main, ["validate", "--strict", str(path)])
    assert strict.exit_code == 1


def test_run_with_answers_writes_transcript(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    result = CliRunner().invoke(main, [
        "run", str(FLAGSHIP / "script.yaml"), "--answers", str(FLAGSHIP / "lost.answers.json"),
        "--transcript", str(out)])
    assert result.exit_code == 0, result.output
    transcript = json.loads(out.read_text())
    assert transcript["outcome"] == "completed"
    probes = [s for s in transcript["steps"] if s["kind"] == "probe"]
    assert [p["level"] for p in probes if p["key"] == "one_thing"] == [1, 2, 3]
    assert transcript["probes"]["one_thing"][-1] == "no"


def test_run_reports_missing_answer(tmp_path: Path) -> None:
    answers = write(tmp_path, "a.json", json.dumps({"answers": {"involved": True}}))
    result = CliRunner().invoke(main, ["run", str(FLAGSHIP / "script.yaml"),
                                       "--answers", str(answers)])
    assert result.exit_code == 1
    assert "no answer for 'recommend'" in result.output


def test_run_options_set_the_respondent(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    answers = write(tmp_path, "a.json", json.dumps({"answers": {
        "involved": True, "keeps_you": "Repairs", "keeps_you/probes": [],
        "confirm_keeps_you": True, "recommend": 9, "hear_back": False}}))
    result = CliRunner().invoke(main, [
        "run", str(FLAGSHIP / "script.yaml"), "--answers", str(answers), "--segment", "loyal",
        "--attr", "first_name=Ada", "--attr", "years=12", "--transcript", str(out)])
    assert result.exit_code == 0, result.output
    steps = json.loads(out.read_text())["steps"]
    assert steps[0]["text"].startswith("Hello Ada,")
    assert any("with us for 12 years" in s["text"] for s in steps)


def test_interactive_console_run() -> None:
    typed = "\n".join(["", "no", "Lee Park; lee@example.com; Buyer", ""]) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "dialogkit", "run", str(FLAGSHIP / "script.yaml"),
         "--segment", "lost", "--attr", "first_name=<b>Jo</b>\x1b[31m"],
        input=typed, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "Hello <b>Jo</b>, and thank you" in result.stdout
    assert "\x1b" not in result.stdout
    assert "We'll reach out to the person you named." in result.stdout


@pytest.mark.parametrize("reply", ["11", "ten"])
def test_interactive_bad_answer_is_explained(reply: str) -> None:
    typed = "\n".join(["", "yes", "Faster replies", "", reply, "/stop"]) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "dialogkit", "run", str(FLAGSHIP / "script.yaml"),
         "--segment", "lost"],
        input=typed, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert f"! There is no option '{reply}'; please type a number from 1 to 5." in result.stdout


def test_run_warns_about_answers_never_asked(tmp_path: Path) -> None:
    answers = json.loads((FLAGSHIP / "lost.answers.json").read_text())
    answers["answers"]["recomend"] = 3
    path = write(tmp_path, "a.json", json.dumps(answers))
    result = CliRunner().invoke(main, ["run", str(FLAGSHIP / "script.yaml"), "--answers",
                                       str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: the answers file answers 'recomend', which was never asked" in result.output
    assert "'recommend'" not in result.output


# -- dialogkit run: the session's options checked against the script -------------------------

from click.testing import Result  # noqa: E402

ACCOUNT_REVIEW = FLAGSHIP.parent / "account_review" / "script.yaml"


def run_cli(*args: object, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["run", *map(str, args)], input=input)


def test_run_rejects_a_language_the_script_lacks(tmp_path: Path) -> None:
    result = run_cli(FLAGSHIP / "script.yaml", "--language", "xx")
    assert result.exit_code == 2
    assert "Invalid value for --language: 'xx' is not a language of this script (it has en)" \
        in result.output
    assert "Traceback" not in result.output
    answers = write(tmp_path, "a.json", json.dumps({"language": "fr", "answers": {}}))
    result = run_cli(ACCOUNT_REVIEW, "--answers", answers)
    assert result.exit_code == 2
    assert (f"{answers}: 'language' in the answers file: 'fr' is not a language of this "
            "script (it has en, de)") in result.output
    assert "--language" not in result.output.split("Error:")[1]


def test_run_rejects_a_segment_the_script_does_not_declare(tmp_path: Path) -> None:
    result = run_cli(FLAGSHIP / "script.yaml", "--segment", "lost", "--segment", "enterprise")
    assert result.exit_code == 2
    assert ("Invalid value for --segment: 'enterprise' is not a segment of this script "
            "(first_time, loyal, lost)") in result.output
    answers = write(tmp_path, "a.json", json.dumps(
        {"respondent": {"segments": ["vip", "gold"]}, "answers": {}}))
    result = run_cli(FLAGSHIP / "script.yaml", "--answers", answers)
    assert result.exit_code == 2
    assert (f"{answers}: 'respondent.segments' in the answers file: 'vip', 'gold' are not "
            "segments of this script (first_time, loyal, lost)") in result.output
    # the option overrides the file, and is what is checked then
    result = run_cli(FLAGSHIP / "script.yaml", "--answers", answers, "--segment", "nope")
    assert "Invalid value for --segment: 'nope'" in result.output


def test_a_role_from_the_answers_file_is_named_as_such(tmp_path: Path) -> None:
    answers = write(tmp_path, "a.json", json.dumps(
        {"respondent": {"role": "boss"}, "answers": {}}))
    result = run_cli(ACCOUNT_REVIEW, "--answers", answers)
    assert result.exit_code == 2
    assert (f"{answers}: 'respondent.role' in the answers file: 'boss' is not a role of this "
            "script (decision_maker, user)") in result.output
    assert "Invalid value for --role" not in result.output
    result = run_cli(ACCOUNT_REVIEW, "--role", "boss")
    assert result.exit_code == 2
    assert "Invalid value for --role: 'boss' is not a role" in result.output


@pytest.mark.parametrize(
    ("respondent", "field", "rule"),
    [
        ({"segments": "enterprise"}, "respondent.segments", "must be a list of segment ids"),
        ({"role": 5}, "respondent.role", "must be a role id (a string) or null"),
        ({"id": ["x"]}, "respondent.id", "must be a string"),
    ],
)
def test_run_checks_the_answers_file_shape(tmp_path: Path, respondent: dict[str, object],
                                           field: str, rule: str) -> None:
    answers = write(tmp_path, "a.json", json.dumps({"respondent": respondent, "answers": {}}))
    result = run_cli(FLAGSHIP / "script.yaml", "--answers", answers)
    assert result.exit_code == 1
    assert f"Error: {answers}: '{field}' {rule}" in result.output
    answers.write_text(json.dumps({"seed": "x", "answers": {}}))
    result = run_cli(FLAGSHIP / "script.yaml", "--answers", answers)
    assert f"Error: {answers}: 'seed' must be a whole number" in result.output


# -- dialogkit run in the terminal: transcripts, going back, words for "other" ---------------

def test_interactive_transcript_is_the_answers_file_transcript(tmp_path: Path) -> None:
    """Typing the answers of an answers file gives the very transcript the file gives."""
    respondent = ["--respondent-id", "cust-0871", "--segment", "first_time",
                  "--attr", "first_name=Sam", "--seed", "0"]
    by_file, typed = tmp_path / "file.json", tmp_path / "typed.json"
    result = run_cli(FLAGSHIP / "script.yaml", "--answers",
                     FLAGSHIP / "referral.answers.json", "--transcript", by_file)
    assert result.exit_code == 0, result.output
    result = run_cli(FLAGSHIP / "script.yaml", *respondent, "--transcript", typed,
                     input="\nno\nPriya Shah; priya@example.com; Office manager\n")
    assert result.exit_code == 0, result.output
    assert json.loads(typed.read_text()) == json.loads(by_file.read_text())


def test_interactive_transcript_records_going_back_and_stopping(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    result = run_cli(FLAGSHIP / "script.yaml", "--segment", "lost", "--seed", "3",
                     "--transcript", out, input="\nyes\n/back\n\n/stop\n")
    assert result.exit_code == 0, result.output
    transcript = json.loads(out.read_text())
    assert list(transcript) == ["script", "version", "seed", "channel", "language",
                                "respondent", "outcome", "steps", "answers", "probes",
                                "referrals"]
    assert (transcript["seed"], transcript["channel"], transcript["outcome"]) == (
        3, "console", "unfinished")
    involved = {"kind": "question", "key": "involved", "type": "yes_no",
                "text": "Were you the person who decided to buy from Northwind Outfitters?",
                "answer": True}
    assert transcript["steps"][1:] == [
        involved, {"kind": "question", "key": "one_thing", "went_back": True}, involved]
    assert transcript["answers"] == {"involved": True}
    # the earlier answer was shown again, and Enter kept it
    assert "  (your answer: yes; press Enter to keep it)" in result.output
    assert "Please answer this question." not in result.output


def test_interactive_end_of_input_is_unfinished(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    result = run_cli(FLAGSHIP / "script.yaml", "--segment", "lost", "--transcript", out,
                     input="\n")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["outcome"] == "unfinished"


def test_interactive_words_for_an_option_that_is_not_other(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    typed = "\n".join(["", "yes", "Faster replies", "", "2: fax machine",
                       "5: a fax machine", "/stop"]) + "\n"
    result = run_cli(FLAGSHIP / "script.yaml", "--segment", "lost", "--transcript", out,
                     input=typed)
    assert result.exit_code == 0, result.output
    assert ("! Words after ':' are only for the other option, "
            "'Somewhere else (please say where)'.") in result.output
    steps = json.loads(out.read_text())["steps"]
    assert steps[-1]["key"] == "buy_now"
    assert (steps[-1]["answer"], steps[-1]["other"]) == ("other", "a fax machine")


@pytest.mark.parametrize(("minutes", "said"), [(1, "(About 1 minute.)"),
                                                (2, "(About 2 minutes.)"),
                                                (0.5, "(About 0.5 minutes.)")])
def test_interactive_estimate_is_singular_or_plural(tmp_path: Path, minutes: float,
                                                    said: str) -> None:
    script = write(tmp_path, "s.yaml", f"dialogkit: 1\nid: short\ntitle: T\npurpose: P\n"
                                       f"estimated_minutes: {minutes}\nnodes:\n"
                                       "  - id: hi\n    type: statement\n    text: Hi\n")
    result = run_cli(script, input="\n")
    assert result.exit_code == 0, result.output
    assert said in result.output.splitlines()


def test_schema_and_semantic_problems_are_reported_in_one_run(tmp_path: Path) -> None:
    text = BROKEN_SCHEMA + """\
  - id: q3
    type: confirm
    of: q1
    text: "Right, {answers.q2}?"
    when: "answers.q9 == 1"
"""
    path = write(tmp_path, "both.yaml", text)
    code, lines = validate(path)
    assert code == 1
    assert lines == [
        *schema_problems(path),
        f"{path}:19:12: nodes[2].when: 'answers.q9': there is no question 'q9'",
    ]
