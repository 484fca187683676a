"""The phone channel: the interviewer's printed script, the calling console, call outcomes
coded after AAPOR, and response rates.

A built-in plugin, registered through the `dialogkit` entry-point group like any other. It
adds the commands `dialogkit phone-script`, `phone-queue`, `interviewers` and `rates`, and
the interviewer console that `dialogkit serve` mounts at ``/phone/``; see docs/phone.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from dialogkit import hookimpl
from dialogkit.plugin_types import CliCommand, WebApp


@hookimpl
def dialogkit_cli_commands() -> Iterator[CliCommand]:
    from dialogkit_phone_script.guide_command import phone_script
    yield CliCommand(name="phone-script", command=phone_script)
    from dialogkit_phone_script.accounts_command import interviewers
    yield CliCommand(name="interviewers", command=interviewers)
    from dialogkit_phone_script.rates_command import rates
    yield CliCommand(name="rates", command=rates)
    from dialogkit_phone_script.queue_command import phone_queue
    yield CliCommand(name="phone-queue", command=phone_queue)


@hookimpl
def dialogkit_web_apps() -> Iterator[WebApp]:
    from dialogkit_phone_script.console import console_app

    yield WebApp(name="phone", summary="Interviewer console", factory=console_app)
