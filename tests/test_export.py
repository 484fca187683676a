"""Exporting answers: CSV wide and long, JSON Lines; script order, stable, safe in spreadsheets."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from dialogkit.cli import main
from dialogkit.loader import load_script_text
from dialogkit.store import open_store, tables
from dialogkit.store.exporting import ExportReport, export_answers

ROOT = Path(__file__).resolve().parents[1]
DIPLOMACY = ROOT / "examples" / "customer_diplomacy" / "script.yaml"

TINY = """\
dialogkit: 1
id: tiny
title: Tiny
purpose: To test exports.
estimated_minutes: 1
nodes:
  - id: why
    type: text
    text: Why?
    probes: {depth: 2}
  - id: tools
    type: multiple_choice
    text: Which tools do you use?
    options:
      - {value: saw, label: Saw}
      - {value: drill, label: Drill}
    other: true
  - id: each_tool
    type: section
    loop: {over: answers.tools, as: tool}
    nodes:
      - id: rate
        type: rating
        points: 5
        text: How good is the {tool}?
  - id: count
    type: number
    text: How many do you own?
  - id: ok
    type: yes_no
    text: May we call you?
"""
TINY_VERSION = load_script_text(TINY, "tiny.yaml").version
V = TINY_VERSION
AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def minutes(n: int) -> dt.datetime:
    return AT + dt.timedelta(minutes=n)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """A migrated store, SQLite and PostgreSQL in turn (`database_url` is in conftest)."""
    store = open_store(database_url)
    yield store.engine
    store.close()


def add_version(connection: sa.Connection, source: str, file: str, *, version: str | None = None,
                script_id: str | None = None) -> str:
    if version is None:
        script = load_script_text(source, file)
        version, script_id = script.version, script.id
    connection.execute(tables.script_versions.insert().values(
        version=version, script_id=script_id, title="t", source=source, file=file,
        created_at=AT))
    return version


def add_session(connection: sa.Connection, session_id: str, version: str, *,
                respondent: str | None = "r1", program: str | None = "p1",
                channel: str = "web", status: str = "completed", started: int = 0,
                completed: int | None = None,
                answers: dict[str, dict[str, Any]] | None = None) -> None:
    connection.execute(tables.sessions.insert().values(
        id=session_id, program_id=program, script_version=version, respondent_id=respondent,
        channel=channel, language="en", status=status, version=1, state="{}",
        created_at=minutes(started), updated_at=minutes(started),
        completed_at=None if completed is None else minutes(completed)))
    rows = []
    for key, given in (answers or {}).items():
        declined = given.get("declined")
        rows.append({
            "session_id": session_id, "key": key, "question_id": key.split("[")[0],
            "value": None if declined else json.dumps(given["value"]),
            "other": given.get("other"), "declined": declined,
            "probes": json.dumps(given.get("probes", [])),
            "answered_at": minutes(started + given.get("at", 1)),
        })
    if rows:
        connection.execute(tables.answers.insert(), rows)


@pytest.fixture
def tiny(engine: sa.Engine) -> sa.Engine:
    """Three sessions of the tiny script; answers inserted out of order on purpose."""
    with engine.begin() as connection:
        connection.execute(tables.programs.insert(), [
            {"id": "p1", "name": "One", "created_at": AT},
            {"id": "p2", "name": "Two", "created_at": AT}])
        connection.execute(tables.respondents.insert(), [
            {"id": r, "segments": [], "attributes": {}, "consent": False, "opted_out": False,
             "created_at": AT} for r in ("r1", "r2")])
        add_version(connection, TINY, "tiny.yaml")
        add_session(connection, "s1", V, channel="phone", started=60, completed=65, answers={
            "ok": {"value": False},
            "count": {"value": -3},
            "rate[saw]": {"value": 4},
            "rate[other]": {"value": 2},
            "tools": {"value": ["saw", "other"], "other": "@home"},
            "why": {"value": "=cmd", "probes": ["-because", "it is cheap"]},
        })
        add_session(connection, "s2", V, respondent="r2", status="active", answers={
            "count": {"value": 2.5},
            "why": {"declined": "prefer_not_to_say"},
            "rate[drill]": {"value": 5, "at": 3},
            "tools": {"value": ["drill"], "at": 2},
        })
        add_session(connection, "s0", V, respondent="r2", program="p2", channel="email",
                    completed=10, answers={"ok": {"value": True}})
    return engine


def export(engine: sa.Engine, fmt: str, **options: Any) -> str:
    out = io.StringIO()
    export_answers(engine, out, fmt=fmt, **options)
    return out.getvalue()


WIDE = f"""\
session_id,respondent_id,program_id,script_id,script_version,channel,status,started_at,\
completed_at,why,why.probe1,why.probe2,why.declined,tools,tools.other,rate[drill],rate[other],\
rate[saw],count,ok
s0,r2,p2,tiny,{V},email,completed,2026-03-01T08:00:00Z,2026-03-01T08:10:00Z,,,,,,,,,,,yes
s2,r2,p1,tiny,{V},web,active,2026-03-01T08:00:00Z,,,,,prefer_not_to_say,drill,,5,,,2.5,
s1,r1,p1,tiny,{V},phone,completed,2026-03-01T09:00:00Z,2026-03-01T09:05:00Z,'=cmd,'-because,\
it is cheap,,saw; other,'@home,,2,4,-3,no
"""

LONG = """\
session_id,respondent_id,script_id,key,question_id,kind,level,value,other,answered_at
s0,r2,tiny,ok,ok,answer,0,yes,,2026-03-01T08:01:00Z
s2,r2,tiny,why,why,declined,0,prefer_not_to_say,,2026-03-01T08:01:00Z
s2,r2,tiny,tools,tools,answer,0,drill,,2026-03-01T08:02:00Z
s2,r2,tiny,rate[drill],rate,answer,0,5,,2026-03-01T08:03:00Z
s2,r2,tiny,count,count,answer,0,2.5,,2026-03-01T08:01:00Z
s1,r1,tiny,why,why,answer,0,'=cmd,,2026-03-01T09:01:00Z
s1,r1,tiny,why,why,probe,1,'-because,,2026-03-01T09:01:00Z
s1,r1,tiny,why,why,probe,2,it is cheap,,2026-03-01T09:01:00Z
s1,r1,tiny,tools,tools,answer,0,saw; other,'@home,2026-03-01T09:01:00Z
s1,r1,tiny,rate[other],rate,answer,0,2,,2026-03-01T09:01:00Z
s1,r1,tiny,rate[saw],rate,answer,0,4,,2026-03-01T09:01:00Z
s1,r1,tiny,count,count,answer,0,-3,,2026-03-01T09:01:00Z
s1,r1,tiny,ok,ok,answer,0,no,,2026-03-01T09:01:00Z
"""


def test_wide_is_a_row_per_session_in_start_order_and_a_column_per_key_in_script_order(
        tiny: sa.Engine) -> None:
    assert export(tiny, "wide") == WIDE.replace("\n", "\r\n")  # CSV lines end in CRLF


def test_long_is_a_row_per_answer_and_per_probe_answer(tiny: sa.Engine) -> None:
    assert export(tiny, "long") == LONG.replace("\n", "\r\n")


def test_jsonl_is_an_object_per_session_with_the_values_as_given(tiny: sa.Engine) -> None:
    lines = [json.loads(line) for line in export(tiny, "jsonl").splitlines()]

    assert [line["session_id"] for line in lines] == ["s0", "s2", "s1"]
    assert lines[2] == {
        "session_id": "s1", "respondent_id": "r1", "program_id": "p1", "script_id": "tiny",
        "script_version": V, "channel": "phone", "language": "en", "status": "completed",
        "started_at": "2026-03-01T09:00:00Z", "completed_at": "2026-03-01T09:05:00Z",
        "answers": {"why": "=cmd", "tools": ["saw", "other"], "rate[other]": 2,
                    "rate[saw]": 4, "count": -3, "ok": False},
        "other": {"tools": "@home"},
        "probes": {"why": ["-because", "it is cheap"]},
        "declined": {},
    }
    assert list(lines[2]["answers"]) == ["why", "tools", "rate[other]", "rate[saw]", "count",
                                         "ok"]
    assert lines[1]["answers"]["why"] is None
    assert lines[1]["declined"] == {"why": "prefer_not_to_say"}
    assert lines[1]["completed_at"] is None


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_guarded_numbers_are_not(
        engine: sa.Engine) -> None:
    texts = ["=1+1", "+1", "-3", "@SUM(A1)", "\tx", "\rx", "a=b", "3"]
    with engine.begin() as connection:
        version = add_version(connection, TINY, "tiny.yaml")
        add_session(connection, "f1", version, respondent=None, program=None, answers={
            "why": {"value": "-3", "probes": texts},
            "tools": {"value": ["=x", "y"], "other": "@me"},
            "count": {"value": -3},
        })

    values = [row[7] for row in csv.reader(io.StringIO(export(engine, "long"), newline=""))][1:]

    assert values == ["'-3", "'=1+1", "'+1", "'-3", "'@SUM(A1)", "'\tx", "'\rx", "a=b", "3",
                      "'=x; y", "-3"]
    assert "@me" in export(engine, "jsonl")  # JSON is left as it is
    assert "'@me" in export(engine, "wide")


def test_exports_are_the_same_every_time(tiny: sa.Engine) -> None:
    for fmt in ("wide", "long", "jsonl"):
        assert export(tiny, fmt) == export(tiny, fmt)


def test_the_report_counts_sessions_and_rows(tiny: sa.Engine) -> None:
    assert export_answers(tiny, io.StringIO(), fmt="long") == ExportReport(sessions=3, rows=13)
    assert export_answers(tiny, io.StringIO(), fmt="wide") == ExportReport(sessions=3, rows=3)


def test_filters_keep_one_program_or_one_script(tiny: sa.Engine) -> None:
    by_program = export(tiny, "long", program="p2")
    assert [line.split(",")[0] for line in by_program.splitlines()[1:]] == ["s0"]
    assert export(tiny, "jsonl", script_id="nope") == ""
    assert export(tiny, "wide", script_id="nope") == (
        "session_id,respondent_id,program_id,script_id,script_version,channel,status,"
        "started_at,completed_at\r\n")
    assert len(export(tiny, "jsonl", script_id="tiny").splitlines()) == 3


def test_loop_keys_follow_their_question_and_unasked_questions_still_get_a_column(
        engine: sa.Engine) -> None:
    with engine.begin() as connection:
        version = add_version(connection, DIPLOMACY.read_text(encoding="utf-8"),
                              str(DIPLOMACY))
        add_session(connection, "d1", version, respondent=None, program=None, answers={
            "hear_back": {"value": True},
            "shop_better[trailhead]": {"value": "Cheaper shipping"},
            "shop_better[other]": {"value": "You can try things on"},
            "considered": {"value": ["trailhead", "other"], "other": "A climbing shop"},
            "refer": {"value": {"name": "Ana", "email": "ana@example.com"}},
        })

    header, row = export(engine, "wide").splitlines()

    assert header.split(",")[9:] == [
        "involved", "refer", "convinced", "considered", "considered.other",
        "shop_better[other]", "shop_better[trailhead]", "confirm_convinced", "keeps_you",
        "at_risk", "confirm_keeps_you", "one_thing", "buy_now", "confirm_one_thing",
        "recommend", "fix_first", "hear_back",
    ]
    assert row.endswith(',"{""email"": ""ana@example.com"", ""name"": ""Ana""}",,'
                        'trailhead; other,A climbing shop,You can try things on,'
                        'Cheaper shipping,,,,,,,,,,yes')


def test_a_script_that_cannot_be_loaded_gives_a_warning_and_key_order(
        engine: sa.Engine) -> None:
    with engine.begin() as connection:
        add_version(connection, "not: [a script", "gone.yaml", version="f" * 64,
                    script_id="gone")
        add_session(connection, "g1", "f" * 64, respondent=None, program=None, answers={
            "zeta": {"value": 1}, "alpha[b]": {"value": 2}, "alpha": {"value": 3}})

    out = io.StringIO()
    report = export_answers(engine, out, fmt="wide")

    assert out.getvalue().splitlines()[0].split(",")[9:] == ["alpha", "alpha[b]", "zeta"]
    assert len(report.warnings) == 1
    assert report.warnings[0].startswith(f"script 'gone' version {'f' * 12} could not be "
                                         "loaded (gone.yaml:1:")
    scripts = {"gone": load_script_text(TINY, "tiny.yaml")}  # by script id: no warning
    assert export_answers(engine, io.StringIO(), fmt="wide", scripts=scripts).warnings == ()


def test_an_unknown_format_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="unknown export format 'xlsx'"):
        export_answers(engine, io.StringIO(), fmt="xlsx")  # type: ignore[arg-type]


def test_the_command_writes_a_file_or_standard_output(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = open_store(url)
    with store.engine.begin() as connection:
        connection.execute(tables.programs.insert().values(id="p1", name="One", created_at=AT))
        connection.execute(tables.respondents.insert().values(
            id="r1", segments=[], attributes={}, consent=False, opted_out=False, created_at=AT))
        add_version(connection, TINY, "tiny.yaml")
        add_session(connection, "s1", V, answers={"ok": {"value": True}, "count": {"value": 7}})
    store.close()
    runner = CliRunner()
    target = tmp_path / "answers.csv"

    to_file = runner.invoke(main, ["export", "--database-url", url, "--output", str(target)])
    to_stdout = runner.invoke(main, ["export", "--database-url", url, "--format", "long",
                                     "--script", "tiny", "--program", "p1"])

    assert to_file.exit_code == 0, to_file.output
    assert target.read_text(encoding="utf-8").splitlines()[1] == (
        f"s1,r1,p1,tiny,{V},web,completed,2026-03-01T08:00:00Z,,,,7,yes")
    assert to_file.stderr == f"exported 1 session(s), 1 row(s) as wide to {target}\n"
    assert to_stdout.exit_code == 0, to_stdout.output
    assert to_stdout.stdout.splitlines()[1:] == [
        "s1,r1,tiny,count,count,answer,0,7,,2026-03-01T08:01:00Z",
        "s1,r1,tiny,ok,ok,answer,0,yes,,2026-03-01T08:01:00Z",
    ]
    assert to_stdout.stderr == "exported 1 session(s), 2 row(s) as long\n"
