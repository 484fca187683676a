"""Tests for the safe expression language and text templates."""

from __future__ import annotations

import operator
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogkit.expressions import (
    Expression,
    ExpressionError,
    Template,
    compile_expression,
    compile_template,
)

NAMES = frozenset(
    {"answers", "respondent", "role", "segment", "calc", "item", "answer", "previous", "x", "y"}
)


class Item:
    """A loop item like the engine's: attributes, and a label as its text."""

    def __init__(self, value: str, label: str, index: int) -> None:
        self.value = value
        self.label = label
        self.index = index
        self._secret = "hidden"

    def __str__(self) -> str:
        return self.label

    def describe(self) -> str:
        return "a method"


ENV: dict[str, Any] = {
    "answers": {"nps": 5, "name": "Zoë", "tags": ["price", "support"], "ok": True, "none": None},
    "respondent": {"first-name": "Ann", "first_name": "Ann", "age": 40},
    "role": "buyer",
    "item": Item("price", "Too expensive", 2),
    "x": 3,
    "y": 0,
}


def ev(source: str, env: dict[str, Any] | None = None) -> Any:
    return compile_expression(source, NAMES).evaluate(ENV if env is None else env)


def error(source: str, names: frozenset[str] = NAMES) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        compile_expression(source, names)
    return info.value


def template_error(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        compile_template(text, NAMES)
    return info.value


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 / 2", 3.5),
        ("7 // 2", 3),
        ("7 % 3", 1),
        ("-x", -3),
        ("+x", 3),
        ("--x", 3),
        ("'ab' + 'cd'", "abcd"),
        ('"double"', "double"),
        ("[1, 2] + [3]", [1, 2, 3]),
        ("1.5e1", 15.0),
        ("true", True),
        ("false", False),
        ("null", None),
        ("True", True),
        ("None", None),
        ("[]", []),
        ("[x, 'a', null]", [3, "a", None]),
    ],
)
def test_literals_and_arithmetic(source: str, expected: Any) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("answers.nps <= 6", True),
        ("answers.nps > 6", False),
        ("answers.nps == 5", True),
        ("answers.nps != 5", False),
        ("0 <= answers.nps <= 6", True),
        ("0 <= answers.nps < 5", False),
        ("1 < 2 < 3 < 4", True),
        ("1 < 3 > 2", True),
        ("3 > 2 > 2", False),
        ("'a' < 'b'", True),
        ("[1, 2] == [1, 2]", True),
    ],
)
def test_comparisons(source: str, expected: bool) -> None:
    assert ev(source) is expected


def test_chained_comparison_evaluates_like_python() -> None:
    # 1 < x is true, but x < 2 is not: the chain is false, not (1 < x) < 2.
    assert ev("1 < x < 2") is False
    assert ev("(1 < x) < 2") is True


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("'price' in answers.tags", True),
        ("'quality' in answers.tags", False),
        ("'quality' not in answers.tags", True),
        ("role in ['buyer', 'user']", True),
        ("role not in ['buyer', 'user']", False),
        ("'uy' in role", True),
        ("'Z' in answers.name", True),
        ("3 in 'abc'", False),
        ("'a' in 3", False),
        ("'a' in answers.missing", False),
        ("'a' not in answers.missing", True),
        ("x in null", False),
    ],
)
def test_membership(source: str, expected: bool) -> None:
    assert ev(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x and y", False),
        ("x or y", True),
        ("y or 'text'", True),
        ("x and 'text'", True),
        ("not x", False),
        ("not answers.missing", True),
        ("y and answers.nps > 3", False),
        ("x and y or x", True),
        ("x and answers.nps and role", True),
        ("y or null or ''", False),
    ],
)
def test_boolean_operators_return_booleans(source: str, expected: bool) -> None:
    assert ev(source) is expected


def test_boolean_operators_short_circuit() -> None:
    calls: list[str] = []

    class Spy(dict):  # a mapping that records lookups
        def get(self, key: str, default: Any = None) -> Any:
            calls.append(key)
            return super().get(key, default)

    expression = compile_expression("x and y or x", NAMES)
    assert expression.evaluate(Spy(x=0, y=1)) is False
    assert calls == ["x", "x"]


