"""The plugin contract: every hook dialogkit calls, grouped by phase.

Plugins implement hooks with :data:`hookimpl` (also exported as ``dialogkit.hookimpl``)::

    from dialogkit import hookimpl
    from dialogkit.plugin_types import Channel

    @hookimpl
    def dialogkit_channels():
        yield Channel(name="sms", summary="Text messages", factory=SmsChannel)

No hook here is ``firstresult``: dialogkit calls every implementation and uses all results.
Registration hooks are called once per plugin when :func:`dialogkit.plugins.load_plugins`
builds the registry; a record is then looked up by its name, never by the order of hooks.
Follow-up hooks are called on events while programs run; a plugin may implement only the
arguments it needs (pluggy passes arguments by name).

The full reference, with examples, is ``docs/plugins.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from dialogkit.engine import SessionState
    from dialogkit.events import Event
    from dialogkit.plugin_types import (
        Alert,
        Channel,
        CliCommand,
        Exporter,
        FollowUp,
        Importer,
        LintRule,
        ModerationMode,
        QuestionType,
        SegmentStrategy,
        Tag,
        WebApp,
    )
    from dialogkit.script import Script

PROJECT = "dialogkit"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# --- registration: called once per plugin while the registry is built -----------------------


@hookspec
def dialogkit_channels() -> Iterable[Channel] | None:
    """Register channels: yield :class:`~dialogkit.plugin_types.Channel` records.

    Called once per plugin when the plugin system is built. Not firstresult.
    """


@hookspec
def dialogkit_question_types() -> Iterable[QuestionType] | None:
    """Register question types: yield :class:`~dialogkit.plugin_types.QuestionType` records.

    Called once per plugin when the plugin system is built. Not firstresult.
    """


@hookspec
def dialogkit_segment_strategies() -> Iterable[SegmentStrategy] | None:
    """Register segment strategies: yield :class:`~dialogkit.plugin_types.SegmentStrategy` records.

    Called once per plugin when the plugin system is built. Not firstresult.
    """


@hookspec
def dialogkit_moderation_modes() -> Iterable[ModerationMode] | None:
    """Register moderation modes: yield :class:`~dialogkit.plugin_types.ModerationMode` records.

    Called once per plugin when the plugin system is built. Not firstresult.
    """


@hookspec
def dialogkit_lint_rules() -> Iterable[LintRule] | None:
    """Register script lint rules: yield :class:`~dialogkit.plugin_types.LintRule` records.

    Called once per plugin when the plugin system is built. Not firstresult.
    """


@hookspec
def dialogkit_importers() -> Iterable[Importer] | None:
    """Register file importers: yield :class:`~dialogkit.plugin_types.Importer` records.

    Called once per plugin when the plugin system is built. Not firstresult.
    """


@hookspec
def dialogkit_exporters() -> Iterable[Exporter] | None:
    """Register exporters: yield :class:`~dialogkit.plugin_types.Exporter` records.

    Called once per plugin when the plugin system is built. Not firstresult.
    """


@hookspec
def dialogkit_cli_commands() -> Iterable[CliCommand] | None:
    """Register ``dialogkit`` sub-commands: yield :class:`~dialogkit.plugin_types.CliCommand`.

    Called once per plugin when the plugin system is built. A name already used by a core
    command is an error naming the plugin. Not firstresult.
    """


@hookspec
def dialogkit_web_apps() -> Iterable[WebApp] | None:
    """Register web apps: yield :class:`~dialogkit.plugin_types.WebApp` records, which
    ``dialogkit serve`` mounts at ``/NAME/``.

    Called once per plugin when the plugin system is built. Not firstresult.
    """


# --- follow-up: called on events while a program runs ---------------------------------------


@hookspec
def dialogkit_after_answer(
    script: Script, state: SessionState, event: Event
) -> Iterable[FollowUp] | None:
    """Called after each answer and each probe answer.

    ``script`` is the running script, ``state`` the session state including the new answer,
    ``event`` the answer event. Return (or yield) :class:`~dialogkit.plugin_types.Probe`,
    :class:`~dialogkit.plugin_types.Alert` and :class:`~dialogkit.plugin_types.Tag` records,
    or None. Results of all plugins are used. Not firstresult. For an answer to a question
    the hook runs before the engine chooses what comes next, so proposed probes are asked
    right away, after the script's own.
    """


@hookspec
def dialogkit_after_session(
    script: Script, state: SessionState, outcome: str
) -> Iterable[Alert | Tag] | None:
    """Called once when a session ends.

    ``outcome`` says how it ended (e.g. ``"completed"``, ``"screened_out"``, ``"abandoned"``).
    Return :class:`~dialogkit.plugin_types.Alert` and :class:`~dialogkit.plugin_types.Tag`
    records, or None; probes are not possible any more. Not firstresult.
    """


@hookspec
def dialogkit_on_disposition(
    session_id: str, disposition: str, details: Mapping[str, Any]
) -> Iterable[Alert | Tag] | None:
    """Called when an interviewer or channel records a contact attempt's disposition.

    ``disposition`` is the outcome code (e.g. ``"no_answer"``, ``"callback"``, ``"refused"``),
    ``details`` a read-only mapping of what was recorded with it (callback time, notes...).
    Return :class:`~dialogkit.plugin_types.Alert` and :class:`~dialogkit.plugin_types.Tag`
    records, or None. Not firstresult.
    """


@hookspec
def dialogkit_on_action_published(action: Mapping[str, Any]) -> None:
    """Called when an action (an improvement made because of feedback) is published.

    ``action`` is the published action as a read-only mapping. Use it to close the loop
    (tell the respondents who contributed) or to notify other systems. Returns None; every
    implementation is called. Not firstresult.
    """
