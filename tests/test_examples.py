"""Every example validates cleanly and replays its answers files to the golden transcripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogkit.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*/script.yaml"))
ANSWERS = sorted(EXAMPLES.glob("*/*answers*.json"))


def test_there_are_examples() -> None:
    assert {p.parent.name for p in SCRIPTS} >= {"customer_diplomacy", "nps_checkin",
                                                "account_review"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.parent.name)
def test_example_is_valid_and_lint_clean(script: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--strict", str(script)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("answers", ANSWERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_answers_replay_to_golden_transcript(answers: Path, tmp_path: Path) -> None:
    out = tmp_path / "transcript.json"
    script = answers.parent / "script.yaml"
    result = CliRunner().invoke(
        main, ["run", str(script), "--answers", str(answers), "--transcript", str(out)])
    assert result.exit_code == 0, result.output
    golden = answers.with_name(answers.name.replace("answers", "transcript"))
    assert json.loads(out.read_text()) == json.loads(golden.read_text())


def test_flagship_segments_get_their_own_questions() -> None:
    folder = EXAMPLES / "customer_diplomacy"
    keys = {
        name: [step["key"] for step in json.loads((folder / f"{name}.transcript.json")
                                                  .read_text())["steps"]]
        for name in ("first-time", "loyal", "lost", "referral")
    }
    assert "convinced" in keys["first-time"] and "keeps_you" not in keys["first-time"]
    assert "keeps_you" in keys["loyal"] and "one_thing" not in keys["loyal"]
    assert "one_thing" in keys["lost"] and "convinced" not in keys["lost"]
    assert keys["referral"] == ["welcome", "involved", "refer"]
