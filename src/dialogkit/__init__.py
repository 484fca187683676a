"""dialogkit: customer conversations as code."""

from dialogkit.hookspecs import hookimpl

__all__ = ["__version__", "hookimpl"]

__version__ = "0.1.0"
