"""The email channel adapter: a prompt as the words of an email, a reply's text as an answer.

Replies are read the way people write them: "9", "9/10", "8 - support was quick" for a
scale; the number or the words of an option ("2", "Price", "2: our budget" for an "other"
option); yes/no in English, German, French or Spanish; SKIP to pass a question that may be
passed; BACK to change the previous answer; LATER to stop for now. What can't be read
raises `AnswerError`, whose message goes back to the person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from attrs import frozen

from dialogkit.answers import AnswerError
from dialogkit.channels import Reply
from dialogkit.engine import Prompt
from dialogkit_email.words import (
    BACK_WORDS,
    LATER_WORDS,
    NO_WORDS,
    SKIP_WORDS,
    YES_WORDS,
    translator,
)

SCALE_TYPES = ("nps", "rating")
CHOICE_TYPES = ("single_choice", "multiple_choice")
ANSWERABLE_TYPES = (*SCALE_TYPES, *CHOICE_TYPES, "yes_no", "confirm", "text", "number",
                    "date", "referral")
"""Question types a person can answer by replying; others are sent to the web form."""
_INTEGER = re.compile(r"(?<![\w.,])[-+]?\d+(?![\d]|[.,]\d)")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FIELD_LINE = re.compile(r"^\s*(\w+)\s*[:=]\s*(.+?)\s*$")
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bund\b|\bet\b|\by\b|\s)\s*", re.IGNORECASE)


@frozen
class QuestionView:
    """What an email shows of a prompt: its text, numbered options, and how to reply."""

    text: str
    lead: tuple[str, ...]
    """Statements the script says just before the question."""
    help: str | None
    options: tuple[tuple[int, str], ...]
    scale: tuple[int, ...]
    scale_ends: str | None
    how: tuple[str, ...]


def answerable(prompt: Prompt) -> bool:
    """Whether a person can answer `prompt` by replying to an email."""
    return prompt.kind in ("probe", "confirm") or (
        prompt.kind == "question" and prompt.type in ANSWERABLE_TYPES) or (
        prompt.kind == "referral")


def view(prompt: Prompt, language: str | None, lead: tuple[str, ...] = ()) -> QuestionView:
    """The prompt as an email shows it, in the session's language, after the statements
    `lead`."""
    t = translator(language)
    options = tuple(enumerate((option.label for option in prompt.options), start=1))
    scale: tuple[int, ...] = ()
    ends = None
    how: list[str] = []
    kind = "probe" if prompt.kind == "probe" else prompt.type
    if kind in SCALE_TYPES and prompt.minimum is not None and prompt.maximum is not None:
        scale = tuple(range(int(prompt.minimum), int(prompt.maximum) + 1))
        options = ()
        if prompt.low_label or prompt.high_label:
            ends = t("scale_ends", low=prompt.minimum, high=prompt.maximum,
                     low_label=prompt.low_label or "", high_label=prompt.high_label or "")
        how.append(t("how_number", low=prompt.minimum, high=prompt.maximum))
    elif kind in ("yes_no", "confirm"):
        options = ()
        how.append(t("how_yes_no"))
    elif kind in CHOICE_TYPES:
        other = next(((n, o.label) for n, o in enumerate(prompt.options, 1) if o.is_other),
                     None)
        if kind == "multiple_choice":
            how.append(t("how_choices"))
        elif other:
            how.append(t("how_choice_other", label=other[1], number=other[0]))
        else:
            how.append(t("how_choice"))
    elif kind == "number":
        how.append(t("how_number_value"))
    elif kind == "date":
        how.append(t("how_date"))
    elif kind == "referral":
        how.append(t("how_referral", fields=", ".join(prompt.fields)))
    else:
        how.append(t("how_text"))
    if prompt.can_decline and prompt.kind != "probe":
        how.append(t("how_skip"))
    if prompt.can_go_back:
        how.append(t("how_back_later"))
    return QuestionView(text=prompt.text, lead=lead, help=prompt.help, options=options, scale=scale,
                        scale_ends=ends, how=tuple(how))


def clean(text: str) -> str:
    """Text safe for an email's plain-text part: control characters removed."""
    return _CONTROL.sub("", text)


