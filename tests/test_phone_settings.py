"""The phone channel's settings (the ``[phone]`` table of dialogkit.toml) and calling hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dialogkit_phone_script.settings import (
    CallingHours,
    PhoneSettings,
    PhoneSettingsError,
    check_time_zone,
    load_settings,
)

BERLIN, AUCKLAND, NEW_YORK = (ZoneInfo(name) for name in (
    "Europe/Berlin", "Pacific/Auckland", "America/New_York"))


def project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "dialogkit.toml").write_text(text, "utf-8")
    return tmp_path


def problems(tmp_path: Path, table: str) -> list[str]:
    """The lines of the error `table` (the body of ``[phone]``) gives."""
    folder = project(tmp_path, "[store]\nsqlite_synchronous = \"FULL\"\n\n[phone]\n" + table)
    with pytest.raises(PhoneSettingsError) as error:
        load_settings(folder)
    lines = str(error.value).splitlines()
    assert all(line.startswith(f"{folder / 'dialogkit.toml'}: [phone]") for line in lines), lines
    return [line.removeprefix(f"{folder / 'dialogkit.toml'}: [phone]") for line in lines]


# -- reading the table -------------------------------------------------------------------------

def test_without_a_table_every_setting_has_its_default(tmp_path: Path) -> None:
    defaults = PhoneSettings(
        time_zone="UTC",
        hours=CallingHours(start=time(9), end=time(20), days=frozenset(range(6))),
        max_attempts=6, claim_minutes=30, partial_share=0.5, eligibility=None)
    assert PhoneSettings() == defaults
    assert load_settings(tmp_path) == defaults  # no dialogkit.toml at all
    assert load_settings(project(tmp_path, "[store]\nurl = \"sqlite:///x.db\"\n")) == defaults
    assert load_settings(project(tmp_path, "[phone]\n")) == defaults


def test_every_setting_is_read(tmp_path: Path) -> None:
    folder = project(tmp_path, """\
[phone]
time_zone = "Europe/Berlin"
calling_hours = "08:30-24:00"
calling_days = ["sun", "mon", "wed"]
max_attempts = 3
claim_minutes = 15
partial_share = 1
eligibility = 0.8
""")
    settings = load_settings(folder)
    assert settings == PhoneSettings(
        time_zone="Europe/Berlin",
        hours=CallingHours(start=time(8, 30), end=time(0), days=frozenset({6, 0, 2})),
        max_attempts=3, claim_minutes=15, partial_share=1.0, eligibility=0.8)
    assert isinstance(settings.partial_share, float)


def test_every_problem_is_listed_at_once_with_the_file_and_the_key(tmp_path: Path) -> None:
    found = problems(tmp_path, """\
