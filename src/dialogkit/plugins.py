"""Plugin loading and the immutable registry.

Nothing here runs at import time: :func:`load_plugins` builds a fresh :class:`PluginSystem`
(a pluggy manager, the plugins it holds, their registered records, and what went wrong) for
each application or test.

Rules:

- Plugins come from the ``dialogkit`` entry-point group, sorted by entry-point name (then
  distribution name), followed by the in-process ``extra`` plugins in the order given.
- ``block`` / ``allow`` (and the comma-separated environment variables
  ``DIALOGKIT_BLOCK_PLUGINS`` / ``DIALOGKIT_ALLOW_PLUGINS``) select entry-point plugins by name.
  Argument and environment lists are merged; a blocked name is never loaded, even if allowed.
  ``extra`` plugins are always registered: the caller asked for them explicitly.
- A plugin that cannot be imported or registered, implements an unknown ``dialogkit_`` hook, or
  whose registration hook raises or yields something other than the expected record type is
  **broken**: it becomes a :class:`PluginProblem` (and a :class:`PluginWarning`), is
  unregistered with all of its records, and the other plugins keep working.
- Two plugins registering the same name for the same kind is **fatal**: there is no right
  answer to which one a script means, so :func:`load_plugins` raises
  :class:`DuplicateNameError` naming both providers (the CLI reports it and exits with 2; block
  one of them to proceed).
"""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import re
import traceback
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from types import MappingProxyType, ModuleType
from typing import Any

import attr
import attrs
import pluggy

from dialogkit import hookspecs, plugin_types
from dialogkit.plugin_types import (
    Channel,
    CliCommand,
    Exporter,
    Importer,
    LintRule,
    ModerationMode,
    QuestionType,
    SegmentStrategy,
    WebApp,
)

__all__ = [
    "ALLOW_ENV",
    "BLOCK_ENV",
    "CORE_DISTRIBUTION",
    "ENTRY_POINT_GROUP",
    "KINDS",
    "DuplicateNameError",
    "Kind",
    "PluginInfo",
    "PluginProblem",
    "PluginSystem",
    "PluginWarning",
    "Registry",
    "load_plugins",
]

ENTRY_POINT_GROUP = "dialogkit"
BLOCK_ENV = "DIALOGKIT_BLOCK_PLUGINS"
ALLOW_ENV = "DIALOGKIT_ALLOW_PLUGINS"
CORE_DISTRIBUTION = "dialogkit"
"""Plugins shipped in this distribution are the built-ins."""


@attrs.frozen
class Kind:
    """A kind of registered record: its name, the registry attribute and the record type."""

    name: str
    attribute: str
    record_type: type

    @property
    def label(self) -> str:
        """Human wording, e.g. ``question type``."""
        return self.name.replace("_", " ")

    @property
    def hook(self) -> str:
        """The registration hook that yields this kind."""
        return f"dialogkit_{self.attribute}"


KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            Kind("channel", "channels", Channel),
            Kind("question_type", "question_types", QuestionType),
            Kind("segment_strategy", "segment_strategies", SegmentStrategy),
            Kind("moderation_mode", "moderation_modes", ModerationMode),
            Kind("lint_rule", "lint_rules", LintRule),
            Kind("importer", "importers", Importer),
            Kind("exporter", "exporters", Exporter),
            Kind("cli_command", "cli_commands", CliCommand),
            Kind("web_app", "web_apps", WebApp),
        )
    }
)


class PluginWarning(UserWarning):
    """Emitted for every :class:`PluginProblem`."""


def _source(distribution: str | None, version: str | None) -> str:
    if distribution is None:
        return "in-process"
    return f"{distribution} {version}" if version else distribution


def _readonly(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(mapping))


@attrs.frozen(kw_only=True)
class PluginProblem:
    """A broken plugin: which one, where it came from, and what went wrong."""

    plugin: str
    distribution: str | None
    version: str | None = None
    message: str

    @property
    def source(self) -> str:
        """``"dist version"``, or ``"in-process"`` for a plugin not loaded from a distribution."""
        return _source(self.distribution, self.version)

    def __str__(self) -> str:
        return f"plugin {self.plugin!r} ({self.source}): {self.message}"


@attrs.frozen(kw_only=True)
class PluginInfo:
    """A registered plugin and what it registers (kind name → record names)."""

    name: str
    distribution: str | None
    version: str | None
    module: str
    """Entry-point reference (``pkg.mod`` or ``pkg.mod:obj``), or where an extra plugin lives."""
    path: str | None
    """Source file of the plugin's module, when known."""
    builtin: bool
    """Shipped in the dialogkit distribution itself."""
    registers: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, converter=_readonly)

    @property
    def source(self) -> str:
        """``"dist version"``, or ``"in-process"`` for a plugin not loaded from a distribution."""
        return _source(self.distribution, self.version)


