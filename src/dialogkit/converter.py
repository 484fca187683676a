"""The one cattrs converter: script documents into model records, session state to JSON and back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cattrs
from cattrs.gen import make_dict_structure_fn, override

from dialogkit import model
from dialogkit.model import ANY_LANGUAGE, Text

QUESTION_FIELDS = frozenset(
    ("id", "type", "when", "roles", "segments", "text", "help", "interviewer", "required",
     "prefer_not_to_say", "probes")
)


def _structure_text(value: Any, _: type) -> Text:
    if isinstance(value, str):
        return Text({ANY_LANGUAGE: value})
    if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
        return Text(dict(value))
    raise ValueError(f"expected a text or a mapping of language to text, got {value!r}")


def _structure_other(value: Any, _: type) -> bool | Text:
    return value if isinstance(value, bool) else _structure_text(value, Text)


def _structure_wording(value: Any, _: type) -> str | tuple[Text, ...]:
    if isinstance(value, str):
        return value
    return tuple(_structure_text(item, Text) for item in value)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(Text, _structure_text)
    converter.register_unstructure_hook(Text, lambda text: dict(text.values))
    converter.register_structure_hook(bool | Text, _structure_other)
    converter.register_structure_hook(str | tuple[Text, ...], _structure_wording)
    converter.register_structure_hook(
        model.Loop,
        make_dict_structure_fn(model.Loop, converter, as_=override(rename="as"),
                               _cattrs_forbid_extra_keys=True),
    )
    for cls in (*model.NODE_TYPES.values(), model.Question):
        converter.register_structure_hook(
            cls, make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True)
        )
    option_fields = make_dict_structure_fn(model.Option, converter, _cattrs_forbid_extra_keys=True)

    def structure_option(value: Any, _: type) -> model.Option:
        if isinstance(value, str):
            return model.Option(value=value, label=Text({ANY_LANGUAGE: value}))
        return option_fields(value, model.Option)

    def structure_node(value: Any, _: type) -> model.Node:
        data = dict(value)
        type_name = data.pop("type")
        cls = model.NODE_TYPES.get(type_name)
        if cls is not None:
            return converter.structure(data, cls)
        common = converter.structure(
            {k: v for k, v in data.items() if k in QUESTION_FIELDS}, model.Question
        )
        return model.PluginQuestion(
            type_name=type_name,
            config={k: v for k, v in data.items() if k not in QUESTION_FIELDS},
            **{a.name: getattr(common, a.name) for a in model.Question.__attrs_attrs__},
        )

    converter.register_structure_hook(model.Option, structure_option)
    converter.register_structure_hook(model.Node, structure_node)
    return converter


converter = _make_converter()


def merge_probe_defaults(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of a plain script document with `probe_defaults` merged into each question."""
    defaults = document.get("probe_defaults")
    if not defaults:
        return dict(document)

    def merge(nodes: list[Any]) -> list[Any]:
        merged = []
        for node in nodes:
            node = dict(node)
            if node.get("type") == "section":
                node["nodes"] = merge(node.get("nodes", []))
            elif node.get("type") != "statement":
                own = node.get("probes", {})
                probes = {**defaults, **own}
                if "stop" in defaults or "stop" in own:
                    probes["stop"] = {**defaults.get("stop", {}), **own.get("stop", {})}
                node["probes"] = probes
            merged.append(node)
        return merged

    return {**document, "nodes": merge(list(document.get("nodes", [])))}


def structure_document(document: Mapping[str, Any]) -> model.ScriptDocument:
    """Structure a schema-valid plain document into a `ScriptDocument`."""
    return converter.structure(merge_probe_defaults(document), model.ScriptDocument)
