"""The JSON Schemas dialogkit ships, and the script schema composed with plugin question types."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

SCRIPT_SCHEMA = "script.schema.json"
SCRIPT_SCHEMA_ID = "https://dialogkit.dev/schemas/script.schema.json"
QUESTION_FIELDS_REF = f"{SCRIPT_SCHEMA_ID}#/$defs/question_fields"
PLUGIN_DEF_PREFIX = "plugin:"

_TYPE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NON_QUESTION_TYPES = frozenset({"statement", "section"})
"""Node types that are not questions (they have no answer)."""


def _strict_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """`pattern`, with `$` meaning the very end: Python's `$` also matches before a final
    newline, which would let `"id\n"` through an `^...$` pattern."""
    if not validator.is_type(instance, "string"):
        return
    if re.search(pattern, instance) is None or (
            pattern.endswith("$") and instance.endswith("\n")):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


SchemaValidator = validators.extend(Draft202012Validator, {"pattern": _strict_pattern})
"""The validator for dialogkit's schemas: JSON Schema 2020-12 with strict `pattern`s."""


def schemas_dir() -> Traversable:
    """The folder holding the shipped schemas.

    The wheel force-includes the top-level ``schemas/`` as ``dialogkit/schemas`` (see
    pyproject.toml), so an installed package finds it with importlib.resources. An editable
    install maps ``dialogkit`` straight to ``src/dialogkit``, where no ``schemas`` folder
    exists: then the repository's top-level ``schemas/`` (two levels above this package) is
    the same folder, so use that.
    """
    packaged = resources.files("dialogkit") / "schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "schemas"


@functools.cache
def _load_cached(name: str) -> dict[str, Any]:
    return json.loads((schemas_dir() / name).read_text(encoding="utf-8"))


def load_schema(name: str) -> dict[str, Any]:
    """A shipped schema by file name (a fresh copy; the files are read once)."""
    return copy.deepcopy(_load_cached(name))


def node_types(schema: Mapping[str, Any]) -> list[str]:
    """The node ``type`` values a script schema allows."""
    return list(schema["$defs"]["node"]["properties"]["type"]["enum"])


def script_schema(question_types: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The script schema, with a node type per plugin question type.

    ``question_types`` maps a type name to the JSON Schema of that type's extra properties.
    Each becomes an allowed ``type`` value and an if/then branch whose node schema is the
    plugin's schema plus the common question fields; unknown properties are rejected.
    A plugin schema should not set ``additionalProperties: false`` (the branch already
    rejects unknown properties, and that keyword would also reject the common fields).
    """
    schema = load_schema(SCRIPT_SCHEMA)
    if not question_types:
        return schema
    node = schema["$defs"]["node"]
    enum: list[str] = node["properties"]["type"]["enum"]
    for name in sorted(question_types):
        if not _TYPE_NAME.match(name):
            raise ValueError(f"question type name {name!r} is not an id")
        if name in enum:
            raise ValueError(f"question type {name!r} is already defined")
        enum.append(name)
        def_name = PLUGIN_DEF_PREFIX + name
        schema["$defs"][def_name] = _plugin_node_schema(name, question_types[name])
        node["allOf"].append({
            "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
            "then": {"$ref": f"#/$defs/{def_name}"},
        })
    return schema


def _plugin_node_schema(name: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """Merge a plugin's schema for its extra properties with the common question fields."""
    branch = {k: copy.deepcopy(v) for k, v in extra.items() if k != "$schema"}
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if branch.get(keyword) is False:
            del branch[keyword]
    if "$ref" in branch:
        branch = {"allOf": [branch]}
    # Its own resource, so that the plugin's "#/..." references resolve inside its schema.
    branch.setdefault("$id", f"https://dialogkit.dev/schemas/question-types/{name}.schema.json")
    branch["$ref"] = QUESTION_FIELDS_REF
    branch["unevaluatedProperties"] = False
    return branch