class DuplicateNameError(Exception):
    """Two plugins registered a record of the same kind under the same name."""

    def __init__(self, kind: Kind, name: str, first: PluginInfo, second: PluginInfo) -> None:
        self.kind, self.name, self.first, self.second = kind, name, first, second
        super().__init__(
            f"{kind.label} {name!r} is registered by both plugin {first.name!r} "
            f"({first.source}) and plugin {second.name!r} ({second.source})"
        )


def _table() -> Any:
    return attrs.field(factory=dict, converter=_readonly)


@attrs.frozen(kw_only=True)
class Registry:
    """Read-only name → record mappings, one per kind, and who provided each record."""

    channels: Mapping[str, Channel] = _table()
    question_types: Mapping[str, QuestionType] = _table()
    segment_strategies: Mapping[str, SegmentStrategy] = _table()
    moderation_modes: Mapping[str, ModerationMode] = _table()
    lint_rules: Mapping[str, LintRule] = _table()
    importers: Mapping[str, Importer] = _table()
    exporters: Mapping[str, Exporter] = _table()
    cli_commands: Mapping[str, CliCommand] = _table()
    web_apps: Mapping[str, WebApp] = _table()
    _providers: Mapping[tuple[str, str], str] = _table()

    def provider(self, kind: str, name: str) -> str:
        """Name of the plugin that registered the ``kind`` record called ``name``."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        try:
            return self._providers[kind, name]
        except KeyError:
            raise KeyError(f"no {KINDS[kind].label} named {name!r} is registered") from None


@attrs.frozen(kw_only=True)
class PluginSystem:
    """Everything :func:`load_plugins` produced; ``manager.hook`` calls the follow-up hooks."""

    manager: pluggy.PluginManager
    plugins: tuple[PluginInfo, ...]
    registry: Registry
    problems: tuple[PluginProblem, ...]
    blocked: tuple[str, ...]
    """Entry-point plugins skipped because of block/allow lists."""


# --- loading --------------------------------------------------------------------------------


class _Broken(Exception):
    """Internal: the plugin being loaded is broken; the message says why."""


@attrs.frozen(kw_only=True)
class _Candidate:
    name: str
    obj: object
    distribution: str | None
    version: str | None
    module: str

    def info(self, records: Mapping[str, list[Any]]) -> PluginInfo:
        module = inspect.getmodule(self.obj)
        return PluginInfo(
            name=self.name,
            distribution=self.distribution,
            version=self.version,
            module=self.module,
            path=getattr(module, "__file__", None),
            builtin=_canonical(self.distribution or "") == CORE_DISTRIBUTION,
            registers={kind: tuple(r.name for r in items) for kind, items in records.items()},
        )

    def problem(self, message: str) -> PluginProblem:
        return PluginProblem(
            plugin=self.name, distribution=self.distribution, version=self.version, message=message
        )


def load_plugins(
    *,
    entry_points: bool = True,
    block: Iterable[str] = (),
    allow: Iterable[str] | None = None,
    extra: Iterable[tuple[str, object]] = (),
) -> PluginSystem:
    """Build a plugin manager, register plugins and collect their records into a registry.

    ``entry_points``: load the ``dialogkit`` entry-point group. ``block`` / ``allow``: plugin
    names to skip / the only names to load (``None``: all), merged with the environment
    variables. ``extra``: ``(name, plugin)`` pairs registered after the entry points.
    Raises :class:`DuplicateNameError` if two plugins register the same name for one kind.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    candidates, problems, blocked = (
        _from_entry_points(block, allow) if entry_points else ([], [], [])
    )
    candidates += [
        _Candidate(name=name, obj=obj, distribution=None, version=None, module=_reference(obj))
        for name, obj in extra
    ]

    contributions: list[tuple[PluginInfo, dict[str, list[Any]]]] = []
    for candidate in candidates:
        try:
            _register(manager, candidate)
            records = _collect(manager, candidate.obj)
        except _Broken as broken:
            problems.append(candidate.problem(str(broken)))
            if manager.get_plugin(candidate.name) is candidate.obj:
                manager.unregister(name=candidate.name)
            continue
        contributions.append((candidate.info(records), records))

    for problem in problems:
        warnings.warn(str(problem), PluginWarning, stacklevel=2)
    return PluginSystem(
        manager=manager,
        plugins=tuple(info for info, _ in contributions),
        registry=_build_registry(contributions),
        problems=tuple(problems),
        blocked=tuple(blocked),
    )


