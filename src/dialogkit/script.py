"""A script ready to run: the model with every expression and text compiled, and checked.

`compile_script` turns a `ScriptDocument` into a `Script` (immutable) or reports every semantic
problem at once: unknown references, duplicate ids, missing roles, bad expressions, forward
references, answers read outside their loop, impossible ranges. Problems carry the document
path (and, for expressions, the character offset) so the loader can point at the line and
column.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator, Mapping
from typing import Any

from attrs import field, frozen

from dialogkit import model
from dialogkit.diagnostics import format_path
from dialogkit.expressions import (
    Expression,
    ExpressionError,
    Template,
    compile_expression,
    compile_template,
)

GLOBAL_NAMES = frozenset(
    ("answers", "respondent", "role", "segment", "segments", "channel", "language", "calc")
)
PROBE_NAMES = frozenset(("answer", "previous"))
STANDARD_PROBES: Mapping[str, tuple[str, ...]] = {
    "en": (
        "Why is that important to you?",
        "And why does that matter to you?",
        "What would that make possible for you?",
        "What is behind that for you?",
        "Is there anything else you would like to add about that?",
    ),
    "de": (
        "Warum ist Ihnen das wichtig?",
        "Und warum ist das für Sie von Bedeutung?",
        "Was würde das für Sie möglich machen?",
        "Was steckt für Sie dahinter?",
        "Möchten Sie dazu noch etwas ergänzen?",
    ),
    "fr": (
        "Pourquoi est-ce important pour vous ?",
        "Et pourquoi cela compte-t-il pour vous ?",
        "Qu'est-ce que cela vous permettrait de faire ?",
        "Qu'y a-t-il derrière cela pour vous ?",
        "Souhaitez-vous ajouter autre chose à ce sujet ?",
    ),
    "es": (
        "¿Por qué es importante para usted?",
        "¿Y por qué le importa eso?",
        "¿Qué le permitiría hacer eso?",
        "¿Qué hay detrás de eso para usted?",
        "¿Hay algo más que quiera añadir sobre eso?",
    ),
}
"""The why-ladder, by language; a script language without its own falls back to English."""
DEFAULT_STOP_PHRASES = (
    "don't know", "dont know", "do not know", "not sure", "no idea", "idk", "nothing", "none",
    "no", "n/a", "na", "no comment",
    "weiß nicht", "weiss nicht", "keine ahnung", "nichts", "nein",
    "je ne sais pas", "sais pas", "rien", "non",
    "no sé", "no se", "nada",
)
DEFAULT_MIN_LENGTH = 2
_PUNCTUATION = re.compile(r"[^\w\s/']+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def normalize_phrase(text: str) -> str:
    """Lower-case, punctuation-free, single-spaced form used to compare stop phrases."""
    return " ".join(_PUNCTUATION.sub(" ", text.replace("’", "'").lower()).split())


@frozen
class Problem:
    """One semantic problem: where it is in the document, and what is wrong."""

    path: tuple[str | int, ...]
    message: str
    offset: int | None = None
    hint: str | None = None


class ScriptProblems(Exception):
    """Raised by `compile_script` with every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@frozen
class LocalizedText:
    """A `Text` compiled into one template per language."""

    templates: Mapping[str, Template]
    default_language: str
    _resolved: dict[str, Template | str] = field(factory=dict, init=False, eq=False, repr=False)

    def resolve(self, language: str) -> Template | str:
        """The text for `language` when it is constant, else its template (remembered)."""
        resolved = self._resolved.get(language)
        if resolved is None:
            template = self.template(language)
            resolved = template.render({}) if template.is_constant else template
            self._resolved[language] = resolved
        return resolved

    def template(self, language: str) -> Template:
        """The template for `language`, else the one for every language, else the default."""
        templates = self.templates
        return (
            templates.get(language)
            or templates.get(model.ANY_LANGUAGE)
            or templates[self.default_language]
        )

    def render(self, env: Mapping[str, Any], language: str) -> str:
        return self.template(language).render(env)


