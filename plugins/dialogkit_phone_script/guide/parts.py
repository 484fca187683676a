"""The parts of an interviewer's guide, as the renderers receive them: everything already in
words (read-aloud texts as `Spoken`, instructions and routing as sentences)."""

from __future__ import annotations

from typing import ClassVar

from attrs import frozen

from dialogkit_phone_script.guide.wording import Spoken


@frozen
class Answer:
    """One answer the interviewer can record, with its code."""

    code: str
    label: Spoken
    note: str = ""
    read: bool = True
    """False for answers never read out (DON'T KNOW, REFUSED): shown as instructions."""


@frozen
class Probing:
    """The follow-up probes of a question."""

    depth: int
    condition: str | None
    """"PROBE ONLY IF …", or None when every answer is probed."""
    wordings: tuple[Spoken, ...]
    stop: str


@frozen
class Question:
    kind: ClassVar[str] = "question"
    number: str
    node_id: str
    type_name: str
    routing: tuple[str, ...]
    """Said before the question: when to ask it, and where to go otherwise."""
    text: Spoken
    help: Spoken | None
    note: Spoken | None
    """The script's own instruction for the interviewer."""
    instructions: tuple[str, ...]
    """How to ask and record it."""
    answers: tuple[Answer, ...]
    probing: Probing | None
    after: tuple[str, ...]
    """Said after the answer: where a referral or a "no" to a read-back check leads."""


@frozen
class Statement:
    kind: ClassVar[str] = "statement"
    node_id: str
    routing: tuple[str, ...]
    text: Spoken
    note: Spoken | None


@frozen
class Section:
    kind: ClassVar[str] = "section"
    node_id: str
    title: Spoken
    span: str
    """The questions in it: "Q3–Q6" ("" for none)."""
    minutes: str
    routing: tuple[str, ...]
    """When to ask it, where to go otherwise, how it repeats or is shuffled."""
    items: tuple[Question | Statement | Section, ...]
    after: tuple[str, ...]


@frozen
class Run:
    """Top-level nodes between sections, printed as one part."""

    kind: ClassVar[str] = "run"
    span: str
    minutes: str
    items: tuple[Question | Statement, ...]

    @property
    def heading(self) -> str:
        """"Questions Q1–Q3", "Question Q4", or "Read-out" for statements only."""
        if not self.span:
            return "Read-out"
        return f"Questions {self.span}" if "–" in self.span else f"Question {self.span}"


@frozen
class Guide:
    """A whole interviewer's guide."""

    title: Spoken
    script_id: str
    language: str
    question_count: int
    minutes: str
    introduction: Spoken
    parts: tuple[Run | Section, ...]
    closing: Spoken | None
    non_answers: tuple[str, ...]
    """The standard answers that end probing."""
