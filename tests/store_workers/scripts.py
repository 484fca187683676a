"""Scripts the store workers and tests share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dialogkit.engine import Prompt
from dialogkit.loader import load_script, load_script_text
from dialogkit.script import Script

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NPS = EXAMPLES / "nps_checkin" / "script.yaml"


def nps() -> Script:
    return load_script(NPS)


def long_script(questions: int = 120) -> Script:
    """A script of many optional text questions, to answer again and again."""
    document = {
        "dialogkit": 1, "id": "long-form", "title": "Long form", "purpose": "Testing the store.",
        "estimated_minutes": 5,
        "nodes": [{"id": f"q{n}", "type": "text", "text": f"Question {n}?", "required": False}
                  for n in range(1, questions + 1)],
    }
    return load_script_text(json.dumps(document), "long-form.json")


def reply_for(prompt: Prompt, salt: int = 0) -> Any:
    """A valid answer to `prompt` (varied by `salt`)."""
    if prompt.kind == "probe" or prompt.type == "text":
        return f"answer {salt}: the bank sync keeps breaking"
    if prompt.type == "nps":
        return salt % 11
    if prompt.type in ("yes_no", "confirm"):
        return salt % 2 == 0
    if prompt.options:
        return prompt.options[salt % len(prompt.options)].value
    raise AssertionError(f"no reply for a {prompt.type} prompt")
