"""Test helpers for dialogkit and for plugin authors.

- :mod:`dialogkit.testing.plugins`: build a throwaway plugin system, record hook calls, and
  write a fake installed distribution to exercise entry-point loading.
- :mod:`dialogkit.testing.fixtures`: the same as pytest fixtures; enable them with
  ``pytest_plugins = ["dialogkit.testing.fixtures"]``.

Importing this package never imports pytest.
"""

from dialogkit.testing.plugins import HookCall, HookRecorder, plugin_system, write_distribution

__all__ = ["HookCall", "HookRecorder", "plugin_system", "write_distribution"]
