"""Import respondents (people, their accounts, roles, segments, attributes) from CSV or JSON.

The whole file is checked before anything is written: every record against
``schemas/respondents.schema.json``, plus the checks that span records (an id used twice, an
account given two names). Any problem stops the import with :class:`RespondentImportError`,
which lists all of them by row and column. A clean file is written in one transaction:
accounts first, then respondents, new ids inserted and known ones updated.

What an update changes: the fields the record gives (a missing field or an empty CSV cell keeps
the stored value; ``attributes`` are merged key by key; ``segments`` are replaced). An opt-out
is sticky: once a respondent is stored with ``opted_out`` true, no import sets it back to false.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

from dialogkit.diagnostics import format_path
from dialogkit.schemas import SchemaValidator, load_schema
from dialogkit.store import tables

__all__ = [
    "CSV_COLUMNS",
    "ImportProblem",
    "ImportReport",
    "RespondentImportError",
    "import_respondents",
    "parse_attribute",
    "read_respondents",
]

SCHEMA = "respondents.schema.json"
CSV_COLUMNS = ("id", "name", "email", "phone", "account", "account_name", "role", "segments",
               "consent", "opted_out")
"""The CSV columns besides ``attr.NAME`` ones."""
ATTR_PREFIX = "attr."
TRUE_WORDS = frozenset({"yes", "true", "1"})
FALSE_WORDS = frozenset({"no", "false", "0"})
_CHUNK = 500  # ids per IN (...) query
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")


@attrs.frozen
class ImportProblem:
    """One problem in an import file. ``row`` is the CSV line number (the header is line 1)
    or the 1-based position in a JSON list, None for the file as a whole; ``column`` the CSV
    column or the field path in a JSON record ("" when the problem is the whole row)."""

    file: str
    row: int | None
    column: str
    message: str

    def format(self) -> str:
        """``file:row N: column: message``, leaving out the parts that are not known."""
        where = self.file if self.row is None else f"{self.file}:row {self.row}"
        column = f"{self.column}: " if self.column else ""
        return f"{where}: {column}{self.message}"

    def __str__(self) -> str:
        return self.format()


class RespondentImportError(Exception):
    """An import file with problems; nothing was imported. ``problems`` lists every one."""

    def __init__(self, problems: Iterable[ImportProblem]) -> None:
        self.problems: tuple[ImportProblem, ...] = tuple(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(problem.format() for problem in self.problems)


@attrs.frozen
class ImportReport:
    """What an import did: respondents inserted, respondents already stored (rewritten from
    the file), and accounts inserted."""

    created: int
    updated: int
    accounts_created: int


@attrs.frozen
class _Record:
    row: int
    data: Any  # a dict once checked


# -- reading ---------------------------------------------------------------------------------
def parse_attribute(text: str) -> Any:
    """A CSV ``attr.NAME`` cell as a value: ``true``/``false`` (any case) become booleans; a
    whole or decimal number becomes a number when writing that number back gives exactly the
    same text (so ``42``, ``-3`` and ``2.5`` are numbers, ``007``, ``1.50``, ``+1``, ``1e3``
    and ``1,5`` stay text); anything else is text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    number: int | float | None = None
    if _INTEGER.fullmatch(text):
        number = int(text)
    elif _DECIMAL.fullmatch(text):
        number = float(text)
    if number is not None and str(number) == text:
        return number
    return text


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValueError(f"'{text}' is not yes or no (use yes, no, true, false, 1 or 0)")


