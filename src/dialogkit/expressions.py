"""The safe expression language used by scripts (see docs/script-language.md, *Expressions*).

Source text is parsed with :func:`ast.parse`, checked against a whitelist of node kinds and
compiled once into nested closures that take an ``env`` mapping. Nothing is ever passed to
``eval``/``exec``. Evaluation is null-safe: missing values are ``None`` and never raise.

Templates are texts with ``{expression}`` parts; ``{{`` and ``}}`` are literal braces.
"""

from __future__ import annotations

import ast
import difflib
import functools
import operator
import warnings
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs

__all__ = [
    "FUNCTIONS",
    "Expression",
    "ExpressionError",
    "Template",
    "compile_expression",
    "compile_template",
    "format_value",
]

Env = Mapping[str, Any]
Evaluator = Callable[[Env], Any]
Reference = tuple[str, str | None]

_CONSTANT_NAMES = {"true": True, "false": False, "null": None}
_MAX_DEPTH = 100  # nesting limit, keeps compiling and evaluating far from the recursion limit
_MAX_REPEAT = 100_000  # longest string/list that 'text' * n may build


class ExpressionError(ValueError):
    """A syntax error, a disallowed construct or an unknown name in an expression or template.

    ``offset`` is the 0-based character offset of the problem in ``source``.
    """

    def __init__(self, message: str, source: str, offset: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.offset = max(0, min(offset, len(source)))
        self.hint = hint

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.source, self.offset, self.hint))

    def __str__(self) -> str:
        start = self.source.rfind("\n", 0, self.offset) + 1
        end = self.source.find("\n", self.offset)
        line = self.source[start : end if end >= 0 else len(self.source)]
        pad = "".join(c if c == "\t" else " " for c in line[: self.offset - start])
        text = f"{self.message}\n  {line}\n  {pad}^"
        return f"{text}\n{self.hint}" if self.hint else text


# --------------------------------------------------------------------------- values


def format_value(value: Any) -> str:
    """Return the text a template shows for ``value`` (and what ``str(value)`` gives)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ", ".join(format_value(item) for item in value)
    return str(value)


def _member(obj: Any, key: str) -> Any:
    """``obj.key``: a mapping lookup, else a public non-callable attribute; None when missing."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(key)
    if key.startswith("_"):
        return None
    value = getattr(obj, key, None)
    return None if callable(value) else value


def _ordering(compare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], bool]:
    def apply(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        try:
            return bool(compare(a, b))
        except TypeError:
            return False

    return apply


def _contains(item: Any, container: Any) -> bool:
    if container is None:
        return False
    try:
        return item in container
    except TypeError:
        return False


def _not_contains(item: Any, container: Any) -> bool:
    return not _contains(item, container)


def _mul(a: Any, b: Any) -> Any:
    for seq, count in ((a, b), (b, a)):
        if (
            isinstance(seq, str | list)
            and isinstance(count, int)
            and len(seq) * count > _MAX_REPEAT
        ):
            return None
    return a * b


def _mod(a: Any, b: Any) -> Any:
    return None if isinstance(a, str) else a % b  # no printf-style formatting


_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: _mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: _mod,
}

_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: _ordering(operator.lt),
    ast.LtE: _ordering(operator.le),
    ast.Gt: _ordering(operator.gt),
    ast.GtE: _ordering(operator.ge),
    ast.In: _contains,
    ast.NotIn: _not_contains,
}

_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Invert: "~",
    ast.Is: "is", ast.IsNot: "is not",
}  # fmt: skip

_FORBIDDEN: dict[type[ast.AST], str] = {
    ast.Lambda: "'lambda'",
    ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.NamedExpr: "':='",
    ast.Starred: "'*' unpacking",
    ast.Dict: "a dict literal",
    ast.Set: "a set literal",
    ast.Tuple: "a tuple",
    ast.Slice: "a slice",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield'",
}
_FORBIDDEN_HINTS: dict[type[ast.AST], str] = {
    ast.Tuple: "use a list: [a, b]",
    ast.Dict: "use a list: [a, b]",
    ast.Set: "use a list: [a, b]",
}


