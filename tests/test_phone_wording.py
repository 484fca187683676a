"""Expressions and texts said in words for the interviewer's printed script: every construct
the expression language allows, fill-ins in texts, and generated expressions that must never
leak raw syntax into the guide."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogkit.expressions import compile_expression, compile_template
from dialogkit.loader import load_script_text
from dialogkit.script import GLOBAL_NAMES, PROBE_NAMES, LocalizedText, Script
from dialogkit_phone_script.guide.wording import FillIn, Scope, Wording, flatten, paragraphs

SCRIPT = """
dialogkit: 1
id: wording
title: Wording
purpose: Check the words.
estimated_minutes: 3
languages: [en, de]
roles:
  - {id: buyer, label: {en: Buyer, de: Einkäufer}}
  - {id: user}
segments: [smb, enterprise]
calculations:
  low: "answers.score != null and answers.score <= 6"
  either: "calc.low or answers.agree"
nodes:
  - {id: agree, type: yes_no, text: Do you agree?}
  - id: score
    type: nps
    text: How likely are you to recommend us?
    probes: {depth: 1, when: "answer <= 6", wording: ["Why {answer}?"]}
  - id: tool
    type: single_choice
    text: Which tool?
    options: [{value: sheet, label: Spreadsheet}, {value: crm, label: A CRM}]
    other: true
  - id: tools
    type: multiple_choice
    text: Which tools?
    options:
      - {value: sheet, label: Spreadsheet}
      - {value: crm, label: A CRM}
      - {value: none, label: Neither of these, exclusive: true}
  - {id: story, type: text, text: Tell us more.}
  - {id: seats, type: number, text: How many seats?}
  - {id: ease, type: rating, points: 5, text: How easy?}
  - id: each
    type: section
    loop: {over: answers.tools, as: tool_item}
    nodes:
      - {id: tool_use, type: text, text: "How do you use {tool_item}?"}