def _read_csv(path: Path, file: str, problems: list[ImportProblem]
              ) -> tuple[list[_Record], list[str]]:
    """The records of a CSV file, and its header."""
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream)
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            problems.append(ImportProblem(file, None, "", "the file has no header row"))
            return [], header
        usable: list[str | None] = []  # the header, with None for columns to ignore
        for name in header:
            message = None
            if not name:
                message = "a column has no name"
            elif name in usable:
                message = "the column appears twice"
            elif name not in CSV_COLUMNS and not (
                    name.startswith(ATTR_PREFIX) and name != ATTR_PREFIX):
                message = (f"unknown column; use {', '.join(CSV_COLUMNS)} or "
                           f"{ATTR_PREFIX}NAME for an attribute")
            if message:
                problems.append(ImportProblem(file, 1, name, message))
            usable.append(None if message else name)
        if "id" not in usable:
            problems.append(ImportProblem(file, 1, "id", "the file has no 'id' column"))
        records = []
        line = reader.line_num
        for cells in reader:
            row, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or a row of empty cells left by a spreadsheet
            if len(cells) > len(header):
                problems.append(ImportProblem(
                    file, row, "", f"{len(cells)} values, but the header names {len(header)} "
                                   "columns"))
            elif "id" in usable:  # without ids every row would only repeat that
                records.append(_Record(row, _csv_record(file, row, usable, cells, problems)))
        return records, header


def _csv_record(file: str, row: int, header: Sequence[str | None], cells: Sequence[str],
                problems: list[ImportProblem]) -> dict[str, Any]:
    """A CSV row as a record for the schema; empty cells (and ignored columns) left out."""
    record: dict[str, Any] = {}
    for name, raw in zip(header, cells, strict=False):
        text = raw.strip()
        if name is None or not text:
            continue
        if name.startswith(ATTR_PREFIX):
            record.setdefault("attributes", {})[name[len(ATTR_PREFIX):]] = parse_attribute(text)
        elif name == "segments":
            record[name] = [part.strip() for part in text.split(";") if part.strip()]
        elif name in ("consent", "opted_out"):
            try:
                record[name] = _parse_bool(text)
            except ValueError as error:
                problems.append(ImportProblem(file, row, name, str(error)))
        else:
            record[name] = text
    return record


def _read_json(path: Path, file: str, problems: list[ImportProblem]) -> list[_Record]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        problems.append(ImportProblem(
            file, None, "", f"not valid JSON: {error.msg} (line {error.lineno}, column "
                            f"{error.colno})"))
        return []
    if isinstance(document, dict) and set(document) == {"respondents"}:
        document = document["respondents"]
    if not isinstance(document, list):
        problems.append(ImportProblem(
            file, None, "", 'expected a list of respondents, or {"respondents": [...]}'))
        return []
    return [_Record(index, item) for index, item in enumerate(document, start=1)]


def read_respondents(path: str | Path) -> list[dict[str, Any]]:
    """The checked records of an import file (``.csv`` or ``.json``), with their defaults;
    raise :class:`RespondentImportError` listing every problem. Reads no database."""
    return [record.data for record in _checked_records(Path(path))]


def _checked_records(path: Path) -> list[_Record]:
    file = str(path)
    problems: list[ImportProblem] = []
    suffix = path.suffix.lower()
    header: list[str] = []
    if suffix not in (".csv", ".json"):
        raise RespondentImportError([ImportProblem(
            file, None, "", f"unknown file type '{suffix}': use a .csv or a .json file")])
    try:
        if suffix == ".csv":
            records, header = _read_csv(path, file, problems)
        else:
            records = _read_json(path, file, problems)
    except UnicodeDecodeError:
        raise RespondentImportError([ImportProblem(
            file, None, "", "the file is not UTF-8 text; save it as UTF-8 (in Excel: "
                            "'CSV UTF-8')")]) from None
    except csv.Error as error:
        raise RespondentImportError([ImportProblem(
            file, None, "", f"not readable as CSV: {error}")]) from None
    csv_file = suffix == ".csv"
    schema = load_schema(SCHEMA)
    validator = SchemaValidator(schema)
    for record in records:
        for path_items, message in _schema_problems(validator, schema, record.data):
            column = _csv_column(path_items) if csv_file else format_path(path_items)
            problems.append(ImportProblem(file, record.row, column, message))
    problems.extend(_cross_record_problems(file, records))
    if problems:
        def order(problem: ImportProblem) -> tuple[int, int]:
            # by row, then (CSV) by column as the header orders them; else as found
            column = header.index(problem.column) if problem.column in header else len(header)
            return (-1 if problem.row is None else problem.row, column)

        raise RespondentImportError(sorted(problems, key=order))
    for record in records:  # (consent left out stays as stored; new respondents get False)
        record.data.setdefault("opted_out", False)
    return records


