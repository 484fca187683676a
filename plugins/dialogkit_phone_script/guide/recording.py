"""How each question is asked and recorded on the phone: the interviewer's instructions, the
answers with their codes, and the probes that follow."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dialogkit import model
from dialogkit.script import DEFAULT_STOP_PHRASES, CompiledNode
from dialogkit_phone_script.guide.codes import (
    DONT_KNOW_CODE,
    NO_CODE,
    PREFER_NOT_TO_SAY_CODE,
    REFUSED_CODE,
    YES_CODE,
    coded_options,
)
from dialogkit_phone_script.guide.parts import Answer, Probing
from dialogkit_phone_script.guide.wording import (
    Scope,
    Spoken,
    Wording,
    flatten,
    join_words,
    question_label,
)

TYPE_NAMES: Mapping[str, str] = {
    "text": "open-ended",
    "single_choice": "single choice",
    "multiple_choice": "multiple choice",
    "nps": "scale 0–10",
    "yes_no": "yes/no",
    "number": "number",
    "date": "date",
    "confirm": "read-back check",
    "referral": "referral",
}
FIELD_NAMES: Mapping[str, str] = {
    "name": "NAME (REQUIRED)", "email": "EMAIL", "phone": "PHONE NUMBER", "role": "ROLE",
    "note": "NOTE",
}
ALWAYS_CODED = (
    Answer(str(DONT_KNOW_CODE), ("DON'T KNOW",), "DO NOT READ", read=False),
    Answer(str(REFUSED_CODE), ("REFUSED",), "DO NOT READ", read=False),
)
"""Recorded on any question when the respondent can't or won't answer."""


def _number(value: float) -> str:
    return f"{value:g}"


def _bounds(low: Any, high: Any, show: Callable[[Any], str] = str,
            words: tuple[str, str] = ("AT LEAST", "AT MOST")) -> str:
    """", FROM 1 TO 5", ", AT LEAST 1", ", AT MOST 5" or ""."""
    if low is not None and high is not None:
        return f", FROM {show(low)} TO {show(high)}"
    if low is not None:
        return f", {words[0]} {show(low)}"
    return f", {words[1]} {show(high)}" if high is not None else ""


class Recording:
    """Says how the questions of one script are asked and recorded."""

    def __init__(self, wording: Wording, question_types: Mapping[str, Any]) -> None:
        self.wording = wording
        self.script = wording.script
        self.question_types = question_types

    def type_name(self, node: CompiledNode) -> str:
        question = node.node
        if isinstance(question, model.Rating):
            return f"rating 1–{question.points}"
        if isinstance(question, model.TextQuestion) and question.long:
            return "open-ended, long answer"
        return TYPE_NAMES.get(node.type, node.type)

    def instructions(self, node: CompiledNode, scope: Scope) -> tuple[str, ...]:
        """How to ask the question and record its answer."""
        question = node.node
        said: list[str] = []
        if isinstance(question, model.SingleChoice):
            said.extend(self.choice_instructions(node))
        elif isinstance(question, model.Rating | model.Nps):
            low, high = (1, question.points) if isinstance(question, model.Rating) else (0, 10)
            said.append(f"READ OUT THE SCALE FROM {low} TO {high} WITH ITS END LABELS; "
                        "CODE ONE NUMBER")
        elif isinstance(question, model.YesNo):
            said.append("CODE ONE ONLY")
        elif isinstance(question, model.Confirm):
            said.append("READ BACK AS WRITTEN, THEN CODE ONE ONLY")
        else:
            said.append(self.record_instruction(node, scope))
        if not question.required:
            said.append("NOT REQUIRED: THE RESPONDENT MAY SKIP THIS QUESTION")
        return tuple(said)

    def choice_instructions(self, node: CompiledNode) -> list[str]:
        question = node.node
        assert isinstance(question, model.SingleChoice)
        how = "CODE ONE ONLY"
        if isinstance(question, model.MultipleChoice):
            how = "CODE ALL THAT APPLY"
            limits = [f"{word} {count}" for word, count in (
                ("AT LEAST", question.min_picks), ("AT MOST", question.max_picks)) if count]
            if limits:
                how += f" ({', '.join(limits)})"
        if question.options_from:
            source = question_label(self.script.by_id[question.options_from])
            return [f"READ OUT ONLY THE OPTIONS CHOSEN AT {source}, WITH THEIR CODES FROM "
                    f"{source}; {how}"]
        said = [f"READ OUT THE OPTIONS; {how}"]
        if question.randomize:
            options = coded_options(node, self.script)
            moving = [str(o.code) for o in options if not o.fixed and not o.other]
            keep = [str(o.code) for o in options if o.fixed or o.other]
            rule = (f"ROTATE/RANDOMIZE THE ORDER OF OPTIONS {join_words(moving, 'AND')} (THE "
                    "CONSOLE SHOWS THE ORDER FOR EACH RESPONDENT)")
            if keep:
                verb = "KEEPS ITS PLACE" if len(keep) == 1 else "KEEP THEIR PLACES"
                rule += f"; {join_words(keep, 'AND')} {verb}"
            said.append(rule)
        return said

    def record_instruction(self, node: CompiledNode, scope: Scope) -> str:
        """How to record an answer that has no list of codes."""
        question = node.node
        if isinstance(question, model.TextQuestion):
            said = "OPEN-ENDED: DO NOT READ OUT ANY ANSWERS; RECORD VERBATIM"
            if question.long:
                said += "; A LONG ANSWER IS WELCOME, LET THE RESPONDENT TALK"
            if question.max_length is not None:
                said += f"; AT MOST {question.max_length} CHARACTERS"
            return said
        if isinstance(question, model.Number):
            unit = node.texts.get("unit")
            said = "RECORD A WHOLE NUMBER" if question.integer else "RECORD A NUMBER"
            if unit is not None:
                said += f" ({flatten(self.wording.spoken(unit, scope))})"
            return said + _bounds(question.min, question.max, _number)
        if isinstance(question, model.DateQuestion):
            return "RECORD A DATE AS YEAR-MONTH-DAY (YYYY-MM-DD)" + _bounds(
                question.min, question.max, words=("NOT BEFORE", "NOT AFTER"))
        if isinstance(question, model.Referral):
            fields = ", ".join(FIELD_NAMES[name] for name in question.fields)
            return f"RECORD THE PERSON TO ASK INSTEAD: {fields}"
        kind = self.question_types.get(node.type)
        summary = f": {kind.summary}" if kind is not None else ""
        return f"RECORD THE ANSWER (A '{node.type}' QUESTION{summary})"

    def answers(self, node: CompiledNode, scope: Scope) -> tuple[Answer, ...]:
        """The coded answers: the question's own, then 97 (if allowed), 98 and 99."""
        question = node.node
        coded: list[Answer] = []
        if isinstance(question, model.SingleChoice):
            multiple = isinstance(question, model.MultipleChoice)
            for option in coded_options(node, self.script):
                note = ""
                if option.other:
                    note = "SPECIFY: RECORD THE RESPONDENT'S WORDS"
                elif option.exclusive and multiple:
                    note = "EXCLUSIVE: CODE ONLY ON ITS OWN"
                coded.append(Answer(str(option.code), self.wording.spoken(option.label, scope),
                                    note))
        elif isinstance(question, model.Rating | model.Nps):
            low, high = (1, question.points) if isinstance(question, model.Rating) else (0, 10)
            coded.append(Answer(str(low), self.end_label(node, "low_label", scope)))
            if high - low > 1:
                coded.append(Answer(f"{low + 1}–{high - 1}", ()))
            coded.append(Answer(str(high), self.end_label(node, "high_label", scope)))
        elif isinstance(question, model.YesNo | model.Confirm):
            coded += [Answer(str(YES_CODE), ("Yes",)), Answer(str(NO_CODE), ("No",))]
        if getattr(question, "prefer_not_to_say", False):
            coded.append(Answer(str(PREFER_NOT_TO_SAY_CODE), ("Prefer not to say",),
                                "MAY BE OFFERED"))
        return (*coded, *ALWAYS_CODED)

    def end_label(self, node: CompiledNode, name: str, scope: Scope) -> Spoken:
        label = node.texts.get(name)
        return () if label is None else self.wording.spoken(label, scope)

    def probing(self, node: CompiledNode, scope: Scope) -> Probing | None:
        """The probes after the question, with when they are asked and when they stop."""
        plan = node.probe
        if plan is None:
            return None
        inside = scope.probing(node)
        condition = None
        if plan.when is not None:
            condition = f"PROBE ONLY IF {self.wording.condition(plan.when.source, inside)}"
        wordings = tuple(self.wording.spoken(text, inside) for text in plan.wordings[:plan.depth])
        return Probing(plan.depth, condition, wordings, self.stop_rule(node))

    def stop_rule(self, node: CompiledNode) -> str:
        plan = node.probe
        assert plan is not None and isinstance(node.node, model.Question)
        spec = node.node.probes
        phrases = spec.stop.phrases if spec is not None and spec.stop.phrases is not None \
            else DEFAULT_STOP_PHRASES
        after = ["AN EMPTY ANSWER"]
        if plan.min_length > 1:
            after.append(f"AN ANSWER SHORTER THAN {plan.min_length} CHARACTERS")
        if phrases == DEFAULT_STOP_PHRASES:
            after.append("A STANDARD NON-ANSWER (LISTED UNDER 'HOW TO READ THIS SCRIPT')")
        elif phrases:
            after.append("AN ANSWER THAT IS JUST ONE OF: "
                         + ", ".join(f'"{phrase}"' for phrase in phrases))
        rule = f"AT MOST {plan.depth}; STOP PROBING AFTER {join_words(after, 'OR')}"
        if node.type == "text":
            rule += f"; DO NOT PROBE AT ALL WHEN THE ANSWER TO {question_label(node)} IS LIKE THAT"
        return rule + "; NO PROBES AFTER DON'T KNOW OR REFUSED"
