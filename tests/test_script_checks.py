"""The semantic checks of `compile_script`: every problem at once, each with where it is."""

from __future__ import annotations

from typing import Any

import pytest

from dialogkit.converter import structure_document
from dialogkit.script import Problem, Script, ScriptProblems, compile_script


def document(nodes: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    return {"dialogkit": 1, "id": "checks", "title": "Checks", "purpose": "Testing.",
            "estimated_minutes": 1, "nodes": nodes, **top}


def build(nodes: list[dict[str, Any]], **top: Any) -> Script:
    return compile_script(structure_document(document(nodes, **top)))


def problems(nodes: list[dict[str, Any]], **top: Any) -> list[Problem]:
    with pytest.raises(ScriptProblems) as raised:
        build(nodes, **top)
    found = raised.value.problems
    assert found
    assert str(raised.value) == "; ".join(p.message for p in found)
    return found


def only(nodes: list[dict[str, Any]], **top: Any) -> Problem:
    found = problems(nodes, **top)
    assert len(found) == 1, found
    return found[0]


def text(id_: str, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "type": "text", "text": id_.upper(), **extra}


CHOICE = {"id": "tools", "type": "multiple_choice", "text": "Tools?", "options": ["a", "b"]}


def test_a_correct_script_compiles() -> None:
    script = build(
        [CHOICE, {"id": "s", "type": "section", "title": "About {item}",
                  "loop": {"over": "answers.tools"}, "nodes": [text("why", when="item != 'b'")]},
         {"id": "fav", "type": "single_choice", "text": "Best?", "options_from": "tools"},
         {"id": "ok", "type": "confirm", "of": "fav", "text": "Sure?"}],
        calculations={"many": "len(answers.tools) > 1", "lots": "calc.many and true"},
    )
    assert script.question_count == 4
    assert [n.id for n in script.nodes()] == ["tools", "s", "why", "fav", "ok"]


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        [text("a", when="answers.zz"), text("a"),
         {"id": "n", "type": "number", "text": "N", "min": 3, "max": 1}],
        calculations={"x": "calc.x"},
    )
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 1, "id"), "duplicate id 'a' (first used at nodes[0])"),
        (("calculations", "x"), "calculations refer to each other in a circle: x → x"),
        (("nodes", 0, "when"), "'answers.zz': there is no question 'zz'"),
        (("nodes", 2, "min"), "'min' (3) is more than 'max' (1)"),
    ]


def test_duplicate_ids_inside_sections() -> None:
    found = problems([text("a"), {"id": "s", "type": "section",
                                  "nodes": [text("b"), text("a"), {"id": "s", "type": "statement",
                                                                   "text": "x"}]}])
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 1, "nodes", 1, "id"), "duplicate id 'a' (first used at nodes[0])"),
        (("nodes", 1, "nodes", 2, "id"), "duplicate id 's' (first used at nodes[1])"),
    ]


def test_unknown_answer_reference_with_offset_and_hint() -> None:
    problem = only([{"id": "nps", "type": "nps", "text": "NPS"},
                    text("why", when="true and answers.nsp <= 6")])
    assert problem.path == ("nodes", 1, "when")
    assert problem.message == "'answers.nsp': there is no question 'nsp'"
    assert problem.offset == len("true and ")
    assert problem.hint == "did you mean 'nps'?"


def test_a_statement_has_no_answer() -> None:
    problem = only([{"id": "hello", "type": "statement", "text": "Hi"},
                    text("q", when="answers.hello")])
    assert problem.message == "'answers.hello': there is no question 'hello'"


def test_unknown_references_in_texts() -> None:
    problem = only([text("q", text="Hello {respondent.name}, about {answers.nope}")])
    assert problem.path == ("nodes", 0, "text")
    assert problem.message == "'answers.nope': there is no question 'nope'"
    assert problem.offset == len("Hello {respondent.name}, about {")


def test_unknown_calculation_with_hint() -> None:
    problem = only([text("q", when="calc.detractr")],
                   calculations={"detractor": "answers.q == 'x'"})
    assert problem.path == ("nodes", 0, "when")
    assert problem.message == "'calc.detractr': there is no calculation 'detractr'"
    assert problem.offset == 0
    assert problem.hint == "did you mean 'detractor'?"


