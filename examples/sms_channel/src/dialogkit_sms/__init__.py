"""dialogkit-sms: an example channel plugin that runs interviews over SMS.

Installing the distribution declares this module under the ``dialogkit`` entry-point group
(see ``pyproject.toml``); dialogkit then calls the hook below and registers the ``sms``
channel, which scripts and programs pick by name.
"""

from __future__ import annotations

from collections.abc import Iterator

from dialogkit import hookimpl
from dialogkit.plugin_types import Channel

from dialogkit_sms.adapter import CONFIG_SCHEMA, SmsChannel

__all__ = ["SmsChannel", "dialogkit_channels"]


@hookimpl
def dialogkit_channels() -> Iterator[Channel]:
    yield Channel(
        name="sms",
        summary="Interviews by text message: short prompts, replies like 1,3 or Y.",
        factory=SmsChannel,
        config_schema=CONFIG_SCHEMA,
    )