def test_conditional_expression() -> None:
    assert ev("'big' if x > 2 else 'small'") == "big"
    assert ev("'big' if y > 2 else 'small'") == "small"
    assert ev("'yes' if answers.missing else 'no'") == "no"


# --------------------------------------------------------------------------- names and lookups


def test_attribute_and_key_lookup_on_mappings() -> None:
    assert ev("answers.nps") == 5
    assert ev("answers['nps']") == 5
    assert ev("respondent['first-name']") == "Ann"
    assert ev("answers.unknown") is None
    assert ev("calc.anything") is None  # calc is not in the environment at all


def test_attribute_lookup_on_objects() -> None:
    assert ev("item.value") == "price"
    assert ev("item.label") == "Too expensive"
    assert ev("item.index") == 2
    assert ev("item.missing") is None
    assert ev("item._secret") is None  # private attributes are never read
    assert ev("item.describe") is None  # nor methods
    assert ev("item['value']") == "price"


def test_missing_names_are_null() -> None:
    assert ev("answer", {}) is None
    assert ev("answers.nps", {}) is None
    assert ev("answers.nps <= 6", {}) is False


def test_mapping_that_is_not_a_dict() -> None:
    from types import MappingProxyType

    assert ev("answers.nps", {"answers": MappingProxyType({"nps": 9})}) == 9


# --------------------------------------------------------------------------- null safety


@pytest.mark.parametrize(
    "source",
    [
        "answers.missing < 6",
        "answers.missing <= 6",
        "answers.missing > 6",
        "answers.missing >= 6",
        "6 > answers.missing",
        "null < null",
        "0 <= answers.missing <= 10",
        "'a' < 3",
        "3 >= 'a'",
        "[1] < 'a'",
    ],
)
def test_ordering_with_null_or_mismatched_types_is_false(source: str) -> None:
    assert ev(source) is False


def test_equality_with_null_is_normal() -> None:
    assert ev("answers.missing == null") is True
    assert ev("answers.missing != null") is False
    assert ev("answers.nps == null") is False
    assert ev("answers.nps != null") is True


@pytest.mark.parametrize(
    "source",
    [
        "answers.missing + 1",
        "1 - null",
        "null * 2",
        "-answers.missing",
        "x / 0",
        "x // 0",
        "x % 0",
        "'a' + 1",
        "'a' - 'b'",
        "-'a'",
        "'%s' % x",  # no printf-style formatting
        "'a' * 1000000",  # far too long a text
    ],
)
def test_arithmetic_failures_give_null(source: str) -> None:
    assert ev(source) is None


def test_small_repetition_is_allowed() -> None:
    assert ev("'ab' * 3") == "ababab"


# --------------------------------------------------------------------------- functions


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("len(answers.tags)", 2),
        ("len('abc')", 3),
        ("len(null)", 0),
        ("len(answers.missing)", 0),
        ("len(x)", None),
        ("lower('ABC')", "abc"),
        ("upper(answers.name)", "ZOË"),
        ("lower(null)", None),
        ("upper(answers.missing)", None),
        ("min(3, 1, 2)", 1),
        ("max(3, 1, 2)", 3),
        ("max(answers.tags)", "support"),
        ("min([4, null, 2])", 2),
        ("max(null, 1)", 1),
        ("min(answers.missing)", None),
        ("min(1, 'a')", None),
        ("abs(-4)", 4),
        ("abs(null)", None),
        ("round(2.567, 1)", 2.6),
        ("round(2.4)", 2),
        ("round(null)", None),
        ("int('12')", 12),
        ("int(' 7 ')", 7),
        ("int('12.9')", 12),
        ("int(3.9)", 3),
        ("int('twelve')", None),
        ("int(null)", None),
        ("int('nan')", None),
        ("float('2.5')", 2.5),
        ("float('lots')", None),
        ("float(null)", None),
        ("str(12)", "12"),
        ("str(2.0)", "2"),
        ("str(null)", ""),
        ("str(true)", "yes"),
        ("str(answers.tags)", "price, support"),
    ],
)
def test_functions(source: str, expected: Any) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(
    ("source", "message", "offset"),
    [
        ("len(x, y)", "len() takes 1 argument, not 2", 0),
        ("round()", "round() takes 1 or 2 arguments, not 0", 0),
        ("1 + max()", "max() takes at least 1 argument, not 0", 4),
        ("print(x)", "unknown function 'print'", 0),
        ("lenn(x)", "unknown function 'lenn'", 0),
        ("x.upper()", "only these functions can be called", 0),
        ("answers(1)", "unknown function 'answers'", 0),
        ("len(x=1)", "the keyword argument 'x' is not allowed in an expression", 4),
    ],
)
def test_function_misuse(source: str, message: str, offset: int) -> None:
    err = error(source)
    assert message in err.message
    assert err.offset == offset


