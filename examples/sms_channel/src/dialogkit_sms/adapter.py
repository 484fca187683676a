"""The SMS channel adapter: prompts as short plain texts, replies as what people text back.

Rendering: the question text, its help, options as ``1=Label`` lines, scale end labels, then one
line saying how to reply and which keywords apply (``BACK``, ``SKIP``, ``STOP``). Section
titles and interviewer notes are left out to keep messages short. Control characters and
terminal escape sequences are removed and runs of whitespace collapsed, so what a respondent
typed can't garble a phone's display.

Segmenting: a message that fits one SMS is sent as it is. A longer one is split at spaces into
several SMS, each starting with ``(1/3) ``-style numbering, so that each stays within one SMS
on its own and no concatenation headers are needed. One SMS holds 160 characters of the GSM-7
alphabet (the characters ``^{}[]~|\\€`` count twice), or 70 UTF-16 units as soon as the text
has any character outside GSM-7 (an emoji, a curly quote...): then the whole message is counted
that way. Nothing is transliterated.

Replies (case and surrounding punctuation do not matter for keywords):

- ``BACK``: the previous question; ``SKIP`` or ``PASS``: decline; ``STOP``: stop for now;
- choices: ``2``, ``1,3`` or ``1 3``; the "other" option with words: ``4 My own words``;
  an option's label typed out also works;
- yes/no: ``Y``, ``YES``, ``N``, ``NO`` (and ``YEAH``, ``YEP``, ``NOPE``);
- scales: a whole number; numbers: a number, optionally followed by the unit;
- dates: ``2024-03-31``, ``31/03/2024`` (``03/31/2024`` with ``date_order: mdy``),
  ``31.03.24``, ``31 March 2024``, ``March 31, 2024``;
- referrals: the fields separated by commas or semicolons; an email address and a phone
  number are recognised wherever they are, the other parts fill the remaining fields in order;
- anything else (text questions, probes): the text as sent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from dialogkit.answers import AnswerError
from dialogkit.channels import Reply, option_numbers
from dialogkit.engine import Prompt

__all__ = [
    "CONFIG_SCHEMA",
    "SmsChannel",
    "clean",
    "is_gsm7",
    "join_segments",
    "segment",
    "sms_length",
]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
"""Characters sent as an escape plus a code: each takes two of a message's 160 places."""
GSM7_LIMIT = 160
UNICODE_LIMIT = 70

CONFIG_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "date_order": {
            "enum": ["dmy", "mdy"],
            "description": "How to read dates like 03/04/2024: day first (dmy) or month first.",
        },
    },
    "additionalProperties": False,
}

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MARKER = re.compile(r"^\(\d+/\d+\) ", re.MULTILINE)
_KEYWORDS = {"BACK": "back", "SKIP": "decline", "PASS": "decline", "STOP": "stop"}
_YES = {"y", "yes", "yeah", "yep"}
_NO = {"n", "no", "nope"}
_PICKS = re.compile(r"\s*(\d+\b(?:[\s,]+\d+\b)*)\s*[:.,-]?\s*(.*)", re.DOTALL)
_PHONE = re.compile(r"\+?[\d\s().-]{6,}")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")
_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")