class EmailChannel:
    """Renders prompts as email text and reads replies; `dialogkit.channels.ChannelAdapter`."""

    name = "email"
    plain_text = True

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config = dict(config or {})
        self.language = self.config.get("language")

    def render(self, prompt: Prompt) -> str:
        """The prompt as the plain-text lines of an email."""
        shown = view(prompt, self.language)
        lines = [*shown.lead, shown.text]
        if shown.help:
            lines.append(shown.help)
        lines += [f"  {number}) {label}" for number, label in shown.options]
        if shown.scale_ends:
            lines.append(f"  ({shown.scale_ends})")
        lines += list(shown.how)
        return clean("\n".join(lines))

    def parse(self, prompt: Prompt, reply: str) -> Reply:
        """The words of a reply as a `Reply`; raises `AnswerError` when they can't be read."""
        text = reply.strip()
        word = text.lower().strip(" .!")
        if word in BACK_WORDS and prompt.can_go_back:
            return Reply(action="back")
        if word in LATER_WORDS:
            return Reply(action="stop")
        if word in SKIP_WORDS and prompt.can_decline:
            return Reply(action="decline",
                         reason="prefer_not_to_say" if prompt.prefer_not_to_say else "skipped")
        if prompt.kind in ("statement", "probe"):
            return Reply(value=text)
        kind = "confirm" if prompt.kind == "confirm" else prompt.type
        if kind in SCALE_TYPES:
            return Reply(value=_scale(prompt, text))
        if kind in CHOICE_TYPES:
            return _choice(prompt, text)
        if kind in ("yes_no", "confirm"):
            return Reply(value=_yes_no(text))
        if kind == "number":
            return Reply(value=_number(text))
        if kind == "referral":
            return Reply(value=_referral(prompt, text))
        return Reply(value=text)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _scale(prompt: Prompt, text: str) -> int:
    """The score: the number a reply's first line starts with, or the only number in it."""
    low, high = int(prompt.minimum or 0), int(prompt.maximum or 10)
    line = _first_line(text)
    numbers = [(match.start(), int(match.group(0))) for match in _INTEGER.finditer(line)]
    leading = [n for start, n in numbers if not line[:start].strip()]
    chosen = leading or ([n for _, n in numbers] if len(numbers) == 1 else [])
    if chosen and low <= chosen[0] <= high:
        return chosen[0]
    raise AnswerError("scale_range", low=low, high=high)


def _yes_no(text: str) -> bool:
    word = re.split(r"[\s,.!;:]+", _first_line(text).lower(), maxsplit=1)[0]
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise AnswerError("yes_no")


def _number(text: str) -> str:
    found = _NUMBER.search(_first_line(text))
    if not found:
        raise AnswerError("number_expected")
    return found.group(0).replace(",", ".")


def _option(prompt: Prompt, token: str) -> str | None:
    token = token.strip().strip(".)").lower()
    if token.isdigit() and 1 <= int(token) <= len(prompt.options):
        return prompt.options[int(token) - 1].value
    for option in prompt.options:
        if token and token in (option.value.lower(), option.label.lower()):
            return option.value
    return None


def _choice(prompt: Prompt, text: str) -> Reply:
    line = _first_line(text)
    picks_text, _, other = line.partition(":")
    whole = _option(prompt, line)
    if whole is not None:  # an option's label typed out in full
        picks, other = [whole], ""
    else:
        tokens = [token for token in _SPLIT.split(picks_text) if token]
        picks = [value for value in (_option(prompt, token) for token in tokens) if value]
        if not picks or len(picks) != len(tokens):
            raise AnswerError("choice_not_offered" if prompt.type == "single_choice"
                              else "choices_not_offered")
    other_text = other.strip() or None
    if prompt.type == "single_choice":
        if len(picks) > 1:
            raise AnswerError("choice_not_offered")
        return Reply(value=picks[0], other=other_text)
    return Reply(value=list(dict.fromkeys(picks)), other=other_text)


def _referral(prompt: Prompt, text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    loose: list[str] = []
    for line in text.splitlines():
        match = _FIELD_LINE.match(line)
        if match and match.group(1).lower() in prompt.fields:
            values[match.group(1).lower()] = match.group(2)
        elif line.strip():
            loose.append(line.strip())
    if not values and loose:
        parts = [part.strip() for part in re.split(r";|\n", "\n".join(loose))]
        values = {f: p for f, p in zip(prompt.fields, parts, strict=False) if p}
    return values