def test_function_hints() -> None:
    assert error("lenn(x)").hint == "did you mean 'len'?"
    assert "upper(value)" in (error("x.upper()").hint or "")


def test_function_names_are_not_references() -> None:
    assert compile_expression("len(x)", NAMES).references == {("x", None)}


def test_function_name_outside_a_call_is_an_unknown_name() -> None:
    assert error("len").message == "unknown name 'len'"


# --------------------------------------------------------------------------- rejected constructs


@pytest.mark.parametrize(
    ("source", "what", "offset"),
    [
        ("lambda: 1", "'lambda'", 0),
        ("[i for i in x]", "a list comprehension", 0),
        ("{i for i in x}", "a set comprehension", 0),
        ("{i: 1 for i in x}", "a dict comprehension", 0),
        ("len(i for i in x)", "a generator expression", 3),
        ("f'{x}'", "an f-string", 0),
        ("x is null", "'is'", 2),
        ("x is not null", "'is not'", 2),
        ("'é€' is x", "'is'", 5),
        ("x ** 2", "'**'", 2),
        ("x @ y", "'@'", 2),
        ("x | y", "'|'", 2),
        ("x & y", "'&'", 2),
        ("x ^ y", "'^'", 2),
        ("x << 1", "'<<'", 2),
        ("x >> 1", "'>>'", 2),
        ("~x", "'~'", 0),
        ("(y := 1)", "':='", 1),
        ("[*x]", "'*' unpacking", 1),
        ("len(*x)", "'*' unpacking", 4),
        ("len(**x)", "'**' unpacking", 4),
        ("{'a': 1}", "a dict literal", 0),
        ("{1}", "a set literal", 0),
        ("(1, 2)", "a tuple", 0),
        ("x, y", "a tuple", 0),
        ("b'x'", "a bytes literal", 0),
        ("1j", "a complex number", 0),
        ("...", "'...'", 0),
        ("item.__class__", "the attribute '__class__'", 5),
        ("answers.__dict__", "the attribute '__dict__'", 8),
        ("x[1:2]", "a slice", 2),
    ],
)
def test_disallowed_constructs(source: str, what: str | None, offset: int) -> None:
    err = error(source)
    if what is not None:
        assert err.message == f"{what} is not allowed in an expression"
    assert err.offset == offset


def test_is_suggests_equality() -> None:
    assert error("x is null").hint == "use '==' or '!=' to compare values"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("(x).y", "attribute access is only allowed on a name"),
        ("answers.nps.value", "attribute access is only allowed on a name"),
        ("'abc'.upper", "attribute access is only allowed on a name"),
        ("true.x", "attribute access is only allowed on a name"),
        ("[1][0]", "a [key] lookup is only allowed on a name"),
        ("answers.nps[1:2]", "a [key] lookup is only allowed on a name"),
        ("(answers)['x']", "a [key] lookup is only allowed on a name"),
        ("answers[0]", "only a quoted key can be looked up"),
        ("answers[x]", "only a quoted key can be looked up"),
    ],
)
def test_lookups_only_on_names_with_quoted_keys(source: str, message: str) -> None:
    assert message in error(source).message


# --------------------------------------------------------------------------- names


def test_unknown_name_has_offset_and_hint() -> None:
    err = error("x + anwsers.nps")
    assert err.message == "unknown name 'anwsers'"
    assert err.offset == 4
    assert err.hint == "did you mean 'answers'?"