def test_unknown_answer_in_a_calculation() -> None:
    problem = only([text("q")], calculations={"c": "answers.qq == 1"})
    assert problem.path == ("calculations", "c")
    assert problem.hint == "did you mean 'q'?"


@pytest.mark.parametrize("when", ["answers.later", "answers.here", "answers['later'] == 2"])
def test_when_cannot_read_an_answer_not_given_yet(when: str) -> None:
    problem = only([text("here", when=when), text("later")])
    key = "here" if "here" in when else "later"
    assert problem.path == ("nodes", 0, "when")
    assert problem.message == f"'answers.{key}' is asked later, so it has no answer yet"
    assert problem.offset == 0


def test_a_section_condition_cannot_read_its_own_questions() -> None:
    problem = only([{"id": "s", "type": "section", "when": "answers.inner",
                     "nodes": [text("inner")]}])
    assert problem.path == ("nodes", 0, "when")
    assert "asked later" in problem.message


def test_a_loop_cannot_run_over_a_later_answer() -> None:
    problem = only([{"id": "s", "type": "section", "loop": {"over": "answers.tools"},
                     "nodes": [text("q")]}, CHOICE])
    assert problem.path == ("nodes", 0, "loop", "over")
    assert problem.message == "'answers.tools' is asked later, so it has no answer yet"


def test_a_probe_condition_may_read_its_own_answer_but_no_later_one() -> None:
    build([text("a", probes={"depth": 1, "when": "len(answers.a) > 3 and answer != 'x'"})])
    problem = only([text("a", probes={"depth": 1, "when": "answer and answers.b"}), text("b")])
    assert problem.path == ("nodes", 0, "probes", "when")
    assert problem.message == "'answers.b' is asked later, so it has no answer yet"
    assert problem.offset == len("answer and ")


def test_unknown_roles_and_segments() -> None:
    found = problems([text("a", roles=["buyr"]), text("b", segments=["vip"]),
                      text("c", segments=["loyl"])],
                     roles=[{"id": "buyer"}, {"id": "user"}], segments=["loyal"])
    assert [(p.path, p.message, p.hint) for p in found] == [
        (("nodes", 0, "roles"), "unknown role 'buyr'", "did you mean 'buyer'?"),
        (("nodes", 1, "segments"), "unknown segment 'vip'", "declared segments: loyal"),
        (("nodes", 2, "segments"), "unknown segment 'loyl'", "did you mean 'loyal'?"),
    ]


def test_roles_not_declared_at_all() -> None:
    problem = only([{"id": "s", "type": "section", "roles": ["buyer"], "nodes": [text("a")]}])
    assert problem.path == ("nodes", 0, "roles")
    assert problem.hint == "declare it under 'roles' at the top of the script"


@pytest.mark.parametrize(
    ("when", "message", "offset", "hint"),
    [
        ("answers.a ==", "expression: unexpected end of expression", 12, None),
        ("answers.a = 3", "expression: invalid syntax", 10, "use '==' to compare values"),
        ("lenn(answers.a)", "expression: unknown function 'lenn'", 0, "did you mean 'len'?"),
        ("answers.a and respondnt.x", "expression: unknown name 'respondnt'", 14,
         "did you mean 'respondent'?"),
        ("answer == 1", "expression: unknown name 'answer'", 0, "did you mean 'answers'?"),
    ],
)
def test_bad_expressions(when: str, message: str, offset: int, hint: str | None) -> None:
    problem = only([text("a"), text("b", when=when)])
    assert (problem.path, problem.message, problem.offset, problem.hint) == (
        ("nodes", 1, "when"), message, offset, hint)


def test_bad_template_offset_is_in_the_text() -> None:
    problem = only([text("a", help="Hi {respondent.name")])
    assert problem.path == ("nodes", 0, "help")
    assert problem.message == "text: '{' was never closed"
    assert problem.offset == 3


def test_confirm_of_unknown_or_later_question() -> None:
    found = problems([{"id": "c1", "type": "confirm", "of": "reason", "text": "Right?"},
                      text("reason"),
                      {"id": "c2", "type": "confirm", "of": "reasn", "text": "Right?"},
                      {"id": "c3", "type": "confirm", "of": "c3", "text": "Right?"}])
    assert [(p.path, p.message, p.hint) for p in found] == [
        (("nodes", 0, "of"),
         "'reason' is asked later; a confirmation must come after the question it confirms",
         None),
        (("nodes", 2, "of"), "'of' must name a question; there is no question 'reasn'",
         "did you mean 'reason'?"),
        (("nodes", 3, "of"),
         "'c3' is asked later; a confirmation must come after the question it confirms", None),
    ]