"""

RAW = re.compile(
    r"\b(?:answers|calc|respondent)\.\w|==|!=|<=|>=|//|\*\*|\b(?:null|true|false|None|True|False)\b"
    r"|\b(?:len|lower|upper|min|max|abs|round|int|float|str)\(|\belse\b|\[\s*['\"\d]"
    r"|\w\.(?:value|label|index)\b"
)
"""Expression syntax that must never reach the printed script."""


@pytest.fixture(scope="module")
def script() -> Script:
    return load_script_text(SCRIPT, "wording.yaml")


@pytest.fixture(scope="module")
def wording(script: Script) -> Wording:
    return Wording(script, "en")


def loop_scope(script: Script) -> Scope:
    return Scope().inside(script.by_id["each"])


def probe_scope(script: Script) -> Scope:
    return Scope().probing(script.by_id["score"])


def text(source: str, names: frozenset[str] = GLOBAL_NAMES) -> LocalizedText:
    return LocalizedText({"": compile_template(source, names)}, "en")


CONDITIONS = [
    # answers of each question type, and their truth on their own
    ("answers.agree", "Q1 = 'Yes'"),
    ("not answers.agree", "Q1 = 'No' or no answer"),
    ("answers.agree == false", "Q1 = 'No'"),
    ("answers.agree != true", "Q1 ≠ 'Yes'"),
    ("answers.agree in [true, false]", "Q1 is one of 'Yes' or 'No'"),
    ("answers.score", "Q2 has an answer other than 0"),
    ("not answers.score", "Q2 = 0 or no answer"),
    ("answers.story", "Q5 has an answer"),
    ("not answers.story", "Q5 has no answer"),
    ("answers.tools", "at least one option is chosen at Q4"),
    ("not answers.tools", "no option is chosen at Q4"),
    # comparisons, chained comparisons and null
    ("answers.score <= 6", "Q2 ≤ 6"),
    ("answers.score > 8", "Q2 > 8"),
    ("answers.score < 7 or answers.score >= 9", "Q2 < 7 OR Q2 ≥ 9"),
    ("1 <= answers.score < 7", "1 ≤ Q2 < 7"),
    ("answers.score == null", "Q2 has no answer"),
    ("null != answers.score", "Q2 has an answer"),
    ("not answers.score == 10", "Q2 ≠ 10"),
    ("not answers.score > 8", "NOT (Q2 > 8)"),
    ("0 <= answers.seats <= 10 != answers.ease", "0 ≤ Q6 ≤ 10 ≠ Q7"),
    ("answers.seats != null < 3", "Q6 has an answer AND nothing < 3"),
    ("answers.seats in answers.tools == false", "Q6 is chosen at Q4 AND Q4 = no"),
    # choice answers: option labels and codes
    ("answers.tool == 'crm'", "Q3 = 'A CRM' (2)"),
    ("'crm' == answers.tool", "'A CRM' (2) = Q3"),
    ("answers.tool != 'other'", "Q3 ≠ 'Other' (96)"),
    ("answers.tool in ['sheet', 'crm']", "Q3 is one of 'Spreadsheet' (1) or 'A CRM' (2)"),
    ("answers.tool not in ['sheet', 'crm']", "Q3 is none of 'Spreadsheet' (1) or 'A CRM' (2)"),
    ("answers.tool not in ['sheet']", "Q3 ≠ 'Spreadsheet' (1)"),
    ("answers.tool in []", "never"),
    ("'none' in answers.tools", "'Neither of these' (3) is chosen at Q4"),
    ("'none' not in answers.tools", "'Neither of these' (3) is not chosen at Q4"),
    ("not 'crm' in answers.tools", "'A CRM' (2) is not chosen at Q4"),
    ("'price' in answers.story", "Q5 contains 'price'"),
    ("'price' not in answers.story", "Q5 does not contain 'price'"),
    # and / or / not, with grouping
    ("answers.agree and (answers.score > 8 or answers.tool == 'crm')",
     "Q1 = 'Yes' AND (Q2 > 8 OR Q3 = 'A CRM' (2))"),
    ("answers.agree or answers.score > 8 and answers.seats", "Q1 = 'Yes' OR "
     "(Q2 > 8 AND Q6 has an answer other than 0)"),
    ("not (answers.agree and answers.story)", "NOT (Q1 = 'Yes' AND Q5 has an answer)"),
    ("not not answers.agree", "Q1 = 'Yes'"),
    ("true", "always"),
    ("false", "never"),
    ("not true", "never"),
    # calculations, expanded
    ("calc.low", "Q2 has an answer AND Q2 ≤ 6"),
    ("not calc.low", "NOT (Q2 has an answer AND Q2 ≤ 6)"),
    ("calc.either", "(Q2 has an answer AND Q2 ≤ 6) OR Q1 = 'Yes'"),
    # sample and session data
    ("respondent.vip", "the respondent's vip (from the sample) is set"),
    ("respondent.years >= 5", "the respondent's years (from the sample) ≥ 5"),
    ("respondent['first-name'] == 'Ada'", "the respondent's first name (from the sample) = 'Ada'"),
    ("respondent.email == null", "the respondent's email (from the sample) is empty"),
    ("role == 'buyer'", "the respondent's role (from the sample) = 'Buyer'"),
    ("role in ['buyer', 'user']", "the respondent's role (from the sample) is one of 'Buyer' or "
                                  "'user'"),
    ("segment == 'smb'", "the respondent's segment (from the sample) = 'smb'"),
    ("'enterprise' in segments", "the respondent is in the segment 'enterprise' (from the sample)"),
    ("'enterprise' not in segments",
     "the respondent is not in the segment 'enterprise' (from the sample)"),
    ("channel != 'phone'", "the interview channel ≠ 'phone'"),
    ("len(answers) > 3", "the length of the answers given so far > 3"),
    # arithmetic and functions
    ("answers.seats * 2 + 1 > 10", "(Q6 × 2) + 1 > 10"),
    ("answers.seats / 2 - 1 >= 0", "(Q6 ÷ 2) − 1 ≥ 0"),
    ("answers.seats // 10 == 1", "the whole part of Q6 ÷ 10 = 1"),
    ("answers.seats % 2 == 0", "the remainder of Q6 ÷ 2 = 0"),
    ("-answers.seats < -5", "−Q6 < −5"),
    ("+answers.seats > 2.5", "Q6 > 2.5"),
    ("answers.seats - 2", "Q6 − 2 ≠ 0"),
    ("len(answers.tools) >= 2", "the number of options chosen at Q4 ≥ 2"),
    ("len(answers.story)", "the length of Q5 > 0"),
    ("'price' in lower(answers.story)", "Q5 (ignoring case) includes 'price'"),
    ("upper(language) == 'DE'", "the interview language (ignoring case) = 'DE'"),
    ("max(answers.ease, answers.seats) > min([1, 2, 3])",
     "the larger of Q7 and Q6 > the smallest of the list of 1, 2 and 3"),
    ("min(answers.ease, 3, answers.seats) == 1", "the smallest of Q7, 3 and Q6 = 1"),
    ("abs(answers.seats - 10) <= round(answers.ease * 1.5, 1)",
     "the size of (Q6 − 10) (without its sign) ≤ (Q7 × 1.5) rounded to 1 decimal place"),
    ("round(answers.seats / 3) == round(answers.ease, 2)",
     "(Q6 ÷ 3) rounded to a whole number = Q7 rounded to 2 decimal places"),
    ("int(respondent.seats) > 100", "the respondent's seats (from the sample) as a whole number "
                                    "> 100"),
    ("float(respondent.share) >= 0.5",
     "the respondent's share (from the sample) as a number ≥ 0.5"),
    ("str(answers.seats) == '5'", "Q6 as text = '5'"),
    ("abs(answers.seats)", "the size of Q6 (without its sign) ≠ 0"),
    ("lower(answers.story)", "Q5 (ignoring case) is set"),
    ("[1, 2]", "the list of 1 and 2 is set"),
    # conditional values
    ("(answers.score if answers.agree else 0) > 5", "(IF Q1 = 'Yes': Q2 OTHERWISE: 0) > 5"),
    ("answers.story if answers.agree else answers.tools",
     "(IF Q1 = 'Yes': Q5 has an answer OTHERWISE: at least one option is chosen at Q4)"),
]


@pytest.mark.parametrize(("source", "words"), CONDITIONS, ids=[s for s, _ in CONDITIONS])
def test_conditions_are_said_in_words(wording: Wording, source: str, words: str) -> None:
    compile_expression(source, GLOBAL_NAMES)  # the case is one the language allows
    assert wording.condition(source, Scope()) == words


LOOP_CONDITIONS = [
    ("tool_item == 'crm'", "the current tool item = 'A CRM' (2)"),
    ("tool_item.value != 'sheet'", "the current tool item ≠ 'Spreadsheet' (1)"),
    ("tool_item.label == 'A CRM'", "the name of the current tool item = 'A CRM'"),
    ("tool_item.index == 0", "the position of the current tool item (0 for the first) = 0"),
    ("tool_item.index + 1 < len(answers.tools)",
     "the position of the current tool item (0 for the first) + 1 < the number of options "
     "chosen at Q4"),
]


@pytest.mark.parametrize(("source", "words"), LOOP_CONDITIONS, ids=[s for s, _ in LOOP_CONDITIONS])
def test_loop_items_are_the_current_one(script: Script, wording: Wording, source: str,
                                        words: str) -> None:
    compile_expression(source, GLOBAL_NAMES | {"tool_item"})
    assert wording.condition(source, loop_scope(script)) == words


def test_a_probe_condition_names_its_own_question(script: Script, wording: Wording) -> None:
    source = "answer <= 6 and previous != 'no'"
    compile_expression(source, GLOBAL_NAMES | PROBE_NAMES)
    assert wording.condition(source, probe_scope(script)) == (
        "Q2 ≤ 6 AND the answer just given ≠ 'no'")


def test_grouped_conditions_put_an_or_in_parentheses(wording: Wording) -> None:
    assert wording.condition("answers.agree or answers.story", Scope(), grouped=True) == (
        "(Q1 = 'Yes' OR Q5 has an answer)")
    assert wording.condition("answers.agree and answers.story", Scope(), grouped=True) == (
        "Q1 = 'Yes' AND Q5 has an answer")


def test_values_and_constant_conditions(wording: Wording) -> None:
    assert wording.value("answers.seats * 2", Scope()) == "Q6 × 2"
    assert wording.value("'yes' if answers.agree else null", Scope()) == (
        "(IF Q1 = 'Yes': 'yes' OTHERWISE: nothing)")
    assert wording.is_always("true") and wording.is_always("1")
    assert not wording.is_always("false") and not wording.is_always("calc.low")


TEXTS = [
    ("Hello {respondent.first_name}!", ("Hello ", FillIn("respondent's first name"), "!")),
    ("Hello {respondent['first-name']}", ("Hello ", FillIn("respondent's first name"))),
    ("So: {answers.story}.", ("So: ", FillIn("read back the answer to Q5"), ".")),
    ("{'Great.' if answers.agree else 'Sorry.'}",
     (FillIn("IF Q1 = 'Yes': 'Great.' OTHERWISE: 'Sorry.'"),)),
    ("{'' if answers.agree else answers.story}",
     (FillIn("IF Q1 = 'Yes': nothing OTHERWISE: read back the answer to Q5"),)),
    ("Braces {{ and }} and {'}' if calc.low else '{'}",
     ("Braces { and } and ", FillIn("IF Q2 has an answer AND Q2 ≤ 6: '}' OTHERWISE: '{'"))),
    ("{len(answers.tools)} tools", (FillIn("the number of options chosen at Q4"), " tools")),
    ("In {segment}, as {role}", ("In ", FillIn("respondent's segment"), ", as ",
                                 FillIn("respondent's role"))),
    ("{answers.seats * 12} a year", (FillIn("Q6 × 12"), " a year")),
    ("No placeholder", ("No placeholder",)),
]


@pytest.mark.parametrize(("source", "spoken"), TEXTS, ids=[s for s, _ in TEXTS])
def test_texts_become_fill_ins(wording: Wording, source: str, spoken: tuple) -> None:
    assert wording.spoken(text(source), Scope()) == spoken


def test_loop_and_probe_texts(script: Script, wording: Wording) -> None:
    loop_text = text("How do you use {tool_item}, {tool_item.label}?", GLOBAL_NAMES | {"tool_item"})
    assert flatten(wording.spoken(loop_text, loop_scope(script))) == (
        "How do you use [current tool item], [current tool item]?")
    probe_text = text("Why {answer}? You said {previous}.", GLOBAL_NAMES | PROBE_NAMES)
    assert flatten(wording.spoken(probe_text, probe_scope(script))) == (
        "Why [read back the answer to Q2]? You said [read back the answer just given].")


def test_texts_are_in_the_chosen_language(script: Script) -> None:
    german = Wording(script, "de")
    assert german.role_words("buyer") == "'Einkäufer'"
    assert german.condition("role == 'user'", Scope()) == (
        "the respondent's role (from the sample) = 'user'")


def test_paragraphs_split_at_blank_lines() -> None:
    spoken = ("One.\n\nTwo ", FillIn("x"), " end.\n \nThree", "\n\n")
    assert paragraphs(spoken) == [("One.",), ("Two ", FillIn("x"), " end."), ("Three",)]


# -- generated expressions ------------------------------------------------------------------

REFERENCES = st.sampled_from([
    "answers.agree", "answers.score", "answers.tool", "answers.tools", "answers.story",
    "answers.seats", "answers.ease", "answers['tool']", "respondent.years",
    "respondent['first-name']", "segment", "segments", "role", "channel", "language",
    "calc.low", "calc.either",
])
CONSTANTS = st.one_of(
    st.integers(-20, 20).map(str),
    st.sampled_from(["'crm'", "'sheet'", "'none'", "'other'", "'smb'", "'buyer'", "true",
                     "false", "null", "2.5", "''"]),
)
LISTS = st.lists(CONSTANTS, max_size=3).map(lambda items: f"[{', '.join(items)}]")
CALLS = st.one_of(
    st.tuples(st.sampled_from(["len", "lower", "upper", "abs", "int", "float", "str", "round"]),
              REFERENCES).map(lambda t: f"{t[0]}({t[1]})"),
    st.tuples(st.sampled_from(["min", "max"]), REFERENCES, CONSTANTS).map(
        lambda t: f"{t[0]}({t[1]}, {t[2]})"),
)
ARITHMETIC = st.tuples(REFERENCES, st.sampled_from(["+", "-", "*", "/", "//", "%"]),
                       CONSTANTS).map(" ".join)
VALUES = st.one_of(REFERENCES, CONSTANTS, CALLS, ARITHMETIC, ARITHMETIC.map(lambda a: f"-({a})"))
COMPARISONS = st.tuples(
    VALUES, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), VALUES).map(" ".join)
CHAINS = st.tuples(CONSTANTS, st.sampled_from(["<", "<="]), REFERENCES,
                   st.sampled_from(["<", "<=", "=="]), CONSTANTS).map(" ".join)
MEMBERSHIP = st.tuples(VALUES, st.sampled_from(["in", "not in"]),
                       st.one_of(REFERENCES, LISTS)).map(" ".join)
ATOMS = st.one_of(COMPARISONS, CHAINS, MEMBERSHIP, REFERENCES, CALLS)
CONDITIONS_OVER_THE_GRAMMAR = st.recursive(ATOMS, lambda inner: st.one_of(
    st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
        lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
    inner.map(lambda condition: f"not ({condition})"),
    st.tuples(inner, inner, inner).map(lambda t: f"({t[0]}) if ({t[1]}) else ({t[2]})"),
), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(source=CONDITIONS_OVER_THE_GRAMMAR)
def test_generated_conditions_are_always_words(wording: Wording, source: str) -> None:
    compile_expression(source, GLOBAL_NAMES)  # a valid expression
    said = wording.spoken(text(f"Say {{{source}}}."), Scope())
    assert said[0] == "Say " and said[2] == "."
    for words in (wording.condition(source, Scope()), wording.value(source, Scope()),
                  said[1].words):
        assert words.strip()
        assert not RAW.search(words), f"{source!r} was said as {words!r}"
