"""Load a script file: parse → JSON Schema → structure → compile and check.

Every stage reports its problems as located `Diagnostic`s, and all of them at once: a script
with five mistakes gets five lines, each with file, line and column. When the schema check
finds problems, the rest of the script is still checked: the nodes with schema problems are
left out of a repaired copy (and broken top-level fields get harmless defaults), and the
semantic problems of that copy are reported with the schema problems.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

import cattrs

from dialogkit import source
from dialogkit.converter import structure_document
from dialogkit.diagnostics import (
    Diagnostic,
    PathItem,
    ScriptError,
    format_path,
    parse_path,
    sort_key,
)
from dialogkit.schema_check import check_against_schema
from dialogkit.schemas import script_schema
from dialogkit.script import Problem, Script, ScriptProblems, compile_script

__all__ = ["ScriptError", "load_script", "load_script_text"]


def load_script(path: str | os.PathLike[str], *,
                question_types: Mapping[str, Any] | None = None) -> Script:
    """Load and check the script file at `path`; raise `ScriptError` listing every problem.

    `question_types` maps plugin question type names to their `QuestionType` records (from a
    plugin registry); without it only the built-in types are known.
    """
    return _load(source.load(path), question_types or {})


def load_script_text(text: str, file: str = "<string>", *,
                     question_types: Mapping[str, Any] | None = None) -> Script:
    """Load a script from YAML or JSON text; `file` names it in diagnostics."""
    return _load(source.parse(text, file), question_types or {})


def script_version(plain: Mapping[str, Any]) -> str:
    """A content hash of the script: sessions pin it, so an edited script is a new version."""
    canonical = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _load(document: source.Document, question_types: Mapping[str, Any]) -> Script:
    schema = script_schema({name: record.schema for name, record in question_types.items()})
    problems = check_against_schema(document, document.plain, document.file, schema)
    if problems:
        more = _check_the_rest(document, problems, question_types)
        raise ScriptError(sorted([*problems, *more], key=sort_key))
    try:
        structured = structure_document(document.plain)
    except (cattrs.BaseValidationError, ValueError) as error:
        raise ScriptError(_structuring_diagnostics(document, error)) from None
    try:
        return compile_script(structured, file=document.file,
                              version=script_version(document.plain),
                              question_types=question_types, source=document)
    except ScriptProblems as error:
        diagnostics = [_locate(document, p.path, p.message, p.offset, p.hint)
                       for p in error.problems]
        raise ScriptError(sorted(diagnostics, key=sort_key)) from None


def _locate(document: source.Document, path: tuple[str | int, ...], message: str,
            offset: int | None, hint: str | None) -> Diagnostic:
    if offset is None:
        line, col = source.locate(document, path)
    else:
        line, col = source.locate_in_string(document, path, offset)
    return Diagnostic(document.file, line, col, format_path(path), message, hint)


def _structuring_diagnostics(document: source.Document, error: Exception) -> list[Diagnostic]:
    if not isinstance(error, cattrs.BaseValidationError):
        return [Diagnostic(document.file, 1, 1, "", str(error))]
    diagnostics = []
    for text in cattrs.transform_error(error):
        message, _, where = text.rpartition(" @ ")
        path = tuple(parse_path(where)) if where else ()
        diagnostics.append(_locate(document, path, message or text, None, None))
    return diagnostics


# -- checking the rest of a script with schema problems -----------------------------------------

Path = tuple[PathItem, ...]

_TOP_DEFAULTS: Mapping[str, Any] = {
    "dialogkit": 1, "id": "script", "title": "", "purpose": "", "estimated_minutes": 1,
    "languages": ["en"], "nodes": [],
}
"""Harmless stand-ins for broken top-level fields; other broken fields are left out."""
_REQUIRED = ("dialogkit", "id", "title", "purpose", "estimated_minutes", "nodes")

# Semantic problems that only follow from a top-level field having been replaced.
_CONSEQUENCES: Mapping[str, Callable[[str], bool]] = {
    "roles": lambda message: message.startswith("unknown role '"),
    "segments": lambda message: message.startswith("unknown segment '"),
    "calculations": lambda message: message.startswith("'calc.")
    and "there is no calculation" in message,
    "languages": lambda message: "is not in the script's languages" in message
    or message.startswith("a text in the default language"),
}
_FIRST_USED = re.compile(r"\(first used at (.+)\)$")


class _Repair:
    """A copy of a plain document without the parts that have schema problems."""

    def __init__(self, plain: Mapping[str, Any], paths: list[Path]) -> None:
        self.broken_nodes: set[Path] = set()
        self.broken_fields: set[str] = set()
        for path in paths:
            depth = _node_depth(path)
            if depth:
                self.broken_nodes.add(path[:depth])
            elif path:
                self.broken_fields.add(str(path[0]))
        self.removed_ids: set[str] = set()
        self.kept: dict[Path, list[int]] = {}
        """For each list of nodes (by its path in the original), the original indexes kept."""
        document = {k: v for k, v in plain.items() if k not in self.broken_fields}
        for name in self.broken_fields & _TOP_DEFAULTS.keys():
            document[name] = _TOP_DEFAULTS[name]
        if "nodes" in self.broken_fields and isinstance(plain.get("nodes"), list):
            document["nodes"] = plain["nodes"]  # a list with a problem of its own (too short)
        for name in _REQUIRED:
            document.setdefault(name, _TOP_DEFAULTS[name])
        if isinstance(document["nodes"], list):
            document["nodes"] = self.prune(document["nodes"], ("nodes",))
        self.document = document

    def prune(self, nodes: list[Any], at: Path) -> list[Any]:
        kept, out = [], []
        for index, node in enumerate(nodes):
            path = (*at, index)
            if path in self.broken_nodes:
                self.removed_ids.update(_ids_in(node))
                continue
            if isinstance(node, Mapping) and isinstance(node.get("nodes"), list):
                node = {**node, "nodes": self.prune(node["nodes"], (*path, "nodes"))}
            kept.append(index)
            out.append(node)
        self.kept[at] = kept
        return out

    def original_path(self, path: Path) -> Path:
        """The path in the original document of `path` in the repaired copy."""
        out: list[PathItem] = []
        for item in path:
            kept = self.kept.get(tuple(out)) if isinstance(item, int) else None
            out.append(kept[item] if kept is not None and item < len(kept) else item)
        return tuple(out)

    def original_message(self, message: str) -> str:
        """`message` with a path it names (duplicate ids) in the original's numbering."""
        match = _FIRST_USED.search(message)
        if match is None:
            return message
        try:
            path = self.original_path(tuple(parse_path(match.group(1))))
        except ValueError:
            return message
        return f"{message[:match.start(1)]}{format_path(path)})"

    def is_consequence(self, problem: Problem) -> bool:
        return any(_CONSEQUENCES[name](problem.message)
                   for name in self.broken_fields & _CONSEQUENCES.keys())


