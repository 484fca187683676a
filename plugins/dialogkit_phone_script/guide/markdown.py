"""The guide as Markdown: read-aloud text as plain paragraphs, fill-ins in italic brackets,
everything for the interviewer in block quotes marked **INTERVIEWER:**. Every text from the
script is escaped, so it shows as written and never as Markdown."""

from __future__ import annotations

import re

from dialogkit_phone_script.guide.parts import (
    Answer,
    Guide,
    Probing,
    Question,
    Run,
    Section,
    Statement,
)
from dialogkit_phone_script.guide.wording import Spoken, paragraphs

__all__ = ["escape", "render_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]<|~$])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^(\d*)([-+=#>.)])", re.MULTILINE)
"""What would start a heading, list, quote or numbered list at the start of a line."""
_SPACE = re.compile(r"\s+")

LEGEND = """\
## How to read this script

- Plain text is read aloud, word for word.
- *\\[Words in brackets\\]* are fill-ins: say what they describe, such as \
*\\[respondent's first name\\]*, or read back an earlier answer.
- Block quotes marked **INTERVIEWER:** are for you only, never read out: instructions in \
CAPITALS, notes from the script in *italics*.
- Answers are coded 1, 2, 3 … in the order of the script; 96 is another answer (specify), 97 \
"prefer not to say" (may be offered). DON'T KNOW (98) and REFUSED (99) can be recorded on \
every question: DO NOT READ them out.
- Branches read "ASK Q5 ONLY IF …; OTHERWISE GO TO Q6": check the condition before you ask. \
"no answer" means the question was skipped or answered DON'T KNOW or REFUSED; a condition \
with NOT or ≠ also holds then. "(from the sample)" is what we knew about the respondent \
before the call.
- "about N min" is each part's share of the script's time estimate.
- Standard non-answers, which end probing: {non_answers}.
"""


def escape(text: str) -> str:
    """`text` with Markdown's special characters escaped, its lines joined into one."""
    text = _SPACE.sub(" ", text)
    text = _ENTITY.sub(r"\\&", _SPECIAL.sub(r"\\\1", text))
    return _LINE_START.sub(r"\1\\\2", text)


def _spoken(spoken: Spoken) -> str:
    return "".join(escape(part) if isinstance(part, str) else f"*\\[{escape(part.words)}\\]*"
                   for part in spoken)


def _paragraphs(spoken: Spoken) -> list[str]:
    return [_spoken(paragraph).strip() for paragraph in paragraphs(spoken)]


def _instructions(lines: list[str]) -> list[str]:
    """Block-quote paragraphs for the interviewer, the first marked INTERVIEWER."""
    if not lines:
        return []
    quoted = [f"> **INTERVIEWER:** {lines[0]}"]
    for line in lines[1:]:
        quoted += [">", f"> {line}"]
    return [*quoted, ""]


def _heading(level: int, text: str, node_id: str = "") -> str:
    code = f" · `{node_id}`" if node_id else ""
    return f"{'#' * min(level, 6)} {text}{code}"


def _answers(answers: tuple[Answer, ...]) -> list[str]:
    lines = ["| Code | Answer | Note |", "| ---: | --- | --- |"]
    for answer in answers:
        label = _spoken(answer.label)
        if not answer.read:
            label = f"**{label}**"
        lines.append(f"| {answer.code} | {label} | {escape(answer.note)} |")
    return [*lines, ""]


def _probing(probing: Probing) -> list[str]:
    lines = [escape(probing.stop)]
    if probing.condition:
        lines.insert(0, escape(probing.condition))
    items = [f"- P{level}: {_spoken(wording)}"
             for level, wording in enumerate(probing.wordings, start=1)]
    return [*_instructions([f"PROBES — {lines[0]}", *lines[1:]]), *items, ""]


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def guide(self, guide: Guide) -> str:
        self.add(f"# Interviewer's script: {_spoken(guide.title)}", "",
                 f"Script `{guide.script_id}` · language `{guide.language}` · "
                 f"{guide.question_count} questions · {guide.minutes} in all", "",
                 LEGEND.format(non_answers=", ".join(f'"{escape(answer)}"'
                                                     for answer in guide.non_answers)),
                 "## Introduction", "")
        self.add(*_instructions(["READ BEFORE THE FIRST QUESTION"]))
        self.add(*(line for paragraph in _paragraphs(guide.introduction)
                   for line in (paragraph, "")))
        for part in guide.parts:
            if isinstance(part, Run):
                self.run(part)
            else:
                self.section(part, 2)
        self.add("## End of interview", "")
        if guide.closing is None:
            self.add(*_instructions(["THANK THE RESPONDENT AND END THE CALL"]))
        else:
            self.add(*_instructions(["READ TO EVERY RESPONDENT AT THE END, ALSO AFTER A "
                                     "REFERRAL"]))
            self.paragraphs(guide.closing)
        return "\n".join(self.lines).rstrip() + "\n"

    def paragraphs(self, spoken: Spoken) -> None:
        for paragraph in _paragraphs(spoken):
            self.add(paragraph, "")

    def run(self, run: Run) -> None:
        self.add(_heading(2, f"{run.heading} · {run.minutes}"), "")
        for item in run.items:
            self.item(item, 3)

    def section(self, section: Section, level: int) -> None:
        title = f": {_spoken(section.title)}" if section.title else ""
        span = f" · {section.span}" if section.span else ""
        self.add(_heading(level, f"Section{title}{span} · {section.minutes}", section.node_id),
                 "")
        self.add(*_instructions([escape(line) for line in section.routing]))
        for item in section.items:
            self.item(item, level + 1)
        self.add(*_instructions([escape(line) for line in section.after]))

    def item(self, item: Question | Statement | Section, level: int) -> None:
        if isinstance(item, Section):
            self.section(item, level)
        elif isinstance(item, Statement):
            self.add(_heading(level, "Statement", item.node_id), "")
            self.add(*_instructions([escape(line) for line in item.routing]))
            self.paragraphs(item.text)
            if item.note is not None:
                self.add(*_instructions([f"*{_spoken(item.note)}*"]))
        else:
            self.question(item, level)

    def question(self, question: Question, level: int) -> None:
        self.add(_heading(level, f"{question.number} ({escape(question.type_name)})",
                          question.node_id), "")
        self.add(*_instructions([escape(line) for line in question.routing]))
        self.paragraphs(question.text)
        if question.help is not None:
            self.add(*_instructions(["IF THE RESPONDENT NEEDS HELP, READ:"]))
            self.paragraphs(question.help)
        notes = [escape(line) for line in question.instructions]
        if question.note is not None:
            notes.append(f"*{_spoken(question.note)}*")
        self.add(*_instructions(notes))
        self.add(*_answers(question.answers))
        if question.probing is not None:
            self.add(*_probing(question.probing))
        self.add(*_instructions([escape(line) for line in question.after]))


def render_markdown(guide: Guide) -> str:
    """The guide as one Markdown document."""
    return _Writer().guide(guide)