@frozen
class CompiledOption:
    value: str
    label: LocalizedText
    fixed: bool = False
    exclusive: bool = False


@frozen
class ProbePlan:
    depth: int
    wordings: tuple[LocalizedText, ...]
    when: Expression | None
    stop_phrases: frozenset[str]
    min_length: int

    def stops(self, answer: Any) -> bool:
        """True when an answer ends the probing (a stop phrase, or too short)."""
        if not isinstance(answer, str):
            return False
        text = normalize_phrase(answer)
        return len(answer.strip()) < self.min_length or text in self.stop_phrases


@frozen(kw_only=True)
class CompiledNode:
    """One node of a compiled script."""

    node: model.Node
    path: tuple[str | int, ...]
    order: int
    question_number: int
    when: Expression | None
    roles: frozenset[str]
    segments: frozenset[str]
    texts: Mapping[str, LocalizedText]
    options: tuple[CompiledOption, ...] = ()
    other_label: LocalizedText | None = None
    probe: ProbePlan | None = None
    loop_chain: tuple[str, ...] = ()
    children: tuple[CompiledNode, ...] = ()
    loop_over: Expression | None = None
    loop_as: str | None = None
    static_options: bool = False
    """True when the options' labels don't depend on answers (they can be built once)."""
    options_cache: dict[Any, Any] = field(factory=dict, init=False, eq=False, repr=False)
    """Options built once per language, for static options that are not shuffled."""
    id: str = field(init=False)
    type: str = field(init=False)
    is_question: bool = field(init=False)
    options_from: str | None = field(init=False)
    always_shown: bool = field(init=False)
    """No condition, role, segment or carried-forward options decide whether it is shown."""

    def __attrs_post_init__(self) -> None:
        # plain attributes, not properties: the engine reads them on every step
        object.__setattr__(self, "id", self.node.id)
        object.__setattr__(self, "type", self.node.type)
        object.__setattr__(self, "is_question",
                           not isinstance(self.node, (model.Statement, model.Section)))
        object.__setattr__(self, "options_from", getattr(self.node, "options_from", None))
        object.__setattr__(self, "always_shown", not (
            self.when or self.roles or self.segments or self.options_from))


@frozen(kw_only=True)
class Script:
    """A compiled, checked script: what the engine runs."""

    document: model.ScriptDocument
    file: str
    version: str
    title: LocalizedText
    purpose: LocalizedText
    root: tuple[CompiledNode, ...]
    by_id: Mapping[str, CompiledNode]
    calculations: Mapping[str, Expression]
    question_count: int
    default_language: str
    closing: LocalizedText | None = None
    """What happens with the answers, told when the conversation ends (None: not written)."""
    source: Any = field(default=None, eq=False, repr=False)
    """The parsed file (a `dialogkit.source.Document`), to locate findings; None if built
    without one."""

    @property
    def id(self) -> str:
        return self.document.id

    def nodes(self) -> Iterator[CompiledNode]:
        """Every node, depth first, in script order."""
        stack = list(reversed(self.root))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


