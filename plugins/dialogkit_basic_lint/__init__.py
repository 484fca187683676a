"""Built-in lint rules: listen, don't sell, talk about them, keep the time estimate honest."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dialogkit import hookimpl
from dialogkit.plugin_types import LintFinding, LintRule
from dialogkit.script import CompiledNode, Script

QUESTIONS_PER_MINUTE = 4
"""More questions than this per estimated minute makes the estimate dishonest."""

_ABOUT_US = re.compile(r"\b(our|ours|ourselves)\b", re.IGNORECASE)
_WE_CLAIM = re.compile(r"(^|[.!]\s+)we\b[^?]*?(?:[.!]|$)", re.IGNORECASE)
_SALES = re.compile(
    r"\b(discount|special offer|buy now|limited time|upgrade to|sign up|free trial|"
    r"\d+\s?% off|promo(?:tion)? code|coupon|act now)\b",
    re.IGNORECASE,
)


def _texts(node: CompiledNode) -> Iterator[str]:
    """The node's respondent-facing texts in every language, unrendered."""
    for name in ("text", "help"):
        text = node.texts.get(name)
        if text is not None:
            yield from (template.source for template in text.templates.values())


def talk_about_them(script: Script) -> Iterator[LintFinding]:
    for node in script.nodes():
        if not node.is_question:
            continue
        for text in _texts(node):
            match = _ABOUT_US.search(text) or _WE_CLAIM.search(text)
            if match:
                yield LintFinding(
                    rule="talk-about-them", node_id=node.id, severity="warning",
                    message=f"question '{node.id}' talks about us ('{match.group(0).strip()}'); "
                            "ask about the respondent's needs and experience instead",
                )
                break


def no_sales_pitch(script: Script) -> Iterator[LintFinding]:
    for node in script.nodes():
        for text in _texts(node):
            match = _SALES.search(text)
            if match:
                yield LintFinding(
                    rule="no-sales-pitch", node_id=node.id, severity="warning",
                    message=f"'{node.id}' reads like a sales pitch ('{match.group(0)}'); "
                            "a conversation to listen should not sell",
                )
                break


def honest_time_estimate(script: Script) -> Iterator[LintFinding]:
    minutes = script.document.estimated_minutes
    if script.question_count > minutes * QUESTIONS_PER_MINUTE:
        yield LintFinding(
            rule="honest-time-estimate", node_id=None, severity="warning",
            message=f"{script.question_count} questions in {minutes:g} minutes is optimistic; "
                    f"allow a minute for every {QUESTIONS_PER_MINUTE} questions or fewer",
        )


@hookimpl
def dialogkit_lint_rules() -> Iterator[LintRule]:
    yield LintRule(name="talk-about-them", summary="Questions ask about the respondent, not us.",
                   check=talk_about_them)
    yield LintRule(name="no-sales-pitch", summary="No selling inside a conversation.",
                   check=no_sales_pitch)
    yield LintRule(name="honest-time-estimate",
                   summary="The time estimate fits the number of questions.",
                   check=honest_time_estimate)
