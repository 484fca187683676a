"""docs/plugins.md documents every hook with its exact signature, and every record type."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import attrs
import pytest

from dialogkit import hookspecs, plugin_types

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if name.startswith("dialogkit_") and hasattr(value, f"{hookspecs.PROJECT}_spec")
)
RECORDS = sorted(
    name
    for name, value in vars(plugin_types).items()
    if name in plugin_types.__all__ and inspect.isclass(value) and attrs.has(value)
)


def sections() -> dict[str, str]:
    """Level-3 heading → text up to the next heading of level 2 or 3."""
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^### (\S+)[^\n]*\n", text, flags=re.MULTILINE)
    return {
        title: re.split(r"^## ", body, flags=re.MULTILINE)[0]
        for title, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def test_hooks_and_records_are_found():
    assert {"dialogkit_channels", "dialogkit_after_answer"} <= set(HOOKS)
    assert {"Channel", "Probe"} <= set(RECORDS)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented_with_its_signature(hook):
    section = sections().get(hook)
    assert section is not None, f"docs/plugins.md has no '### {hook}' section"
    signature = str(inspect.signature(getattr(hookspecs, hook))).replace("'", "")
    assert f"{hook}{signature}" in section, f"'### {hook}' must show {hook}{signature}"


def test_no_documented_hook_is_missing_from_hookspecs():
    documented = {title for title in sections() if title.startswith("dialogkit_")}
    assert documented == set(HOOKS)


@pytest.mark.parametrize("record", RECORDS)
def test_record_type_is_documented_with_its_fields(record):
    section = sections().get(record)
    assert section is not None, f"docs/plugins.md has no '### {record}' section"
    for field in attrs.fields(getattr(plugin_types, record)):
        assert f"| `{field.name}` |" in section, f"'### {record}' lacks field {field.name!r}"
