"""Running lint rules (registered by plugins) over a loaded script, as located diagnostics."""

from __future__ import annotations

from collections.abc import Mapping

from dialogkit import source
from dialogkit.diagnostics import Diagnostic, format_path, sort_key
from dialogkit.plugin_types import LintRule
from dialogkit.script import Script


def lint_script(script: Script, rules: Mapping[str, LintRule]) -> list[Diagnostic]:
    """Every finding of every rule, located at the node it names, sorted by position."""
    diagnostics = []
    for name in sorted(rules):
        for finding in rules[name].check(script):
            node = script.by_id.get(finding.node_id) if finding.node_id else None
            path = (*node.path, "text") if node is not None else ()
            line, col = source.locate(script.source, path) if script.source else (1, 1)
            diagnostics.append(Diagnostic(
                script.file, line, col, format_path(path),
                f"{finding.severity}: {finding.message} [{finding.rule}]",
                severity=finding.severity,
            ))
    return sorted(diagnostics, key=sort_key)
