"""Parse a script file (YAML, or JSON as a subset of YAML 1.2) keeping positions.

ruamel.yaml's round-trip loader builds ``CommentedMap``/``CommentedSeq`` objects that remember
where each key, value and item starts. :func:`locate` walks a path (as jsonschema or cattrs
report it) through them to a 1-based line and column; :func:`to_plain` gives the builtin
dict/list/str/int/float/bool/None data that validation and structuring work on.

Every parse problem (unreadable file, bad encoding, YAML syntax, duplicate keys, a top level
that is not a mapping) raises :class:`~dialogkit.diagnostics.ScriptError`.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

from dialogkit.diagnostics import Diagnostic, PathItem, ScriptError

Position = tuple[int, int]
"""A 1-based (line, column)."""


@attrs.frozen
class Document:
    """A parsed script file: its text, the position-keeping data, and the same as plain data."""

    file: str
    text: str
    data: CommentedMap = attrs.field(repr=False)
    plain: dict[str, Any] = attrs.field(repr=False)


def load(path: str | os.PathLike[str], *, file: str | None = None) -> Document:
    """Read and parse ``path``; ``file`` is the name used in diagnostics (default: ``path``)."""
    name = file if file is not None else os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ScriptError([Diagnostic(name, 1, 1, "", f"cannot read the file: {reason}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
        before = raw[bom : exc.start].decode("utf-8", errors="replace")
        line, col = _offset_position(before, len(before))
        message = f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})"
        hint = "save the file with UTF-8 encoding"
        raise ScriptError([Diagnostic(name, line, col, "", message, hint)]) from None
    return parse(text, name)


def parse(text: str, file: str = "<string>") -> Document:
    """Parse YAML or JSON ``text``; the top level must be a mapping."""
    if not text.strip():
        raise ScriptError([_empty(file)])
    try:
        data = _yaml().load(text)
    except DuplicateKeyError as exc:
        # ruamel stops at the first one; list them all (it also catches keys equal only as
        # Python values, like 1 and true: then report its own finding).
        found = _duplicate_keys(text, file) or [_syntax_diagnostic(exc, text, file, "")]
        raise ScriptError(found) from None
    except YAMLError as exc:
        raise ScriptError([_syntax_diagnostic(exc, text, file)]) from None
    if data is None:
        raise ScriptError([_empty(file)])
    if not isinstance(data, CommentedMap):
        line, col = _container_position(data) or (0, 0)
        message = f"the top level must be a mapping of script fields (got {_kind(data)})"
        raise ScriptError([Diagnostic(file, line + 1, col + 1, "", message)])
    try:
        plain = to_plain(data)
    except RecursiveAliasError as exc:
        line, col = _container_position(exc.node) or (0, 0)
        message = "an alias refers to a mapping or list that contains it"
        raise ScriptError([Diagnostic(file, line + 1, col + 1, "", message)]) from None
    return Document(file=file, text=text, data=data, plain=plain)


class RecursiveAliasError(ValueError):
    """Raised by :func:`to_plain` for data that contains itself (``&a [*a]``)."""

    def __init__(self, node: Any) -> None:
        super().__init__("recursive alias")
        self.node = node


def to_plain(data: Any) -> Any:
    """``data`` as builtin dict/list/str/int/float/bool/None.

    Keys become strings; dates and times become ISO strings (so that the schema sees what an
    unquoted ``2024-01-01`` means to the author); ``!!binary`` becomes its base64 text.
    """
    return _plain(data, set())


def _plain(value: Any, active: set[int]) -> Any:
    if isinstance(value, Mapping | list | tuple):
        if id(value) in active:
            raise RecursiveAliasError(value)
        active.add(id(value))
        try:
            if isinstance(value, Mapping):
                return {_plain_key(k): _plain(v, active) for k, v in value.items()}
            return [_plain(v, active) for v in value]
        finally:
            active.discard(id(value))
    return _plain_scalar(value)


def _plain_scalar(value: Any) -> Any:
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, bool | ScalarBoolean):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _plain_key(key: Any) -> str:
    if isinstance(key, str):
        return str(key)
    plain = _plain_scalar(key) if not isinstance(key, Mapping | list | tuple) else str(key)
    if plain is None or isinstance(plain, bool):
        return {None: "null", True: "true", False: "false"}[plain]
    return str(plain)


# -- positions ------------------------------------------------------------------------------


def locate(document: Document | Any, path: Sequence[PathItem], *, key: bool = False) -> Position:
    """The 1-based (line, col) of the value at ``path``, or of its key when ``key`` is true.

    The walk stops at the deepest part of ``path`` that exists, so a path to a missing
    property gives the position of the mapping that lacks it. Items of a list have no key:
    ``key=True`` gives the item's position.
    """
    node = document.data if isinstance(document, Document) else document
    line, col = _container_position(node) or (0, 0)
    for index, item in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, CommentedMap):
            found = _find_key(node, item)
            if found is _MISSING:
                break
            child = node[found]
            pos = _key_position(node, found) if key and last else _value_position(node, found)
        elif isinstance(node, CommentedSeq) and _is_index(item) and -len(node) <= item < len(node):
            child = node[item]
            pos = _item_position(node, item % len(node))
        else:
            break
        if pos is not None:
            line, col = pos
        node = child
    return line + 1, col + 1


def locate_in_string(
    document: Document | Any, path: Sequence[PathItem], char_offset: int
) -> Position:
    """The 1-based (line, col) of character ``char_offset`` of the string value at ``path``.

    Exact for plain and quoted scalars on one line; for scalars that span lines (block
    scalars ``|``/``>``, folded plain or quoted ones) it follows the source lines, which is
    exact for literal blocks and a close estimate otherwise. Without the source text (a bare
    ruamel node instead of a :class:`Document`), it counts from the value's start.
    """
    line, col = locate(document, path)
    if not isinstance(document, Document):
        return line, col + max(0, char_offset)
    lines = document.text.splitlines()
    if line - 1 >= len(lines):
        return line, col
    return _walk_scalar(lines, line - 1, col - 1, max(0, char_offset))


def _walk_scalar(lines: list[str], row: int, col: int, offset: int) -> Position:
    first = lines[row]
    style = first[col : col + 1]
    if style in ("|", ">"):
        return _walk_block(lines, row, offset)
    quoted = style in ('"', "'")
    pos = col + 1 if quoted else col
    end = len(first.rstrip())
    # Walk the first line one value character at a time (an escape takes several).
    while offset > 0 and pos < end and not (quoted and _closes(first, pos, style)):
        pos += _source_width(first, pos, style)
        offset -= 1
    if offset == 0 or pos < end:
        return row + 1, pos + 1
    # The value goes on over the next lines; each line break folds into one character.
    offset -= 1
    for next_row in range(row + 1, len(lines)):
        text = lines[next_row]
        start = len(text) - len(text.lstrip(" \t"))
        content = len(text.rstrip()) - start
        if offset <= content:
            return next_row + 1, start + offset + 1
        offset -= content + 1
    return row + 1, pos + 1


def _closes(line: str, pos: int, style: str) -> bool:
    """Whether the quote at ``pos`` ends a quoted scalar of ``style``."""
    if style == "'":
        return line[pos] == "'" and not line.startswith("''", pos)
    return line[pos] == '"'


def _source_width(line: str, pos: int, style: str) -> int:
    """How many source characters encode the value character that starts at ``pos``."""
    if style == "'" and line.startswith("''", pos):
        return 2
    if style == '"' and line[pos] == "\\" and pos + 1 < len(line):
        widths = {"x": 4, "u": 6, "U": 10}
        return widths.get(line[pos + 1], 2)
    return 1


def _walk_block(lines: list[str], row: int, offset: int) -> Position:
    content_rows = range(row + 1, len(lines))
    indent = None
    for r in content_rows:
        if lines[r].strip():
            indent = len(lines[r]) - len(lines[r].lstrip(" "))
            break
    if indent is None:
        return row + 1, len(lines[row]) + 1
    for r in content_rows:
        text = lines[r]
        if text.strip() and len(text) - len(text.lstrip(" ")) < indent:
            break
        content = max(0, len(text) - indent)
        if offset <= content:
            return r + 1, indent + offset + 1
        offset -= content + 1
    return row + 2, indent + 1


_MISSING = object()


def _find_key(mapping: CommentedMap, item: PathItem) -> Any:
    if not isinstance(item, bool) and item in mapping:
        return item
    for key in mapping:
        if _plain_key(key) == str(item):
            return key
    return _MISSING


def _is_index(item: PathItem) -> bool:
    return isinstance(item, int) and not isinstance(item, bool)


def _container_position(node: Any) -> tuple[int, int] | None:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return None
    return lc.line, lc.col


def _key_position(mapping: CommentedMap, key: Any) -> tuple[int, int] | None:
    try:
        return tuple(mapping.lc.key(key))  # type: ignore[return-value]
    except (KeyError, TypeError):  # e.g. a key that came in through a merge (<<)
        return None


def _value_position(mapping: CommentedMap, key: Any) -> tuple[int, int] | None:
    try:
        line, col = mapping.lc.value(key)
    except (KeyError, TypeError):
        return None
    if mapping[key] is None:
        # An empty value has no token of its own: ruamel points at whatever follows it.
        key_pos = _key_position(mapping, key)
        if key_pos is not None and key_pos[0] != line:
            return key_pos
    return line, col


def _item_position(seq: CommentedSeq, index: int) -> tuple[int, int] | None:
    try:
        return tuple(seq.lc.item(index))  # type: ignore[return-value]
    except (KeyError, TypeError, IndexError):
        return None


# -- errors ---------------------------------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    # dates stay text: the schema and the checks judge them, so `2024-13-01` gets a located
    # message instead of a crash while loading
    yaml.constructor.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
    return yaml


def _timestamp_as_text(constructor: Any, node: ScalarNode) -> str:
    return str(constructor.construct_scalar(node))


def _empty(file: str) -> Diagnostic:
    return Diagnostic(file, 1, 1, "", "the file is empty", "a script is a mapping of fields, "
                      "starting with 'dialogkit: 1'")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool | ScalarBoolean):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


def _syntax_diagnostic(
    exc: YAMLError, text: str, file: str, prefix: str = "YAML syntax error: "
) -> Diagnostic:
    if isinstance(exc, ReaderError):
        line, col = _offset_position(text, exc.position)
        char = exc.character
        code = char if isinstance(char, int) else ord(str(char)[:1] or "?")
        message = f"the file contains a character YAML does not allow (U+{code:04X})"
        return Diagnostic(file, line, col, "", message)
    if not isinstance(exc, MarkedYAMLError):
        return Diagnostic(file, 1, 1, "", f"YAML error: {exc}")
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    message = f"{prefix}{problem}"
    if exc.context and exc.problem and exc.context_mark is not None:
        where = f"{exc.context_mark.line + 1}:{exc.context_mark.column + 1}"
        message += f" ({exc.context} started at {where})"
    hint = None
    lines = text.splitlines()
    if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
        hint = "indent with spaces: YAML does not allow tabs for indentation"
    elif "mapping values are not allowed" in problem:
        hint = "put quotes around a value that contains ': '"
    return Diagnostic(file, line, col, "", message, hint)


def _duplicate_keys(text: str, file: str) -> list[Diagnostic]:
    """One diagnostic per repeated key in any mapping of the file."""
    diagnostics: list[Diagnostic] = []
    stack: list[Node] = [_yaml().compose(text)]
    seen_nodes: set[int] = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[tuple[str, str], Node] = {}
            for key_node, value_node in node.value:
                stack.extend((key_node, value_node))
                if not isinstance(key_node, ScalarNode) or key_node.value == "<<":
                    continue
                ident = (str(getattr(key_node.tag, "value", key_node.tag)), key_node.value)
                if ident in first:
                    original = first[ident].start_mark.line + 1
                    mark = key_node.start_mark
                    message = f"duplicate key '{key_node.value}' (first given on line {original})"
                    diagnostics.append(Diagnostic(file, mark.line + 1, mark.column + 1, "",
                                                  message, "remove one of them"))
                else:
                    first[ident] = key_node
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return sorted(diagnostics, key=lambda d: (d.line, d.col))


def _offset_position(text: str, offset: int) -> Position:
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1
