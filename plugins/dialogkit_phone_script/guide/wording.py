"""Expressions and texts of a compiled script, said in words for a telephone interviewer.

Conditions (`when`, a probe's `when`, a loop's `over`, calculations) become phrases such as
"Q1 = 'No' or no answer" or "'Summit & Co' (2) is chosen at Q4"; texts become read-aloud parts
with fill-ins ("Hello [respondent's first name]"). Expressions are parsed again with `ast`
from the `source` the compiled script keeps; the script has been checked, so every name and
construct in them is one the expression language allows.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from attrs import evolve, field, frozen

from dialogkit.script import CompiledNode, LocalizedText, Script
from dialogkit_phone_script.guide.codes import CHOICE_TYPES, YES_NO_TYPES, coded_options

__all__ = [
    "FillIn", "Scope", "Spoken", "Wording", "flatten", "join_words", "paragraphs",
    "question_label",
]


@frozen
class FillIn:
    """Something the interviewer says in place of a placeholder, described in words."""

    words: str


Spoken = tuple[str | FillIn, ...]
"""A read-aloud text: literal text and fill-ins, in order."""

Formatter = Callable[[Any], str]
"""Says a constant the way the thing it is compared with is coded."""

_COMPARISONS: Mapping[type[ast.cmpop], str] = {
    ast.Eq: "=", ast.NotEq: "≠", ast.Lt: "<", ast.LtE: "≤", ast.Gt: ">", ast.GtE: "≥",
}
_FLIPPED: Mapping[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
}
_ARITHMETIC: Mapping[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "−", ast.Mult: "×", ast.Div: "÷",
}
_NUMERIC_CALLS = frozenset(("abs", "round", "int", "float"))
_SESSION_NOUNS: Mapping[str, tuple[str, bool]] = {
    # name: (noun, whether it comes from the sample)
    "role": ("respondent's role", True),
    "segment": ("respondent's segment", True),
    "segments": ("respondent's segments", True),
    "respondent": ("respondent's sample data", True),
    "channel": ("interview channel", False),
    "language": ("interview language", False),
    "answers": ("answers given so far", False),
    "calc": ("calculated values", False),
}
_CONSTANT_NAMES: Mapping[str, Any] = {"true": True, "false": False, "null": None}
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def question_label(node: CompiledNode) -> str:
    """"Q4": the number of a question in script order (`question_number` counts from 0)."""
    return f"Q{node.question_number + 1}"


def flatten(spoken: Spoken) -> str:
    """A read-aloud text as one line, fill-ins in square brackets."""
    return "".join(part if isinstance(part, str) else f"[{part.words}]" for part in spoken)


def _words(key: str) -> str:
    return key.replace("_", " ").replace("-", " ")


def _parse(source: str) -> ast.expr:
    """The expression tree of `source`, read as the expression language reads it."""
    line = source.replace("\r", " ").replace("\n", " ").strip()
    return ast.parse(line, mode="eval").body


def paragraphs(spoken: Spoken) -> list[Spoken]:
    """A read-aloud text split into paragraphs where it has a blank line."""
    split: list[list[str | FillIn]] = [[]]
    for part in spoken:
        pieces = _PARAGRAPH_BREAK.split(part) if isinstance(part, str) else [part]
        split[-1].append(pieces[0])
        split.extend([piece] for piece in pieces[1:])
        split = [[piece for piece in paragraph if piece != ""] for paragraph in split]
    return [tuple(paragraph) for paragraph in split if flatten(tuple(paragraph)).strip()]


def join_words(items: list[str], last: str = "and") -> str:
    """"a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def _constant(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _template_parts(source: str) -> Iterator[str | ast.expr]:
    """The literal texts and the `{expression}` parts of a template, in order."""
    literal: list[str] = []
    i = 0
    while i < len(source):
        c = source[i]
        if c in "{}" and source.startswith(c * 2, i):
            literal.append(c)
            i += 2
        elif c == "{":
            if literal:
                yield "".join(literal)
                literal = []
            node, i = _expression_at(source, i + 1)
            yield node
        else:
            literal.append(c)
            i += 1
    if literal:
        yield "".join(literal)


