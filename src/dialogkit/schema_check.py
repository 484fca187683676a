"""Check a parsed script against its JSON Schema, with located, plain-words diagnostics.

jsonschema reports paths (``nodes/3/points``) and generic messages. This module reports every
problem once, at its line and column, and in words that name the node::

    question 'nps': 'points' must be at most 11 (got 12)
    question 'q1': unknown field 'optoins' (did you mean 'options'?)

Positions: a problem with a value points at the value; an unknown field (or a bad key) points
at the key; a missing field points at the mapping that lacks it (its first key).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from dialogkit.diagnostics import Diagnostic, PathItem, format_path, sort_key
from dialogkit.schemas import NON_QUESTION_TYPES, SchemaValidator
from dialogkit.source import locate

Path = tuple[PathItem, ...]

_JSON_TYPES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}

# Words for values that must have the shape of a shared definition (by `$defs` name).
_DEF_NOUNS = {
    "text": "a text (a string, or a mapping from language code to string)",
    "option": "an option (a string, or a mapping with 'value' and 'label')",
    "multiple_choice_option": "an option (a string, or a mapping with 'value' and 'label')",
    "node": "a node (a mapping with 'id', 'type' and the type's fields)",
    "expression": "an expression (a string)",
}

# What a pattern means, as (noun, explanation).
_PATTERNS = {
    "^[A-Za-z_][A-Za-z0-9_]*$": ("an id", "letters, digits and '_', not starting with a digit"),
    "^[a-z0-9][a-z0-9_-]*$": (
        "a slug", "lower-case letters, digits, '-' and '_', starting with a letter or digit"
    ),
    "^[a-z]{2,3}(-[A-Za-z0-9]+)?$": ("a language code", "like 'en' or 'pt-BR'"),
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": ("a date", "written YYYY-MM-DD"),
}


@attrs.frozen
class _Problem:
    path: tuple[PathItem, ...]
    message: str
    hint: str | None = None
    kind: str = ""
    at: tuple[PathItem, ...] | None = None  # where to point, when not at ``path``
    key: bool = False  # point at the key rather than the value


def check_against_schema(
    document: Any, plain: Any, file: str, schema: Mapping[str, Any]
) -> list[Diagnostic]:
    """All the ways ``plain`` breaks ``schema``, located through ``document``.

    ``document`` is the position-keeping parse (a :class:`dialogkit.source.Document` or its
    ``data``) of which ``plain`` is the plain-data form. One diagnostic per problem, sorted by
    position.
    """
    checker = _Checker(plain, schema)
    problems: list[_Problem] = []
    for error in SchemaValidator(schema).iter_errors(plain):
        problems.extend(checker.explain(error))
    diagnostics: dict[tuple[Any, ...], Diagnostic] = {}
    for problem in _without_consequences(problems):
        prefix = checker.node_prefix(problem.path)
        at = problem.at if problem.at is not None else problem.path
        line, col = locate(document, at, key=problem.key)
        diagnostic = Diagnostic(
            file, line, col, format_path(problem.path), prefix + problem.message, problem.hint
        )
        diagnostics.setdefault((diagnostic.path, diagnostic.message), diagnostic)
    return sorted(diagnostics.values(), key=sort_key)


def _without_consequences(problems: list[_Problem]) -> Iterator[_Problem]:
    """Drop problems that follow from a wrong type at the same place."""
    wrong_type = {p.path for p in problems if p.kind == "type"}
    for problem in problems:
        if problem.kind == "type" or problem.path not in wrong_type:
            yield problem


class _Checker:
    """Turns jsonschema errors into :class:`_Problem` records for one document."""

    def __init__(self, plain: Any, schema: Mapping[str, Any]) -> None:
        self.plain = plain
        self.schema = schema
        defs = schema.get("$defs", {})
        self.def_names = {id(sub): name for name, sub in defs.items()}
        node = defs.get("node", {})
        type_schema = node.get("properties", {}).get("type", {})
        self.node_types: list[str] = list(type_schema.get("enum", []))
        resource = DRAFT202012.create_resource(schema)
        base = schema.get("$id", "")
        registry = Registry().with_resource(base, resource).crawl()
        self.resolver: Any = registry.resolver(base_uri=base)  # a referencing Resolver
        self._fields_by_type: dict[str, set[str]] | None = None
        self._handlers: dict[str, Callable[[ValidationError, Path], list[_Problem]]] = {
            "type": self._on_type,
            "enum": self._on_enum,
            "const": self._on_const,
            "uniqueItems": self._on_unique_items,
            "pattern": self._on_pattern,
            "required": self._on_required,
            "additionalProperties": self._on_additional_properties,
            "unevaluatedProperties": self._on_unevaluated_properties,
            "not": self._on_not,
            "anyOf": self._on_any_of,
            "oneOf": self._on_any_of,
            "false": self._on_false,
        }

    # -- naming ---------------------------------------------------------------------------

    def node_context(self, path: Sequence[PathItem]) -> tuple[int, Mapping[str, Any] | None]:
        """How much of ``path`` leads to the innermost node containing it, and that node."""
        value, depth, node = self.plain, 0, None
        for index, item in enumerate(path):
            is_node = (
                index == depth + 1 and path[index - 1] == "nodes"
                and isinstance(item, int) and (node is not None or depth == 0)
            )
            try:
                value = value[item]
            except (KeyError, IndexError, TypeError):
                break
            if is_node and isinstance(value, Mapping):
                depth, node = index + 1, value
        return depth, node

    def node_prefix(self, path: Sequence[PathItem]) -> str:
        """``question 'q1': `` for a problem inside node q1; ``""`` outside nodes."""
        depth, node = self.node_context(path)
        if node is None:
            return ""
        node_type = node.get("type")
        if not isinstance(node_type, str) or node_type not in self.node_types:
            kind = "node"
        elif node_type in NON_QUESTION_TYPES:
            kind = node_type
        else:
            kind = "question"
        node_id = node.get("id")
        if isinstance(node_id, str) and node_id:
            return f"{kind} {_quote(node_id)}: "
        return f"{kind} at {format_path(path[:depth])}: "

    def field(self, path: Sequence[PathItem]) -> str:
        """The name of the value at ``path``, relative to its node (``'probes.depth'``)."""
        depth, node = self.node_context(path)
        rel = path[depth:] if node is not None else path
        return _quote(format_path(rel)) if rel else "this value"

    # -- explaining -----------------------------------------------------------------------

    def explain(self, error: ValidationError) -> list[_Problem]:
        """The problems one jsonschema error stands for (usually one)."""
        path = tuple(error.absolute_path)
        kind = str(error.validator)
        if "propertyNames" in error.absolute_schema_path:
            return [self._bad_key(error, path)]
        if kind in _BOUNDS:
            words = f"must be {_BOUNDS[kind]} {error.validator_value} (got {error.instance})"
            return [_Problem(path, self._about(path, words), kind=kind)]
        if kind in _SIZES:
            return [_Problem(path, self._about(path, _size_words(error)), kind=kind)]
        handler = self._handlers.get(kind)
        if handler is not None:
            return handler(error, path)
        return [_Problem(path, self._about(path, _first_line(error.message)), kind=kind)]

    def _about(self, path: Sequence[PathItem], words: str) -> str:
        return f"{self.field(path)} {words}"

    def _on_type(self, error: ValidationError, path: Path) -> list[_Problem]:
        expected = error.validator_value
        types = [expected] if isinstance(expected, str) else list(expected)
        noun = _DEF_NOUNS.get(self.def_names.get(id(error.schema), ""))
        if noun is None:
            noun = " or ".join(_JSON_TYPES.get(t, t) for t in types)
        message = self._about(path, f"must be {noun} (got {_show_json(error.instance)})")
        return [_Problem(path, message, _type_hint(types, error.instance), kind="type")]

    def _on_enum(self, error: ValidationError, path: Path) -> list[_Problem]:
        allowed = list(error.validator_value)
        got = f"got {_quote(error.instance)}"
        suggestion = _suggest(error.instance, [a for a in allowed if isinstance(a, str)])
        if suggestion:
            got += f"; did you mean {_quote(suggestion)}?"
        words = f"must be one of {', '.join(_quote(v) for v in allowed)} ({got})"
        hint = None
        if path[-1:] == ("type",) and self.node_context(path)[1] is not None:
            hint = "question types added by plugins are known only when the plugin is installed"
        return [_Problem(path, self._about(path, words), hint, kind="enum")]

    def _on_const(self, error: ValidationError, path: Path) -> list[_Problem]:
        words = f"must be {_quote(error.validator_value)} (got {_quote(error.instance)})"
        return [_Problem(path, self._about(path, words), kind="const")]

    def _on_unique_items(self, error: ValidationError, path: Path) -> list[_Problem]:
        items = list(error.instance)
        for index, item in enumerate(items):
            if item in items[:index]:
                words = f"lists {_quote(item)} more than once"
                return [_Problem(path, self._about(path, words), "remove the repeated item",
                                 kind="uniqueItems", at=(*path, index))]
        return [_Problem(path, self._about(path, "must not repeat items"), kind="uniqueItems")]

    def _on_pattern(self, error: ValidationError, path: Path) -> list[_Problem]:
        noun, explanation = _pattern_words(error.validator_value)
        words = f"must be {noun}: {explanation} (got {_quote(error.instance)})"
        return [_Problem(path, self._about(path, words), kind="pattern")]

    def _bad_key(self, error: ValidationError, path: Path) -> _Problem:
        """An error from ``propertyNames``: the instance is a key of the mapping at ``path``."""
        key = str(error.instance)
        if error.validator == "pattern":
            noun, explanation = _pattern_words(error.validator_value)
            words = f"is not {noun} ({explanation})"
        else:
            words = "is not allowed as a key"
        where = f" in {self.field(path)}" if self.field(path) != "this value" else ""
        return _Problem((*path, key), f"{_quote(key)}{where} {words}", kind="key", key=True)

    def _on_required(self, error: ValidationError, path: Path) -> list[_Problem]:
        present = error.instance if isinstance(error.instance, Mapping) else {}
        problems = []
        for name in error.validator_value:
            if name not in present:
                hint = None
                if not path and name == "dialogkit":
                    hint = "start the file with 'dialogkit: 1'"
                message = f"{_quote(name)} is required{self._inside(path)}"
                problems.append(_Problem(path, message, hint, kind="required"))
        return problems

    def _inside(self, path: Path) -> str:
        """`` in 'probes.stop'`` for a mapping that is not a node or the document."""
        depth, node = self.node_context(path)
        rel = path[depth:] if node is not None else path
        return f" in {_quote(format_path(rel))}" if rel else ""

    def _on_additional_properties(self, error: ValidationError, path: Path) -> list[_Problem]:
        schema = error.schema
        known = set(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        return self._unknown_fields(error, path, known, patterns)

    def _on_unevaluated_properties(self, error: ValidationError, path: Path) -> list[_Problem]:
        known: set[str] = set()
        patterns: list[str] = []
        _collect_properties(error.schema, self.resolver, known, patterns, set())
        return self._unknown_fields(error, path, known, patterns)

    def _unknown_fields(
        self, error: ValidationError, path: Path, known: set[str], patterns: list[str]
    ) -> list[_Problem]:
        if error.validator_value is not False or not isinstance(error.instance, Mapping):
            return [_Problem(path, self._about(path, _first_line(error.message)))]
        unknown = [
            k for k in error.instance
            if k not in known and not any(re.search(p, k) for p in patterns)
        ]
        if not unknown:  # could not tell which: keep jsonschema's words
            return [_Problem(path, self._about(path, _first_line(error.message)))]
        problems = []
        for name in unknown:
            message = f"unknown field {_quote(name)}{self._inside(path)}"
            suggestion = _suggest(name, sorted(known))
            hint = None
            if suggestion:
                message += f" (did you mean {_quote(suggestion)}?)"
            else:
                hint = self._other_types_hint(name, path)
            problems.append(_Problem((*path, name), message, hint, kind="unknown", key=True))
        return problems

    def _other_types_hint(self, name: str, path: Path) -> str | None:
        """Say which node types have field ``name``, for a field put on the wrong node type."""
        depth, node = self.node_context(path)
        if node is None or depth != len(path):
            return None
        types = [t for t, fields in self.fields_by_type().items() if name in fields]
        if not types:
            return None
        return f"{_quote(name)} belongs to nodes of type {', '.join(types)}"

    def fields_by_type(self) -> dict[str, set[str]]:
        """The fields each node type allows, read from the schema's if/then branches."""
        if self._fields_by_type is None:
            result: dict[str, set[str]] = {}
            node = self.schema.get("$defs", {}).get("node", {})
            for branch in node.get("allOf", []):
                type_name = branch.get("if", {}).get("properties", {}).get("type", {}).get("const")
                if isinstance(type_name, str) and "then" in branch:
                    fields: set[str] = set()
                    _collect_properties(branch["then"], self.resolver, fields, [], set())
                    result[type_name] = fields
            self._fields_by_type = result
        return self._fields_by_type

    def _on_not(self, error: ValidationError, path: Path) -> list[_Problem]:
        forbidden = error.validator_value
        names = forbidden.get("required") if isinstance(forbidden, Mapping) else None
        if isinstance(names, list) and len(names) > 1:
            message = f"{_and_or(names, 'and')} cannot be used together{self._inside(path)}"
            return [_Problem(path, message, "keep only one of them", kind="not",
                             at=(*path, names[-1]), key=True)]
        return [_Problem(path, self._about(path, "is not allowed here"), kind="not")]

    def _on_any_of(self, error: ValidationError, path: Path) -> list[_Problem]:
        context = list(error.context or [])
        if context and all(e.validator == "required" and not e.path for e in context):
            names = [n for e in context for n in e.validator_value]
            message = f"{_and_or(names, 'or')} is required{self._inside(path)}"
            return [_Problem(path, message, kind="required")]
        best = best_match([error])
        if best is not None and best is not error:
            return self.explain(best)
        return [_Problem(path, self._about(path, "does not match any of the allowed forms"))]

    def _on_false(self, error: ValidationError, path: Path) -> list[_Problem]:
        return [_Problem(path, self._about(path, "is not allowed here"), kind="false")]