def test_unknown_name_offset_counts_characters_not_bytes() -> None:
    err = error("'Zoë ☕ 🎉' == respondnt.name")
    assert err.offset == len("'Zoë ☕ 🎉' == ")
    assert err.source[err.offset :].startswith("respondnt")
    assert err.hint == "did you mean 'respondent'?"


def test_unknown_name_without_a_close_match_has_no_hint() -> None:
    assert error("zzzzzz").hint is None


def test_names_are_checked_against_the_given_collection() -> None:
    assert compile_expression("a + b", ["a", "b"]).evaluate({"a": 1, "b": 2}) == 3
    assert error("a + c", frozenset({"a", "b"})).offset == 4


def test_references() -> None:
    expression = compile_expression(
        "answers.nps <= 6 and role in ['a'] and respondent['first-name'] != null "
        "and len(answers.tags) > 0 and not true",
        NAMES,
    )
    assert expression.references == {
        ("answers", "nps"),
        ("role", None),
        ("respondent", "first-name"),
        ("answers", "tags"),
    }


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("source", "message", "offset"),
    [
        ("", "empty expression", 0),
        ("   ", "empty expression", 3),
        ("x +", "unexpected end of expression", 3),
        ("x + ", "unexpected end of expression", 3),
        ("answers.", "unexpected end of expression", 8),
        ("(x", "'(' was never closed", 0),
        ("len(x", "'(' was never closed", 3),
        ("x)", "unmatched ')'", 1),
        ("x = 1", "invalid syntax", 2),
        ("1 2", "invalid syntax", 2),
        ("x ! y", "invalid syntax", 2),
        ("'é€' ! y", "invalid syntax", 5),
        ("'abc", "unterminated string literal", 0),
        ("é + 'x", "unterminated string literal", 4),
        ("x if y", "expected 'else' after 'if' expression", 0),
        ("x\0", "a null character is not allowed", 1),
        ("'a\nb'", "a string cannot span several lines", 0),
    ],
)
def test_syntax_errors(source: str, message: str, offset: int) -> None:
    err = error(source)
    assert err.message == message
    assert err.offset == offset
    assert err.source == source


def test_assignment_hint() -> None:
    assert error("x = 1").hint == "use '==' to compare values"


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    assert "nested" in error("-" * 500 + "1").message
    assert ev("(" * 150 + "x" + ")" * 150) == 3  # parentheses alone add no nesting
    err = error("1" + " + 1" * 200)
    assert err.message == "expression is too deeply nested"


def test_blanks_and_line_breaks_are_allowed() -> None:
    assert ev("  x + 1") == 4
    assert ev("x > 1 and\n  y == 0\n") is True
    err = error("x > 1 and\n  zz == 0")
    assert err.offset == 12


# --------------------------------------------------------------------------- error object


def test_error_text_has_a_caret_under_the_problem() -> None:
    err = error("answers.nps <= sx")
    assert str(err) == (
        "unknown name 'sx'\n  answers.nps <= sx\n                 ^\ndid you mean 'x'?"
    )
    assert isinstance(err, ValueError)


def test_error_caret_is_on_the_right_line() -> None:
    err = template_error("Hello\nthere {nme}\nbye")
    assert str(err).splitlines()[1:3] == ["  there {nme}", "         ^"]


def test_error_survives_pickling() -> None:
    err = error("x +")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.message, copy.source, copy.offset, copy.hint) == (
        err.message,
        err.source,
        err.offset,
        err.hint,
    )


# --------------------------------------------------------------------------- Expression


def test_expression_object() -> None:
    expression = compile_expression("answers.nps <= 6", NAMES)
    assert isinstance(expression, Expression)
    assert expression.source == "answers.nps <= 6"
    assert expression.references == {("answers", "nps")}
    assert expression.evaluate({"answers": {"nps": 6}}) is True
    assert expression.evaluate({"answers": {"nps": 7}}) is False
    with pytest.raises(AttributeError):
        expression.source = "other"  # type: ignore[misc]


# --------------------------------------------------------------------------- templates