def _expression_at(source: str, start: int) -> tuple[ast.expr, int]:
    """The expression starting at `start`: up to the first '}' that ends a whole expression
    (a '}' inside a quoted string leaves the text before it unparseable)."""
    end = source.find("}", start)
    while end >= 0:
        try:
            return _parse(source[start:end]), end + 1
        except SyntaxError:
            end = source.find("}", end + 1)
    raise ValueError(f"no expression closes at {start} in {source!r}")


@frozen
class Scope:
    """What the local names of an expression mean where it is written."""

    loops: Mapping[str, CompiledNode] = field(factory=dict)
    """Loop names in scope, each with the looping section."""
    asked: CompiledNode | None = None
    """In a probe: the question that `answer` is the answer to."""

    def inside(self, section: CompiledNode) -> Scope:
        """The scope of a section's nodes (a loop adds its name)."""
        if section.loop_as is None:
            return self
        return evolve(self, loops={**self.loops, section.loop_as: section})

    def probing(self, question: CompiledNode) -> Scope:
        return evolve(self, asked=question)


class Wording:
    """Says the expressions and texts of one script in words, its texts in one language."""

    def __init__(self, script: Script, language: str) -> None:
        self.script = script
        self.language = language
        self.calculations = {name: _parse(expression.source)
                             for name, expression in script.calculations.items()}

    def condition(self, source: str, scope: Scope, *, grouped: bool = False) -> str:
        """A condition in words; with `grouped`, an OR of several is put in parentheses."""
        say = _Sayer(self, scope)
        node = say.resolve(_parse(source))
        return say.grouped(node, ast.And) if grouped else say.condition(node)

    def value(self, source: str, scope: Scope) -> str:
        """What an expression gives, in words."""
        return _Sayer(self, scope).value(_parse(source))

    def answer_of(self, source: str, scope: Scope) -> CompiledNode | None:
        """The question whose answer the expression is, when it is exactly one answer."""
        return _Sayer(self, scope).question(_parse(source))

    def is_always(self, source: str) -> bool:
        """True for a condition that is a constant true value (`when: "true"`)."""
        node = _Sayer(self, Scope()).resolve(_parse(source))
        return isinstance(node, ast.Constant) and bool(node.value)

    def spoken(self, text: LocalizedText, scope: Scope) -> Spoken:
        """A text in the guide's language, its `{expression}` parts as fill-ins."""
        say = _Sayer(self, scope)
        return tuple(part if isinstance(part, str) else FillIn(say.fill_in(part))
                     for part in _template_parts(text.template(self.language).source))

    def option_words(self, node: CompiledNode, value: Any) -> str:
        """An option value of a choice question as "'Label' (code)"."""
        for option in coded_options(node, self.script):
            if option.value == value:
                label = flatten(self.spoken(option.label, Scope()))
                return f"'{label}' ({option.code})"
        return _constant(value)

    def role_words(self, role_id: Any) -> str:
        """A role id as its label in the guide's language, quoted."""
        for role in self.script.document.roles:
            if role.id == role_id and role.label is not None:
                return f"'{role.label.get(self.language, self.script.default_language)}'"
        return _constant(role_id)


