"""Core ``dialogkit`` sub-commands, one module each; ``dialogkit.cli.CORE_COMMANDS`` lists them.

A command reads the plugins of the running invocation with
:func:`dialogkit.cli.current_plugin_system`.
"""