# --------------------------------------------------------------------------- functions


def _len(value: Any) -> int:
    return 0 if value is None else len(value)


def _lower(value: Any) -> str | None:
    return None if value is None else format_value(value).lower()


def _upper(value: Any) -> str | None:
    return None if value is None else format_value(value).upper()


def _extreme(pick: Callable[[list[Any]], Any]) -> Callable[..., Any]:
    def apply(*args: Any) -> Any:
        items = args[0] if len(args) == 1 and isinstance(args[0], list | tuple) else args
        values = [v for v in items if v is not None]
        return pick(values) if values else None

    return apply


def _abs(value: Any) -> Any:
    return None if value is None else abs(value)


def _round(value: Any, *digits: Any) -> Any:
    return None if value is None else round(value, *digits)


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return int(float(value))  # "12.5" -> 12; junk raises and gives None
    return int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


#: The callable functions: name -> (implementation, minimum and maximum argument count).
FUNCTIONS: Mapping[str, tuple[Callable[..., Any], int, int | None]] = {
    "len": (_len, 1, 1),
    "lower": (_lower, 1, 1),
    "upper": (_upper, 1, 1),
    "min": (_extreme(min), 1, None),
    "max": (_extreme(max), 1, None),
    "abs": (_abs, 1, 1),
    "round": (_round, 1, 2),
    "int": (_int, 1, 1),
    "float": (_float, 1, 1),
    "str": (format_value, 1, 1),
}

_CALL_ERRORS = (TypeError, ValueError, OverflowError, ZeroDivisionError)


# --------------------------------------------------------------------------- compiler


