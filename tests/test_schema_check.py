"""The script JSON Schema, its composition with plugins, and located schema diagnostics."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from dialogkit import source
from dialogkit.commands.schema import schema as schema_command
from dialogkit.diagnostics import Diagnostic
from dialogkit.schema_check import check_against_schema
from dialogkit.schemas import load_schema, node_types, script_schema

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data" / "scripts"
BROKEN = DATA / "broken"

STARS = {
    "type": "object",
    "required": ["max_stars"],
    "properties": {
        "max_stars": {"$ref": "#/$defs/count"},
        "shape": {"enum": ["star", "heart"]},
    },
    "$defs": {"count": {"type": "integer", "minimum": 1, "maximum": 10}},
}


def check_file(path: Path, schema: dict[str, Any] | None = None) -> list[Diagnostic]:
    doc = source.load(path)
    return check_against_schema(doc, doc.plain, doc.file, schema or script_schema())


def check_text(text: str, schema: dict[str, Any] | None = None) -> list[Diagnostic]:
    doc = source.parse(text, "s.yaml")
    return check_against_schema(doc, doc.plain, doc.file, schema or script_schema())


def found(diagnostics: list[Diagnostic]) -> list[tuple[int, int, str]]:
    return [(d.line, d.col, d.message) for d in diagnostics]


def script(*nodes: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "dialogkit": 1, "id": "s", "title": "T", "purpose": "P", "estimated_minutes": 1,
        "nodes": list(nodes) or [{"id": "q", "type": "yes_no", "text": "OK?"}], **fields,
    }


def dump(data: Any) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


# -- the schema itself ----------------------------------------------------------------------


def test_shipped_schema_is_a_valid_2020_12_schema() -> None:
    core = load_schema("script.schema.json")
    Draft202012Validator.check_schema(core)
    assert core["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert core["$id"] == "https://dialogkit.dev/schemas/script.schema.json"
    Draft202012Validator.check_schema(script_schema({"stars": STARS}))


def test_every_node_type_of_the_reference_is_in_the_schema() -> None:
    reference = (ROOT / "docs" / "script-language.md").read_text(encoding="utf-8")
    table = reference.split("### Types", 1)[1].split("**Options**", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)
    assert documented == node_types(script_schema())


def test_script_schema_returns_a_fresh_copy() -> None:
    first = script_schema()
    first["$defs"]["node"]["properties"]["type"]["enum"].append("oops")
    assert "oops" not in node_types(script_schema())


# -- valid scripts --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["exit_interview.yaml", "all_types.yaml", "minimal.json"])
def test_valid_scripts_pass(name: str) -> None:
    assert check_file(DATA / name) == []


def reference_examples() -> list[str]:
    reference = (ROOT / "docs" / "script-language.md").read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", reference, flags=re.DOTALL)


@pytest.mark.parametrize("example", reference_examples())
def test_examples_of_the_reference_pass(example: str) -> None:
    """Each example, completed into a script where it is only a part of one, is valid."""
    example = re.sub(r"nodes: \[\.\.\.\].*", "nodes: [{id: q, type: yes_no, text: OK?}]", example)
    data = YAML(typ="safe").load(example)
    if isinstance(data, dict) and "dialogkit" in data:
        text = example  # the header: a whole script
    elif isinstance(data, list):
        text = json.dumps(script(*data))  # a list of nodes
    else:
        text = json.dumps(script({"id": "q", "type": "text", "text": "Q?", **data}))
    assert found(check_text(text)) == []


def test_all_valid_reference_examples_were_found() -> None:
    assert len(reference_examples()) >= 5


# -- broken scripts: exact positions and words -----------------------------------------------


def test_wrong_types() -> None:
    assert found(check_file(BROKEN / "wrong_types.yaml")) == [
        (5, 20, "'estimated_minutes' must be a number (got \"five\")"),
        (6, 12, "'languages' must be a list (got \"en\")"),
        (10, 11, "question 'q1': 'text' must be a text (a string, or a mapping from language "
                 "code to string) (got a list)"),
        (11, 15, "question 'q1': 'required' must be true or false (got \"yes\")"),
        (12, 17, "question 'q1': 'max_length' must be an integer (got 2.5)"),
        (16, 10, "question 'q2': 'min' must be a number (got \"1\")"),
        (17, 11, "question 'q2': 'when' must be an expression (a string) (got true)"),
    ]


def test_type_hints() -> None:
    hints = {d.path: d.hint for d in check_file(BROKEN / "wrong_types.yaml")}
    assert hints["nodes[0].required"] == "write true or false, without quotes"
    assert hints["nodes[1].min"] == "remove the quotes"
    assert hints["nodes[1].when"] == "put the value in quotes to make it a string"


def test_unknown_fields_point_at_the_key() -> None:
    diagnostics = check_file(BROKEN / "unknown_fields.yaml")
    assert found(diagnostics) == [
        (3, 1, "unknown field 'titel' (did you mean 'title'?)"),
        (8, 5, "question 'q1': 'options' or 'options_from' is required"),
        (11, 5, "question 'q1': unknown field 'optoins' (did you mean 'options'?)"),
        (15, 5, "question 'nps': unknown field 'points'"),
        (17, 7, "question 'nps': unknown field 'depht' in 'probes' (did you mean 'depth'?)"),
    ]
    by_path = {d.path: d for d in diagnostics}
    assert by_path["nodes[1].points"].hint == "'points' belongs to nodes of type rating"
    assert by_path["nodes[0].optoins"].format() == (
        f"{BROKEN / 'unknown_fields.yaml'}:11:5: nodes[0].optoins: "
        "question 'q1': unknown field 'optoins' (did you mean 'options'?)"
    )


def test_missing_fields_point_at_the_mapping() -> None:
    assert found(check_file(BROKEN / "missing_required.yaml")) == [
        (1, 1, "'purpose' is required"),
        (6, 5, "question 'q1': 'text' is required"),
        (8, 5, "question at nodes[1]: 'id' is required"),
        (8, 5, "question at nodes[1]: 'points' is required"),
        (10, 5, "question 'again': 'of' is required"),
        (13, 5, "section 'sec': 'nodes' is required"),
    ]


def test_rating_points_out_of_range() -> None:
    diagnostics = check_file(BROKEN / "rating_points.yaml")
    assert found(diagnostics) == [
        (10, 13, "question 'too_many': 'points' must be at most 11 (got 12)"),
        (14, 13, "question 'too_few': 'points' must be at least 2 (got 1)"),
    ]
    assert [d.path for d in diagnostics] == ["nodes[0].points", "nodes[1].points"]


def test_all_problems_are_reported_at_once() -> None:
    diagnostics = check_file(BROKEN / "many_problems.yaml")
    assert found(diagnostics) == [
        (1, 12, "'dialogkit' must be 1 (got 2)"),
        (2, 5, "'id' must be a slug: lower-case letters, digits, '-' and '_', starting with "
               "a letter or digit (got 'Many Problems')"),
        (5, 20, "'estimated_minutes' must be greater than 0 (got 0)"),
        (7, 9, "node '1st': 'id' must be an id: letters, digits and '_', not starting with a "
               "digit (got '1st')"),
        (8, 11, "node '1st': 'type' must be one of 'statement', 'text', 'single_choice', "
                "'multiple_choice', 'rating', 'nps', 'yes_no', 'number', 'date', 'confirm', "
                "'referral', 'section' (got 'slider')"),
        (14, 5, "question 'pick': 'options' and 'options_from' cannot be used together"),
        (15, 16, "question 'pick': 'min_picks' must be at least 0 (got -1)"),
        (19, 27, "question 'refer': 'fields[2]' must be one of 'name', 'email', 'phone', "
                 "'role', 'note' (got 'adress')"),
        (19, 35, "question 'refer': 'fields' lists 'email' more than once"),
        (23, 10, "question 'when_': 'max' must be a date: written YYYY-MM-DD (got '31/12/2024')"),
        (26, 40, "section 'loop': unknown field 'extra' in 'loop'"),
        (27, 12, "section 'loop': 'nodes' must not be empty"),
    ]


def test_unknown_type_suggests_the_closest_and_says_nothing_else() -> None:
    text = json.dumps(script({"id": "q", "type": "raiting", "text": "Rate", "points": 99}),
                      indent=1)
    [diagnostic] = check_text(text)
    assert diagnostic.path == "nodes[0].type"
    assert diagnostic.message.endswith("(got 'raiting'; did you mean 'rating'?)")
    assert "plugin" in (diagnostic.hint or "")


def test_problems_in_nested_sections_name_the_innermost_node() -> None:
    inner = {"id": "deep", "type": "rating", "text": "R", "points": 20}
    section = {"id": "outer", "type": "section", "nodes": [
        {"id": "mid", "type": "section", "nodes": [inner]}]}
    [diagnostic] = check_text(dump(script(section)))
    assert diagnostic.path == "nodes[0].nodes[0].nodes[0].points"
    assert diagnostic.message == "question 'deep': 'points' must be at most 11 (got 20)"


def test_a_node_that_is_not_a_mapping_gets_one_diagnostic() -> None:
    [diagnostic] = check_text(dump(script("just text")))
    assert diagnostic.message == (
        "'nodes[0]' must be a node (a mapping with 'id', 'type' and the type's fields) "
        "(got \"just text\")"
    )


def test_bad_language_key_points_at_the_key() -> None:
    text = dump(script({"id": "q", "type": "yes_no", "text": {"en": "Yes?", "English": "No"}}))
    [diagnostic] = check_text(text)
    assert diagnostic.path == "nodes[0].text.English"
    assert diagnostic.message == (
        "question 'q': 'English' in 'text' is not a language code (like 'en' or 'pt-BR')"
    )
    line = text.splitlines()[diagnostic.line - 1]
    assert line[diagnostic.col - 1:].startswith("English:")


def test_empty_and_oversized_lists() -> None:
    probes = {"depth": 5, "wording": ["a", "b", "c", "d", "e", "f"]}
    node = {"id": "q", "type": "single_choice", "text": "Q", "options": [], "probes": probes}
    messages = [d.message for d in check_text(dump(script(node)))]
    assert messages == [
        "question 'q': 'options' must not be empty",
        "question 'q': 'probes.wording' must have at most 5 items (got 6)",
    ]


def test_wording_must_be_standard_or_texts() -> None:
    node = {"id": "q", "type": "text", "text": "Q", "probes": {"wording": "fancy"}}
    [diagnostic] = check_text(dump(script(node)))
    assert diagnostic.message == "question 'q': 'probes.wording' must be 'standard' (got 'fancy')"


def test_exclusive_is_for_multiple_choice_only() -> None:
    option = {"value": "none", "label": "None", "exclusive": True}
    single = {"id": "s", "type": "single_choice", "text": "Q", "options": [option]}
    multiple = {**single, "id": "m", "type": "multiple_choice"}
    assert [d.message for d in check_text(dump(script(single, multiple)))] == [
        "question 's': unknown field 'exclusive' in 'options[0]'"
    ]


# -- plugin question types ------------------------------------------------------------------


def test_plugin_question_type() -> None:
    schema = script_schema({"stars": STARS})
    assert node_types(schema)[-1] == "stars"
    good = {"id": "fav", "type": "stars", "text": "How many?", "max_stars": 5, "shape": "heart",
            "required": False, "probes": {"depth": 1}}
    assert check_text(dump(script(good)), schema) == []
    bad = {"id": "fav", "type": "stars", "max_stars": 11, "colour": "red"}
    assert [d.message for d in check_text(dump(script(bad)), schema)] == [
        "question 'fav': 'text' is required",
        "question 'fav': 'max_stars' must be at most 10 (got 11)",
        "question 'fav': unknown field 'colour'",
    ]
    # without the plugin, the type is unknown
    [unknown] = check_text(dump(script(good)))
    assert unknown.path == "nodes[0].type"


def test_plugin_schema_with_additional_properties_false_keeps_question_fields() -> None:
    closed = {**STARS, "additionalProperties": False}
    node = {"id": "fav", "type": "stars", "text": "How many?", "max_stars": 5, "help": "Pick"}
    assert check_text(dump(script(node)), script_schema({"stars": closed})) == []


@pytest.mark.parametrize("name", ["nps", "section", "my-type", "1st"])
def test_plugin_type_names_must_be_new_ids(name: str) -> None:
    with pytest.raises(ValueError, match=repr(name)):
        script_schema({name: {}})


def test_schema_command_composes_registered_question_types(tmp_path: Path) -> None:
    registry = SimpleNamespace(question_types={"stars": SimpleNamespace(schema=STARS)})
    obj = SimpleNamespace(registry=registry)
    result = CliRunner().invoke(schema_command, [], obj=obj)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert "stars" in node_types(printed)
    assert result.output.startswith('{\n  "$schema"')

    out = tmp_path / "script.schema.json"
    result = CliRunner().invoke(schema_command, ["--output", str(out)], obj=obj)
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == printed


# -- property-based: valid nodes pass, a wrong type is found inside its node -----------------

ids = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,8}\Z")
languages = st.from_regex(r"\A[a-z]{2,3}(-[A-Za-z0-9]{1,4})?\Z")
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=20)
texts = st.one_of(words, st.dictionaries(languages, words, min_size=1, max_size=3))
expressions = words
id_lists = st.lists(ids, unique=True, max_size=3)
numbers = st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False))
dates = st.dates().map(lambda d: d.isoformat())

probes = st.fixed_dictionaries({}, optional={
    "depth": st.integers(0, 5),
    "wording": st.one_of(st.just("standard"), st.lists(texts, min_size=1, max_size=5)),
    "when": expressions,
    "stop": st.fixed_dictionaries({}, optional={
        "phrases": st.lists(words, max_size=3), "min_length": st.integers(0, 10)}),
})
NODE_FIELDS = {"when": expressions, "roles": id_lists, "segments": id_lists}
QUESTION_FIELDS = {**NODE_FIELDS, "help": texts, "interviewer": texts, "required": st.booleans(),
                   "prefer_not_to_say": st.booleans(), "probes": probes}


def option(exclusive: bool) -> st.SearchStrategy[Any]:
    optional = {"fixed": st.booleans()} | ({"exclusive": st.booleans()} if exclusive else {})
    mapping = st.fixed_dictionaries({"value": words, "label": texts}, optional=optional)
    return st.one_of(words, mapping)


def question(type_name: str, required: dict[str, Any] | None = None,
             **optional: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    fixed = {"type": st.just(type_name), "text": texts, **(required or {})}
    return st.fixed_dictionaries(fixed, optional={**QUESTION_FIELDS, **optional})


def choice(type_name: str, **more: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    source_field = st.one_of(
        st.fixed_dictionaries({"options": st.lists(option(type_name == "multiple_choice"),
                                                    min_size=1, max_size=4)}),
        st.fixed_dictionaries({"options_from": ids}),
    )
    extra = {"other": st.one_of(st.booleans(), texts), "randomize": st.booleans(), **more}
    return st.tuples(question(type_name, **extra), source_field).map(lambda p: {**p[0], **p[1]})


leaf_nodes = st.one_of(
    st.fixed_dictionaries({"type": st.just("statement"), "text": texts},
                          optional={**NODE_FIELDS, "interviewer": texts}),
    question("text", long=st.booleans(), max_length=st.integers(1, 10_000)),
    choice("single_choice"),
    choice("multiple_choice", min_picks=st.integers(0, 5), max_picks=st.integers(0, 5)),
    question("rating", {"points": st.integers(2, 11)}, low_label=texts, high_label=texts),
    question("nps", low_label=texts, high_label=texts),
    question("yes_no"),
    question("number", min=numbers, max=numbers, integer=st.booleans(), unit=texts),
    question("date", min=dates, max=dates),
    question("confirm", {"of": ids}),
    question("referral", fields=st.lists(st.sampled_from(["name", "email", "phone", "role",
                                                          "note"]), unique=True),
             end=st.booleans()),
)
sections = st.fixed_dictionaries(
    {"type": st.just("section"), "nodes": st.lists(leaf_nodes, min_size=1, max_size=3)},
    optional={**NODE_FIELDS, "title": texts, "randomize": st.booleans(),
              "loop": st.fixed_dictionaries({"over": expressions}, optional={"as": ids})},
)
nodes = st.one_of(leaf_nodes, sections)


def with_ids(node_list: list[dict[str, Any]], prefix: str = "n") -> list[dict[str, Any]]:
    result = []
    for index, node in enumerate(node_list):
        node = {"id": f"{prefix}{index}", **node}
        if node["type"] == "section":
            node["nodes"] = with_ids(node["nodes"], f"{prefix}{index}_")
        result.append(node)
    return result


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(st.lists(nodes, min_size=1, max_size=4))
def test_valid_nodes_pass(node_list: list[dict[str, Any]]) -> None:
    assert found(check_text(dump(script(*with_ids(node_list))))) == []


@PROPERTY_SETTINGS
@given(st.lists(nodes, min_size=1, max_size=4), st.data())
def test_a_field_of_the_wrong_type_is_reported_inside_its_node(
    node_list: list[dict[str, Any]], data: st.DataObject
) -> None:
    node_list = with_ids(node_list)
    index = data.draw(st.integers(0, len(node_list) - 1), label="node")
    field = data.draw(st.sampled_from(sorted(node_list[index])), label="field")
    node_list[index][field] = [None]  # no field accepts a list holding null
    text = dump(script(*node_list))
    diagnostics = check_text(text)
    assert diagnostics

    doc = source.parse(text)
    first = source.locate(doc, ["nodes", index])[0]
    last = (source.locate(doc, ["nodes", index + 1])[0] - 1 if index + 1 < len(node_list)
            else len(text.splitlines()))
    assert any(first <= d.line <= last for d in diagnostics), (first, last, diagnostics)
    assert all(d.path.startswith(f"nodes[{index}]") for d in diagnostics)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "type", "text", "nodes", "options", "points", "en", "loop"])
        | st.text(max_size=4), inner, max_size=4),
    max_leaves=15,
)


@PROPERTY_SETTINGS
@given(st.lists(json_values | nodes, max_size=3),
       st.dictionaries(st.sampled_from(["title", "languages", "roles", "calculations",
                                        "probe_defaults", "zz"]), json_values, max_size=3))
def test_any_document_gets_located_plain_words(
    node_list: list[Any], fields: dict[str, Any]
) -> None:
    text = dump({**script(), "nodes": node_list, **fields})
    line_count = len(text.splitlines())
    for diagnostic in check_text(text, script_schema({"stars": STARS})):
        assert 1 <= diagnostic.line <= line_count
        assert "valid under" not in diagnostic.message
        assert "is not of type" not in diagnostic.message