def test_options_from_must_be_an_earlier_choice_question() -> None:
    found = problems([
        text("tool"),
        {"id": "a", "type": "single_choice", "text": "A", "options_from": "tool"},
        {"id": "b", "type": "single_choice", "text": "B", "options_from": "later"},
        {"id": "later", "type": "single_choice", "text": "L", "options": ["x", "y"]},
    ])
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 1, "options_from"),
         "'options_from' must name an earlier choice question; 'tool' is not one"),
        (("nodes", 2, "options_from"), "'later' is asked later, so it has no answer yet"),
    ]
    assert found[0].hint != "did you mean 'tool'?"  # only choice questions are suggested


def test_options_from_suggests_a_choice_question() -> None:
    problem = only([CHOICE, {"id": "fav", "type": "single_choice", "text": "F",
                             "options_from": "tool"}])
    assert problem.hint == "did you mean 'tools'?"


def test_probe_wordings_must_cover_the_depth() -> None:
    problem = only([text("a", probes={"depth": 3, "wording": ["Why?", "Why {previous}?"]})])
    assert problem.path == ("nodes", 0, "probes", "wording")
    assert problem.message == "2 probe wording(s) for depth 3: give one text per level"


def test_probe_wordings_and_conditions_are_checked() -> None:
    found = problems([text("a", probes={"depth": 1, "wording": ["Why {answr}?"],
                                        "when": "len(answer) > 3 and previuos"})])
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 0, "probes", "wording", 0), "text: unknown name 'answr'"),
        (("nodes", 0, "probes", "when"), "expression: unknown name 'previuos'"),
    ]
    assert found[0].offset == len("Why {")
    assert found[1].hint == "did you mean 'previous'?"


def test_probe_wording_must_be_standard_or_a_list() -> None:
    problem = only([text("a", probes={"depth": 1, "wording": "fancy"})])
    assert problem.message == "'wording' must be 'standard' or a list of texts (got 'fancy')"


def test_calculation_cycles() -> None:
    found = problems([text("q")], calculations={
        "a": "calc.b + 1", "b": "calc.c", "c": "calc.a", "d": "calc.a", "e": "calc.e * 2"})
    assert [(p.path, p.message) for p in found] == [
        (("calculations", "a"), "calculations refer to each other in a circle: a → b → c → a"),
        (("calculations", "e"), "calculations refer to each other in a circle: e → e"),
    ]


def test_calculations_may_build_on_each_other() -> None:
    build([text("q")], calculations={"a": "calc.b + calc.c", "b": "calc.c", "c": "1"})


def test_multiple_choice_pick_limits() -> None:
    found = problems([
        {"id": "m", "type": "multiple_choice", "text": "M", "options": ["a", "b", "c"],
         "min_picks": 3, "max_picks": 2},
        {"id": "n", "type": "multiple_choice", "text": "N", "options": ["a", "b"],
         "min_picks": 3},
    ])
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 0, "min_picks"), "'min_picks' (3) is more than 'max_picks' (2)"),
        (("nodes", 1, "min_picks"), "'min_picks' (3) is more than the 2 options"),
    ]
    build([{"id": "m", "type": "multiple_choice", "text": "M", "options": ["a", "b"],
            "other": True, "min_picks": 3}])  # "other" is a third option


def test_choice_options() -> None:
    found = problems([
        {"id": "a", "type": "single_choice", "text": "A", "options": ["x", "x"]},
        {"id": "b", "type": "single_choice", "text": "B", "options": ["x"]},
        {"id": "c", "type": "single_choice", "text": "C", "options": ["x", "other"],
         "other": True},
    ])
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 0, "options", 1), "option value 'x' is used twice"),
        (("nodes", 1, "options"), "a choice question needs at least two options"),
        (("nodes", 2, "other"),
         "an option already has the value 'other'; rename it or drop 'other'"),
    ]


