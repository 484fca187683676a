"""The interviewer's guide of a compiled script: its parts in script order, each question with
its number, codes and probes, and for every node that may be skipped the condition in words
and where the interviewer goes otherwise.

A script has no GO TO: nodes and sections carry `when` conditions and `roles`/`segments`
restrictions. When one is skipped the interview goes on with the node that follows it; after
the last node of a section, with what follows the section (or the next item of a loop); after
the last node of all, the interview ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dialogkit import model
from dialogkit.script import DEFAULT_STOP_PHRASES, CompiledNode, Script
from dialogkit_phone_script.guide.parts import Guide, Question, Run, Section, Statement
from dialogkit_phone_script.guide.recording import Recording
from dialogkit_phone_script.guide.timing import Timing, about
from dialogkit_phone_script.guide.wording import (
    Scope,
    Wording,
    flatten,
    join_words,
    question_label,
)

__all__ = ["END", "build_guide"]

END = "END OF INTERVIEW"

Item = Question | Statement | Section


def build_guide(script: Script, language: str | None = None, *,
                question_types: Mapping[str, Any] | None = None) -> Guide:
    """The guide of `script`, its read-aloud texts in `language` (default: the script's).

    `question_types` (a plugin registry's) describes questions of plugin types.
    """
    return _Builder(script, language or script.default_language, question_types or {}).guide()


def _walk(nodes: Sequence[CompiledNode]) -> Iterator[CompiledNode]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _span(nodes: Sequence[CompiledNode]) -> str:
    """"Q3–Q6": the first and last question among `nodes` and inside them."""
    labels = [question_label(node) for node in _walk(nodes) if node.is_question]
    if not labels:
        return ""
    return labels[0] if len(labels) == 1 else f"{labels[0]}–{labels[-1]}"


class _Builder:
    def __init__(self, script: Script, language: str, question_types: Mapping[str, Any]) -> None:
        self.script = script
        self.wording = Wording(script, language)
        self.recording = Recording(self.wording, question_types)
        self.timing = Timing(script)

    def guide(self) -> Guide:
        script, wording, scope = self.script, self.wording, Scope()
        root = script.root
        parts: list[Run | Section] = []
        run: list[tuple[CompiledNode, Question | Statement]] = []
        for node, item in zip(root, self.items(root, END, scope, shuffled=False), strict=True):
            if isinstance(item, Section):
                parts.extend(self.runs(run))
                parts.append(item)
                run = []
            else:
                run.append((node, item))
        parts.extend(self.runs(run))
        return Guide(
            title=wording.spoken(script.title, scope), script_id=script.id,
            language=wording.language, question_count=script.question_count,
            minutes=f"about {script.document.estimated_minutes:g} min",
            introduction=wording.spoken(script.purpose, scope), parts=tuple(parts),
            closing=None if script.closing is None else wording.spoken(script.closing, scope),
            non_answers=DEFAULT_STOP_PHRASES,
        )

    def runs(self, run: list[tuple[CompiledNode, Question | Statement]]) -> Iterator[Run]:
        if run:
            nodes = [node for node, _ in run]
            yield Run(span=_span(nodes), minutes=about(self.timing.minutes(nodes)),
                      items=tuple(item for _, item in run))

    # -- where to go -----------------------------------------------------------------------

    def items(self, nodes: Sequence[CompiledNode], after: str, scope: Scope, *,
              shuffled: bool) -> list[Item]:
        """The items of `nodes`; `after` is where the interview goes once they are done."""
        built = []
        for i, node in enumerate(nodes):
            if shuffled:
                follows = ("THE NEXT PART OF THIS SECTION IN ITS RANDOM ORDER (AFTER THE LAST "
                           f"ONE: {after})")
            else:
                follows = self.target(nodes[i + 1], scope) if i + 1 < len(nodes) else after
            built.append(self.item(node, follows, scope))
        return built

    def target(self, node: CompiledNode, scope: Scope) -> str:
        """How a GO TO names `node`: "Q7", "SECTION 'Why you stay' (Q7)", "STATEMENT 'thanks'"."""
        if node.is_question:
            return question_label(node)
        if not node.children:
            return f"STATEMENT '{node.id}'"
        title = node.texts.get("title")
        name = node.id if title is None else flatten(
            self.wording.spoken(title, scope.inside(node)))
        first = node
        while first.children and not first.node.randomize:
            first = first.children[0]
        start = f" ({question_label(first)})" if first.is_question else ""
        return f"SECTION '{name}'{start}"

    def routing(self, node: CompiledNode, ask: str, follows: str, scope: Scope) -> tuple[str, ...]:
        """"ASK Q2 ONLY IF …; OTHERWISE GO TO …", or nothing for a node always asked."""
        conditions = []
        if node.roles:
            roles = [self.wording.role_words(role) for role in node.node.roles]
            conditions.append("the respondent's role (from the sample) is "
                              + join_words(roles, "or"))
        if node.segments:
            segments = [f"'{segment}'" for segment in node.node.segments]
            which = "the segment" if len(segments) == 1 else "one of the segments"
            conditions.append(f"the respondent is in {which} {join_words(segments, 'or')} "
                              "(from the sample)")
        if node.options_from:
            source = self.script.by_id[node.options_from]
            conditions.append(f"at least one option is chosen at {question_label(source)}"
                              if source.type == "multiple_choice"
                              else f"{question_label(source)} has an answer")
        if node.when is not None and not self.wording.is_always(node.when.source):
            conditions.append(self.wording.condition(node.when.source, scope,
                                                     grouped=bool(conditions)))
        if not conditions:
            return ()
        return (f"{ask} ONLY IF {' AND '.join(conditions)}; OTHERWISE GO TO {follows}",)

    # -- items -----------------------------------------------------------------------------

    def item(self, node: CompiledNode, follows: str, scope: Scope) -> Item:
        if node.children:
            return self.section(node, follows, scope)
        if not node.is_question:
            note = node.texts.get("interviewer")
            return Statement(
                node_id=node.id, routing=self.routing(node, "READ THIS", follows, scope),
                text=self.wording.spoken(node.texts["text"], scope),
                note=None if note is None else self.wording.spoken(note, scope))
        return self.question(node, follows, scope)

    def section(self, node: CompiledNode, follows: str, scope: Scope) -> Section:
        inside = scope.inside(node)
        routing = list(self.routing(node, "ASK THIS SECTION", follows, scope))
        after: tuple[str, ...] = ()
        done = follows
        if node.loop_over is not None and node.loop_as is not None:
            item = node.loop_as.replace("_", " ")
            routing.append(f"REPEAT THIS SECTION FOR EACH {self.loop_items(node, scope)}; "
                           f"[current {item}] BELOW IS THE ONE BEING ASKED ABOUT; "
                           f"IF THERE ARE NONE, GO TO {follows}")
            done = f"THE NEXT {item} (AFTER THE LAST ONE: {follows})"
            after = (f"END OF REPEAT: GO BACK TO THE START OF THIS SECTION FOR THE NEXT "
                     f"{item}; AFTER THE LAST ONE, GO TO {follows}",)
        if node.node.randomize:
            routing.append("ASK THE PARTS OF THIS SECTION IN RANDOM ORDER (THE CONSOLE SHOWS "
                           "THE ORDER FOR EACH RESPONDENT)")
        title = node.texts.get("title")
        return Section(
            node_id=node.id, title=() if title is None else self.wording.spoken(title, inside),
            span=_span(node.children), minutes=about(self.timing.minutes([node])),
            routing=tuple(routing), after=after,
            items=tuple(self.items(node.children, done, inside, shuffled=node.node.randomize)),
        )

    def loop_items(self, node: CompiledNode, scope: Scope) -> str:
        """What a loop goes over: "option chosen at Q4 (…)", or "item of …"."""
        assert node.loop_over is not None
        over = node.loop_over.source
        question = self.wording.answer_of(over, scope)
        if question is None or question.type != "multiple_choice":
            return f"item of {self.wording.value(over, scope)}"
        said = f"option chosen at {question_label(question)}"
        if question.other_label is not None:
            said += " (FOR 'OTHER', USE THE RESPONDENT'S WORDS)"
        return said

    def question(self, node: CompiledNode, follows: str, scope: Scope) -> Question:
        label = question_label(node)
        texts, say, recording = node.texts, self.wording.spoken, self.recording
        return Question(
            number=label, node_id=node.id, type_name=recording.type_name(node),
            routing=self.routing(node, f"ASK {label}", follows, scope),
            text=say(texts["text"], scope),
            help=say(texts["help"], scope) if "help" in texts else None,
            note=say(texts["interviewer"], scope) if "interviewer" in texts else None,
            instructions=recording.instructions(node, scope),
            answers=recording.answers(node, scope), probing=recording.probing(node, scope),
            after=self.after(node),
        )

    def after(self, node: CompiledNode) -> tuple[str, ...]:
        """Where a referral or a read-back check leads, besides on."""
        question = node.node
        if isinstance(question, model.Referral) and question.end:
            return (f"AFTER RECORDING THE REFERRAL: {END}",)
        if isinstance(question, model.Confirm):
            target = question_label(self.script.by_id[question.of])
            return (f"IF 'No': GO BACK TO {target} TO CORRECT THE ANSWER, THEN CONTINUE FROM "
                    f"{target} AGAIN (ANSWERS ALREADY GIVEN ARE KEPT)",)
        return ()
