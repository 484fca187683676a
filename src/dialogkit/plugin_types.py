"""Typed records that plugins hand to dialogkit.

Registration hooks (see :mod:`dialogkit.hookspecs`) yield the named records below; the core
collects them into :class:`dialogkit.plugins.Registry`, where scripts and programs pick them
**by name**. Follow-up hooks return :data:`FollowUp` records (:class:`Probe`, :class:`Alert`,
:class:`Tag`). All records are frozen attrs classes taking keyword arguments only, and validate
their fields when built, so a malformed record fails inside the plugin that made it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any, Literal

import attrs
import click
from attrs import validators as v

__all__ = [
    "Alert",
    "Channel",
    "CliCommand",
    "Exporter",
    "FollowUp",
    "Importer",
    "LintFinding",
    "LintRule",
    "ModerationMode",
    "Probe",
    "QuestionType",
    "SegmentStrategy",
    "Tag",
    "WebApp",
    "WebAppContext",
]

SLUG = re.compile(r"^[a-z][a-z0-9_-]*$")

_slug = v.and_(v.instance_of(str), v.matches_re(SLUG))
_text = v.instance_of(str)
_mapping = v.instance_of(Mapping)
_optional_mapping = v.optional(_mapping)
_callable = v.is_callable()


def _non_empty(_instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not value.strip():
        raise ValueError(f"'{attribute.name}' must not be empty")


def _suffix(_instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not (value.startswith(".") and len(value) > 1):
        raise ValueError(f"'{attribute.name}' entries must look like '.csv', got {value!r}")


# --- registration records -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Channel:
    """A way to reach respondents (web form, email, SMS...).

    ``factory(config)`` builds the channel adapter from the program's channel configuration,
    which is first checked against ``config_schema`` (JSON Schema 2020-12) when one is given.
    """

    name: str = attrs.field(validator=_slug)
    summary: str = attrs.field(validator=_text)
    factory: Callable[[Mapping[str, Any]], Any] = attrs.field(validator=_callable)
    config_schema: Mapping[str, Any] | None = attrs.field(default=None, validator=_optional_mapping)


@attrs.frozen(kw_only=True)
class QuestionType:
    """A question ``type`` scripts may use besides the built-in ones.

    ``schema`` is a JSON Schema (2020-12) for the node's extra properties.
    ``normalize(node_config, raw_answer)`` returns the value to store, or raises a
    ``ValueError`` (such as ``dialogkit.answers.AnswerError``) whose message is written for the
    respondent: the engine shows it and asks again.
    """

    name: str = attrs.field(validator=_slug)
    summary: str = attrs.field(validator=_text)
    schema: Mapping[str, Any] = attrs.field(validator=_mapping)
    normalize: Callable[[Mapping[str, Any], Any], Any] = attrs.field(validator=_callable)


@attrs.frozen(kw_only=True)
class SegmentStrategy:
    """Assigns respondents to segments: ``assign(respondent_attributes, config)`` → segment ids."""

    name: str = attrs.field(validator=_slug)
    summary: str = attrs.field(validator=_text)
    assign: Callable[[Mapping[str, Any], Mapping[str, Any]], Iterable[str]] = attrs.field(
        validator=_callable
    )
    config_schema: Mapping[str, Any] | None = attrs.field(default=None, validator=_optional_mapping)


@attrs.frozen(kw_only=True)
class ModerationMode:
    """Who runs the conversations and what the sponsor may see.

    ``min_group_size``: smaller groups are never broken out in sponsor-facing reports.
    ``blind_sponsor``: the sponsor is not named to respondents until the end.
    """

    name: str = attrs.field(validator=_slug)
    summary: str = attrs.field(validator=_text)
    sponsor_sees_identities: bool = attrs.field(validator=v.instance_of(bool))
    min_group_size: int = attrs.field(default=1, validator=[v.instance_of(int), v.ge(1)])
    blind_sponsor: bool = attrs.field(default=False, validator=v.instance_of(bool))


@attrs.frozen(kw_only=True)
class LintFinding:
    """One problem a lint rule found; ``node_id`` is None for script-wide findings."""

    rule: str = attrs.field(validator=_slug)
    node_id: str | None = attrs.field(validator=v.optional(_text))
    message: str = attrs.field(validator=_text)
    severity: Literal["warning", "error"] = attrs.field(validator=v.in_(("warning", "error")))


@attrs.frozen(kw_only=True)
class LintRule:
    """A script check: ``check(script)`` yields :class:`LintFinding` records."""

    name: str = attrs.field(validator=_slug)
    summary: str = attrs.field(validator=_text)
    check: Callable[[Any], Iterable[LintFinding]] = attrs.field(validator=_callable)


@attrs.frozen(kw_only=True)
class Importer:
    """Loads records (e.g. customer lists) from files whose names end with one of ``suffixes``."""

    name: str = attrs.field(validator=_slug)
    summary: str = attrs.field(validator=_text)
    suffixes: tuple[str, ...] = attrs.field(
        validator=v.deep_iterable(
            member_validator=[v.instance_of(str), _suffix], iterable_validator=v.instance_of(tuple)
        )
    )
    load: Callable[[Path], Iterable[Mapping[str, Any]]] = attrs.field(validator=_callable)


@attrs.frozen(kw_only=True)
class Exporter:
    """Writes records (answers, reports) to a text stream in the format named by ``suffix``."""

    name: str = attrs.field(validator=_slug)
    summary: str = attrs.field(validator=_text)
    suffix: str = attrs.field(validator=[v.instance_of(str), _suffix])
    write: Callable[[Iterable[Mapping[str, Any]], IO[str]], None] = attrs.field(validator=_callable)


@attrs.frozen(kw_only=True)
class CliCommand:
    """A ``dialogkit NAME`` sub-command; ``name`` must equal the click command's own name."""

    name: str = attrs.field(validator=_slug)
    command: click.Command = attrs.field(validator=v.instance_of(click.Command))

    @command.validator
    def _same_name(self, _attribute: attrs.Attribute, command: click.Command) -> None:
        if command.name != self.name:
            raise ValueError(
                f"CliCommand name {self.name!r} differs from the click command's name "
                f"{command.name!r}"
            )