def clean(text: str | None) -> str:
    """``text`` on one line: escape sequences and control characters gone, spaces collapsed."""
    text = (text or "").replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return " ".join(_CONTROL.sub("", _ESCAPES.sub("", text)).split())


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` is in the GSM-7 alphabet (with its extension)."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text)


def sms_length(text: str, gsm7: bool | None = None) -> int:
    """Places ``text`` takes in an SMS: GSM-7 septets, else UTF-16 code units."""
    if gsm7 is None:
        gsm7 = is_gsm7(text)
    if gsm7:
        return sum(2 if char in GSM7_EXTENDED else 1 for char in text)
    return len(text.encode("utf-16-le")) // 2


def segment(text: str) -> list[str]:
    """``text`` as the SMS to send: itself if it fits one, else numbered parts that each fit."""
    gsm7 = is_gsm7(text)
    limit = GSM7_LIMIT if gsm7 else UNICODE_LIMIT
    if sms_length(text, gsm7) <= limit:
        return [text]
    digits = 1
    while True:
        widest = f"({'9' * digits}/{'9' * digits}) "
        parts = _pack(text, limit - sms_length(widest, gsm7), gsm7)
        if len(parts) < 10**digits:
            return [f"({n}/{len(parts)}) {part}" for n, part in enumerate(parts, start=1)]
        digits += 1


def _pack(text: str, budget: int, gsm7: bool) -> list[str]:
    """Words of ``text`` packed greedily into parts of at most ``budget`` places.

    A full part ends at its last line break when it has one, so lines stay whole where they can.
    """
    parts: list[str] = []
    current = ""
    for token in re.findall(r"\S+\s*", text):
        if sms_length((current + token).rstrip(), gsm7) <= budget:
            current += token
            continue
        head, newline, tail = current.rpartition("\n")
        if newline and head.strip() and sms_length((tail + token).rstrip(), gsm7) <= budget:
            parts.append(head.rstrip())
            current = tail + token
            continue
        if current.strip():
            parts.append(current.rstrip())
        current = token
        while sms_length(current.rstrip(), gsm7) > budget:  # a word longer than a whole part
            cut = _fitting(current, budget, gsm7)
            parts.append(current[:cut])
            current = current[cut:]
    if current.strip():
        parts.append(current.rstrip())
    return parts


def _fitting(text: str, budget: int, gsm7: bool) -> int:
    used = 0
    for index, char in enumerate(text):
        used += sms_length(char, gsm7)
        if used > budget:
            return max(index, 1)
    return len(text)


def join_segments(rendered: str) -> str:
    """The text of rendered messages with their ``(n/m)`` numbering removed."""
    return _MARKER.sub("", rendered)


class SmsChannel:
    """Renders prompts as text messages and parses the replies people send.

    ``config``: ``date_order`` is ``"dmy"`` (default) or ``"mdy"``, for dates like 03/04/2024.
    """

    name = "sms"
    plain_text = True

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config = dict(config or {})
        self.date_order: str = self.config.get("date_order", "dmy")
        if self.date_order not in ("dmy", "mdy"):
            raise ValueError(f"date_order must be 'dmy' or 'mdy', not {self.date_order!r}")

    # -- rendering -------------------------------------------------------------------------

    def messages(self, prompt: Prompt) -> list[str]:
        """The SMS to send for ``prompt``, in order."""
        lines = [clean(prompt.text)]
        if prompt.help:
            lines.append(clean(prompt.help))
        lines += [f"{n}={clean(option.label)}" for n, option in enumerate(prompt.options, 1)]
        if prompt.low_label or prompt.high_label:
            lines.append(f"{prompt.minimum}={clean(prompt.low_label)} "
                         f"{prompt.maximum}={clean(prompt.high_label)}")
        lines.append(self._how_to_reply(prompt))
        return segment("\n".join(line for line in lines if line))

    def render(self, prompt: Prompt) -> str:
        """The messages for ``prompt``, one after the other, separated by line breaks."""
        return "\n".join(self.messages(prompt))

    def _how_to_reply(self, prompt: Prompt) -> str:
        if prompt.kind == "statement":
            hint = "Reply OK to continue."
        elif prompt.kind == "probe":
            hint = "Reply with your answer."
        else:
            hint = self._answer_hint(prompt)
        keywords = ["BACK"] if prompt.can_go_back else []
        if prompt.can_decline:
            keywords.append("SKIP")
        keywords.append("STOP")
        return f"{hint} Or {', '.join(keywords)}"

    def _answer_hint(self, prompt: Prompt) -> str:
        kind = prompt.type
        if kind in ("single_choice", "multiple_choice"):
            hint = ("Reply with one number." if kind == "single_choice"
                    else "Reply with numbers, e.g. 1,3.")
            other = [n for n, option in enumerate(prompt.options, 1) if option.is_other]
            if other:
                hint += f" For {other[0]}, add your words: {other[0]} your words."
            return hint
        if kind in ("rating", "nps"):
            return f"Reply {prompt.minimum}-{prompt.maximum}."
        if kind in ("yes_no", "confirm"):
            return "Reply Y or N."
        if kind == "number":
            return f"Reply with a number ({clean(prompt.unit)})." if prompt.unit \
                else "Reply with a number."
        if kind == "date":
            return f"Reply with a date, e.g. {self._date_example}."
        if kind == "referral":
            return f"Reply with their {', '.join(prompt.fields)}, separated by commas."
        return "Reply with your answer."

    # -- parsing ---------------------------------------------------------------------------

    def format_reply(self, prompt: Prompt, value: Any, other: str | None = None) -> str:
        """What a person texts back to give `value` (in the engine's terms)."""
        if prompt.kind == "statement":
            return "OK"
        if prompt.kind == "probe" or prompt.type in ("text", "date"):
            return str(value)
        if prompt.type in ("single_choice", "multiple_choice"):
            numbers = ",".join(map(str, option_numbers(prompt, value)))
            return f"{numbers} {other}" if other else numbers
        if prompt.type in ("yes_no", "confirm"):
            return "Y" if value else "N"
        if prompt.type == "referral":
            return ", ".join(value.values())
        return str(value)

    def parse(self, prompt: Prompt, reply: str) -> Reply:
        """The text someone sent as a `Reply`; raises `AnswerError` when it can't be read."""
        text = clean(reply)
        keyword = _KEYWORDS.get(text.strip(" .!").upper())
        if keyword == "decline":
            reason = "prefer_not_to_say" if prompt.prefer_not_to_say else "skipped"
            return Reply(action="decline", reason=reason)
        if keyword is not None:
            return Reply(action=keyword)  # type: ignore[arg-type]
        if prompt.kind == "statement":
            return Reply()
        if prompt.kind == "probe" or prompt.type == "text":
            return Reply(value=text)
        kind = prompt.type
        if kind in ("single_choice", "multiple_choice"):
            return self._parse_choice(prompt, text)
        if kind in ("yes_no", "confirm"):
            word = text.strip(" .!").lower()
            if word in _YES or word in _NO:
                return Reply(value=word in _YES)
            raise AnswerError("Please reply Y or N.")
        if kind in ("rating", "nps"):
            number = text.strip(" .!")
            if number.isdigit():
                return Reply(value=int(number))
            raise AnswerError(f"Please reply with a number from {prompt.minimum} to "
                              f"{prompt.maximum}.")
        if kind == "number":
            unit = clean(prompt.unit).lower()
            if unit and text.lower().endswith(unit):
                text = text[: -len(unit)].strip()
            return Reply(value=text)
        if kind == "date":
            return Reply(value=self._parse_date(text))
        if kind == "referral":
            return Reply(value=_parse_referral(prompt, text))
        return Reply(value=text)

    @staticmethod
    def _parse_choice(prompt: Prompt, text: str) -> Reply:
        count = len(prompt.options)
        if not text:
            return Reply(value=None)
        match = _PICKS.fullmatch(text)
        if match is None:
            for option in prompt.options:
                if text.lower() in (option.value.lower(), clean(option.label).lower()):
                    return Reply(value=option.value if prompt.type == "single_choice"
                                 else [option.value])
            raise AnswerError(f"Please reply with the number of your choice, 1 to {count}.")
        numbers = list(dict.fromkeys(int(n) for n in re.findall(r"\d+", match.group(1))))
        wrong = [n for n in numbers if not 1 <= n <= count]
        if wrong:
            raise AnswerError(f"There is no option {wrong[0]}: please reply with 1 to {count}.")
        picked = [prompt.options[n - 1] for n in numbers]
        words = match.group(2).strip() or None
        if words and not any(option.is_other for option in picked):
            raise AnswerError("Please reply with just the number of your choice.")
        if prompt.type == "single_choice":
            if len(picked) > 1:
                raise AnswerError("Please choose just one number.")
            return Reply(value=picked[0].value, other=words)
        return Reply(value=[option.value for option in picked], other=words)

    @property
    def _date_example(self) -> str:
        return "31/12/2024" if self.date_order == "dmy" else "12/31/2024"

    def _parse_date(self, text: str) -> str:
        problem = AnswerError(f"Please reply with a date like {self._date_example}.")
        text = text.strip(" .")
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass
        numeric = _NUMERIC_DATE.fullmatch(text)
        if numeric:
            first, second, year = (int(part) for part in numeric.groups())
            day, month = (first, second) if self.date_order == "dmy" else (second, first)
            if year < 100:
                year += 2000
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                raise problem from None
        words = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", " "), flags=re.I)
        words = " ".join(words.split())
        for pattern in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(words, pattern).date().isoformat()
            except ValueError:
                continue
        raise problem


def _parse_referral(prompt: Prompt, text: str) -> dict[str, str]:
    fields = list(prompt.fields)
    found: dict[str, str] = {}
    rest: list[str] = []
    for part in (p.strip() for p in re.split(r"[;,]", text)):
        if not part:
            continue
        if "@" in part and "email" in fields and "email" not in found:
            found["email"] = part
        elif _PHONE.fullmatch(part) and "phone" in fields and "phone" not in found:
            found["phone"] = part
        else:
            rest.append(part)
    free = [field for field in fields if field not in ("email", "phone")]
    if len(rest) > len(free):
        raise AnswerError(f"Please reply with their {', '.join(fields)}, separated by commas.")
    found.update(zip(free, rest, strict=False))
    return found