class _Compiler:
    def __init__(self, document: model.ScriptDocument, question_types: Mapping[str, Any],
                 unchecked_ids: frozenset[str] = frozenset()) -> None:
        self.document = document
        self.question_types = question_types
        self.unchecked_ids = unchecked_ids
        self.default_language = document.languages[0]
        self.problems: list[Problem] = []
        self.order = 0
        self.question_number = 0
        self.by_id: dict[str, CompiledNode] = {}
        self.first_path: dict[str, tuple[str | int, ...]] = {}
        self.order_of: dict[str, int] = {}
        self.loops_of: dict[str, tuple[str, ...]] = {}
        """The ids of the loops each node is inside, outermost first."""
        self.loop_chain: tuple[str, ...] = ()
        """The loops around what is being compiled now."""
        self.question_ids = self._collect_ids(document.nodes, ("nodes",))
        self.roles = {role.id for role in document.roles}
        self.segments = set(document.segments)

    # -- helpers -------------------------------------------------------------------------
    def problem(self, path: tuple[str | int, ...], message: str, offset: int | None = None,
                hint: str | None = None) -> None:
        self.problems.append(Problem(path, message, offset, hint))

    def _collect_ids(self, nodes: tuple[model.Node, ...], path: tuple[str | int, ...]
                     ) -> dict[str, model.Node]:
        """Every node id, in order; duplicates reported."""
        found: dict[str, model.Node] = {}
        no_loops: tuple[str, ...] = ()
        stack = [(path + (i,), n, no_loops) for i, n in enumerate(nodes)]
        stack.reverse()
        while stack:
            node_path, node, loops = stack.pop()
            if node.id in self.first_path:
                first = format_path(self.first_path[node.id])
                self.problem(node_path + ("id",),
                             f"duplicate id '{node.id}' (first used at {first})")
            else:
                self.first_path[node.id] = node_path
                self.order_of[node.id] = len(self.order_of)
                self.loops_of[node.id] = loops
                found[node.id] = node
            if isinstance(node, model.Section):
                inner = loops + (node.id,) if node.loop is not None else loops
                children = [(node_path + ("nodes", i), n, inner)
                            for i, n in enumerate(node.nodes)]
                stack.extend(reversed(children))
        return found

    def unchecked(self, node_id: str) -> bool:
        """True for the id of a node left out of the check (it had a schema problem)."""
        return node_id not in self.question_ids and node_id in self.unchecked_ids

    def loop_outside(self, node_id: str) -> str | None:
        """The loop `node_id` is asked in that does not enclose what is compiled now, if any."""
        here = self.loop_chain
        return next((loop for loop in self.loops_of.get(node_id, ()) if loop not in here), None)

    def suggest(self, name: str, choices: Any) -> str | None:
        close = difflib.get_close_matches(name, list(choices), n=1)
        return f"did you mean '{close[0]}'?" if close else None

    def expression(self, source: str, path: tuple[str | int, ...], names: frozenset[str],
                   *, before: int | None = None) -> Expression | None:
        try:
            expression = compile_expression(source, names)
        except ExpressionError as error:
            self.problem(path, f"expression: {error.message}", error.offset, error.hint)
            return None
        self.check_references(expression.references, source, path, before)
        return expression

    def template(self, source: str, path: tuple[str | int, ...], names: frozenset[str],
                 before: int | None = None) -> Template | None:
        try:
            template = compile_template(source, names)
        except ExpressionError as error:
            self.problem(path, f"text: {error.message}", error.offset, error.hint)
            return None
        self.check_references(template.references, source, path, before)
        return template

    def check_references(self, references: Any, source: str, path: tuple[str | int, ...],
                         before: int | None) -> None:
        for name, key in sorted(references, key=lambda r: (r[0], r[1] or "")):
            if key is None:
                continue
            offset = _find_reference(source, name, key)
            if name == "answers":
                target = self.question_ids.get(key)
                if self.unchecked(key):
                    continue
                if target is None or isinstance(target, (model.Statement, model.Section)):
                    self.problem(path, f"'answers.{key}': there is no question '{key}'", offset,
                                 self.suggest(key, self._answerable()))
                elif before is not None and self.order_of[key] >= before:
                    self.problem(path, f"'answers.{key}' is asked later, so it has no answer yet",
                                 offset)
                elif (loop := self.loop_outside(key)) is not None:
                    self.problem(path, f"'answers.{key}' is answered once per item of the loop "
                                       f"'{loop}'; outside that loop it has no single answer",
                                 offset)
            elif name == "calc" and key not in self.document.calculations:
                self.problem(path, f"'calc.{key}': there is no calculation '{key}'", offset,
                             self.suggest(key, self.document.calculations))

    def _choices(self) -> list[str]:
        return [i for i, n in self.question_ids.items() if isinstance(n, model.SingleChoice)]

    def _answerable(self) -> list[str]:
        return [i for i, n in self.question_ids.items()
                if not isinstance(n, (model.Statement, model.Section))]

    def text(self, value: model.Text | None, path: tuple[str | int, ...], names: frozenset[str],
             before: int | None = None) -> LocalizedText | None:
        """Compile a text; with `before`, it may only show answers asked before that node."""
        if value is None:
            return None
        templates: dict[str, Template] = {}
        for language, source in value.values.items():
            if language != model.ANY_LANGUAGE and language not in self.document.languages:
                self.problem(path + (language,),
                             f"language '{language}' is not in the script's languages "
                             f"{list(self.document.languages)}")
            at = path if language == model.ANY_LANGUAGE else path + (language,)
            template = self.template(source, at, names, before)
            if template is not None:
                templates[language] = template
        if model.ANY_LANGUAGE not in value.values and self.default_language not in value.values:
            self.problem(path, f"a text in the default language '{self.default_language}' is "
                               "required")
        return LocalizedText(templates, self.default_language)

    # -- nodes ---------------------------------------------------------------------------
    def nodes(self, nodes: tuple[model.Node, ...], path: tuple[str | int, ...],
              names: frozenset[str], loop_chain: tuple[str, ...]) -> tuple[CompiledNode, ...]:
        return tuple(self.node(node, path + (i,), names, loop_chain)
                     for i, node in enumerate(nodes))

    def node(self, node: model.Node, path: tuple[str | int, ...], names: frozenset[str],
             loop_chain: tuple[str, ...]) -> CompiledNode:
        order = self.order_of.get(node.id, self.order)
        self.order += 1
        self.loop_chain = loop_chain
        when = None
        if node.when is not None:
            when = self.expression(node.when, path + ("when",), names, before=order)
        for role in node.roles:
            if role not in self.roles:
                self.problem(path + ("roles",), f"unknown role '{role}'",
                             hint=self.suggest(role, self.roles) or _declared("roles", self.roles))
        for segment in node.segments:
            if segment not in self.segments:
                self.problem(path + ("segments",), f"unknown segment '{segment}'",
                             hint=self.suggest(segment, self.segments)
                             or _declared("segments", self.segments))
        common = dict(node=node, path=path, order=order, when=when, roles=frozenset(node.roles),
                      segments=frozenset(node.segments), loop_chain=loop_chain)
        if isinstance(node, model.Section):
            return self.section(node, path, names, loop_chain, common)
        texts = {}
        for name in ("text", "help", "interviewer", "low_label", "high_label", "unit"):
            value = getattr(node, name, None)
            compiled = self.text(value, path + (name,), names, before=order)
            if compiled is not None:
                texts[name] = compiled
        number = self.question_number
        if not isinstance(node, model.Statement):
            self.question_number += 1
        extra: dict[str, Any] = {}
        if isinstance(node, model.SingleChoice):
            extra = self.choice(node, path, names, order)
        self.check_question(node, path, order)
        probe = None
        if isinstance(node, model.Question) and node.probes is not None and node.probes.depth:
            probe = self.probe(node.probes, path + ("probes",), names, order)
        compiled = CompiledNode(question_number=number, texts=texts, probe=probe, **common,
                                **extra)
        self.by_id.setdefault(node.id, compiled)
        return compiled

    def section(self, node: model.Section, path: tuple[str | int, ...], names: frozenset[str],
                loop_chain: tuple[str, ...], common: dict[str, Any]) -> CompiledNode:
        loop_over = loop_as = None
        child_names = names
        texts = {}
        if node.loop is not None:
            loop_as = node.loop.as_
            loop_over = self.expression(node.loop.over, path + ("loop", "over"), names,
                                        before=common["order"])
            if loop_over is not None:
                self.check_loop_list(node.loop.over, path + ("loop", "over"), common["order"])
            if loop_as in GLOBAL_NAMES or loop_as in PROBE_NAMES or loop_as in names:
                self.problem(path + ("loop", "as"),
                             f"loop name '{loop_as}' is already used; choose another name")
            child_names = names | {loop_as}
            loop_chain = loop_chain + (node.id,)
        self.loop_chain = loop_chain
        title = self.text(node.title, path + ("title",), child_names)  # shown for each item
        if title is not None:
            texts["title"] = title
        children = self.nodes(node.nodes, path + ("nodes",), child_names, loop_chain)
        compiled = CompiledNode(question_number=self.question_number, texts=texts,
                                children=children, loop_over=loop_over, loop_as=loop_as,
                                **common)
        self.by_id.setdefault(node.id, compiled)
        return compiled

    def check_loop_list(self, source: str, path: tuple[str | int, ...], order: int) -> None:
        """A loop over exactly `answers.X` needs X to be a question whose answer is a list."""
        match = _SINGLE_REFERENCE.fullmatch(source.strip())
        if match is None:
            return
        key = match.group(1) or match.group(2)
        target = self.question_ids.get(key)
        if (isinstance(target, model.Question) and self.order_of[key] < order
                and not isinstance(target, (model.MultipleChoice, model.PluginQuestion))):
            self.problem(path, f"a loop goes over a list: '{key}' is {_a(target.type)} question, "
                               "whose answer is a single value")

    def not_a_question(self, node_id: str) -> str | None:
        """`'st' is a statement, not a question` for a statement or section id, else None."""
        target = self.question_ids.get(node_id)
        if isinstance(target, (model.Statement, model.Section)):
            return f"'{node_id}' is {_a(target.type)}, not a question"
        return None

    def choice(self, node: model.SingleChoice, path: tuple[str | int, ...],
               names: frozenset[str], order: int) -> dict[str, Any]:
        options = []
        seen: set[str] = set()
        for i, option in enumerate(node.options):
            if option.value in seen:
                self.problem(path + ("options", i), f"option value '{option.value}' is used twice")
            seen.add(option.value)
            label = self.text(option.label, path + ("options", i, "label"), names)
            options.append(CompiledOption(option.value, label, option.fixed, option.exclusive))
        if node.options and not node.options_from and len(node.options) < 2 and not node.other:
            self.problem(path + ("options",), "a choice question needs at least two options")
        if node.options_from is not None and not self.unchecked(node.options_from):
            source = self.question_ids.get(node.options_from)
            if not isinstance(source, model.SingleChoice):
                what = self.not_a_question(node.options_from) or f"'{node.options_from}' is not one"
                self.problem(path + ("options_from",),
                             f"'options_from' must name an earlier choice question; {what}",
                             hint=self.suggest(node.options_from, self._choices()))
            elif self.order_of[node.options_from] >= order:
                self.problem(path + ("options_from",),
                             f"'{node.options_from}' is asked later, so it has no answer yet")
            elif (loop := self.loop_outside(node.options_from)) is not None:
                self.problem(path + ("options_from",),
                             f"'options_from' names '{node.options_from}', which is asked inside "
                             f"the loop '{loop}'; a question that carries its options forward "
                             "must be inside that loop too")
        other = None
        if node.other is True:
            other = LocalizedText({model.ANY_LANGUAGE: compile_template("Other", ())},
                                  self.default_language)
        elif isinstance(node.other, model.Text):
            other = self.text(node.other, path + ("other",), names)
        if other is not None and OTHER_VALUE in seen:
            self.problem(path + ("other",), "an option already has the value 'other'; "
                                            "rename it or drop 'other'")
        if isinstance(node, model.MultipleChoice):
            low, high = node.min_picks, node.max_picks
            if low is not None and high is not None and low > high:
                self.problem(path + ("min_picks",), f"'min_picks' ({low}) is more than "
                                                    f"'max_picks' ({high})")
            count = len(node.options) + (other is not None)
            if node.options and low is not None and low > count:
                self.problem(path + ("min_picks",),
                             f"'min_picks' ({low}) is more than the {count} options")
            if node.options and node.options_from is None and high is not None and high > count:
                self.problem(path + ("max_picks",),
                             f"'max_picks' ({high}) is more than the {count} options")
        labels = [o.label for o in options if o.label is not None]
        if other is not None:
            labels.append(other)
        static = node.options_from is None and all(
            template.is_constant for label in labels for template in label.templates.values())
        return {"options": tuple(options), "other_label": other, "static_options": static}

    def check_question(self, node: model.Node, path: tuple[str | int, ...], order: int) -> None:
        if isinstance(node, model.Number) and None not in (node.min, node.max) \
                and node.min > node.max:
            self.problem(path + ("min",), f"'min' ({node.min:g}) is more than 'max' ({node.max:g})")
        if isinstance(node, model.DateQuestion):
            bounds = {}
            for name in ("min", "max"):
                value = getattr(node, name)
                if value is not None:
                    try:  # answers are compared as text, so only this exact form will do
                        if not _ISO_DATE.fullmatch(value):
                            raise ValueError(value)
                        bounds[name] = dt.date.fromisoformat(value)
                    except ValueError:
                        self.problem(path + (name,), f"'{name}' must be a date as YYYY-MM-DD "
                                                     f"(got '{value}')")
            if len(bounds) == 2 and bounds["min"] > bounds["max"]:
                self.problem(path + ("min",), f"'min' ({node.min}) is later than 'max' "
                                              f"({node.max})")
        if isinstance(node, model.Referral) and "name" not in node.fields:
            self.problem(path + ("fields",), "'fields' must include 'name': a referral needs the "
                                             "name of the person to ask")
        if isinstance(node, model.SingleChoice) and node.options_from and node.other:
            self.problem(path + ("other",), "'other' can't be used with 'options_from': the "
                                            "options carried forward include the earlier "
                                            "'other' answer")
        if isinstance(node, model.Confirm) and not self.unchecked(node.of):
            target = self.question_ids.get(node.of)
            if target is None:
                self.problem(path + ("of",), f"'of' must name a question; there is no question "
                                             f"'{node.of}'",
                             hint=self.suggest(node.of, self._answerable()))
            elif (what := self.not_a_question(node.of)) is not None:
                self.problem(path + ("of",), f"'of' must name a question; {what}",
                             hint=self.suggest(node.of, self._answerable()))
            elif self.order_of[node.of] >= order:
                self.problem(path + ("of",), f"'{node.of}' is asked later; a confirmation must "
                                             "come after the question it confirms")
            elif isinstance(target, (model.Confirm, model.Referral)):
                kind = "a confirmation" if isinstance(target, model.Confirm) else "a referral"
                self.problem(path + ("of",), "a confirmation plays back a question's answer; "
                                             f"'{node.of}' is {kind}")
            elif (loop := self.loop_outside(node.of)) is not None:
                self.problem(path + ("of",), f"'of' names '{node.of}', which is asked inside the "
                                             f"loop '{loop}'; a confirmation of it must be inside "
                                             "that loop too")
        if isinstance(node, model.PluginQuestion) and node.type_name not in self.question_types:
            self.problem(path + ("type",), f"unknown question type '{node.type_name}'",
                         hint="is the plugin that provides it installed? (dialogkit plugins)")

    def probe(self, spec: model.ProbeSpec, path: tuple[str | int, ...], names: frozenset[str],
              order: int) -> ProbePlan:
        probe_names = names | PROBE_NAMES
        if spec.wording == "standard":
            wordings = tuple(
                LocalizedText({language: compile_template(STANDARD_PROBES.get(
                    language, STANDARD_PROBES["en"])[level], ())
                    for language in self.document.languages}, self.default_language)
                for level in range(spec.depth)
            )
        elif isinstance(spec.wording, str):
            self.problem(path + ("wording",), f"'wording' must be 'standard' or a list of texts "
                                              f"(got '{spec.wording}')")
            wordings = ()
        else:
            wordings = tuple(self.text(text, path + ("wording", i), probe_names)
                             for i, text in enumerate(spec.wording))
            if len(wordings) < spec.depth:
                self.problem(path + ("wording",), f"{len(wordings)} probe wording(s) for depth "
                                                  f"{spec.depth}: give one text per level")
        when = None
        if spec.when is not None:
            when = self.expression(spec.when, path + ("when",), probe_names,
                                   before=order + 1)  # its own question has been answered
        phrases = spec.stop.phrases if spec.stop.phrases is not None else DEFAULT_STOP_PHRASES
        min_length = spec.stop.min_length
        return ProbePlan(
            depth=spec.depth, wordings=wordings, when=when,
            stop_phrases=frozenset(normalize_phrase(p) for p in phrases),
            min_length=DEFAULT_MIN_LENGTH if min_length is None else min_length,
        )

    def calculations(self) -> dict[str, Expression]:
        compiled = {}
        for name, source in self.document.calculations.items():
            expression = self.expression(source, ("calculations", name), GLOBAL_NAMES)
            if expression is not None:
                compiled[name] = expression
        self.check_calculation_cycles(compiled)
        return compiled

    def check_calculation_cycles(self, compiled: Mapping[str, Expression]) -> None:
        uses = {name: {key for kind, key in e.references if kind == "calc" and key}
                for name, e in compiled.items()}
        reported: set[str] = set()
        for start in uses:
            stack, seen = [(start, (start,))], set()
            while stack:
                name, trail = stack.pop()
                for used in uses.get(name, ()):
                    if used == start and start not in reported:
                        reported.update(trail)
                        self.problem(("calculations", start),
                                     "calculations refer to each other in a circle: "
                                     + " → ".join((*trail, start)))
                    elif used not in seen:
                        seen.add(used)
                        stack.append((used, (*trail, used)))