def test_number_bounds() -> None:
    problem = only([{"id": "n", "type": "number", "text": "N", "min": 2.5, "max": 1}])
    assert problem.path == ("nodes", 0, "min")
    assert problem.message == "'min' (2.5) is more than 'max' (1)"
    build([{"id": "n", "type": "number", "text": "N", "min": 1, "max": 1}])


@pytest.mark.parametrize("bad", ["2024-13-01", "2024-1-1", "20240101", "2024-02-30", "soon",
                                 "2024-W01-1", "２０２４-01-01"])
def test_date_bounds_must_be_iso_dates(bad: str) -> None:
    problem = only([{"id": "d", "type": "date", "text": "D", "max": bad}])
    assert problem.path == ("nodes", 0, "max")
    assert problem.message == f"'max' must be a date as YYYY-MM-DD (got '{bad}')"


def test_date_min_after_max() -> None:
    problem = only([{"id": "d", "type": "date", "text": "D", "min": "2024-12-01",
                     "max": "2024-01-01"}])
    assert problem.path == ("nodes", 0, "min")
    assert problem.message == "'min' (2024-12-01) is later than 'max' (2024-01-01)"
    build([{"id": "d", "type": "date", "text": "D", "min": "2024-01-01", "max": "2024-01-01"}])


def test_texts_need_the_default_language() -> None:
    found = problems(
        [text("a", text={"fr": "Bonjour"}), text("b", help={"en": "Hi", "de": "Hallo"}),
         {"id": "c", "type": "single_choice", "text": "C",
          "options": [{"value": "x", "label": {"fr": "X"}}, "y"]}],
        languages=["en", "fr"],
    )
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 0, "text"), "a text in the default language 'en' is required"),
        (("nodes", 1, "help", "de"), "language 'de' is not in the script's languages "
                                     "['en', 'fr']"),
        (("nodes", 2, "options", 0, "label"), "a text in the default language 'en' is required"),
    ]


def test_the_default_language_is_the_first() -> None:
    build([text("a", text={"fr": "Bonjour"})], languages=["fr", "en"])
    problem = only([text("a")], title={"en": "Title"}, languages=["fr", "en"])
    assert problem.path == ("title",)


@pytest.mark.parametrize("name", ["answers", "respondent", "calc", "role", "segments",
                                  "language", "answer", "previous", "item"])
def test_loop_names_cannot_shadow_other_names(name: str) -> None:
    inner = {"id": "inner", "type": "section", "loop": {"over": "answers.tools", "as": name},
             "nodes": [text("q")]}
    outer = {"id": "outer", "type": "section", "loop": {"over": "answers.tools"},
             "nodes": [inner]}
    problem = only([CHOICE, outer])
    assert problem.path == ("nodes", 1, "nodes", 0, "loop", "as")
    assert problem.message == f"loop name '{name}' is already used; choose another name"


def test_loop_names_are_known_inside_the_loop_only() -> None:
    build([CHOICE, {"id": "s", "type": "section", "title": "{tool.index}: {tool}",
                    "loop": {"over": "answers.tools", "as": "tool"},
                    "nodes": [text("q", text="{tool.label}?", when="tool.value != 'a'")]}])
    problem = only([CHOICE, {"id": "s", "type": "section", "loop": {"over": "answers.tools",
                                                                    "as": "tool"},
                             "nodes": [text("q")]}, text("after", text="{tool}")])
    assert problem.path == ("nodes", 2, "text")
    assert problem.message == "text: unknown name 'tool'"


def test_unknown_plugin_question_type() -> None:
    problem = only([{"id": "q", "type": "signature", "text": "Sign"}])
    assert problem.path == ("nodes", 0, "type")
    assert problem.message == "unknown question type 'signature'"
    compile_script(structure_document(document([{"id": "q", "type": "signature",
                                                 "text": "Sign"}])),
                   question_types={"signature": object()})


def test_referral_fields_must_include_name() -> None:
    found = problems([{"id": "r", "type": "referral", "text": "Who?",
                       "fields": ["email", "role"]}])
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 0, "fields"),
         "'fields' must include 'name': a referral needs the name of the person to ask")]