_BOUNDS = {
    "minimum": "at least",
    "maximum": "at most",
    "exclusiveMinimum": "greater than",
    "exclusiveMaximum": "less than",
}

# keyword → (is a lower bound, unit, plural unit)
_SIZES = {
    "minItems": (True, "item", "items"),
    "maxItems": (False, "item", "items"),
    "minLength": (True, "character", "characters"),
    "maxLength": (False, "character", "characters"),
    "minProperties": (True, "entry", "entries"),
    "maxProperties": (False, "entry", "entries"),
}


def _size_words(error: ValidationError) -> str:
    lower, unit, units = _SIZES[str(error.validator)]
    limit = error.validator_value
    if lower and limit == 1:
        return "must not be empty"
    bound = "at least" if lower else "at most"
    return f"must have {bound} {limit} {unit if limit == 1 else units} (got {len(error.instance)})"


def _collect_properties(
    schema: Any, resolver: Any, known: set[str], patterns: list[str], seen: set[int]
) -> None:
    """Gather the property names ``schema`` declares, through $ref, allOf, if/then..."""
    if not isinstance(schema, Mapping) or id(schema) in seen:
        return
    seen.add(id(schema))
    if "$id" in schema:
        resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
    known.update(schema.get("properties", {}))
    patterns.extend(schema.get("patternProperties", {}))
    if "$ref" in schema:
        try:
            resolved = resolver.lookup(schema["$ref"])
        except Unresolvable:
            pass
        else:
            _collect_properties(resolved.contents, resolved.resolver, known, patterns, seen)
    subschemas = [schema.get(k) for k in ("then", "else")]
    for keyword in ("allOf", "anyOf", "oneOf"):
        subschemas.extend(schema.get(keyword, []))
    subschemas.extend(schema.get("dependentSchemas", {}).values())
    for sub in subschemas:
        _collect_properties(sub, resolver, known, patterns, seen)