def render(text: str, env: dict[str, Any] | None = None) -> str:
    return compile_template(text, NAMES).render(ENV if env is None else env)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks {respondent.first_name}!", "Thanks Ann!"),
        ("{answers.nps}/10", "5/10"),
        ("[{answers.missing}]", "[]"),
        ("{answers.ok} / {not answers.ok}", "yes / no"),
        ("{4 / 2} {7 / 2}", "2 3.5"),
        ("You said {answers.tags}.", "You said price, support."),
        ("About {item}: {item.value}", "About Too expensive: price"),
        ("{{literal}} {{ and }}", "{literal} { and }"),
        ("{{{x}}}", "{3}"),
        ("{'}'}", "}"),
        ("{'it\\'s'}", "it's"),
        ("{ x + 1 }", "4"),
        ("{upper(role)}", "BUYER"),
        ("", ""),
    ],
)
def test_template_rendering(text: str, expected: str) -> None:
    assert render(text) == expected


def test_template_attributes() -> None:
    template = compile_template("Hi {respondent['first-name']}, about {item}", NAMES)
    assert isinstance(template, Template)
    assert template.source == "Hi {respondent['first-name']}, about {item}"
    assert template.references == {("respondent", "first-name"), ("item", None)}
    assert template.is_constant is False


def test_constant_template() -> None:
    template = compile_template("No {{parts}} here", NAMES)
    assert template.is_constant is True
    assert template.references == frozenset()
    assert template.render({}) == "No {parts} here"


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("Hi {name", "'{' was never closed", 3),
        ("Hi } there", "unmatched '}'", 3),
        ("{{ x }", "unmatched '}'", 5),
        ("Hi {}", "empty expression", 4),
        ("Hi {nam}", "unknown name 'nam'", 4),
        ("Zoë ☕ {x +}", "unexpected end of expression", 10),
        ("Zoë ☕ {anwers.nps}", "unknown name 'anwers'", 7),
        ("a {x} b {x ** 2}", "'**' is not allowed in an expression", 11),
        ("a\nb {lambda: 1}", "'lambda' is not allowed in an expression", 5),
        ("a {'b}", "unterminated string literal", 3),
    ],
)
def test_template_errors(text: str, message: str, offset: int) -> None:
    err = template_error(text)
    assert err.message == message
    assert err.offset == offset
    assert err.source == text


def test_template_error_keeps_the_hint() -> None:
    assert template_error("Hi {respondnt.name}").hint == "did you mean 'respondent'?"


# --------------------------------------------------------------------------- properties

OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@given(
    a=st.integers(-(10**6), 10**6),
    b=st.integers(-(10**6), 10**6),
    symbol=st.sampled_from(sorted(OPERATORS)),
)
def test_integer_operators_match_python(a: int, b: int, symbol: str) -> None:
    try:
        expected = OPERATORS[symbol](a, b)
    except ZeroDivisionError:
        expected = None
    result = compile_expression(f"x {symbol} y", NAMES).evaluate({"x": a, "y": b})
    assert result == expected
    literal = compile_expression(f"{a} {symbol} ({b})", NAMES).evaluate({})
    assert literal == expected


@given(st.text().filter(lambda text: "{" not in text and "}" not in text))
def test_text_without_braces_is_a_constant_template(text: str) -> None:
    template = compile_template(text, NAMES)
    assert template.is_constant
    assert template.references == frozenset()
    assert template.render({}) == text


TOKENS = st.sampled_from(
    [*"abxy01 .()[]{}'\"+-*/%<>=!,:é€\n\t\\_", "and", "or", "not", "in", "is", "if",
     "else", "len", "lambda", "answers", "true", "null", "**", "==", "f'", "b'", "x."]
)  # fmt: skip


@settings(max_examples=300)
@given(st.one_of(st.text(), st.lists(TOKENS, max_size=12).map("".join)))
def test_any_text_compiles_or_raises_expression_error(source: str) -> None:
    for compile_ in (compile_expression, compile_template):
        try:
            compiled = compile_(source, NAMES)
        except ExpressionError as err:
            assert 0 <= err.offset <= len(source)
            assert err.source == source
            assert str(err)
        else:
            if isinstance(compiled, Expression):
                compiled.evaluate(ENV)  # evaluation never raises either
            else:
                assert isinstance(compiled.render(ENV), str)