class _Compiler:
    """Checks one parsed expression and turns it into closures, collecting its references."""

    def __init__(self, source: str, text: str, start: int, names: Collection[str]) -> None:
        self.source = source  # what the user wrote
        self.encoded = text.encode()  # the single line that was parsed
        self.start = start  # character offset of ``text`` in ``source``
        self.names = names
        self.references: set[Reference] = set()
        self.depth = 0

    # -- positions and errors

    def offset(self, col: int) -> int:
        """Character offset in ``source`` of UTF-8 byte column ``col`` of the parsed line."""
        return self.start + len(self.encoded[:col].decode(errors="ignore"))

    def error(self, message: str, node: ast.AST | int, hint: str | None = None) -> ExpressionError:
        where = node if isinstance(node, int) else self.offset(getattr(node, "col_offset", 0))
        return ExpressionError(message, self.source, where, hint)

    def between(self, left: ast.AST, right: ast.AST, symbol: str) -> int:
        """Offset of ``symbol`` written between two nodes (falls back to the left node)."""
        lo, hi = left.end_col_offset or 0, right.col_offset
        found = self.encoded.find(symbol.split()[0].encode(), lo, hi)
        return self.offset(found if found >= 0 else left.col_offset)

    def forbidden(
        self, what: str, where: ast.AST | int, hint: str | None = None
    ) -> ExpressionError:
        return self.error(f"{what} is not allowed in an expression", where, hint)

    # -- dispatch

    def compile(self, node: ast.AST) -> Evaluator:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error("expression is too deeply nested", node)
        handler = getattr(self, f"_{type(node).__name__}", None)
        if handler is None:
            what = _FORBIDDEN.get(type(node), f"'{type(node).__name__}'")
            raise self.forbidden(what, node, _FORBIDDEN_HINTS.get(type(node)))
        result = handler(node)
        self.depth -= 1
        return result

    # -- leaves

    def _Constant(self, node: ast.Constant) -> Evaluator:
        value = node.value
        if isinstance(value, bool | int | float | str) or value is None:
            if isinstance(value, str) and not self.single_line(node):
                raise self.error("a string cannot span several lines", node)
            return lambda env: value
        kinds = {bytes: "a bytes literal", complex: "a complex number", type(...): "'...'"}
        raise self.forbidden(kinds.get(type(value), repr(value)), node)

    def single_line(self, node: ast.AST) -> bool:
        start, end = self.offset(node.col_offset), self.offset(node.end_col_offset or 0)
        return not any(c in "\r\n" for c in self.source[start:end])

    def _Name(self, node: ast.Name) -> Evaluator:
        name = node.id
        if name in _CONSTANT_NAMES:
            value = _CONSTANT_NAMES[name]
            return lambda env: value
        self.check_name(node)
        self.references.add((name, None))
        return lambda env: env.get(name)

    def check_name(self, node: ast.Name) -> None:
        if node.id not in self.names:
            close = difflib.get_close_matches(node.id, sorted(self.names), n=1)
            hint = f"did you mean '{close[0]}'?" if close else None
            raise self.error(f"unknown name '{node.id}'", node, hint)

    def _Attribute(self, node: ast.Attribute) -> Evaluator:
        name = self.lookup_target(node, "attribute access", "answers.nps")
        key = node.attr
        if key.startswith("__"):
            where = self.offset(node.end_col_offset or 0) - len(key)
            raise self.forbidden(f"the attribute '{key}'", where)
        return self.lookup(name, key)

    def _Subscript(self, node: ast.Subscript) -> Evaluator:
        name = self.lookup_target(node, "a [key] lookup", "respondent['first-name']")
        key = node.slice
        if isinstance(key, ast.Slice):
            raise self.forbidden("a slice", key)
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            raise self.error(
                "only a quoted key can be looked up, like respondent['first-name']", key
            )
        return self.lookup(name, key.value)

    def lookup_target(self, node: ast.Attribute | ast.Subscript, what: str, example: str) -> str:
        """The name ``NAME.key`` or ``NAME['key']`` looks up on, which must be a plain name."""
        target = node.value
        direct = isinstance(target, ast.Name) and target.col_offset == node.col_offset
        if not direct or target.id in _CONSTANT_NAMES:  # '(x).y' is direct in the tree only
            raise self.error(f"{what} is only allowed on a name, like {example}", node)
        self.check_name(target)
        return target.id

    def lookup(self, name: str, key: str) -> Evaluator:
        self.references.add((name, key))

        def member(env: Env) -> Any:
            obj = env.get(name)
            return obj.get(key) if type(obj) is dict else _member(obj, key)

        return member

    # -- operators

    def _BinOp(self, node: ast.BinOp) -> Evaluator:
        op = _ARITHMETIC.get(type(node.op))
        if op is None:
            symbol = _SYMBOLS[type(node.op)]
            raise self.forbidden(f"'{symbol}'", self.between(node.left, node.right, symbol))
        left, right = self.compile(node.left), self.compile(node.right)

        def arithmetic(env: Env) -> Any:
            a, b = left(env), right(env)
            if a is None or b is None:
                return None
            try:
                return op(a, b)
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                return None

        return arithmetic

    def _UnaryOp(self, node: ast.UnaryOp) -> Evaluator:
        if isinstance(node.op, ast.Invert):
            raise self.forbidden("'~'", node)
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda env: not operand(env)
        sign = operator.neg if isinstance(node.op, ast.USub) else operator.pos

        def unary(env: Env) -> Any:
            value = operand(env)
            try:
                return None if value is None else sign(value)
            except TypeError:
                return None

        return unary

    def _BoolOp(self, node: ast.BoolOp) -> Evaluator:
        parts = [self.compile(value) for value in node.values]
        if isinstance(node.op, ast.And):
            pair = lambda a, b: lambda env: bool(a(env) and b(env))  # noqa: E731
        else:
            pair = lambda a, b: lambda env: bool(a(env) or b(env))  # noqa: E731
        return functools.reduce(pair, parts)  # short-circuits left to right

    def _Compare(self, node: ast.Compare) -> Evaluator:
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            if type(op) not in _COMPARISONS:
                symbol = _SYMBOLS[type(op)]
                where = self.between(operands[i], operands[i + 1], symbol)
                raise self.forbidden(f"'{symbol}'", where, "use '==' or '!=' to compare values")
        left = self.compile(node.left)
        steps = [
            (_COMPARISONS[type(op)], self.compile(c))
            for op, c in zip(node.ops, node.comparators, strict=True)
        ]
        if len(steps) == 1:
            compare, right = steps[0]
            return lambda env: compare(left(env), right(env))

        def chain(env: Env) -> bool:
            a = left(env)
            for compare, right in steps:
                b = right(env)
                if not compare(a, b):
                    return False
                a = b
            return True

        return chain

    def _IfExp(self, node: ast.IfExp) -> Evaluator:
        test, body, orelse = (self.compile(n) for n in (node.test, node.body, node.orelse))
        return lambda env: body(env) if test(env) else orelse(env)

    def _List(self, node: ast.List) -> Evaluator:
        items = [self.compile(item) for item in node.elts]
        return lambda env: [item(env) for item in items]

    def _Call(self, node: ast.Call) -> Evaluator:
        func = node.func
        listing = ", ".join(FUNCTIONS)
        if not isinstance(func, ast.Name):
            hint = None
            if isinstance(func, ast.Attribute) and func.attr in FUNCTIONS:
                hint = f"write {func.attr}(value) instead of value.{func.attr}()"
            raise self.error(f"only these functions can be called: {listing}", node, hint)
        if func.id not in FUNCTIONS:
            close = difflib.get_close_matches(func.id, list(FUNCTIONS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"functions are: {listing}"
            raise self.error(f"unknown function '{func.id}'", func, hint)
        if node.keywords:
            keyword = node.keywords[0]
            what = f"the keyword argument '{keyword.arg}'" if keyword.arg else "'**' unpacking"
            raise self.forbidden(what, keyword)
        fn, least, most = FUNCTIONS[func.id]
        count = len(node.args)
        if count < least or (most is not None and count > most):
            wanted = f"at least {least}" if most is None else f"{least} or {most}"
            if least == most:
                wanted = str(least)
            noun = "argument" if wanted.endswith("1") else "arguments"
            raise self.error(f"{func.id}() takes {wanted} {noun}, not {count}", node)
        args = [self.compile(arg) for arg in node.args]
        if len(args) == 1:
            (arg,) = args

            def call_one(env: Env) -> Any:
                try:
                    return fn(arg(env))
                except _CALL_ERRORS:
                    return None

            return call_one

        def call(env: Env) -> Any:
            try:
                return fn(*[arg(env) for arg in args])
            except _CALL_ERRORS:
                return None

        return call


# --------------------------------------------------------------------------- parsing


def _syntax_error(exc: SyntaxError, source: str, text: str, start: int) -> ExpressionError:
    """Translate Python's SyntaxError (character offsets, 1-based) into an ExpressionError."""
    message = (exc.msg or "invalid syntax").split(" (detected at")[0]
    at_end = not exc.offset or exc.offset > len(text.rstrip())
    offset = start + (len(text.rstrip()) if at_end else exc.offset - 1)
    keep = ("was never closed", "unmatched", "does not match", "unterminated string", "expected")
    hint = "is a comma missing?" if "forgot a comma" in message else None
    if "literal" in message or "character" in message:
        keep += (message,)
    if not any(k in message for k in keep):
        message = "unexpected end of expression" if at_end else "invalid syntax"
    if message == "invalid syntax" and source.startswith("=", offset):
        hint = "use '==' to compare values"
    return ExpressionError(message, source, offset, hint)


def _parse(source: str, names: Collection[str]) -> tuple[Evaluator, frozenset[Reference]]:
    # Parse one line: line breaks become spaces (offsets stay the same), and leading blanks,
    # which Python would call an indent, are skipped.
    line = source.replace("\r", " ").replace("\n", " ")
    start = len(line) - len(line.lstrip(" \t\f"))
    text = line[start:]
    if not text.strip():
        raise ExpressionError("empty expression", source, len(source))
    if "\0" in text:
        raise ExpressionError("a null character is not allowed", source, source.index("\0"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escape sequences
            tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise _syntax_error(exc, source, text, start) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression is too deeply nested", source, start) from None
    compiler = _Compiler(source, text, start, names)
    evaluator = compiler.compile(tree.body)
    return evaluator, frozenset(compiler.references)


# --------------------------------------------------------------------------- public API


@attrs.frozen
class Expression:
    """A compiled expression.

    ``references`` holds every top-level name used, paired with the key looked up on it
    (``answers.nps`` gives ``("answers", "nps")``, a bare ``role`` gives ``("role", None)``).
    """

    source: str
    references: frozenset[Reference]
    _evaluator: Evaluator = attrs.field(eq=False, repr=False)

    def evaluate(self, env: Env) -> Any:
        """Evaluate against ``env``; names missing from it are ``None``."""
        return self._evaluator(env)


def compile_expression(source: str, names: Collection[str]) -> Expression:
    """Compile ``source``; every top-level name it uses must be in ``names``.

    Raises :class:`ExpressionError` for a syntax error, a disallowed construct or an
    unknown name.
    """
    evaluator, references = _parse(source, names)
    return Expression(source, references, evaluator)


@attrs.frozen
class Template:
    """A compiled text with ``{expression}`` parts."""

    source: str
    references: frozenset[Reference]
    _parts: tuple[str | Expression, ...] = attrs.field(eq=False, repr=False)

    @property
    def is_constant(self) -> bool:
        """True when the text has no ``{expression}`` part."""
        return all(isinstance(part, str) for part in self._parts)

    def render(self, env: Env) -> str:
        """Return the text with each part replaced by :func:`format_value` of its value."""
        parts = self._parts
        if len(parts) == 1 and isinstance(parts[0], str):
            return parts[0]
        return "".join(
            [part if isinstance(part, str) else format_value(part.evaluate(env)) for part in parts]
        )


def _closing_brace(text: str, start: int) -> int:
    """Index of the '}' closing an expression part begun at ``start``, skipping quoted text."""
    quote = None
    escaped = False
    for i in range(start, len(text)):
        c = text[i]
        if escaped:
            escaped = False
        elif quote:
            if c == "\\":
                escaped = True
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "}":
            return i
    return text.find("}", start)  # an unterminated quote: let the parser report it


def compile_template(text: str, names: Collection[str]) -> Template:
    """Compile a text with ``{expression}`` parts; ``{{`` and ``}}`` are literal braces.

    Errors carry offsets into ``text``.
    """
    parts: list[str | Expression] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in "{}" and text.startswith(c * 2, i):
            literal.append(c)
            i += 2
        elif c == "}":
            raise ExpressionError("unmatched '}'", text, i, "write '}}' for a literal brace")
        elif c == "{":
            end = _closing_brace(text, i + 1)
            if end < 0:
                raise ExpressionError(
                    "'{' was never closed", text, i, "write '{{' for a literal brace"
                )
            try:
                expression = compile_expression(text[i + 1 : end], names)
            except ExpressionError as exc:
                raise ExpressionError(exc.message, text, i + 1 + exc.offset, exc.hint) from None
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(expression)
            i = end + 1
        else:
            literal.append(c)
            i += 1
    if literal or not parts:
        parts.append("".join(literal))
    references = frozenset().union(*(p.references for p in parts if isinstance(p, Expression)))
    return Template(text, references, tuple(parts))