def _check_the_rest(document: source.Document, schema_problems: list[Diagnostic],
                    question_types: Mapping[str, Any]) -> list[Diagnostic]:
    """The semantic problems of the parts of the script without schema problems."""
    if not isinstance(document.plain, Mapping):
        return []
    try:
        paths = [tuple(parse_path(d.path)) for d in schema_problems]
    except ValueError:
        return []
    repair = _Repair(document.plain, paths)
    try:
        structured = structure_document(repair.document)
    except Exception:  # the copy still can't be structured: the schema problems must do
        return []
    try:
        compile_script(structured, file=document.file, question_types=question_types,
                       source=document, unchecked_ids=frozenset(repair.removed_ids))
    except ScriptProblems as error:
        return [_locate(document, repair.original_path(p.path), repair.original_message(
                    p.message), p.offset, p.hint)
                for p in error.problems if not repair.is_consequence(p)]
    return []


def _node_depth(path: Path) -> int:
    """How much of `path` leads to the innermost node it is in (0: not in a node)."""
    depth = 0
    while (len(path) > depth + 1 and path[depth] == "nodes"
           and isinstance(path[depth + 1], int) and not isinstance(path[depth + 1], bool)):
        depth += 2
    return depth


def _ids_in(node: Any) -> set[str]:
    """The ids of a node and of the nodes inside it, as far as they can be read."""
    ids: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            if isinstance(item.get("id"), str):
                ids.add(item["id"])
            if isinstance(item.get("nodes"), list):
                stack.extend(item["nodes"])
    return ids