@attrs.frozen(kw_only=True)
class WebAppContext:
    """What a web app is built with: the project's open store, its folder and its scripts."""

    store: Any
    """The :class:`dialogkit.store.Store` every page reads and writes through."""
    project_dir: Path
    scripts: tuple[Any, ...] = ()
    """The project's compiled scripts (:class:`dialogkit.script.Script`)."""
    hook: Any = None
    """The plugin system's hook relay, to call follow-up hooks
    (``context.hook.dialogkit_on_disposition(...)``); None outside a plugin system."""


@attrs.frozen(kw_only=True)
class WebApp:
    """Pages that ``dialogkit serve`` mounts at ``/NAME/`` next to the web form.

    ``factory(context)`` builds the ASGI application from a :class:`WebAppContext`; it may
    raise ``ValueError`` with a message for the user when the project's settings are wrong.
    """

    name: str = attrs.field(validator=_slug)
    summary: str = attrs.field(validator=_text)
    factory: Callable[[WebAppContext], Any] = attrs.field(validator=_callable)


# --- follow-up results ----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Probe:
    """Ask the respondent a follow-up question ("Why is that important to you?")."""

    text: str = attrs.field(validator=[_text, _non_empty])


@attrs.frozen(kw_only=True)
class Alert:
    """Tell staff that something needs attention; no ``recipients`` means the program's default."""

    message: str = attrs.field(validator=[_text, _non_empty])
    severity: Literal["info", "warning", "urgent"] = attrs.field(
        default="info", validator=v.in_(("info", "warning", "urgent"))
    )
    recipients: tuple[str, ...] = attrs.field(
        default=(),
        validator=v.deep_iterable(member_validator=_text, iterable_validator=v.instance_of(tuple)),
    )


@attrs.frozen(kw_only=True)
class Tag:
    """Label the session (e.g. ``churn-risk``) for reports and later follow-up."""

    name: str = attrs.field(validator=_slug)


FollowUp = Probe | Alert | Tag
"""What a follow-up hook may return."""
