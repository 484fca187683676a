"""Parsing with positions (dialogkit.source) and diagnostics (dialogkit.diagnostics)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogkit import source
from dialogkit.cli import main
from dialogkit.diagnostics import Diagnostic, ScriptError, format_path, parse_path

DATA = Path(__file__).parent / "data" / "scripts"

TEXT = """\
dialogkit: 1
title: Hello
purpose: >-
  Folded over
  two lines.
nodes:
  - id: q1
    type: single_choice
    text: "Say \\"hi\\" {answers.x}"
    options: [a, b]
    empty:
  - id: q2
    when: 'it''s {x}'
    help: |
      first line
      second {y}
    stop: {min_length: 3}
"""


@pytest.fixture
def doc() -> source.Document:
    return source.parse(TEXT, "t.yaml")


def diagnostics_of(text: str, file: str = "t.yaml") -> list[tuple[int, int, str]]:
    with pytest.raises(ScriptError) as info:
        source.parse(text, file)
    return [(d.line, d.col, d.message) for d in info.value.diagnostics]


# -- locate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        ([], False, (1, 1)),
        (["dialogkit"], False, (1, 12)),
        (["dialogkit"], True, (1, 1)),
        (["nodes"], False, (7, 3)),
        (["nodes", 0], False, (7, 5)),
        (["nodes", 0], True, (7, 5)),  # list items have no key
        (["nodes", 0, "type"], False, (8, 11)),
        (["nodes", 0, "type"], True, (8, 5)),
        (["nodes", 0, "options", 1], False, (10, 18)),
        (["nodes", 1, "stop", "min_length"], False, (17, 24)),
        (["nodes", 1, "stop", "min_length"], True, (17, 12)),
        (["nodes", 0, "empty"], False, (11, 5)),  # an empty value: at its key
    ],
)
def test_locate(doc: source.Document, path: list, key: bool, expected: tuple[int, int]) -> None:
    assert source.locate(doc, path, key=key) == expected
    assert source.locate(doc.data, path, key=key) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["nodes", 0, "missing"], (7, 5)),  # a missing property: the mapping that lacks it
        (["nodes", 0, "type", "deeper"], (8, 11)),  # cannot go into a scalar
        (["nodes", 9, "text"], (7, 3)),  # no such item: the list
        (["nodes", "x"], (7, 3)),
        (["nodes", -1], (12, 5)),
        (["nope"], (1, 1)),
    ],
)
def test_locate_stops_at_the_deepest_existing_part(
    doc: source.Document, path: list, expected: tuple[int, int]
) -> None:
    assert source.locate(doc, path) == expected


def test_locate_a_merged_key_falls_back_to_the_mapping() -> None:
    doc = source.parse("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n")
    assert source.locate(doc, ["c", "y"]) == (4, 6)
    assert source.locate(doc, ["c", "x"]) == (3, 3)


def test_locate_non_string_keys() -> None:
    doc = source.parse("1: one\nnull: nothing\nfalse: no\n")
    assert doc.plain == {"1": "one", "null": "nothing", "false": "no"}
    assert source.locate(doc, ["1"]) == (1, 4)
    assert source.locate(doc, ["null"], key=True) == (2, 1)
    assert source.locate(doc, ["false"]) == (3, 8)


def test_keys_equal_as_python_values_are_duplicates() -> None:
    # 1 and true are the same dict key in Python; ruamel reports it, and so do we.
    [(line, col, message)] = diagnostics_of("1: one\ntrue: yes\n")
    assert (line, col) == (2, 1)
    assert message.startswith("found duplicate key")


# -- locate_in_string -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "offset", "expected"),
    [
        (["title"], 0, (2, 8)),
        (["title"], 3, (2, 11)),
        # "Say \"hi\" {answers.x}": the value's '{' is character 9, after two escapes
        (["nodes", 0, "text"], 0, (9, 12)),
        (["nodes", 0, "text"], 4, (9, 16)),  # the escaped quote
        (["nodes", 0, "text"], 9, (9, 23)),
        # 'it''s {x}': '' is one character
        (["nodes", 1, "when"], 5, (13, 18)),
        # literal block: "first line\nsecond {y}"
        (["nodes", 1, "help"], 0, (15, 7)),
        (["nodes", 1, "help"], 11, (16, 7)),
        (["nodes", 1, "help"], 18, (16, 14)),
        # folded block: "Folded over two lines."
        (["purpose"], 12, (5, 3)),
    ],
)
def test_locate_in_string(
    doc: source.Document, path: list, offset: int, expected: tuple[int, int]
) -> None:
    value = doc.plain
    for item in path:
        value = value[item]
    line, col = expected
    assert source.locate_in_string(doc, path, offset) == expected
    if "\n" not in value[:offset] and path[0] != "purpose":
        assert TEXT.splitlines()[line - 1][col - 1] == value[offset] or value[offset] in "\"'"


def test_locate_in_string_multiline_plain_scalar() -> None:
    doc = source.parse("when: answers.a and\n  answers.b\n")
    assert doc.plain["when"] == "answers.a and answers.b"
    assert source.locate_in_string(doc, ["when"], 14) == (2, 3)
    assert source.locate_in_string(doc, ["when"], 22) == (2, 11)


def test_locate_in_string_without_source_text(doc: source.Document) -> None:
    assert source.locate_in_string(doc.data, ["title"], 3) == (2, 11)


# -- to_plain -------------------------------------------------------------------------------


def test_to_plain_gives_builtins() -> None:
    doc = source.parse(
        "a: 1.5\nb: 0x10\nc: true\nd: 2024-01-31\ne: 2024-01-31 10:30:00\nf: ~\n"
        "g: [1, {h: i}]\nj: !!binary aGk=\nk: >\n  folded\n"
    )
    plain = doc.plain
    assert plain == {
        # dates and times stay as written: the schema and the checks judge them
        "a": 1.5, "b": 16, "c": True, "d": "2024-01-31", "e": "2024-01-31 10:30:00", "f": None,
        "g": [1, {"h": "i"}], "j": "aGk=", "k": "folded\n",
    }
    assert source.to_plain(doc.data) == plain

    def kinds(value: object) -> object:
        if isinstance(value, dict):
            return {k: kinds(v) for k, v in value.items()}
        if isinstance(value, list):
            return [kinds(v) for v in value]
        return type(value)

    assert kinds(plain) == {
        "a": float, "b": int, "c": bool, "d": str, "e": str, "f": type(None),
        "g": [int, {"h": str}], "j": str, "k": str,
    }
    assert type(next(iter(plain))) is str
    assert source.to_plain(dt.time(10, 30)) == "10:30:00"


def test_recursive_data_is_refused() -> None:
    data: list[object] = [1]
    data.append(data)
    with pytest.raises(source.RecursiveAliasError):
        source.to_plain({"a": data})
    # ruamel itself leaves a recursive alias empty
    assert source.parse("a: &x [1, *x]\n").plain == {"a": [1, None]}


# -- parse problems -------------------------------------------------------------------------


def test_yaml_syntax_error_is_located() -> None:
    assert diagnostics_of("a: [1, 2\nb: 3\n") == [
        (2, 2, "YAML syntax error: expected ',' or ']', but got ':' "
               "(while parsing a flow sequence started at 1:4)")
    ]


def test_unquoted_colon_gets_a_hint() -> None:
    with pytest.raises(ScriptError) as info:
        source.parse("title: Note: this\n")
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.line, diagnostic.col) == (1, 12)
    assert diagnostic.hint == "put quotes around a value that contains ': '"


def test_tab_indentation() -> None:
    with pytest.raises(ScriptError) as info:
        source.load(DATA / "broken" / "tabs.yaml")
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.line, diagnostic.col) == (4, 1)
    assert diagnostic.message == (
        "YAML syntax error: found character '\\t' that cannot start any token"
    )
    assert diagnostic.hint == "indent with spaces: YAML does not allow tabs for indentation"


def test_every_duplicate_key_is_reported() -> None:
    with pytest.raises(ScriptError) as info:
        source.load(DATA / "broken" / "duplicate_keys.yaml")
    assert [(d.line, d.col, d.message) for d in info.value.diagnostics] == [
        (10, 5, "duplicate key 'text' (first given on line 9)"),
        (11, 1, "duplicate key 'title' (first given on line 3)"),
    ]
    assert str(info.value).splitlines()[0] == (
        f"{DATA / 'broken' / 'duplicate_keys.yaml'}:10:5: duplicate key 'text' "
        "(first given on line 9) (hint: remove one of them)"
    )


def test_same_key_in_different_mappings_is_fine() -> None:
    doc = source.parse("a: {x: 1}\nb: {x: 2}\nc: [{x: 1}, {x: 2}]\n")
    assert doc.plain["c"] == [{"x": 1}, {"x": 2}]


@pytest.mark.parametrize("text", ["", "  \n\n", "# only a comment\n", "---\n"])
def test_empty_file(text: str) -> None:
    assert diagnostics_of(text) == [(1, 1, "the file is empty")]


@pytest.mark.parametrize(
    ("text", "got"),
    [("- a\n- b\n", "a list"), ("hello\n", "a string"), ("42\n", "a number")],
)
def test_top_level_must_be_a_mapping(text: str, got: str) -> None:
    assert diagnostics_of(text) == [
        (1, 1, f"the top level must be a mapping of script fields (got {got})")
    ]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ScriptError) as info:
        source.load(tmp_path / "missing.yaml")
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.file == str(tmp_path / "missing.yaml")
    assert (diagnostic.line, diagnostic.col) == (1, 1)
    assert diagnostic.message.startswith("cannot read the file: ")


def test_invalid_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\ntitle: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScriptError) as info:
        source.load(path, file="latin1.yaml")
    assert [(d.file, d.line, d.col, d.message) for d in info.value.diagnostics] == [
        ("latin1.yaml", 2, 11, "the file is not valid UTF-8 (byte 0xe9)")
    ]


def test_control_character() -> None:
    assert diagnostics_of('a: 1\nb: "x\x07"\n') == [
        (2, 6, "the file contains a character YAML does not allow (U+0007)")
    ]


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert source.load(path).plain == {"a": 1}


def test_json_with_tabs_keeps_positions() -> None:
    doc = source.load(DATA / "minimal.json")
    assert doc.plain["nodes"][0] == {"id": "ok", "type": "yes_no", "text": "All good?"}
    assert source.locate(doc, ["estimated_minutes"]) == (6, 23)
    assert source.locate(doc, ["nodes", 0, "text"], key=True) == (8, 34)
    assert source.locate(doc, ["purpose", "en"]) == (5, 20)


# -- diagnostics ----------------------------------------------------------------------------


def test_diagnostic_format() -> None:
    full = Diagnostic("s.yaml", 3, 5, "nodes[0].points", "too many", hint="use 11")
    assert full.format() == "s.yaml:3:5: nodes[0].points: too many (hint: use 11)"
    assert str(Diagnostic("s.yaml", 1, 1, "", "empty")) == "s.yaml:1:1: empty"
    assert Diagnostic("s.yaml", 1, 1, "", "x", severity="warning").severity == "warning"
    error = ScriptError([full, Diagnostic("s.yaml", 1, 1, "", "empty")])
    assert str(error) == "s.yaml:3:5: nodes[0].points: too many (hint: use 11)\ns.yaml:1:1: empty"
    assert len(error.diagnostics) == 2


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ([], ""),
        (["nodes", 3, "points"], "nodes[3].points"),
        (["text", "pt-BR"], "text.pt-BR"),
        (["calculations", "a b"], 'calculations["a b"]'),
        ([0, "x"], "[0].x"),
    ],
)
def test_paths(path: list, text: str) -> None:
    assert format_path(path) == text
    assert parse_path(text) == path


def test_parse_path_accepts_cattrs_style_and_rejects_junk() -> None:
    assert parse_path("$.nodes[2].text") == ["nodes", 2, "text"]
    with pytest.raises(ValueError, match="not a path"):
        parse_path("nodes..x")


def test_an_impossible_unquoted_date_is_reported_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("dialogkit: 1\nid: d\ntitle: T\npurpose: P\nestimated_minutes: 1\nnodes:\n"
                    "  - {id: day, type: date, text: When?, max: 2024-12-32}\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"{path}:7:")
    assert "'max' must be a date as YYYY-MM-DD (got '2024-12-32')" in result.output
