"""The script model: immutable attrs records, as authored (before expressions are compiled).

`dialogkit.converter` structures a validated document into these records; `dialogkit.loader`
then compiles their expressions and texts into a `dialogkit.script.Script` the engine runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import field, frozen

ANY_LANGUAGE = ""
"""The key under which a `Text` given as a plain string is stored: it fits every language."""


@frozen
class Text:
    """A text in one or more languages (`{"en": ..., "fr": ...}`); a plain string fits all."""

    values: Mapping[str, str]

    def get(self, language: str, default_language: str) -> str:
        """The text in `language`, else in the default language."""
        values = self.values
        if language in values:
            return values[language]
        if ANY_LANGUAGE in values:
            return values[ANY_LANGUAGE]
        return values[default_language]


@frozen(kw_only=True)
class Role:
    id: str
    label: Text | None = None


@frozen(kw_only=True)
class Option:
    value: str
    label: Text
    fixed: bool = False
    exclusive: bool = False


@frozen(kw_only=True)
class StopRule:
    phrases: tuple[str, ...] | None = None
    min_length: int | None = None


@frozen(kw_only=True)
class ProbeSpec:
    depth: int = 0
    wording: str | tuple[Text, ...] = "standard"
    when: str | None = None
    stop: StopRule = StopRule()


@frozen(kw_only=True)
class Loop:
    over: str
    as_: str = "item"


@frozen(kw_only=True)
class Node:
    """Fields every node has."""

    id: str
    when: str | None = None
    roles: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        return NODE_TYPE_NAMES[type(self)]


@frozen(kw_only=True)
class Statement(Node):
    text: Text
    interviewer: Text | None = None


@frozen(kw_only=True)
class Question(Node):
    """Fields every question has."""

    text: Text
    help: Text | None = None
    interviewer: Text | None = None
    required: bool = True
    prefer_not_to_say: bool = False
    probes: ProbeSpec | None = None


@frozen(kw_only=True)
class TextQuestion(Question):
    long: bool = False
    max_length: int | None = None


@frozen(kw_only=True)
class SingleChoice(Question):
    options: tuple[Option, ...] = ()
    options_from: str | None = None
    other: bool | Text = False
    randomize: bool = False


@frozen(kw_only=True)
class MultipleChoice(SingleChoice):
    min_picks: int | None = None
    max_picks: int | None = None


@frozen(kw_only=True)
class Rating(Question):
    points: int
    low_label: Text | None = None
    high_label: Text | None = None


@frozen(kw_only=True)
class Nps(Question):
    low_label: Text | None = None
    high_label: Text | None = None


@frozen(kw_only=True)
class YesNo(Question):
    pass


@frozen(kw_only=True)
class Number(Question):
    min: float | None = None
    max: float | None = None
    integer: bool = False
    unit: Text | None = None


@frozen(kw_only=True)
class DateQuestion(Question):
    min: str | None = None
    max: str | None = None


@frozen(kw_only=True)
class Confirm(Question):
    of: str


@frozen(kw_only=True)
class Referral(Question):
    fields: tuple[str, ...] = ("name", "email", "role")
    end: bool = True


@frozen(kw_only=True)
class PluginQuestion(Question):
    """A question of a type registered by a plugin; `config` holds its own fields."""

    type_name: str
    config: Mapping[str, Any] = field(factory=dict)

    @property
    def type(self) -> str:
        return self.type_name


@frozen(kw_only=True)
class Section(Node):
    nodes: tuple[Node, ...]
    title: Text | None = None
    randomize: bool = False
    loop: Loop | None = None


NODE_TYPES: dict[str, type[Node]] = {
    "statement": Statement,
    "text": TextQuestion,
    "single_choice": SingleChoice,
    "multiple_choice": MultipleChoice,
    "rating": Rating,
    "nps": Nps,
    "yes_no": YesNo,
    "number": Number,
    "date": DateQuestion,
    "confirm": Confirm,
    "referral": Referral,
    "section": Section,
}
NODE_TYPE_NAMES: dict[type[Node], str] = {cls: name for name, cls in NODE_TYPES.items()}


@frozen(kw_only=True)
class ScriptDocument:
    """A whole script file, as authored."""

    dialogkit: int
    id: str
    title: Text
    purpose: Text
    estimated_minutes: float
    nodes: tuple[Node, ...]
    languages: tuple[str, ...] = ("en",)
    roles: tuple[Role, ...] = ()
    segments: tuple[str, ...] = ()
    calculations: Mapping[str, str] = field(factory=dict)
    probe_defaults: ProbeSpec | None = None
    closing: Text | None = None
