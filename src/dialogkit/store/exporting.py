"""Export the stored answers: CSV wide (a row per session), CSV long (a row per answer) or
JSON Lines (an object per session).

Sessions come out in the order they were started (then by id), answers in script order, so
the same data always gives the same file. Question order comes from each session's script
version (its source is in the store); keys a script does not explain go last, sorted.

CSV follows RFC 4180: lines end in CRLF, and a cell holding a line break, a comma or a quote
is quoted. A CSV cell that is text and starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading ``'``, so that a spreadsheet shows an answer such as
``=HYPERLINK(...)`` as text instead of running it as a formula. Numbers are written as they
are (``-3`` stays ``-3``). JSON Lines output is never changed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, TextIO

import attrs
import sqlalchemy as sa

from dialogkit.diagnostics import ScriptError
from dialogkit.loader import load_script_text
from dialogkit.script import Script
from dialogkit.store import tables

__all__ = ["FORMATS", "LONG_COLUMNS", "SESSION_COLUMNS", "ExportReport", "Format",
           "export_answers"]

Format = Literal["wide", "long", "jsonl"]
FORMATS: tuple[Format, ...] = ("wide", "long", "jsonl")
SESSION_COLUMNS = ("session_id", "respondent_id", "program_id", "script_id", "script_version",
                   "channel", "status", "started_at", "completed_at")
"""The first columns of the wide format, one session each."""
LONG_COLUMNS = ("session_id", "respondent_id", "script_id", "key", "question_id", "kind",
                "level", "value", "other", "answered_at")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@attrs.frozen
class ExportReport:
    """What an export wrote: sessions, data rows (CSV rows after the header, or JSON lines),
    and warnings (a script version that could not be loaded, so its keys are sorted)."""

    sessions: int
    rows: int
    warnings: tuple[str, ...] = ()


@attrs.frozen
class _Answer:
    key: str
    question_id: str
    value: Any
    other: str | None
    declined: str | None
    probes: list[str]
    answered_at: dt.datetime | None


@attrs.frozen
class _Session:
    meta: dict[str, Any]
    answers: list[_Answer]


# -- reading ---------------------------------------------------------------------------------
@contextlib.contextmanager
def _connection(bind: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    """The connection given, or one of the engine's reading one snapshot: the wide format
    reads the data twice (its columns, then its rows), and both must see the same sessions."""
    if isinstance(bind, sa.Connection):
        yield bind
        return
    with bind.connect() as connection:
        if bind.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        yield connection  # SQLite: the store reads in a transaction, which is a snapshot


def _filters(script_id: str | None, program: str | None) -> list[sa.ColumnElement[bool]]:
    where = []
    if script_id is not None:
        where.append(tables.script_versions.c.script_id == script_id)
    if program is not None:
        where.append(tables.sessions.c.program_id == program)
    return where


def _sessions(connection: sa.Connection, where: Sequence[sa.ColumnElement[bool]]
              ) -> Iterator[_Session]:
    """Each session with its answers (in no particular order), oldest session first."""
    s, v, a = tables.sessions, tables.script_versions, tables.answers
    query = (
        sa.select(s.c.id, s.c.respondent_id, s.c.program_id, v.c.script_id, s.c.script_version,
                  s.c.channel, s.c.language, s.c.status, s.c.created_at, s.c.completed_at,
                  a.c.key, a.c.question_id, a.c.value, a.c.other, a.c.declined, a.c.probes,
                  a.c.answered_at)
        .join(v, v.c.version == s.c.script_version)
        .outerjoin(a, a.c.session_id == s.c.id)
        .where(*where)
        .order_by(s.c.created_at, s.c.id)
    )
    rows = connection.execution_options(yield_per=1000).execute(query)
    for _, group in itertools.groupby(rows, key=lambda row: row.id):
        first, *rest = group
        meta = {
            "session_id": first.id, "respondent_id": first.respondent_id,
            "program_id": first.program_id, "script_id": first.script_id,
            "script_version": first.script_version, "channel": first.channel,
            "language": first.language, "status": first.status,
            "started_at": _timestamp(first.created_at),
            "completed_at": _timestamp(first.completed_at),
        }
        answers = [
            _Answer(key=row.key, question_id=row.question_id,
                    value=None if row.value is None else json.loads(row.value),
                    other=row.other, declined=row.declined,
                    probes=json.loads(row.probes) if row.probes else [],
                    answered_at=row.answered_at)
            for row in (first, *rest) if row.key is not None
        ]
        yield _Session(meta, answers)


def _timestamp(moment: dt.datetime | None) -> str | None:
    """UTC, to the second, as ``2026-03-01T09:30:00Z`` (naive values are taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


# -- order -----------------------------------------------------------------------------------
class _KeyOrder:
    """Sorts answer keys: questions in script order, a question's own key before its loop keys
    (``q[item]``, sorted); keys of questions no script explains last, sorted."""

    def __init__(self, questions: Iterable[tuple[str, bool]]) -> None:
        self.position: dict[str, int] = {}
        self.in_loop: dict[str, bool] = {}
        for question_id, in_loop in questions:
            if question_id not in self.position:
                self.position[question_id] = len(self.position)
                self.in_loop[question_id] = in_loop

    def __call__(self, key: str, question_id: str) -> tuple[int, int, str, int, str]:
        position = self.position.get(question_id)
        if position is None:
            return (1, 0, question_id, key != question_id, key)
        return (0, position, "", key != question_id, key)


def _script_questions(connection: sa.Connection, where: Sequence[sa.ColumnElement[bool]],
                      scripts: Mapping[str, Script], question_types: Mapping[str, Any] | None,
                      warnings: list[str]) -> list[tuple[str, bool]]:
    """(question id, inside a loop) of every script version the export covers, in order:
    versions by script id and age, questions as each script asks them."""
    s, v = tables.sessions, tables.script_versions
    versions = connection.execute(
        sa.select(v.c.version, v.c.script_id, v.c.source, v.c.file)
        .where(v.c.version.in_(sa.select(s.c.script_version).join(
            v, v.c.version == s.c.script_version).where(*where)))
        .order_by(v.c.script_id, v.c.created_at, v.c.version)).all()
    questions: list[tuple[str, bool]] = []
    for row in versions:
        script = scripts.get(row.version) or scripts.get(row.script_id)
        if script is None:
            try:
                script = load_script_text(row.source, row.file, question_types=question_types)
            except ScriptError as error:
                first = error.diagnostics[0].format() if error.diagnostics else ""
                warnings.append(f"script '{row.script_id}' version {row.version[:12]} could "
                                f"not be loaded ({first}); its answers are in key order")
                continue
        questions.extend((node.id, bool(node.loop_chain))
                         for node in script.nodes() if node.is_question)
    return questions


# -- writing ---------------------------------------------------------------------------------
def export_answers(connection_or_engine: sa.Engine | sa.Connection, out: TextIO, *,
                   fmt: Format = "wide", script_id: str | None = None,
                   program: str | None = None, scripts: Mapping[str, Script] | None = None,
                   question_types: Mapping[str, Any] | None = None) -> ExportReport:
    """Write the answers of the stored sessions to `out` as `fmt` (see the module docstring).

    `script_id` and `program` keep only the sessions of that script or program. `scripts`
    gives compiled scripts by version (or by script id, for all its versions) to take the
    question order from; other versions are loaded from the store, knowing the plugin
    `question_types` given.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    where = _filters(script_id, program)
    warnings: list[str] = []
    with _connection(connection_or_engine) as connection:
        order = _KeyOrder(_script_questions(connection, where, scripts or {}, question_types,
                                            warnings))
        if fmt == "wide":
            columns = _wide_columns(order, _sessions(connection, where))
            count, rows = _write_wide(out, columns, order, _sessions(connection, where))
        elif fmt == "long":
            count, rows = _write_long(out, order, _sessions(connection, where))
        else:
            count, rows = _write_jsonl(out, order, _sessions(connection, where))
    return ExportReport(sessions=count, rows=rows, warnings=tuple(warnings))


def _sorted(answers: Iterable[_Answer], order: _KeyOrder) -> list[_Answer]:
    return sorted(answers, key=lambda answer: order(answer.key, answer.question_id))


@attrs.define
class _Column:
    """A wide-format answer key and the extra columns it needs."""

    key: str
    question_id: str
    other: bool = False
    probes: int = 0
    declined: bool = False

    def names(self) -> list[str]:
        key = self.key
        return [key, *([f"{key}.other"] if self.other else []),
                *(f"{key}.probe{level}" for level in range(1, self.probes + 1)),
                *([f"{key}.declined"] if self.declined else [])]


def _wide_columns(order: _KeyOrder, sessions: Iterable[_Session]) -> list[_Column]:
    """A column per question outside loops, and per key any session answered; in order."""
    columns = {q: _Column(q, q) for q, in_loop in order.in_loop.items() if not in_loop}
    for session in sessions:
        for answer in session.answers:
            column = columns.setdefault(answer.key, _Column(answer.key, answer.question_id))
            column.other = column.other or bool(answer.other)
            column.probes = max(column.probes, len(answer.probes))
            column.declined = column.declined or answer.declined is not None
    return sorted(columns.values(), key=lambda c: order(c.key, c.question_id))


def _write_wide(out: TextIO, columns: Sequence[_Column], order: _KeyOrder,
                sessions: Iterable[_Session]) -> tuple[int, int]:
    writer = csv.writer(out)
    writer.writerow([*SESSION_COLUMNS, *(name for c in columns for name in c.names())])
    count = 0
    for session in sessions:
        count += 1
        given = {answer.key: answer for answer in session.answers}
        cells = [_cell(session.meta[name]) for name in SESSION_COLUMNS]
        for column in columns:
            answer = given.get(column.key)
            if answer is None:
                cells.extend([""] * len(column.names()))
                continue
            cells.append("" if answer.declined is not None else _cell(answer.value))
            if column.other:
                cells.append(_cell(answer.other))
            probes = answer.probes
            cells.extend(_cell(probes[i]) if i < len(probes) else ""
                         for i in range(column.probes))
            if column.declined:
                cells.append(_cell(answer.declined))
        writer.writerow(cells)
    return count, count


def _write_long(out: TextIO, order: _KeyOrder, sessions: Iterable[_Session]
                ) -> tuple[int, int]:
    writer = csv.writer(out)
    writer.writerow(LONG_COLUMNS)
    count = rows = 0
    for session in sessions:
        count += 1
        meta = session.meta
        start = [_cell(meta["session_id"]), _cell(meta["respondent_id"]),
                 _cell(meta["script_id"])]
        for answer in _sorted(session.answers, order):
            at = _cell(_timestamp(answer.answered_at))
            where = [*start, _cell(answer.key), _cell(answer.question_id)]
            if answer.declined is not None:
                writer.writerow([*where, "declined", 0, _cell(answer.declined), "", at])
            else:
                writer.writerow([*where, "answer", 0, _cell(answer.value),
                                 _cell(answer.other), at])
            for level, text in enumerate(answer.probes, start=1):
                writer.writerow([*where, "probe", level, _cell(text), "", at])
            rows += 1 + len(answer.probes)
    return count, rows


def _write_jsonl(out: TextIO, order: _KeyOrder, sessions: Iterable[_Session]
                 ) -> tuple[int, int]:
    count = 0
    for session in sessions:
        count += 1
        answers = _sorted(session.answers, order)
        record = {
            **session.meta,
            "answers": {a.key: a.value for a in answers},
            "other": {a.key: a.other for a in answers if a.other},
            "probes": {a.key: a.probes for a in answers if a.probes},
            "declined": {a.key: a.declined for a in answers if a.declined is not None},
        }
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    return count, count


# -- cells -----------------------------------------------------------------------------------
def _plain(value: Any) -> str:
    """A value as spreadsheet text: lists joined with '; ', yes/no, numbers as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _cell(value: Any) -> str | int | float:
    """A CSV cell: numbers as they are, text guarded against formula injection."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = _plain(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
