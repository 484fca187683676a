"""Helpers to test plugins without installing them.

- :func:`plugin_system` loads throwaway plugins (objects, classes, modules) into a fresh
  :class:`~dialogkit.plugins.PluginSystem`, ignoring installed entry points by default.
- :class:`HookRecorder` records every hook call a plugin manager makes.
- :func:`write_distribution` writes a distribution that looks installed once its directory is
  on ``sys.path``, to test entry-point loading for real.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs
import pluggy

from dialogkit.plugins import ENTRY_POINT_GROUP, PluginSystem, load_plugins

__all__ = ["HookCall", "HookRecorder", "plugin_system", "write_distribution"]


def plugin_system(
    *plugins: object,
    entry_points: bool = False,
    block: Iterable[str] = (),
    allow: Iterable[str] | None = None,
) -> PluginSystem:
    """Load ``plugins`` with :func:`~dialogkit.plugins.load_plugins` as in-process extras.

    Each plugin is a module, an object with hook methods, a class (instantiated with no
    arguments), or a ``(name, plugin)`` pair. Without a name a plugin is named after its
    module or class, with ``-2``, ``-3``... appended to repeats.
    """
    named: list[tuple[str, object]] = []
    seen: Counter[str] = Counter()
    for plugin in plugins:
        name, obj = plugin if isinstance(plugin, tuple) else (None, plugin)
        if inspect.isclass(obj):
            obj = obj()
        if name is None:
            name = getattr(obj, "__name__", None) or type(obj).__name__
            seen[name] += 1
            if seen[name] > 1:
                name = f"{name}-{seen[name]}"
        named.append((name, obj))
    return load_plugins(entry_points=entry_points, block=block, allow=allow, extra=named)


@attrs.frozen(kw_only=True)
class HookCall:
    """One recorded hook call.

    ``implementers`` are the plugin names in the order pluggy called them; ``result`` is what
    the caller got (a list of results), or None when the call raised ``exception``.
    """

    name: str
    kwargs: Mapping[str, Any]
    implementers: tuple[str, ...]
    result: Any
    exception: BaseException | None


class HookRecorder:
    """Records every hook call made through ``manager`` until :meth:`stop` (or the ``with``)."""

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self.calls: list[HookCall] = []
        self._undo: Any = manager.add_hookcall_monitoring(_ignore, self._after)

    def _after(
        self,
        outcome: pluggy.Result[Any],
        hook_name: str,
        hook_impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        exception = outcome.exception
        self.calls.append(
            HookCall(
                name=hook_name,
                kwargs=dict(kwargs),
                implementers=tuple(impl.plugin_name for impl in reversed(hook_impls)),
                result=None if exception else outcome.get_result(),
                exception=exception,
            )
        )

    @property
    def names(self) -> list[str]:
        """Names of the hooks called, in call order."""
        return [call.name for call in self.calls]

    def calls_to(self, name: str) -> list[HookCall]:
        """The recorded calls of hook ``name``."""
        return [call for call in self.calls if call.name == name]

    def stop(self) -> None:
        """Stop recording (idempotent); recorded calls are kept."""
        if self._undo is not None:
            self._undo()
            self._undo = None

    def __enter__(self) -> HookRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _ignore(*_args: object) -> None:
    """The "before" monitor: everything is recorded after the call."""


def write_distribution(
    root: Path,
    name: str,
    version: str = "1.0",
    *,
    entry_points: Mapping[str, str],
    files: Mapping[str, str] | None = None,
) -> Path:
    """Write distribution ``name`` under ``root``; put ``root`` on ``sys.path`` to install it.

    ``entry_points`` maps plugin names to references (``module`` or ``module:object``) in the
    ``dialogkit`` group; ``files`` maps paths relative to ``root`` to their text (the plugin's
    modules). Returns the ``.dist-info`` directory.
    """
    dist_info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{k} = {ref}" for k, ref in entry_points.items())]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for relative, text in (files or {}).items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return dist_info
