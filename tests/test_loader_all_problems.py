"""The loader reports schema and semantic problems together, in one run.

When the schema check finds problems, the nodes that have them are left out of a repaired copy
(broken top-level fields get harmless defaults) and the rest of the script is still compiled
and checked; references to the nodes left out are not reported.
"""

from __future__ import annotations

import pytest

from dialogkit import loader
from dialogkit.diagnostics import ScriptError
from dialogkit.loader import load_script_text

ALL_KINDS = """\
dialogkit: 1
id: all-problems
title: T
purpose: P
estimated_minutes: 2
nodes:
  - id: intro
    type: statement
    text: Hello
    colour: blue
  - id: score
    type: nps
    text: How likely?
  - id: reason
    type: rating
    points: "5"
    text: Why?
  - id: why
    type: text
    text: "You gave {answers.score}"
    when: "answers.scor <= 6"
  - id: again
    type: yes_no
    text: Again?
    when: "answers.score >"
  - id: ok
    type: confirm
    of: reason
    text: "So {answers.reason}, {answers.intro}?"
    when: "answers.reason > 2"
"""


def lines(text: str, file: str = "s.yaml") -> list[str]:
    with pytest.raises(ScriptError) as raised:
        load_script_text(text, file)
    return [d.format() for d in raised.value.diagnostics]


def test_schema_and_semantic_problems_are_reported_together() -> None:
    assert lines(ALL_KINDS) == [
        "s.yaml:10:5: nodes[0].colour: statement 'intro': unknown field 'colour'",
        "s.yaml:16:13: nodes[2].points: question 'reason': 'points' must be an integer "
        "(got \"5\") (hint: remove the quotes)",
        "s.yaml:21:12: nodes[3].when: 'answers.scor': there is no question 'scor' "
        "(hint: did you mean 'score'?)",
        "s.yaml:25:27: nodes[4].when: expression: unexpected end of expression",
    ]


def test_nodes_left_out_keep_the_paths_of_the_others() -> None:
    text = """\
dialogkit: 1
id: nested
title: T
purpose: P
estimated_minutes: 2
nodes:
  - id: tools
    type: multiple_choice
    text: Tools?
    options: [a, b]
    max_picks: -1
  - id: sec
    type: section
    loop: {over: answers.tools}
    nodes:
      - id: broken
        type: number
        text: N
        min: low
      - id: inner
        type: text
        text: "{answers.nope}"
  - id: inner
    type: confirm
    of: broken
    text: Right?
"""
    found = lines(text)
    assert found[:2] == [
        "s.yaml:11:16: nodes[0].max_picks: question 'tools': 'max_picks' must be at least 0 "
        "(got -1)",
        "s.yaml:19:14: nodes[1].nodes[0].min: question 'broken': 'min' must be a number "
        "(got \"low\")",
    ]
    assert found[2:] == [
        "s.yaml:22:17: nodes[1].nodes[1].text: 'answers.nope': there is no question 'nope'",
        "s.yaml:23:9: nodes[2].id: duplicate id 'inner' (first used at nodes[1].nodes[1])",
    ]


def test_broken_top_level_fields_get_defaults() -> None:
    text = """\
dialogkit: 2
id: Not A Slug
title: T
purpose: P
estimated_minutes: five
languages: [fr, french]
roles:
  - {id: buyer, colour: red}
segments: [loyal]
calculations: {many: 3}
surprise: true
nodes:
  - id: q
    type: text
    text: {fr: "Bonjour {answers.zz}"}
    roles: [buyer]
    when: "calc.many"
"""
    found = [line.split(": ", 2)[1:] for line in lines(text)]
    assert [path for path, _ in found] == [
        "dialogkit", "id", "estimated_minutes", "languages[1]", "roles[0].colour",
        "calculations.many", "surprise", "nodes[0].text.fr",
    ]
    # the roles, languages and calculations were replaced, so what reads them isn't reported
    assert found[-1][1] == "'answers.zz': there is no question 'zz'"


def test_nodes_that_are_not_a_list() -> None:
    text = "dialogkit: 1\nid: x\ntitle: '{answers.q}'\npurpose: P\nestimated_minutes: 1\n" \
           "nodes: {id: q}\n"
    found = lines(text)
    assert [line.split(": ")[1] for line in found] == ["title", "nodes"]
    assert "there is no question 'q'" in found[0]


def test_a_document_that_is_not_a_mapping() -> None:
    assert len(lines("[1, 2]\n")) == 1


def test_if_the_repaired_copy_cannot_be_structured_only_schema_problems_are_reported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(_: object) -> None:
        raise ValueError("no")

    monkeypatch.setattr(loader, "structure_document", fail)
    assert len(lines(ALL_KINDS)) == 2


def test_without_semantic_problems_only_schema_problems_are_reported() -> None:
    found = lines(ALL_KINDS.replace("scor <=", "score <=").replace("score >", "score > 1"))
    assert len(found) == 2


def test_a_valid_script_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_: object) -> None:
        raise AssertionError("the rest is checked only after schema problems")

    monkeypatch.setattr(loader, "_check_the_rest", never)
    script = load_script_text(ALL_KINDS.replace("    colour: blue\n", "")
                              .replace(", {answers.intro}", "")
                              .replace('points: "5"', "points: 5")
                              .replace("scor <=", "score <=").replace("score >", "score > 1"))
    assert script.question_count == 5
