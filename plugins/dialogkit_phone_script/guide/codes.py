"""The answer codes an interviewer records: options numbered 1, 2, 3 … in script order, and
the standard codes every printed script of ours shares."""

from __future__ import annotations

from attrs import frozen

from dialogkit.script import OTHER_VALUE, CompiledNode, LocalizedText, Script

YES_CODE = 1
NO_CODE = 2
OTHER_CODE = 96
PREFER_NOT_TO_SAY_CODE = 97
DONT_KNOW_CODE = 98
REFUSED_CODE = 99
CHOICE_TYPES = frozenset(("single_choice", "multiple_choice"))
YES_NO_TYPES = frozenset(("yes_no", "confirm"))


@frozen
class CodedOption:
    """One option of a choice question with the code the interviewer records for it."""

    value: str
    code: int
    label: LocalizedText
    fixed: bool = False
    exclusive: bool = False
    other: bool = False


def source_of_options(node: CompiledNode, script: Script) -> CompiledNode:
    """The question whose options `node` offers: itself, or the one it carries them from."""
    while node.options_from:
        node = script.by_id[node.options_from]
    return node


def coded_options(node: CompiledNode, script: Script) -> tuple[CodedOption, ...]:
    """The options of a choice question with their codes ("other" is 96)."""
    source = source_of_options(node, script)
    coded = [CodedOption(option.value, code, option.label, option.fixed, option.exclusive)
             for code, option in enumerate(source.options, start=1)]
    if source.other_label is not None:
        coded.append(CodedOption(OTHER_VALUE, OTHER_CODE, source.other_label, other=True))
    return tuple(coded)