OTHER_VALUE = "other"
_SINGLE_REFERENCE = re.compile(
    r"answers\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*['\"]([^'\"]*)['\"]\s*\])", re.ASCII)
"""An expression that is exactly one answer: `answers.X` or `answers['X']`."""


def _a(noun: str) -> str:
    """`noun` with its indefinite article: "a text", "an nps" (said en-pee-ess)."""
    return f"{'an' if noun[:1] in 'aeio' or noun == 'nps' else 'a'} {noun}"


def _declared(kind: str, declared: set[str]) -> str:
    if not declared:
        return f"declare it under '{kind}' at the top of the script"
    return f"declared {kind}: {', '.join(sorted(declared))}"


def _find_reference(source: str, name: str, key: str) -> int | None:
    match = re.search(rf"\b{re.escape(name)}\s*(\.\s*{re.escape(key)}\b|\[\s*['\"]"
                      rf"{re.escape(key)}['\"])", source)
    return match.start() if match else None


def compile_script(document: model.ScriptDocument, *, file: str = "<script>", version: str = "",
                   question_types: Mapping[str, Any] | None = None, source: Any = None,
                   unchecked_ids: frozenset[str] = frozenset()) -> Script:
    """Compile and check a structured script; raise `ScriptProblems` listing every problem.

    `unchecked_ids` names nodes left out of `document` because they could not be checked (the
    loader drops nodes with schema problems to check the rest): references to them are not
    reported as unknown, and no order or loop rule applies to them.
    """
    compiler = _Compiler(document, question_types or {}, unchecked_ids)
    title = compiler.text(document.title, ("title",), GLOBAL_NAMES)
    purpose = compiler.text(document.purpose, ("purpose",), GLOBAL_NAMES)
    closing = (None if document.closing is None
               else compiler.text(document.closing, ("closing",), GLOBAL_NAMES))
    calculations = compiler.calculations()
    root = compiler.nodes(document.nodes, ("nodes",), GLOBAL_NAMES, ())
    if compiler.problems:
        raise ScriptProblems(compiler.problems)
    return Script(
        document=document, file=file, version=version, title=title, purpose=purpose, root=root,
        by_id=compiler.by_id, calculations=calculations,
        question_count=compiler.question_number, default_language=compiler.default_language,
        closing=closing, source=source,
    )