class _Sayer:
    """Says one expression's parts in words, in one scope."""

    def __init__(self, wording: Wording, scope: Scope) -> None:
        self.wording = wording
        self.script = wording.script
        self.scope = scope

    # -- what a name or lookup refers to -------------------------------------------------

    def resolve(self, node: ast.expr) -> ast.expr:
        """`calc.NAME` replaced by the calculation it names (and so on); `true`, `false` and
        `null` by constants."""
        while (reference := _lookup(node)) and reference[0] == "calc" \
                and reference[1] in self.wording.calculations:
            node = self.wording.calculations[reference[1]]
        if isinstance(node, ast.Name) and node.id in _CONSTANT_NAMES:
            return ast.Constant(_CONSTANT_NAMES[node.id])
        return node

    def question(self, node: ast.expr) -> CompiledNode | None:
        """The question whose answer `node` is: `answers.ID`, or `answer` in a probe."""
        reference = _lookup(node)
        if reference and reference[0] == "answers":
            return self.script.by_id.get(reference[1])
        if isinstance(node, ast.Name) and node.id == "answer":
            return self.scope.asked
        return None

    def loop(self, node: ast.expr) -> tuple[str, CompiledNode, str | None] | None:
        """(loop name, looping section, attribute) for the current item of a loop or its
        `.value`, `.label`, `.index`."""
        if isinstance(node, ast.Name) and node.id in self.scope.loops:
            return node.id, self.scope.loops[node.id], None
        reference = _lookup(node)
        if reference and reference[0] in self.scope.loops:
            return reference[0], self.scope.loops[reference[0]], reference[1]
        return None

    def noun(self, node: ast.expr) -> tuple[str, bool] | None:
        """(noun, from the sample) for sample and session data: `respondent.years` gives
        ("respondent's years", True)."""
        if isinstance(node, ast.Name) and node.id in _SESSION_NOUNS:
            return _SESSION_NOUNS[node.id]
        reference = _lookup(node)
        if reference and reference[0] == "respondent":
            return f"respondent's {_words(reference[1])}", True
        return None

    def formatter(self, node: ast.expr) -> Formatter | None:
        """How constants compared with `node` are said, when it is coded."""
        node = self.resolve(node)
        question = self.question(node)
        loop = self.loop(node)
        if loop is not None and loop[2] in (None, "value"):
            question = self.looped_question(loop[1])
        if isinstance(node, ast.Name) and node.id == "role":
            return self.wording.role_words
        if question is None:
            return None
        if question.type in YES_NO_TYPES:
            return _yes_no
        if question.type in CHOICE_TYPES:
            return lambda value: self.wording.option_words(question, value)
        return None

    def looped_question(self, section: CompiledNode) -> CompiledNode | None:
        """The choice question a loop goes over, when it goes over exactly one answer."""
        assert section.loop_over is not None
        question = self.wording.answer_of(section.loop_over.source, self.scope)
        return question if question is not None and question.type in CHOICE_TYPES else None

    # -- conditions ----------------------------------------------------------------------

    def condition(self, node: ast.expr) -> str:
        node = self.resolve(node)
        if isinstance(node, ast.BoolOp):
            joiner = " AND " if isinstance(node.op, ast.And) else " OR "
            return joiner.join(self.grouped(value, type(node.op)) for value in node.values)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.negation(node.operand)
        if isinstance(node, ast.Compare):
            return self.comparison(node)
        if isinstance(node, ast.Constant):
            return "always" if node.value else "never"
        if isinstance(node, ast.IfExp):
            return (f"(IF {self.condition(node.test)}: {self.condition(node.body)} "
                    f"OTHERWISE: {self.condition(node.orelse)})")
        return self.truth(node)

    def grouped(self, node: ast.expr, within: type[ast.boolop]) -> str:
        """A condition inside AND or OR: in parentheses when it joins others the other way."""
        node = self.resolve(node)
        text = self.condition(node)
        if isinstance(node, ast.BoolOp) and not isinstance(node.op, within):
            return f"({text})"
        return text

    def truth(self, node: ast.expr) -> str:
        """`node` used as a condition on its own."""
        question = self.question(node)
        if question is not None:
            label = question_label(question)
            if question.type in YES_NO_TYPES:
                return f"{label} = 'Yes'"
            if question.type == "multiple_choice":
                return f"at least one option is chosen at {label}"
            if question.type in ("number", "nps"):
                return f"{label} has an answer other than 0"
            return f"{label} has an answer"
        value = self.value(node)
        if _call_name(node) == "len":
            return f"{value} > 0"
        if _is_numeric(node):
            return f"{value} ≠ 0"
        return f"{value} is set"

    def negation(self, node: ast.expr) -> str:
        node = self.resolve(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.condition(node.operand)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _FLIPPED:
            return self.compare(node.left, _FLIPPED[type(node.ops[0])](), node.comparators[0])
        if isinstance(node, ast.Constant):
            return "never" if node.value else "always"
        question = self.question(node)
        if question is not None:
            label = question_label(question)
            if question.type in YES_NO_TYPES:
                return f"{label} = 'No' or no answer"
            if question.type == "multiple_choice":
                return f"no option is chosen at {label}"
            if question.type in ("number", "nps"):
                return f"{label} = 0 or no answer"
            return f"{label} has no answer"
        said = self.condition(node)
        return f"NOT {said}" if isinstance(node, ast.IfExp) else f"NOT ({said})"

    def comparison(self, node: ast.Compare) -> str:
        operands = [self.resolve(operand) for operand in (node.left, *node.comparators)]
        steps = list(zip(operands, node.ops, operands[1:], strict=False))
        chain = len(steps) > 1 and all(type(op) in _COMPARISONS for op in node.ops) and not any(
            _is_null(operand) for operand in operands)
        if not chain:
            return " AND ".join(self.compare(left, op, right) for left, op, right in steps)
        formatter = next(filter(None, map(self.formatter, operands)), None)
        text = self.operand(operands[0], formatter)
        for op, right in zip(node.ops, operands[1:], strict=True):
            text += f" {_COMPARISONS[type(op)]} {self.operand(right, formatter)}"
        return text

    def compare(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> str:
        left, right, kind = self.resolve(left), self.resolve(right), type(op)
        if kind in (ast.In, ast.NotIn):
            return self.membership(left, right, kind is ast.In)
        if kind in (ast.Eq, ast.NotEq):
            for one, other in ((left, right), (right, left)):
                if _is_null(other):
                    return self.presence(one, kind is ast.NotEq)
        formatter = self.formatter(left) or self.formatter(right)
        return (f"{self.operand(left, formatter)} {_COMPARISONS[kind]} "
                f"{self.operand(right, formatter)}")

    def presence(self, node: ast.expr, present: bool) -> str:
        """`node != null` (present) or `node == null`."""
        question = self.question(node)
        if question is not None:
            label = question_label(question)
            return f"{label} has an answer" if present else f"{label} has no answer"
        return f"{self.operand(node, None)} is {'not ' if present else ''}empty"

    def membership(self, item: ast.expr, container: ast.expr, positive: bool) -> str:
        container = self.resolve(container)
        if isinstance(container, ast.List):
            formatter = self.formatter(item)
            values = [self.operand(element, formatter) for element in container.elts]
            if len(values) == 1:
                return f"{self.operand(item, None)} {'=' if positive else '≠'} {values[0]}"
            if not values:
                return "never" if positive else "always"
            which = "one" if positive else "none"
            return f"{self.operand(item, None)} is {which} of {join_words(values, 'or')}"
        question = self.question(container)
        negation = "" if positive else "not "
        if question is not None and question.type in CHOICE_TYPES:
            chosen = self.operand(item, self.formatter(container))
            return f"{chosen} is {negation}chosen at {question_label(question)}"
        if question is not None and question.type == "text":
            verb = "contains" if positive else "does not contain"
            return f"{question_label(question)} {verb} {self.operand(item, None)}"
        if isinstance(container, ast.Name) and container.id == "segments":
            segment = self.operand(item, None)
            return f"the respondent is {negation}in the segment {segment} (from the sample)"
        verb = "includes" if positive else "does not include"
        return f"{self.operand(container, None)} {verb} {self.operand(item, None)}"

    # -- values --------------------------------------------------------------------------

    def operand(self, node: ast.expr, formatter: Formatter | None) -> str:
        """A value compared with others: in parentheses when it is a condition itself."""
        node = self.resolve(node)
        if isinstance(node, ast.Constant) and formatter is not None:
            return formatter(node.value)
        if isinstance(node, ast.List) and formatter is not None:
            return f"the list of {join_words([self.operand(e, formatter) for e in node.elts])}" \
                if node.elts else "an empty list"
        text = self.value(node)
        if isinstance(node, ast.BoolOp | ast.Compare) or (isinstance(node, ast.UnaryOp)
                                                         and isinstance(node.op, ast.Not)):
            return f"({text})"
        return text

    def part(self, node: ast.expr) -> str:
        """A value inside arithmetic or a function call: in parentheses when compound."""
        text = self.operand(node, None)
        return f"({text})" if isinstance(self.resolve(node), ast.BinOp) else text

    def value(self, node: ast.expr) -> str:
        node = self.resolve(node)
        if isinstance(node, ast.Constant):
            return _constant(node.value)
        if isinstance(node, ast.BoolOp | ast.Compare) or (
                isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            return self.condition(node)
        if isinstance(node, ast.UnaryOp):
            sign = "−" if isinstance(node.op, ast.USub) else ""
            return sign + self.part(node.operand)
        if isinstance(node, ast.BinOp):
            return self.arithmetic(node)
        if isinstance(node, ast.IfExp):
            return (f"(IF {self.condition(node.test)}: {self.value(node.body)} "
                    f"OTHERWISE: {self.value(node.orelse)})")
        if isinstance(node, ast.List):
            items = [self.operand(element, None) for element in node.elts]
            return f"the list of {join_words(items)}" if items else "an empty list"
        if isinstance(node, ast.Call):
            return self.call(node)
        return self.reference(node)

    def reference(self, node: ast.expr) -> str:
        """A name or a lookup: an answer, a loop item, sample or session data."""
        question = self.question(node)
        if question is not None:
            return question_label(question)
        loop = self.loop(node)
        if loop is not None:
            name, _, attribute = loop
            item = f"the current {_words(name)}"
            return {None: item, "value": item, "label": f"the name of {item}",
                    "index": f"the position of {item} (0 for the first)"}.get(
                attribute, f"the {_words(attribute or '')} of {item}")
        if isinstance(node, ast.Name) and node.id == "previous":
            return "the answer just given"
        noun = self.noun(node)
        if noun is not None:
            text, sampled = noun
            return f"the {text} (from the sample)" if sampled else f"the {text}"
        reference = _lookup(node)
        if reference is None:  # a name of its own, such as `answer` outside a probe
            return f"the {_words(getattr(node, 'id', 'value'))}"
        name, key = reference
        return f"the {_words(key)} of {self.value(ast.Name(name))}"

    def arithmetic(self, node: ast.BinOp) -> str:
        left, right = self.part(node.left), self.part(node.right)
        if isinstance(node.op, ast.FloorDiv):
            return f"the whole part of {left} ÷ {right}"
        if isinstance(node.op, ast.Mod):
            return f"the remainder of {left} ÷ {right}"
        return f"{left} {_ARITHMETIC[type(node.op)]} {right}"

    def call(self, node: ast.Call) -> str:
        name = _call_name(node)
        args = [self.part(arg) for arg in node.args]
        if name == "len":
            question = self.question(self.resolve(node.args[0]))
            if question is not None and question.type == "multiple_choice":
                return f"the number of options chosen at {question_label(question)}"
            return f"the length of {args[0]}"
        if name in ("min", "max"):
            extreme = "smallest" if name == "min" else "largest"
            if len(args) == 2:
                extreme = "smaller" if name == "min" else "larger"
            return f"the {extreme} of {join_words(args)}"
        if name == "round" and len(args) == 2:
            places = "1 decimal place" if args[1] == "1" else f"{args[1]} decimal places"
            return f"{args[0]} rounded to {places}"
        described = {
            "lower": "{} (ignoring case)", "upper": "{} (ignoring case)",
            "abs": "the size of {} (without its sign)", "round": "{} rounded to a whole number",
            "int": "{} as a whole number", "float": "{} as a number", "str": "{} as text",
        }
        return described[name].format(args[0])

    # -- fill-ins ------------------------------------------------------------------------

    def fill_in(self, node: ast.expr) -> str:
        """What to say for a `{expression}` part of a text."""
        node = self.resolve(node)
        question = self.question(node)
        if question is not None:
            return f"read back the answer to {question_label(question)}"
        if isinstance(node, ast.Name) and node.id == "previous":
            return "read back the answer just given"
        loop = self.loop(node)
        if loop is not None and loop[2] in (None, "label"):
            return f"current {_words(loop[0])}"
        noun = self.noun(node)
        if noun is not None:
            return noun[0]
        if isinstance(node, ast.IfExp):
            return (f"IF {self.condition(node.test)}: {self.branch(node.body)} "
                    f"OTHERWISE: {self.branch(node.orelse)}")
        return self.value(node)

    def branch(self, node: ast.expr) -> str:
        """One side of a conditional text: the words themselves, or a fill-in."""
        node = self.resolve(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return f"'{node.value}'" if node.value else "nothing"
        return self.fill_in(node)


def _lookup(node: ast.expr) -> tuple[str, str] | None:
    """(name, key) for `name.key` or `name['key']`."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Constant)):
        return node.value.id, str(node.slice.value)
    return None


def _call_name(node: ast.expr) -> str | None:
    """The function a call calls (always a plain name in the expression language)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _is_null(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_numeric(node: ast.expr) -> bool:
    if isinstance(node, ast.BinOp) or (isinstance(node, ast.UnaryOp)
                                       and isinstance(node.op, ast.USub | ast.UAdd)):
        return True
    return _call_name(node) in _NUMERIC_CALLS


def _yes_no(value: Any) -> str:
    if isinstance(value, bool):
        return "'Yes'" if value else "'No'"
    return _constant(value)
