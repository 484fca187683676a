"""Checking and normalizing a respondent's answer for each question type.

Each checker takes the question (`dialogkit.script.CompiledNode`), the raw answer and the text
given for "other", and returns the value to store, or raises `AnswerError` whose message is
written for the respondent.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from dialogkit import model

if TYPE_CHECKING:
    from dialogkit.script import CompiledNode

OTHER = "other"


class AnswerError(ValueError):
    """An answer that cannot be accepted; `message` tells the respondent what is expected."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_empty(value: Any) -> bool:
    """True for no answer at all: None, blank text, or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple, dict)) and not value


def _whole_number(value: Any, message: str) -> int:
    if isinstance(value, bool):
        raise AnswerError(message)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise AnswerError(message)


def _check_text(node: CompiledNode, value: Any, other: str | None) -> str:
    if not isinstance(value, str):
        raise AnswerError("Please write your answer as text.")
    text = value.strip()
    limit = node.node.max_length
    if limit is not None and len(text) > limit:
        raise AnswerError(
            f"Please keep your answer to {limit} characters or fewer (it has {len(text)})."
        )
    return text


def _check_single(node: CompiledNode, value: Any, other: str | None, options: Sequence[Any]) -> str:
    if not isinstance(value, str) or value not in {o.value for o in options}:
        raise AnswerError("Please choose one of the options.")
    if value == OTHER and node.other_label is not None and is_empty(other):
        raise AnswerError("Please tell us what your other answer is.")
    return value


def _check_multiple(
    node: CompiledNode, value: Any, other: str | None, options: Sequence[Any]
) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise AnswerError("Please choose from the options.")
    allowed = {o.value for o in options}
    picked = list(dict.fromkeys(value))
    if any(v not in allowed for v in picked):
        raise AnswerError("Please choose only from the options shown.")
    exclusive = [o.label for o in options if o.exclusive and o.value in picked]
    if exclusive and len(picked) > 1:
        raise AnswerError(f"'{exclusive[0]}' can't be combined with other choices.")
    question: model.MultipleChoice = node.node
    if question.min_picks is not None and len(picked) < question.min_picks and not exclusive:
        raise AnswerError(f"Please choose at least {question.min_picks}.")
    if question.max_picks is not None and len(picked) > question.max_picks:
        raise AnswerError(f"Please choose no more than {question.max_picks}.")
    if OTHER in picked and node.other_label is not None and is_empty(other):
        raise AnswerError("Please tell us what your other answer is.")
    return picked


def _check_scale(low: int, high: int) -> Callable[[CompiledNode, Any, str | None], int]:
    def check(node: CompiledNode, value: Any, other: str | None) -> int:
        message = f"Please choose a whole number from {low} to {high}."
        number = _whole_number(value, message)
        if not low <= number <= high:
            raise AnswerError(message)
        return number

    return check


def _check_rating(node: CompiledNode, value: Any, other: str | None) -> int:
    return _check_scale(1, node.node.points)(node, value, other)


_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}


def _check_yes_no(node: CompiledNode, value: Any, other: str | None) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _YES | _NO:
        return value.strip().lower() in _YES
    raise AnswerError("Please answer yes or no.")


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


DECIMAL_COMMA_LANGUAGES = frozenset((
    "bg", "cs", "da", "de", "el", "es", "et", "fi", "fr", "hr", "hu", "id", "it", "lt", "lv",
    "nb", "nl", "nn", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sr", "sv", "tr", "uk",
))
"""Languages that write a decimal comma (1.250,5); the others write a decimal point."""
_SPACES = re.compile(r"[ \u00a0\u202f]")
_POINT_STYLE = re.compile(r"[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_COMMA_STYLE = re.compile(r"[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")


def read_number(text: str, language: str = "en") -> float | None:
    """A number as people type it in `language`: thousands may be grouped ("1,250" or
    "12 000"; "1.250" where a decimal comma is written) and decimals use the language's
    mark ("2.5"; "2,5"). None when the text isn't such a number, or is ambiguous."""
    text = _SPACES.sub("", text.strip())
    if language.split("-")[0].lower() in DECIMAL_COMMA_LANGUAGES:
        if _COMMA_STYLE.fullmatch(text):
            text = text.replace(".", "").replace(",", ".")
    elif _POINT_STYLE.fullmatch(text):
        text = text.replace(",", "")
    if "," in text:  # a comma that fits neither use: 1,5 in English, 1,2,3 anywhere
        return None
    try:
        return float(text)  # also "2.5" everywhere, and exponents ("1e3")
    except ValueError:
        return None


def check_number(node: CompiledNode, value: Any, other: str | None, language: str = "en"
                 ) -> int | float:
    """A number question's answer; typed text is read the way `language` writes numbers."""
    question: model.Number = node.node
    low, high = question.min, question.max
    kind = "a whole number" if question.integer else "a number"
    if low is not None and high is not None:
        expected = f"Please enter {kind} from {_format_number(low)} to {_format_number(high)}."
    elif low is not None:
        expected = f"Please enter {kind} of at least {_format_number(low)}."
    elif high is not None:
        expected = f"Please enter {kind} of at most {_format_number(high)}."
    else:
        expected = f"Please enter {kind}."
    if isinstance(value, str):
        value = read_number(value, language)
        if value is None:
            raise AnswerError(expected)
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or (isinstance(value, float) and not math.isfinite(value)):
        raise AnswerError(expected)
    if question.integer:
        if isinstance(value, float) and not value.is_integer():
            raise AnswerError(expected)
        value = int(value)
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise AnswerError(expected)
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_date(node: CompiledNode, value: Any, other: str | None) -> str:
    question: model.DateQuestion = node.node
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            if not _ISO_DATE.fullmatch(value.strip()):  # fromisoformat takes 20240105 too
                raise ValueError(value)
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise AnswerError("Please enter a date as YYYY-MM-DD, e.g. 2024-03-31.") from None
    if not isinstance(value, dt.date):
        raise AnswerError("Please enter a date as YYYY-MM-DD, e.g. 2024-03-31.")
    text = value.isoformat()
    if question.min is not None and text < question.min:
        raise AnswerError(f"Please enter a date on or after {question.min}.")
    if question.max is not None and text > question.max:
        raise AnswerError(f"Please enter a date on or before {question.max}.")
    return text


def _check_referral(node: CompiledNode, value: Any, other: str | None) -> dict[str, str]:
    question: model.Referral = node.node
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise AnswerError("Please tell us who we should ask instead.")
    unknown = sorted(set(value) - set(question.fields))
    if unknown:
        raise AnswerError(f"Please only fill in: {', '.join(question.fields)}.")
    referral = {k: str(v).strip() for k, v in value.items() if not is_empty(v)}
    if "name" not in referral:
        raise AnswerError("Please give the name of the person we should ask.")
    email = referral.get("email")
    if email is not None and ("@" not in email or email.startswith("@") or email.endswith("@")):
        raise AnswerError("Please check the email address: it should look like name@example.com.")
    return referral


CHECKERS: dict[str, Callable[..., Any]] = {
    "text": _check_text,
    "rating": _check_rating,
    "nps": _check_scale(0, 10),
    "yes_no": _check_yes_no,
    "confirm": _check_yes_no,
    "date": _check_date,
    "referral": _check_referral,
}
CHOICE_CHECKERS: dict[str, Callable[..., Any]] = {
    "single_choice": _check_single,
    "multiple_choice": _check_multiple,
}
