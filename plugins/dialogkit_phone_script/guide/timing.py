"""Time estimates per part of the guide: the script's `estimated_minutes` split over its
nodes in proportion to how long each kind of node takes to ask on the phone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dialogkit.script import CompiledNode, Script

WEIGHTS: Mapping[str, float] = {
    "statement": 0.5,
    "yes_no": 1.0,
    "confirm": 1.0,
    "nps": 1.0,
    "rating": 1.0,
    "number": 1.0,
    "date": 1.0,
    "single_choice": 1.5,
    "multiple_choice": 2.0,
    "referral": 2.0,
    "text": 2.5,
}
"""Relative time to read and record a node of each type; an open-ended question counts most."""
PLUGIN_WEIGHT = 1.5
"""A question of a type a plugin adds."""
LONG_TEXT_WEIGHT = 1.0
"""Added for an open-ended question that asks for a long answer (`long: true`)."""
PROBE_WEIGHT = 1.0
"""Added for each level of probing a question may get."""


def weight(node: CompiledNode) -> float:
    """How long `node` takes, relative to others; a section is the sum of its nodes (a loop's
    nodes count once)."""
    if node.children:
        return sum(weight(child) for child in node.children)
    total = WEIGHTS.get(node.type, PLUGIN_WEIGHT)
    if getattr(node.node, "long", False):
        total += LONG_TEXT_WEIGHT
    if node.probe is not None:
        total += PROBE_WEIGHT * node.probe.depth
    return total


class Timing:
    """Splits the script's estimate over groups of its nodes."""

    def __init__(self, script: Script) -> None:
        self.total = script.document.estimated_minutes
        self.per_weight = self.total / (sum(weight(node) for node in script.root) or 1)

    def minutes(self, nodes: Iterable[CompiledNode]) -> float:
        return self.per_weight * sum(weight(node) for node in nodes)


def about(minutes: float) -> str:
    """"about 2 min", rounded to half minutes; "under 1 min" for less than 45 seconds."""
    if minutes < 0.75:
        return "under 1 min"
    halves = round(minutes * 2) / 2
    return f"about {halves:g} min"
