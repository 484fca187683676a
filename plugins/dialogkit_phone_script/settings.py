"""The phone channel's settings: the ``[phone]`` table of a project's ``dialogkit.toml``.

Every setting has a default, so a project without the table calls from 09:00 to 20:00 on
weekdays and Saturdays, in the respondent's own time zone (their ``time_zone`` attribute, else
UTC), at most six times. The table is checked against ``phone-settings.schema.json`` (shipped
beside this module); every problem is reported at once, naming the file and the key.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import datetime, time
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
from attrs import frozen

from dialogkit.store.config import CONFIG_FILE, StoreConfigError, project_table

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class PhoneSettingsError(ValueError):
    """The ``[phone]`` settings can't be used; the message lists every problem."""


@frozen
class CallingHours:
    """When respondents may be called, in their own local time."""

    start: time = time(9)
    end: time = time(20)
    """Exclusive; ``24:00`` is written as the end of the day."""
    days: frozenset[int] = frozenset(range(6))
    """Weekdays (Monday is 0) calls are made on."""

    def allow(self, moment: datetime, zone: ZoneInfo) -> bool:
        """Whether `moment` (aware) falls in calling hours in `zone`."""
        local = moment.astimezone(zone)
        if local.weekday() not in self.days:
            return False
        now = local.time().replace(tzinfo=None)
        return self.start <= now and (now < self.end or self.end == time(0))


@frozen
class PhoneSettings:
    """The phone channel's settings for one project."""

    time_zone: str = "UTC"
    hours: CallingHours = CallingHours()
    max_attempts: int = 6
    claim_minutes: int = 30
    """How long a case stays with the interviewer who took it without any step."""
    partial_share: float = 0.5
    """A break-off with at least this share of the questions answered counts as a partial
    interview (AAPOR 1.2), one with less as a break-off (2.12)."""
    eligibility: float | None = None
    """AAPOR's ``e`` for the response rates; None: estimated from the cases."""


def _schema() -> Mapping[str, Any]:
    text = resources.files(__package__).joinpath("phone-settings.schema.json").read_text("utf-8")
    return json.loads(text)


def _message(error: jsonschema.ValidationError) -> str:
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator == "pattern" and description:
        return f"{error.instance!r} is not valid: {description}"
    return error.message


HOURS_PATTERN = _schema()["properties"]["calling_hours"]["pattern"]


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes:
        raise ValueError("the end of the day is written \"24:00\"")
    return time(0) if hours == 24 else time(hours, minutes)


def check_time_zone(name: str) -> ZoneInfo:
    """The IANA time zone called `name`; raises ValueError saying what is expected."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone; use an IANA name like "
                         "\"Europe/Berlin\" or \"America/New_York\"") from None


def load_settings(project_dir: str | os.PathLike[str] = ".") -> PhoneSettings:
    """The project's phone settings; raises `PhoneSettingsError` listing every problem."""
    folder = Path(project_dir)
    config_file = folder / CONFIG_FILE
    try:
        table = project_table(folder, "phone")
    except StoreConfigError as error:
        raise PhoneSettingsError(str(error)) from None
    validator = jsonschema.Draft202012Validator(_schema())
    problems = []
    for error in sorted(validator.iter_errors(table), key=lambda e: list(map(str, e.path))):
        key = ".".join(map(str, error.absolute_path))
        problems.append(f"{config_file}: [phone]{' ' + key if key else ''}: {_message(error)}")
    zone = table.get("time_zone", "UTC")
    if isinstance(zone, str):
        try:
            check_time_zone(zone)
        except ValueError as error:
            problems.append(f"{config_file}: [phone] time_zone: {error}")
    hours = table.get("calling_hours", "09:00-20:00")
    if isinstance(hours, str) and re.search(HOURS_PATTERN, hours):  # else reported above
        try:
            start, end = (_clock(part) for part in hours.split("-"))
        except ValueError as error:
            problems.append(f"{config_file}: [phone] calling_hours: {hours!r} is not valid: "
                            f"{error}")
        else:
            if end != time(0) and end <= start:
                problems.append(f"{config_file}: [phone] calling_hours: the end must come "
                                "after the start, like \"09:00-20:00\"")
    if problems:
        raise PhoneSettingsError("\n".join(problems))
    start, end = (_clock(part) for part in hours.split("-"))
    days = table.get("calling_days", list(DAYS[:6]))
    return PhoneSettings(
        time_zone=zone,
        hours=CallingHours(start=start, end=end, days=frozenset(DAYS.index(d) for d in days)),
        max_attempts=table.get("max_attempts", 6),
        claim_minutes=table.get("claim_minutes", 30),
        partial_share=float(table.get("partial_share", 0.5)),
        eligibility=table.get("eligibility"))
