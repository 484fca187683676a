"""pytest fixtures for testing dialogkit plugins.

Enable them in your ``conftest.py`` (or a test module)::

    pytest_plugins = ["dialogkit.testing.fixtures"]

- ``make_plugin_system(*plugins, entry_points=False, block=(), allow=None)``: a fresh
  :class:`~dialogkit.plugins.PluginSystem` holding throwaway plugins
  (see :func:`dialogkit.testing.plugins.plugin_system`).
- ``hook_recorder(system_or_manager)``: a :class:`~dialogkit.testing.plugins.HookRecorder`
  recording every hook call until the test ends.
- ``fake_distribution(name, version="1.0", *, entry_points, files=None)``: "installs" a
  distribution with ``dialogkit`` entry points for this test only
  (see :func:`dialogkit.testing.plugins.write_distribution`).

The ``DIALOGKIT_BLOCK_PLUGINS`` / ``DIALOGKIT_ALLOW_PLUGINS`` environment variables are unset
while ``make_plugin_system`` or ``fake_distribution`` is in use, so a developer's shell
settings do not leak into tests.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pluggy
import pytest

from dialogkit.plugins import ALLOW_ENV, BLOCK_ENV, PluginSystem
from dialogkit.testing.plugins import HookRecorder, plugin_system, write_distribution


def _clear_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BLOCK_ENV, raising=False)
    monkeypatch.delenv(ALLOW_ENV, raising=False)


@pytest.fixture
def make_plugin_system(monkeypatch: pytest.MonkeyPatch) -> Callable[..., PluginSystem]:
    """Factory building a plugin system from throwaway plugin objects, classes or modules."""
    _clear_env(monkeypatch)
    return plugin_system


@pytest.fixture
def hook_recorder() -> Iterator[Callable[[PluginSystem | pluggy.PluginManager], HookRecorder]]:
    """Factory attaching a :class:`HookRecorder` to a plugin system or manager."""
    recorders: list[HookRecorder] = []

    def attach(target: PluginSystem | pluggy.PluginManager) -> HookRecorder:
        manager = target.manager if isinstance(target, PluginSystem) else target
        recorders.append(HookRecorder(manager))
        return recorders[-1]

    yield attach
    for recorder in reversed(recorders):
        recorder.stop()


@pytest.fixture
def fake_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Path]]:
    """Factory "installing" a distribution with dialogkit entry points for this test."""
    _clear_env(monkeypatch)
    top_level: set[str] = set()
    counter = itertools.count()

    def install(
        name: str,
        version: str = "1.0",
        *,
        entry_points: dict[str, str],
        files: dict[str, str] | None = None,
    ) -> Path:
        root = tmp_path / f"site-{next(counter)}-{name}"
        dist_info = write_distribution(root, name, version, entry_points=entry_points, files=files)
        top_level.update(Path(path).parts[0].removesuffix(".py") for path in files or {})
        monkeypatch.syspath_prepend(str(root))
        return dist_info

    yield install
    for module in [m for m in sys.modules if m.split(".")[0] in top_level]:
        del sys.modules[module]