colour = "blue"
calling_hours = "9-20"
calling_days = ["mon", "funday"]
max_attempts = 0
claim_minutes = "30"
partial_share = 1.5
time_zone = "Mars/Olympia"
""")
    expected = [
        ": Additional properties are not allowed ('colour' was unexpected)",
        " calling_days.1: 'funday' is not one of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', "
        "'sun']",
        " calling_hours: '9-20' is not valid: local hours like \"09:00-20:00\"",
        " claim_minutes: '30' is not of type 'integer'",
        " max_attempts: 0 is less than the minimum of 1",
        " partial_share: 1.5 is greater than the maximum of 1",
        " time_zone: 'Mars/Olympia' is not a time zone; use an IANA name like "
        "\"Europe/Berlin\" or \"America/New_York\"",
    ]
    assert found == expected


LOCAL_HOURS = "is not valid: local hours like \"09:00-20:00\""
END_AFTER_START = "the end must come after the start, like \"09:00-20:00\""


@pytest.mark.parametrize(("hours", "message"), [
    ("20:00-09:00", END_AFTER_START),
    ("09:00-09:00", END_AFTER_START),
    ("09:00-24:30", "'09:00-24:30' is not valid: the end of the day is written \"24:00\""),
    ("24:00-10:00", f"'24:00-10:00' {LOCAL_HOURS}"),
    ("09:00-20:60", f"'09:00-20:60' {LOCAL_HOURS}"),
    ("9:00-20:00", f"'9:00-20:00' {LOCAL_HOURS}"),
    ("09:00 - 20:00", f"'09:00 - 20:00' {LOCAL_HOURS}"),
    (20, "20 is not of type 'string'"),
])
def test_calling_hours_that_make_no_sense(tmp_path: Path, hours: object, message: str) -> None:
    value = f'"{hours}"' if isinstance(hours, str) else hours
    assert problems(tmp_path, f"calling_hours = {value}\n") == [f" calling_hours: {message}"]


def test_hours_that_end_before_they_start_are_listed_with_the_other_problems(
        tmp_path: Path) -> None:
    assert problems(tmp_path, "calling_hours = \"18:00-08:00\"\nmax_attempts = 0\n") == [
        " max_attempts: 0 is less than the minimum of 1",
        f" calling_hours: {END_AFTER_START}"]


@pytest.mark.parametrize(("table", "message"), [
    ("calling_days = []", " calling_days: [] should be non-empty"),
    ("calling_days = [\"mon\", \"mon\"]", " calling_days: ['mon', 'mon'] has non-unique"),
    ("max_attempts = 51", " max_attempts: 51 is greater than the maximum of 50"),
    ("max_attempts = true", " max_attempts: True is not of type 'integer'"),
    ("claim_minutes = 0", " claim_minutes: 0 is less than the minimum of 1"),
    ("eligibility = -0.1", " eligibility: -0.1 is less than the minimum of 0"),
    ("time_zone = \"europe/berlin\"", " time_zone: 'europe/berlin' is not a time zone"),
    ("time_zone = 1", " time_zone: 1 is not of type 'string'"),
])
def test_a_single_problem(tmp_path: Path, table: str, message: str) -> None:
    found = problems(tmp_path, table + "\n")
    assert len(found) == 1 and found[0].startswith(message), found


def test_a_file_that_is_not_toml_or_a_phone_setting_that_is_not_a_table(tmp_path: Path
                                                                         ) -> None:
    config = tmp_path / "dialogkit.toml"
    for text, message in [("phone = 3\n", "[phone] must be a table"),
                          ("[phone\n", "Expected ']'")]:
        config.write_text(text, "utf-8")
        with pytest.raises(PhoneSettingsError) as error:
            load_settings(tmp_path)
        assert str(error.value).startswith(f"{config}: ")
        assert message in str(error.value)


def test_a_time_zone_is_an_iana_name() -> None:
    assert check_time_zone("Pacific/Auckland") == AUCKLAND
    for name in ("Mars/Olympia", "", "Europe", "../etc/passwd", "UTC "):
        with pytest.raises(ValueError, match="is not a time zone; use an IANA name"):
            check_time_zone(name)


# -- calling hours -----------------------------------------------------------------------------

def at(*parts: int, zone: ZoneInfo | None = None) -> datetime:
    return datetime(*parts, tzinfo=zone or UTC)  # type: ignore[misc]


def test_calling_hours_start_counts_and_end_does_not() -> None:
    hours = PhoneSettings().hours
    wednesday = [  # 2026-03-04; Berlin is UTC+1
        (at(2026, 3, 4, 7, 59, 59), False),
        (at(2026, 3, 4, 8, 0), True),
        (at(2026, 3, 4, 18, 59, 59, 999999), True),
        (at(2026, 3, 4, 19, 0), False),
    ]
    assert [(moment, hours.allow(moment, BERLIN)) for moment, _ in wednesday] == wednesday
    # the same moment, given in another zone
    assert hours.allow(at(2026, 3, 4, 9, 0, zone=BERLIN), BERLIN) is True
    assert hours.allow(at(2026, 3, 4, 9, 0, zone=BERLIN), NEW_YORK) is False  # 03:00 there


def test_the_end_of_the_day_is_written_24_00(tmp_path: Path) -> None:
    evening = load_settings(project(tmp_path, "[phone]\ncalling_hours = \"18:00-24:00\"\n"))
    assert evening.hours == CallingHours(start=time(18), end=time(0))
    assert evening.hours.allow(at(2026, 3, 4, 23, 59, 59, 999999), ZoneInfo("UTC")) is True
    assert evening.hours.allow(at(2026, 3, 4, 17, 59), ZoneInfo("UTC")) is False
    assert evening.hours.allow(at(2026, 3, 5, 0, 0), ZoneInfo("UTC")) is False
    whole_day = load_settings(project(tmp_path, "[phone]\ncalling_hours = \"00:00-24:00\"\n"))
    assert whole_day.hours.allow(at(2026, 3, 5, 0, 0), ZoneInfo("UTC")) is True
    assert whole_day.hours.allow(at(2026, 3, 5, 23, 59), ZoneInfo("UTC")) is True


def test_calling_days_are_the_respondents_local_days() -> None:
    weekdays = CallingHours(start=time(0), end=time(0), days=frozenset(range(5)))
    friday_night = at(2026, 3, 6, 22, 0)  # Saturday 11:00 in Auckland
    assert weekdays.allow(friday_night, NEW_YORK) is True  # Friday 17:00
    assert weekdays.allow(friday_night, AUCKLAND) is False
    sunday_night = at(2026, 3, 8, 20, 0)  # Monday 09:00 in Auckland
    default = PhoneSettings().hours
    assert default.allow(sunday_night, AUCKLAND) is True
    assert default.allow(sunday_night, BERLIN) is False  # Sunday is not a calling day
    assert default.allow(at(2026, 3, 7, 15, 0), BERLIN) is True  # Saturday is


def test_calling_hours_across_daylight_saving_changes() -> None:
    every_day = CallingHours(days=frozenset(range(7)))
    # Berlin moves to CEST on Sunday 2026-03-29: 07:00 UTC is 08:00 before, 09:00 after
    assert every_day.allow(at(2026, 3, 28, 7, 0), BERLIN) is False
    assert every_day.allow(at(2026, 3, 29, 7, 0), BERLIN) is True
    assert every_day.allow(at(2026, 3, 29, 18, 0), BERLIN) is False  # 20:00 CEST
    # Auckland leaves NZDT on Sunday 2026-04-05: 07:30 UTC is 20:30 before, 19:30 after
    assert every_day.allow(at(2026, 4, 4, 7, 30), AUCKLAND) is False
    assert every_day.allow(at(2026, 4, 5, 7, 30), AUCKLAND) is True
    # hours that fall in the hour skipped in spring are never reached that day...
    night = CallingHours(start=time(2), end=time(3), days=frozenset(range(7)))
    spring = [at(2026, 3, 29, 0, 0) + timedelta(minutes=m) for m in range(0, 180, 5)]
    assert not any(night.allow(moment, BERLIN) for moment in spring)
    # ...and those in the hour repeated in autumn last two hours
    autumn = [at(2026, 10, 24, 23, 0) + timedelta(minutes=m) for m in range(0, 240, 5)]
    allowed = [moment for moment in autumn if night.allow(moment, BERLIN)]
    assert (allowed[0], allowed[-1], len(allowed)) == (
        at(2026, 10, 25, 0, 0), at(2026, 10, 25, 1, 55), 24)
