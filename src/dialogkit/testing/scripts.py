"""Scripts for tests: build a runnable `Script` from a plain dict, and a script for channels.

- :func:`script_from_dict` structures and compiles a plain script document (the data a YAML
  script file holds) without a file. It does not run the JSON Schema check: give it documents
  you know are well-formed, or use :func:`dialogkit.loader.load_script_text` for diagnostics.
- :data:`CONTRACT_SCRIPT` uses every built-in question type once, plus a section, a one-level
  probe, a confirmation and a referral that does not end the conversation. Its texts substitute
  the respondent attribute ``name``; give it :data:`HOSTILE_TEXT` (as
  :data:`CONTRACT_RESPONDENT` does) to check that a channel escapes what it shows.
  :mod:`dialogkit.testing.channel_contract` runs every channel through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogkit.converter import structure_document
from dialogkit.loader import script_version
from dialogkit.script import Script, compile_script

__all__ = [
    "CONTRACT_RESPONDENT",
    "CONTRACT_SCRIPT",
    "HOSTILE_TEXT",
    "script_from_dict",
    "script_from_nodes",
]


def script_from_dict(
    data: Mapping[str, Any],
    question_types: Mapping[str, Any] | None = None,
    *,
    file: str = "<dict>",
) -> Script:
    """Compile the plain script document ``data`` into a `Script` the engine can run.

    ``question_types`` maps plugin question type names to their
    :class:`~dialogkit.plugin_types.QuestionType` records. The version is the same content hash
    a script file with this content gets. Raises :class:`dialogkit.script.ScriptProblems` for
    semantic problems (unknown references, bad expressions...).
    """
    return compile_script(
        structure_document(data),
        file=file,
        version=script_version(data),
        question_types=question_types,
    )


def script_from_nodes(nodes: list[dict[str, Any]], **header: Any) -> Script:
    """A script of `nodes` with a minimal header (any header field can be given)."""
    document = {"dialogkit": 1, "id": "test-script", "title": "Test", "purpose": "Testing.",
                "estimated_minutes": 1, "nodes": nodes, **header}
    return script_from_dict(document)


HOSTILE_TEXT = '<script>alert(1)</script> & "quotes" \x1b[31mred'
"""Markup, an entity-looking ampersand, quotes and a terminal escape sequence in one string."""

CONTRACT_RESPONDENT: dict[str, Any] = {"name": HOSTILE_TEXT}
"""Respondent attributes for :data:`CONTRACT_SCRIPT`: the name is :data:`HOSTILE_TEXT`."""

CONTRACT_SCRIPT: dict[str, Any] = {
    "dialogkit": 1,
    "id": "channel-contract",
    "title": "Channel contract",
    "purpose": "Put every kind of question through a channel to show that it handles them.",
    "estimated_minutes": 3,
    "nodes": [
        {
            "id": "welcome",
            "type": "statement",
            "text": "Welcome, {respondent.name}! This takes about three minutes.",
        },
        {
            "id": "found_us",
            "type": "single_choice",
            "text": "How did you first hear about us?",
            "options": [
                {"value": "search", "label": "A web search"},
                {"value": "colleague", "label": "A colleague of {respondent.name}"},
                {"value": "advert", "label": "An advert"},
            ],
            "other": "Somewhere else",
        },
        {
            "id": "features",
            "type": "multiple_choice",
            "text": "Which features do you use most? Pick one or two.",
            "options": [
                {"value": "reports", "label": "Reports"},
                {"value": "alerts", "label": "Alerts"},
                {"value": "exports", "label": "Exports"},
                {"value": "none", "label": "None of these", "exclusive": True},
            ],
            "min_picks": 1,
            "max_picks": 2,
        },
        {
            "id": "usage",
            "type": "rating",
            "text": "How well does the product fit the way you work?",
            "points": 5,
            "low_label": "Poorly",
            "high_label": "Perfectly",
        },
        {
            "id": "recommend",
            "type": "nps",
            "text": "How likely are you to recommend us to a friend?",
            "low_label": "Not at all likely",
            "high_label": "Extremely likely",
        },
        {
            "id": "about_you",
            "type": "section",
            "title": "About you, {respondent.name}",
            "nodes": [
                {
                    "id": "job",
                    "type": "text",
                    "text": "What is your job title?",
                    "max_length": 200,
                    "probes": {
                        "depth": 1,
                        "wording": ["What does a typical day look like for a {answer}?"],
                    },
                },
                {
                    "id": "job_confirm",
                    "type": "confirm",
                    "of": "job",
                    "text": "So you work as {answers.job}. Did I get that right?",
                },
                {
                    "id": "team_size",
                    "type": "number",
                    "text": "How many people are in your team?",
                    "help": "Count everyone, including yourself.",
                    "min": 1,
                    "max": 10000,
                    "integer": True,
                    "unit": "people",
                },
                {
                    "id": "started",
                    "type": "date",
                    "text": "When did your team start using the product?",
                    "min": "2000-01-01",
                    "max": "2030-12-31",
                },
            ],
        },
        {
            "id": "renew",
            "type": "yes_no",
            "text": "Do you expect to renew next year?",
            "prefer_not_to_say": True,
        },
        {
            "id": "refer",
            "type": "referral",
            "text": "Who else in your company should we talk to?",
            "fields": ["name", "email"],
            "end": False,
        },
        {
            "id": "comments",
            "type": "text",
            "text": "Is there anything else you would like to tell us?",
            "long": True,
            "required": False,
        },
        {"id": "goodbye", "type": "statement", "text": "Thank you for your time!"},
    ],
}
"""A small script using every built-in question type; see the module docstring."""