def test_carried_forward_options_have_no_other_option() -> None:
    found = problems([
        {"id": "a", "type": "multiple_choice", "text": "A?", "options": ["x", "y"], "other": True},
        {"id": "b", "type": "single_choice", "text": "B?", "options_from": "a", "other": True},
    ])
    assert [p.path for p in found] == [("nodes", 1, "other")]


def test_a_text_cannot_show_an_answer_asked_later() -> None:
    found = problems([
        {"id": "a", "type": "text", "text": "You will say {answers.b}"},
        {"id": "b", "type": "text", "text": "B?"},
    ])
    assert [(p.path, p.message, p.offset) for p in found] == [
        (("nodes", 0, "text"), "'answers.b' is asked later, so it has no answer yet", 14)]


# -- answers read outside their loop ------------------------------------------------------------

def looped(*inner: dict[str, Any], id_: str = "sec") -> dict[str, Any]:
    return {"id": id_, "type": "section", "loop": {"over": "answers.tools", "as": f"{id_}_item"},
            "nodes": list(inner)}


LOOP_MESSAGE = ("'answers.why' is answered once per item of the loop 'sec'; outside that loop it "
                "has no single answer")


def test_a_loop_answer_read_after_the_loop() -> None:
    found = problems([CHOICE, looped(text("why")),
                      text("after", when="answers.why != 'x'", help="You said {answers.why}")])
    assert [(p.path, p.message, p.offset) for p in found] == [
        (("nodes", 2, "when"), LOOP_MESSAGE, 0),
        (("nodes", 2, "help"), LOOP_MESSAGE, len("You said {")),
    ]


def test_a_loop_answer_read_by_a_calculation() -> None:
    problem = only([CHOICE, looped(text("why"))], calculations={"c": "len(answers.why) > 2"})
    assert (problem.path, problem.message) == (("calculations", "c"), LOOP_MESSAGE)


def test_a_loop_answer_read_from_another_loop() -> None:
    problem = only([CHOICE, looped(text("why")),
                    looped(text("again", when="answers.why"), id_="other")])
    assert (problem.path, problem.message) == (("nodes", 2, "nodes", 0, "when"), LOOP_MESSAGE)


def test_a_loop_answer_read_inside_its_loop_is_fine() -> None:
    build([CHOICE, looped(text("why"), text("more", when="answers.why", text="{answers.why}?"),
                          looped(text("deep", when="answers.why != answers.tools"), id_="inner"),
                          {"id": "ok", "type": "confirm", "of": "why", "text": "Right?"})])


def test_an_inner_loop_answer_read_in_the_outer_loop() -> None:
    problem = only([CHOICE, looped(looped(text("deep"), id_="inner"),
                                   text("after", when="answers.deep"))])
    assert problem.path == ("nodes", 1, "nodes", 1, "when")
    assert problem.message == ("'answers.deep' is answered once per item of the loop 'inner'; "
                               "outside that loop it has no single answer")


def test_a_loop_title_is_inside_its_loop() -> None:
    build([CHOICE, {**looped(text("why")), "title": "About {sec_item}: {answers.why}"}])


def test_confirm_and_options_from_of_a_loop_question_outside_the_loop() -> None:
    inner_choice = {"id": "pick", "type": "single_choice", "text": "P", "options": ["a", "b"]}
    found = problems([
        CHOICE, looped(text("why"), inner_choice),
        {"id": "c", "type": "confirm", "of": "why", "text": "Right?"},
        {"id": "f", "type": "single_choice", "text": "F", "options_from": "pick"},
    ])
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 2, "of"), "'of' names 'why', which is asked inside the loop 'sec'; a "
                             "confirmation of it must be inside that loop too"),
        (("nodes", 3, "options_from"),
         "'options_from' names 'pick', which is asked inside the loop 'sec'; a question that "
         "carries its options forward must be inside that loop too"),
    ]


# -- what 'of' and 'options_from' name ----------------------------------------------------------

def test_confirm_of_a_confirmation_or_a_referral() -> None:
    found = problems([
        text("q"), {"id": "c1", "type": "confirm", "of": "q", "text": "Right?"},
        {"id": "c2", "type": "confirm", "of": "c1", "text": "Sure?"},
        {"id": "r", "type": "referral", "text": "Who?", "end": False},
        {"id": "c3", "type": "confirm", "of": "r", "text": "Right?"},
    ])
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 2, "of"), "a confirmation plays back a question's answer; 'c1' is a "
                             "confirmation"),
        (("nodes", 4, "of"), "a confirmation plays back a question's answer; 'r' is a referral"),
    ]


