"""The console channel adapter: prompts as plain terminal text, typed lines as replies."""

from __future__ import annotations

import re
from typing import Any

from dialogkit.answers import AnswerError
from dialogkit.channels import Reply, option_numbers
from dialogkit.engine import Prompt

COMMANDS = {
    "/back": Reply(action="back"),
    "/pass": Reply(action="decline", reason="prefer_not_to_say"),
    "/skip": Reply(action="decline", reason="skipped"),
    "/dk": Reply(action="decline", reason="dont_know"),
    "/refused": Reply(action="decline", reason="refused"),
    "/stop": Reply(action="stop"),
}
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_PICKS = re.compile(r"^\s*([\w\s,]*?)\s*(?::\s*(.*))?$", re.DOTALL)
_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}


def clean(text: str | None) -> str:
    """Text made safe for a terminal: escape sequences and control characters removed."""
    return _CONTROL.sub("", text or "")


class ConsoleChannel:
    """Renders prompts for a terminal and parses what the person types."""

    name = "console"

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = dict(config or {})

    def render(self, prompt: Prompt) -> str:
        """The prompt as lines of terminal text, ending with how to answer."""
        lines = []
        if prompt.section_title:
            lines.append(f"== {clean(prompt.section_title)} ==")
        if prompt.kind == "probe":
            lines.append(f"  ↳ {clean(prompt.text)}")
        else:
            lines.append(clean(prompt.text))
        if prompt.help:
            lines.append(f"  ({clean(prompt.help)})")
        for number, option in enumerate(prompt.options, start=1):
            lines.append(f"  {number}) {clean(option.label)}")
        if prompt.low_label or prompt.high_label:
            lines.append(f"  {prompt.minimum} = {clean(prompt.low_label)} … "
                         f"{prompt.maximum} = {clean(prompt.high_label)}")
        if prompt.current is not None and prompt.kind != "statement":
            lines.append(f"  (your answer: {self.describe_current(prompt)}; "
                         "press Enter to keep it)")
        lines.append(self._how_to_answer(prompt))
        return "\n".join(lines)

    def describe_current(self, prompt: Prompt) -> str:
        """The answer given earlier (`prompt.current`, shown again after going back), as the
        console shows answers: option numbers and labels, yes or no, and so on."""
        value, other = prompt.current, prompt.current_other
        if prompt.kind != "probe" and prompt.type in ("single_choice", "multiple_choice"):
            picked = value if isinstance(value, list) else [value]
            return ", ".join(
                f"{number} ({clean(option.label)}"
                + (f": {clean(other)}" if option.is_other and other else "") + ")"
                for number, option in enumerate(prompt.options, start=1)
                if option.value in picked)
        if prompt.kind != "probe" and prompt.type in ("yes_no", "confirm"):
            return "yes" if value else "no"
        if prompt.kind != "probe" and prompt.type == "referral" and isinstance(value, dict):
            return "; ".join(clean(str(value[f])) for f in prompt.fields if value.get(f))
        return clean(self.format_reply(prompt, value, other))

    def _how_to_answer(self, prompt: Prompt) -> str:
        hints = {
            "statement": "Press Enter to continue.",
            "probe": "Type your answer (Enter on its own if you have nothing to add).",
        }
        hint = hints.get(prompt.kind)
        if hint is None:
            hint = {
                "single_choice": "Type the number of your choice"
                + (", then ': ' and your words for the last one." if _has_other(prompt)
                   else "."),
                "multiple_choice": "Type the numbers of your choices, separated by commas.",
                "rating": f"Type a number from {prompt.minimum} to {prompt.maximum}.",
                "nps": "Type a number from 0 to 10.",
                "yes_no": "Type yes or no.",
                "confirm": "Type yes or no.",
                "number": "Type a number" + (f" ({clean(prompt.unit)})." if prompt.unit else "."),
                "date": "Type a date as YYYY-MM-DD.",
                "referral": "Type " + "; ".join(prompt.fields) + " (separated by ';').",
            }.get(prompt.type, "Type your answer.")
        extras = ["/back"] if prompt.can_go_back else []
        if prompt.can_decline and prompt.kind != "probe":
            extras.append("/pass" if prompt.prefer_not_to_say else "/skip")
        extras.append("/stop")
        return f"> {hint} [{' '.join(extras)}]"

    def parse(self, prompt: Prompt, reply: str) -> Reply:
        """The typed line as a `Reply`; raises `AnswerError` when it can't be read."""
        text = reply.strip()
        command = COMMANDS.get(text.lower())
        if command is not None:
            return command
        if not text and prompt.current is not None and prompt.kind != "statement":
            return Reply(value=prompt.current, other=prompt.current_other)  # keep it
        if prompt.kind in ("statement", "probe") or prompt.type in ("text", "date"):
            return Reply(value=text)
        if prompt.type in ("single_choice", "multiple_choice"):
            return self._parse_choice(prompt, text)
        if prompt.type in ("yes_no", "confirm"):
            word = text.lower()
            if word in _YES or word in _NO:
                return Reply(value=word in _YES)
            raise AnswerError("Please type yes or no.")
        if prompt.type == "referral":
            parts = [part.strip() for part in text.split(";")]
            return Reply(value={f: p for f, p in zip(prompt.fields, parts, strict=False) if p})
        return Reply(value=text)

    def format_reply(self, prompt: Prompt, value: Any, other: str | None = None) -> str:
        """What a person types to give `value` (in the engine's terms): `parse` in reverse."""
        if prompt.kind == "statement":
            return ""
        if prompt.kind == "probe" or prompt.type in ("text", "date"):
            return str(value)
        if prompt.type in ("single_choice", "multiple_choice"):
            numbers = ",".join(map(str, option_numbers(prompt, value)))
            return f"{numbers}: {other}" if other else numbers
        if prompt.type in ("yes_no", "confirm"):
            return "yes" if value else "no"
        if prompt.type == "referral":
            return "; ".join(value.get(field, "") for field in prompt.fields)
        return str(value)

    def _parse_choice(self, prompt: Prompt, text: str) -> Reply:
        if not text:
            return Reply(value=None)
        match = _PICKS.match(text)
        picks_text, other = (match.group(1), match.group(2)) if match else (text, None)
        picks = []
        for token in re.split(r"[,\s]+", picks_text.strip()):
            if not token:
                continue
            picks.append(self._option_value(prompt, token))
        if not picks:
            raise AnswerError("Please type the number of an option.")
        if other and not any(option.is_other and option.value in picks
                             for option in prompt.options):
            others = [option for option in prompt.options if option.is_other]
            raise AnswerError(
                f"Words after ':' are only for the other option, '{clean(others[0].label)}'."
                if others else "Words after ':' are only for an other option, and this "
                               "question has none.")
        if prompt.type == "single_choice":
            if len(picks) > 1:
                raise AnswerError("Please choose just one option.")
            return Reply(value=picks[0], other=other)
        return Reply(value=picks, other=other)

    @staticmethod
    def _option_value(prompt: Prompt, token: str) -> str:
        if token.isdigit() and 1 <= int(token) <= len(prompt.options):
            return prompt.options[int(token) - 1].value
        for option in prompt.options:
            if token.lower() in (option.value.lower(), option.label.lower()):
                return option.value
        raise AnswerError(f"There is no option '{clean(token)}'; please type a number from 1 to "
                          f"{len(prompt.options)}.")


def _has_other(prompt: Prompt) -> bool:
    return any(option.is_other for option in prompt.options)