def _csv_column(path_items: Sequence[str | int]) -> str:
    if not path_items:
        return ""
    if path_items[0] == "attributes" and len(path_items) > 1:
        return f"{ATTR_PREFIX}{path_items[1]}"
    return str(path_items[0])


# -- checking --------------------------------------------------------------------------------
_TYPE_NAMES = {"string": "text", "boolean": "true or false", "array": "a list",
               "object": "an object", "integer": "a whole number", "number": "a number"}


def _schema_problems(validator: Any, schema: Mapping[str, Any],
                     record: Any) -> Iterator[tuple[list[str | int], str]]:
    """(field path, message) for each way `record` breaks the schema, in plain words."""
    defs = schema["$defs"]
    known = schema["properties"]
    for error in validator.iter_errors(record):
        where: list[str | int] = list(error.absolute_path)
        value = error.instance
        keyword = error.validator
        if keyword == "additionalProperties":
            for name in sorted(set(value) - set(known)):
                yield [name], "unknown field"
            continue
        if keyword == "required":
            yield ["id"], "an id is required"
            continue
        if "propertyNames" in error.schema_path:
            yield [*where, value], (f"'{value}' can't be an attribute name: use letters, digits "
                                    "and '_', not starting with a digit")
            continue
        if keyword == "type":
            wanted = _TYPE_NAMES.get(str(error.validator_value), str(error.validator_value))
            yield where, f"must be {wanted} (got {json.dumps(value, ensure_ascii=False)})"
        elif keyword == "pattern":
            yield where, _pattern_message(where, value, error.schema, defs)
        elif keyword == "maxLength":
            yield where, f"is longer than {error.validator_value} characters"
        elif keyword == "minLength":
            yield where, "must not be empty"
        elif keyword == "uniqueItems":
            yield where, "lists the same value twice"
        else:
            yield where, error.message


def _pattern_message(where: Sequence[str | int], value: str, subschema: Any,
                     defs: Mapping[str, Any]) -> str:
    if subschema == defs["key"]:
        return (f"'{value}' is not a valid id: use letters, digits, '_', '.', ':' and '-', "
                "starting with a letter or digit")
    if subschema == defs["id"]:
        return (f"'{value}' is not a valid id: use letters, digits and '_', not starting with "
                "a digit")
    field = where[0] if where else ""
    if field == "email":
        return f"'{value}' is not an email address"
    if field == "phone":
        return f"'{value}' is not a phone number"
    return f"'{value}' does not have the expected form"


def _cross_record_problems(file: str, records: Sequence[_Record]) -> Iterator[ImportProblem]:
    """An id given twice; an account given two different names."""
    first_row: dict[str, int] = {}
    account_names: dict[str, tuple[str, int]] = {}
    for record in records:
        data = record.data
        if not isinstance(data, dict):
            continue
        rid = data.get("id")
        if isinstance(rid, str):
            if rid in first_row:
                yield ImportProblem(file, record.row, "id",
                                    f"'{rid}' is already used on row {first_row[rid]}")
            else:
                first_row[rid] = record.row
        account, name = data.get("account"), data.get("account_name")
        if isinstance(name, str) and not isinstance(account, str):
            yield ImportProblem(file, record.row, "account_name",
                                "an account name needs an account id in 'account'")
        if isinstance(account, str) and isinstance(name, str):
            known = account_names.setdefault(account, (name, record.row))
            if known[0] != name:
                yield ImportProblem(
                    file, record.row, "account_name",
                    f"account '{account}' is named '{known[0]}' on row {known[1]}, "
                    f"not '{name}'")