def _from_entry_points(
    block: Iterable[str], allow: Iterable[str] | None
) -> tuple[list[_Candidate], list[PluginProblem], list[str]]:
    """Import the selected entry points in name order: (loaded, import problems, blocked)."""
    denied = set(block) | _env_names(BLOCK_ENV)
    env_allowed = _env_names(ALLOW_ENV)
    allowed = None if allow is None and not env_allowed else set(allow or ()) | env_allowed
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    loaded: list[_Candidate] = []
    problems: list[PluginProblem] = []
    blocked: list[str] = []
    for ep in sorted(found, key=lambda ep: (ep.name, ep.dist.name if ep.dist else "")):
        if ep.name in denied or (allowed is not None and ep.name not in allowed):
            blocked.append(ep.name)
            continue
        candidate = _Candidate(
            name=ep.name,
            obj=None,
            distribution=ep.dist.name if ep.dist else None,
            version=ep.dist.version if ep.dist else None,
            module=ep.value,
        )
        try:
            loaded.append(attrs.evolve(candidate, obj=ep.load()))
        except Exception as exc:
            problems.append(candidate.problem(f"could not be imported: {_summary(exc)}"))
    return loaded, problems, blocked


def _register(manager: pluggy.PluginManager, candidate: _Candidate) -> None:
    if manager.has_plugin(candidate.name):
        raise _Broken(f"another plugin is already registered as {candidate.name!r}")
    try:
        manager.register(candidate.obj, name=candidate.name)
    except (ValueError, pluggy.PluginValidationError) as exc:
        raise _Broken(f"could not be registered: {exc}") from exc
    unknown = sorted(
        caller.name
        for caller in manager.get_hookcallers(candidate.obj) or ()
        if caller.spec is None
        and any(
            impl.plugin is candidate.obj and not impl.optionalhook
            for impl in caller.get_hookimpls()
        )
    )
    if unknown:
        raise _Broken(
            f"implements unknown hook(s) {', '.join(unknown)} "
            "(a typo? mark deliberate extras with @hookimpl(optionalhook=True))"
        )


def _collect(manager: pluggy.PluginManager, plugin: object) -> dict[str, list[Any]]:
    """Call every registration hook of one plugin; kind name → its records (if any)."""
    others = [p for p in manager.get_plugins() if p is not plugin]
    collected: dict[str, list[Any]] = {}
    for kind in KINDS.values():
        records = _call_registration(manager.subset_hook_caller(kind.hook, others), kind)
        twice = sorted(name for name, n in Counter(r.name for r in records).items() if n > 1)
        if twice:
            raise _Broken(f"registers {kind.label} {', '.join(map(repr, twice))} more than once")
        if records:
            collected[kind.name] = records
    return collected


def _call_registration(caller: pluggy.HookCaller, kind: Kind) -> list[Any]:
    expected = kind.record_type.__name__
    try:
        results = caller()
    except Exception as exc:
        raise _Broken(f"{kind.hook} raised {_summary(exc)}") from exc
    records: list[Any] = []
    for result in results:
        if result is None:
            continue
        if isinstance(result, str | bytes | Mapping) or not isinstance(result, Iterable):
            raise _Broken(
                f"{kind.hook} must return an iterable of {expected} records or None, "
                f"not {type(result).__name__}"
            )
        try:
            records.extend(result)
        except Exception as exc:
            raise _Broken(f"{kind.hook} raised {_summary(exc)}") from exc
    for record in records:
        if not isinstance(record, kind.record_type):
            raise _Broken(f"{kind.hook} yielded {record!r:.80}, expected a {expected} record")
    return records


def _build_registry(contributions: list[tuple[PluginInfo, dict[str, list[Any]]]]) -> Registry:
    tables: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
    owners: dict[tuple[str, str], PluginInfo] = {}
    for info, records in contributions:
        for kind, items in records.items():
            for record in items:
                first = owners.setdefault((kind, record.name), info)
                if first is not info:
                    raise DuplicateNameError(KINDS[kind], record.name, first, info)
                tables[kind][record.name] = record
    return Registry(
        **{KINDS[kind].attribute: table for kind, table in tables.items()},
        providers={key: info.name for key, info in owners.items()},
    )


def _env_names(variable: str) -> set[str]:
    return {name.strip() for name in os.environ.get(variable, "").split(",") if name.strip()}


def _canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _reference(obj: object) -> str:
    if isinstance(obj, ModuleType):
        return obj.__name__
    target = obj if inspect.isclass(obj) or inspect.isroutine(obj) else type(obj)
    return f"{target.__module__}:{target.__qualname__}"


# Frames inside these are validation machinery; a problem is located in the plugin's code.
_MACHINERY = tuple(
    os.path.dirname(path) if path.endswith("__init__.py") else path
    for path in (attr.__file__, attrs.__file__, plugin_types.__file__)
)


def _summary(exc: BaseException) -> str:
    """``Type: message (at file:line)``, located at the innermost frame of the plugin's code."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(("<", *_MACHINERY))
    ]
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    # attrs validators raise (message, attribute, ...) tuples: keep the message.
    args = exc.args
    text = args[0] if len(args) > 1 and isinstance(args[0], str) else str(exc)
    return f"{type(exc).__name__}: {text}{where}"
