"""Load a script file: parse → JSON Schema → structure → compile and check.

Every stage reports its problems as located `Diagnostic`s, and all of them at once: a script
with five mistakes gets five lines, each with file, line and column. Schema problems stop the
later stages (their input would be wrong); the semantic checks all run together.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any

import cattrs

from dialogkit import source
from dialogkit.converter import structure_document
from dialogkit.diagnostics import Diagnostic, ScriptError, format_path, parse_path, sort_key
from dialogkit.schema_check import check_against_schema
from dialogkit.schemas import script_schema
from dialogkit.script import Script, ScriptProblems, compile_script

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
        raise ScriptError(sorted(problems, key=sort_key))
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
