"""Between prompts and HTML forms: what a posted form means, and what a form shows filled in.

Field names: ``answer`` (repeated for several picks), ``other`` (the words for an "other"
option), ``referral-<field>`` (a referral's name, email, role...), and ``action``, the button
pressed: ``next`` (also what pressing Enter sends), ``back``, ``decline`` or ``save``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dialogkit.answers import DECIMAL_COMMA_LANGUAGES, OTHER, AnswerError
from dialogkit.channels import Reply
from dialogkit.engine import Prompt

FormData = Mapping[str, Sequence[str]]
"""A posted form: each field name with every value sent for it, in order."""

ACTIONS = ("next", "back", "decline", "save")
OPTION_TYPES = ("single_choice", "multiple_choice", "yes_no", "confirm", "rating", "nps")
"""Question types answered by picking among options (radio buttons or check boxes)."""


def _first(form: FormData, name: str) -> str:
    values = form.get(name) or ()
    return values[0] if values else ""


def _lines(text: str) -> str:
    """Typed text with the line breaks browsers send (CR LF) as plain line feeds."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def action_of(form: FormData) -> str:
    """The button pressed; ``next`` when none was named (Enter in a text field)."""
    action = _first(form, "action") or "next"
    if action not in ACTIONS:
        raise AnswerError("That button is not known. Please use one of the buttons shown.")
    return action


def answer_of(prompt: Prompt, form: FormData) -> tuple[Any, str | None]:
    """The answer a form gives to `prompt`, and the words given for "other" (if any)."""
    if prompt.kind == "statement":
        return None, None
    if prompt.kind == "probe" or prompt.type == "text":
        return _lines(_first(form, "answer")), None
    if prompt.type == "referral":
        given = {field: _first(form, f"referral-{field}").strip() for field in prompt.fields}
        given = {field: value for field, value in given.items() if value}
        return (given or None), None
    other = _first(form, "other").strip() or None
    offers_other = any(option.is_other for option in prompt.options)
    if prompt.type == "multiple_choice":
        picked = [value for value in form.get("answer", ()) if value]
        if other and offers_other and OTHER not in picked:
            picked.append(OTHER)  # words typed in the "other" box choose it
        return picked, other
    picked_one = _first(form, "answer")
    if other and offers_other and not picked_one:
        picked_one = OTHER
    elif other and offers_other and picked_one != OTHER:
        raise AnswerError("You wrote something in the box for another answer but chose a "
                          "different option. Please clear the box or choose the other answer.")
    return picked_one, other


def reply_from_form(prompt: Prompt, form: FormData) -> Reply:
    """The `Reply` a posted form makes (``save`` becomes "stop"; the app records any answer
    typed before it saves)."""
    action = action_of(form)
    if action == "back":
        return Reply(action="back")
    if action == "decline":
        reason = "prefer_not_to_say" if prompt.prefer_not_to_say else "skipped"
        return Reply(action="decline", reason=reason)
    if action == "save":
        return Reply(action="stop")
    value, other = answer_of(prompt, form)
    return Reply(value=value, other=other)


def has_typed_answer(prompt: Prompt, form: FormData) -> bool:
    """True when the form carries an answer (something to record before saving)."""
    if prompt.kind == "statement":
        return False
    value, other = answer_of(prompt, form)
    if isinstance(value, str):
        return bool(value.strip()) or bool(other)
    return bool(value) or bool(other)


def _number_text(value: float, language: str) -> str:
    text = str(int(value)) if value.is_integer() else str(value)
    if language.split("-")[0].lower() in DECIMAL_COMMA_LANGUAGES:
        return text.replace(".", ",")
    return text


def values_from_answer(prompt: Prompt, language: str = "en") -> dict[str, list[str]]:
    """The form fields as the earlier answer fills them (after going back or resuming);
    numbers are written the way `language` writes them."""
    value, other = prompt.current, prompt.current_other
    if value is None or prompt.kind == "statement":
        return {}
    if prompt.kind == "probe":
        return {"answer": [str(value)]}
    if prompt.type == "referral" and isinstance(value, Mapping):
        return {f"referral-{field}": [str(v)] for field, v in value.items()}
    fields: dict[str, list[str]] = {}
    if prompt.type == "confirm" and value is False:
        return {}  # asked again after a correction: "no" again would only loop back
    if isinstance(value, bool):
        fields["answer"] = ["yes" if value else "no"]
    elif isinstance(value, list):
        fields["answer"] = [str(v) for v in value]
    elif isinstance(value, float):
        fields["answer"] = [_number_text(value, language)]
    else:
        fields["answer"] = [str(value)]
    if other:
        fields["other"] = [other]
    return fields