def _pattern_words(pattern: str) -> tuple[str, str]:
    return _PATTERNS.get(pattern, ("text", f"matching the pattern {pattern}"))


_BOOLEAN_WORDS = frozenset({"yes", "no", "y", "n", "on", "off", "true", "false"})


def _type_hint(types: list[str], value: Any) -> str | None:
    if value is None:
        return "the value is empty"
    if "boolean" in types and isinstance(value, str) and value.lower() in _BOOLEAN_WORDS:
        return "write true or false, without quotes"
    if "string" in types and isinstance(value, bool | int | float):
        return "put the value in quotes to make it a string"
    if isinstance(value, str) and {"number", "integer", "boolean"} & set(types):
        try:
            json.loads(value)
        except ValueError:
            return None
        return "remove the quotes"
    return None


def _suggest(word: Any, choices: Sequence[str]) -> str | None:
    if not isinstance(word, str):
        return None
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _quote(value: Any) -> str:
    """A value as written in a message: strings in single quotes, the rest as JSON."""
    if not isinstance(value, str):
        return _show_json(value)
    if len(value) > 60:
        value = value[:57] + "..."
    return "'" + value.replace("'", "\\'") + "'"


def _show_json(value: Any) -> str:
    """A value as JSON (``"five"``, ``12``, ``null``); lists and mappings by their kind."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:56] + '..."'


def _and_or(names: Sequence[Any], word: str) -> str:
    quoted = [_quote(n) for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {word} {quoted[-1]}"


def _first_line(message: str) -> str:
    return message.splitlines()[0] if message else message