# -- writing ---------------------------------------------------------------------------------
@contextlib.contextmanager
def _transaction(bind: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    """A connection in a transaction: the engine's own, or the connection given (its open
    transaction, then the caller commits; or a new one, committed here)."""
    if isinstance(bind, sa.Engine):
        with bind.begin() as connection:
            yield connection
    elif bind.in_transaction():
        yield bind
    else:
        with bind.begin():
            yield bind


def _rows_by_id(connection: sa.Connection, table: sa.Table, ids: Iterable[str]
                ) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _CHUNK):
        query = sa.select(table).where(table.c.id.in_(wanted[start:start + _CHUNK]))
        for row in connection.execute(query).mappings():
            found[row["id"]] = dict(row)
    return found


def import_respondents(connection_or_engine: sa.Engine | sa.Connection, path: str | Path, *,
                       now: dt.datetime | None = None) -> ImportReport:
    """Import the respondents of a ``.csv`` or ``.json`` file into the store.

    Every record is checked first; any problem raises :class:`RespondentImportError` with all
    of them, and nothing is written. Otherwise accounts and respondents are inserted or
    updated in one transaction (see the module docstring for what an update changes).
    """
    records = [record.data for record in _checked_records(Path(path))]
    now = now or dt.datetime.now(dt.UTC)
    with _transaction(connection_or_engine) as connection:
        accounts_created = _write_accounts(connection, records, now)
        created, updated = _write_respondents(connection, records, now)
    return ImportReport(created=created, updated=updated, accounts_created=accounts_created)


def _write_accounts(connection: sa.Connection, records: Sequence[Mapping[str, Any]],
                    now: dt.datetime) -> int:
    names: dict[str, str | None] = {}
    for data in records:
        if "account" in data:
            given = data.get("account_name")
            if names.get(data["account"]) is None:
                names[data["account"]] = given
    accounts = tables.accounts
    stored = _rows_by_id(connection, accounts, names)
    new = [{"id": account, "name": name or account, "attributes": {}, "created_at": now}
           for account, name in names.items() if account not in stored]
    renamed = [{"b_id": account, "name": name} for account, name in names.items()
               if account in stored and name is not None and stored[account]["name"] != name]
    if new:
        connection.execute(accounts.insert(), new)
    if renamed:
        connection.execute(
            accounts.update().where(accounts.c.id == sa.bindparam("b_id"))
            .values(name=sa.bindparam("name")), renamed)
    return len(new)


_FIELDS = {"name": "name", "email": "email", "phone": "phone", "account": "account_id",
           "role": "role", "segments": "segments", "consent": "consent"}
"""Record field → respondents column, for the fields an update simply replaces."""


def _write_respondents(connection: sa.Connection, records: Sequence[Mapping[str, Any]],
                       now: dt.datetime) -> tuple[int, int]:
    table = tables.respondents
    stored = _rows_by_id(connection, table, (data["id"] for data in records))
    inserts, updates = [], []
    for data in records:
        old = stored.get(data["id"])
        if old is None:
            inserts.append({
                "id": data["id"], "name": None, "email": None, "phone": None,
                "account_id": None, "role": None, "segments": [], "consent": False,
                **{column: data[field] for field, column in _FIELDS.items() if field in data},
                "attributes": dict(data.get("attributes", {})),
                "opted_out": data["opted_out"], "created_at": now,
            })
            continue
        row = {column: old[column] for column in _FIELDS.values()}
        row.update({column: data[field] for field, column in _FIELDS.items() if field in data})
        row["attributes"] = {**(old["attributes"] or {}), **data.get("attributes", {})}
        row["opted_out"] = bool(old["opted_out"]) or data["opted_out"]  # opt-outs are sticky
        row["b_id"] = data["id"]
        updates.append(row)
    if inserts:
        connection.execute(table.insert(), inserts)
    if updates:
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("b_id"))
            .values({column: sa.bindparam(column) for column in updates[0] if column != "b_id"}),
            updates)
    return len(inserts), len(updates)