def test_of_and_options_from_naming_a_statement_or_section() -> None:
    found = problems([
        {"id": "st", "type": "statement", "text": "Hello"},
        {"id": "sec", "type": "section", "nodes": [text("q")]},
        {"id": "c1", "type": "confirm", "of": "st", "text": "Right?"},
        {"id": "c2", "type": "confirm", "of": "sec", "text": "Right?"},
        {"id": "f", "type": "single_choice", "text": "F", "options_from": "st"},
    ])
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 2, "of"), "'of' must name a question; 'st' is a statement, not a question"),
        (("nodes", 3, "of"), "'of' must name a question; 'sec' is a section, not a question"),
        (("nodes", 4, "options_from"),
         "'options_from' must name an earlier choice question; 'st' is a statement, not a "
         "question"),
    ]


# -- pick limits and loops over lists -----------------------------------------------------------

def test_max_picks_more_than_the_options() -> None:
    found = problems([
        {"id": "m", "type": "multiple_choice", "text": "M", "options": ["a", "b"],
         "max_picks": 3},
        {"id": "n", "type": "multiple_choice", "text": "N", "options": ["a", "b"],
         "other": True, "max_picks": 4},
    ])
    assert [(p.path, p.message) for p in found] == [
        (("nodes", 0, "max_picks"), "'max_picks' (3) is more than the 2 options"),
        (("nodes", 1, "max_picks"), "'max_picks' (4) is more than the 3 options"),
    ]
    build([{"id": "m", "type": "multiple_choice", "text": "M", "options": ["a", "b"],
            "other": True, "max_picks": 3},  # "other" counts
           {"id": "n", "type": "multiple_choice", "text": "N", "options_from": "m",
            "max_picks": 9}])  # carried-forward options: not known until asked


@pytest.mark.parametrize(("question", "over", "kind"), [
    ({"id": "x", "type": "nps", "text": "N"}, "answers.x", "an nps"),
    ({"id": "x", "type": "yes_no", "text": "Y"}, " answers['x'] ", "a yes_no"),
    ({"id": "x", "type": "single_choice", "text": "S", "options": ["a", "b"]}, "answers.x",
     "a single_choice"),
])
def test_a_loop_goes_over_a_list(question: dict[str, Any], over: str, kind: str) -> None:
    problem = only([question, {"id": "s", "type": "section", "loop": {"over": over},
                               "nodes": [text("q")]}])
    assert problem.path == ("nodes", 1, "loop", "over")
    assert problem.message == (f"a loop goes over a list: 'x' is {kind} question, whose answer "
                               "is a single value")


def test_a_loop_over_an_expression_is_not_second_guessed() -> None:
    build([{"id": "x", "type": "nps", "text": "N"}, CHOICE,
           {"id": "s", "type": "section", "loop": {"over": "answers.tools if answers.x else []"},
            "nodes": [text("q")]}])


# -- nodes left out of the check -----------------------------------------------------------------

def test_references_to_unchecked_nodes_are_not_reported() -> None:
    nodes = [
        text("q", when="answers.gone and answers.missing", text="{answers.gone}"),
        {"id": "c", "type": "confirm", "of": "gone", "text": "Right?"},
        {"id": "f", "type": "single_choice", "text": "F", "options_from": "gone"},
        {"id": "s", "type": "section", "loop": {"over": "answers.gone"}, "nodes": [text("i")]},
    ]
    with pytest.raises(ScriptProblems) as raised:
        compile_script(structure_document(document(nodes)), unchecked_ids=frozenset({"gone"}))
    assert [(p.path, p.message) for p in raised.value.problems] == [
        (("nodes", 0, "when"), "'answers.missing': there is no question 'missing'")]


def test_an_unchecked_id_that_is_also_a_real_node_is_checked() -> None:
    problem = only([text("q", when="answers.later"), text("later")])
    with pytest.raises(ScriptProblems) as raised:
        compile_script(structure_document(document([text("q", when="answers.later"),
                                                     text("later")])),
                       unchecked_ids=frozenset({"later"}))
    assert raised.value.problems == [problem]
