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
from dialogkit.answer_messages import BY_ENGLISH_TEXT, ENGLISH, FIELDS, MESSAGES, render

if TYPE_CHECKING:
    from dialogkit.script import CompiledNode

OTHER = "other"


class AnswerError(ValueError):
    """An answer that cannot be accepted; `message` tells the respondent what is expected.

    `AnswerError(code, field=..., **params)` names a built-in message of
    `dialogkit.answer_messages.MESSAGES` ("number_range", low=1, high=60); `message` and
    `str(error)` are its English text and `in_language(language)` its text for a session
    language. Any other text is a plain message (`AnswerError("Please send a photo.")`),
    the same in every language; `code` is None then, unless the text is exactly a built-in
    English message without parameters. `field` names the part of a multi-part answer the
    error is about ("email" of a referral), or is None.
    """

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        code: str | None = None
        if message in MESSAGES:
            code = message
        elif not params:
            code = BY_ENGLISH_TEXT.get(message)
        text = message
        if code is not None:
            try:
                text = render(code, params, ENGLISH)
            except (KeyError, IndexError, ValueError):  # not used as a code: a plain message
                code = None
        super().__init__(text)
        self.message = text
        self.code = code
        self.params: dict[str, Any] = params
        self.field = field if field is not None else FIELDS.get(code or "")

    def in_language(self, language: str | None) -> str:
        """The message in a session language ("de-CH" reads as German); English where the
        language has no catalogue, and a plain message as it was given."""
        if self.code is None:
            return self.message
        return render(self.code, self.params, language)

    def as_dict(self, language: str | None = ENGLISH) -> dict[str, Any]:
        """{"code", "message" (in `language`), "field"}: the error for a JSON reply."""
        return {"code": self.code, "message": self.in_language(language), "field": self.field}

    def __reduce__(self) -> Any:
        return (_answer_error, (type(self), self.code or self.message, self.field, self.params))


def _answer_error(kind: type[AnswerError], message: str, field: str | None,
                  params: dict[str, Any]) -> AnswerError:
    return kind(message, field=field, **params)


def localized_message(error: BaseException, language: str | None) -> str:
    """What to show the respondent for `error` in a session language: an `AnswerError` in
    that language where its message has a translation, any other error as its text."""
    if isinstance(error, AnswerError):
        return error.in_language(language)
    return str(getattr(error, "message", error))


REQUIRED_CODES = {
    "text": "text_required",
    "single_choice": "choice_required",
    "multiple_choice": "choices_required",
    "yes_no": "yes_no",
    "confirm": "yes_no",
    "referral": "referral_name",
}
"""The message for leaving a required question of each type unanswered."""


def required_error(node_type: str) -> AnswerError:
    """The error for no answer to a required question of type `node_type`."""
    return AnswerError(REQUIRED_CODES.get(node_type, "answer_required"))


def is_empty(value: Any) -> bool:
    """True for no answer at all: None, blank text, or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple, dict)) and not value


def _whole_number(value: Any, error: AnswerError) -> int:
    if isinstance(value, bool):
        raise error
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise error


def _check_text(node: CompiledNode, value: Any, other: str | None) -> str:
    if not isinstance(value, str):
        raise AnswerError("text_expected")
    text = value.strip()
    limit = node.node.max_length
    if limit is not None and len(text) > limit:
        raise AnswerError("text_too_long", limit=limit, length=len(text))
    return text


def _check_single(node: CompiledNode, value: Any, other: str | None, options: Sequence[Any]) -> str:
    if not isinstance(value, str) or value not in {o.value for o in options}:
        raise AnswerError("choice_not_offered")
    if value == OTHER and node.other_label is not None and is_empty(other):
        raise AnswerError("other_required")
    return value


def _check_multiple(
    node: CompiledNode, value: Any, other: str | None, options: Sequence[Any]
) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise AnswerError("choices_expected")
    allowed = {o.value for o in options}
    picked = list(dict.fromkeys(value))
    if any(v not in allowed for v in picked):
        raise AnswerError("choices_not_offered")
    exclusive = [o.label for o in options if o.exclusive and o.value in picked]
    if exclusive and len(picked) > 1:
        raise AnswerError("choice_exclusive", label=exclusive[0])
    question: model.MultipleChoice = node.node
    if question.min_picks is not None and len(picked) < question.min_picks and not exclusive:
        raise AnswerError("choices_too_few", count=question.min_picks)
    if question.max_picks is not None and len(picked) > question.max_picks:
        raise AnswerError("choices_too_many", count=question.max_picks)
    if OTHER in picked and node.other_label is not None and is_empty(other):
        raise AnswerError("other_required")
    return picked


def _check_scale(low: int, high: int) -> Callable[[CompiledNode, Any, str | None], int]:
    def check(node: CompiledNode, value: Any, other: str | None) -> int:
        error = AnswerError("scale_range", low=low, high=high)
        number = _whole_number(value, error)
        if not low <= number <= high:
            raise error
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
    raise AnswerError("yes_no")


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
    """A number question's answer; typed text is read the way `language` writes numbers.

    What can't be read as a finite number is refused with "number_format" (or
    "whole_number_format"), which shows examples; a number the question doesn't take with a
    message naming the range ("number_range", "whole_number_min", ...)."""
    question: model.Number = node.node
    low, high = question.min, question.max
    kind = "whole_number" if question.integer else "number"
    if low is not None and high is not None:
        expected = AnswerError(f"{kind}_range", low=low, high=high)
    elif low is not None:
        expected = AnswerError(f"{kind}_min", low=low)
    elif high is not None:
        expected = AnswerError(f"{kind}_max", high=high)
    else:
        expected = AnswerError(f"{kind}_expected")
    if isinstance(value, str):
        value = read_number(value, language)
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or (isinstance(value, float) and not math.isfinite(value)):
        raise _unreadable_number(question)
    if question.integer:
        if isinstance(value, float) and not value.is_integer():
            raise expected
        value = int(value)
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise expected
    return value


def _unreadable_number(question: model.Number) -> AnswerError:
    """The error for an answer that isn't a number, with examples the question would take
    where simple (12 and 2.5 unless the range leaves them out)."""
    low, high = question.min, question.max

    def fits(number: float) -> bool:
        return (low is None or number >= low) and (high is None or number <= high)

    whole = next((n for n in (
        12, math.ceil(low) if low is not None else None,
        math.floor(high) if high is not None else None,
    ) if n is not None and fits(n)), 12)
    if question.integer:
        return AnswerError("whole_number_format", whole=whole)
    decimal = next((n for n in (2.5, whole + 0.5, whole - 0.5) if fits(n)), 2.5)
    return AnswerError("number_format", whole=whole, decimal=decimal)


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
            raise AnswerError("date_format") from None
    if not isinstance(value, dt.date):
        raise AnswerError("date_format")
    text = value.isoformat()
    if question.min is not None and text < question.min:
        raise AnswerError("date_min", date=question.min)
    if question.max is not None and text > question.max:
        raise AnswerError("date_max", date=question.max)
    return text


def _check_referral(node: CompiledNode, value: Any, other: str | None) -> dict[str, str]:
    question: model.Referral = node.node
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise AnswerError("referral_expected")
    unknown = sorted(set(value) - set(question.fields))
    if unknown:
        raise AnswerError("referral_fields", fields=list(question.fields))
    referral = {k: str(v).strip() for k, v in value.items() if not is_empty(v)}
    if "name" not in referral:
        raise AnswerError("referral_name", field="name")
    email = referral.get("email")
    if email is not None and ("@" not in email or email.startswith("@") or email.endswith("@")):
        raise AnswerError("referral_email", field="email")
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
