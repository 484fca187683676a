"""Importing respondents from CSV and JSON: every problem at once, or everything in one go."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from dialogkit.cli import main
from dialogkit.store import open_store, tables
from dialogkit.store.importing import (
    ImportProblem,
    ImportReport,
    RespondentImportError,
    import_respondents,
    parse_attribute,
    read_respondents,
)

DATA = Path(__file__).resolve().parent / "data" / "respondents"
NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """A migrated store, SQLite and PostgreSQL in turn (`database_url` is in conftest)."""
    store = open_store(database_url)
    yield store.engine
    store.close()


def respondents(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(tables.respondents)).mappings().all()
    return {row["id"]: dict(row) for row in rows}


def accounts(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(
            sa.select(tables.accounts.c.id, tables.accounts.c.name)).all())


def counts(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return (connection.scalar(sa.select(sa.func.count()).select_from(tables.respondents)),
                connection.scalar(sa.select(sa.func.count()).select_from(tables.accounts)))


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# -- happy paths -------------------------------------------------------------------------------
def test_a_csv_file_imports_people_accounts_roles_and_attributes(engine: sa.Engine) -> None:
    report = import_respondents(engine, DATA / "contacts.csv", now=NOW)

    assert report == ImportReport(created=4, updated=0, accounts_created=2)
    assert accounts(engine) == {"acme": "Acme Outdoor", "globex": "Globex GmbH"}
    stored = respondents(engine)
    ines = stored["c-1001"]
    assert {k: ines[k] for k in ("name", "email", "phone", "account_id", "role", "segments",
                                 "attributes", "consent", "opted_out")} == {
        "name": "Ines Duarte", "email": "ines@example.com", "phone": "+351 21 000 0000",
        "account_id": "acme", "role": "decision_maker", "segments": ["loyal"],
        "attributes": {"first_name": "Ines", "years": 7, "plan": "gold", "key_account": True},
        "consent": True, "opted_out": False,
    }
    assert ines["created_at"].replace(tzinfo=dt.UTC) == NOW
    tom = stored["c-1002"]
    assert tom["segments"] == ["loyal", "first_time"]
    assert tom["phone"] is None and tom["consent"] is False
    assert tom["attributes"] == {"first_name": "Tom", "years": 2, "plan": "007",
                                 "key_account": False}
    assert stored["c-1003"]["name"] == "Mai, Lin"
    assert stored["c-1003"]["attributes"]["years"] == 1.5
    sam = stored["c-1004"]
    assert (sam["account_id"], sam["role"], sam["segments"], sam["opted_out"]) == (
        None, None, [], True)


def test_a_json_file_imports_too_nested_attributes_and_all(engine: sa.Engine) -> None:
    report = import_respondents(engine, DATA / "contacts.json", now=NOW)

    assert report == ImportReport(created=3, updated=0, accounts_created=1)
    assert accounts(engine) == {"initech": "Initech"}
    stored = respondents(engine)
    assert stored["c-2001"]["attributes"] == {"first_name": "Ada", "years": 4,
                                              "regions": ["north", "west"]}
    assert stored["c-2001"]["consent"] is True
    assert stored["c-2002"]["account_id"] == "initech"
    assert stored["c-2002"]["consent"] is False  # the schema's default
    assert stored["c-2003"]["opted_out"] is True


def test_a_json_file_may_be_a_plain_list(engine: sa.Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "people.json", json.dumps([{"id": "p1"}, {"id": "p2"}]))
    assert import_respondents(engine, path) == ImportReport(2, 0, 0)
    assert sorted(respondents(engine)) == ["p1", "p2"]


def test_an_account_without_a_name_is_named_by_its_id(engine: sa.Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", "id,account\np1,acme-42\n")
    import_respondents(engine, path)
    assert accounts(engine) == {"acme-42": "acme-42"}


# -- every problem, and nothing written ----------------------------------------------------------
def test_a_broken_csv_file_reports_every_problem_and_imports_nothing(engine: sa.Engine) -> None:
    import_respondents(engine, DATA / "contacts.json")
    before = counts(engine)

    with pytest.raises(RespondentImportError) as caught:
        import_respondents(engine, DATA / "broken.csv")

    file = str(DATA / "broken.csv")
    assert caught.value.problems == (
        ImportProblem(file, 1, "colour", "unknown column; use id, name, email, phone, account, "
                                         "account_name, role, segments, consent, opted_out or "
                                         "attr.NAME for an attribute"),
        ImportProblem(file, 3, "email", "'bob-at-example.com' is not an email address"),
        ImportProblem(file, 3, "account_name", "account 'acme' is named 'Acme' on row 2, not "
                                               "'Acme Inc'"),
        ImportProblem(file, 3, "consent", "'maybe' is not yes or no (use yes, no, true, false, "
                                          "1 or 0)"),
        ImportProblem(file, 4, "id", "'c-1' is already used on row 2"),
        ImportProblem(file, 5, "id", "an id is required"),
    )
    assert counts(engine) == before


def test_a_broken_json_file_reports_every_problem_by_row_and_field(engine: sa.Engine) -> None:
    with pytest.raises(RespondentImportError) as caught:
        import_respondents(engine, DATA / "broken.json")

    assert str(caught.value).splitlines() == [
        f"{DATA / 'broken.json'}:{line}" for line in (
            'row 1: consent: must be true or false (got "yes")',
            "row 2: age: unknown field",
            "row 2: email: 'bob-at-example.com' is not an email address",
            'row 2: segments: must be a list (got "loyal")',
            "row 3: attributes[\"1st\"]: '1st' can't be an attribute name: use letters, digits "
            "and '_', not starting with a digit",
            "row 3: id: 'c-1' is already used on row 1",
            'row 4: must be an object (got "c-4")',
        )
    ]
    assert counts(engine) == (0, 0)


def test_rows_are_line_numbers_even_with_a_bom_crlf_blank_lines_and_multiline_cells(
        tmp_path: Path) -> None:
    text = ('id,name,attr.note\r\n'
            'p1,Ann,"two\r\nlines"\r\n'
            '\r\n'
            ',,\r\n'
            'p 2,Bob,x\r\n')
    path = write(tmp_path, "excel.csv", text, encoding="utf-8-sig")

    with pytest.raises(RespondentImportError) as caught:
        read_respondents(path)

    assert [(p.row, p.column) for p in caught.value.problems] == [(6, "id")]


def test_csv_problems_name_attribute_columns_and_extra_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", "id,attr.2fa,role,segments\n"
                                         "p1,on,Decision Maker,loyal;loyal\n"
                                         "p2,,,,surplus\n")
    with pytest.raises(RespondentImportError) as caught:
        read_respondents(path)
    assert [(p.row, p.column, p.message.split(":")[0]) for p in caught.value.problems] == [
        (2, "attr.2fa", "'2fa' can't be an attribute name"),
        (2, "role", "'Decision Maker' is not a valid id"),
        (2, "segments", "lists the same value twice"),
        (3, "", "5 values, but the header names 4 columns"),
    ]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("people.txt", "id\np1\n", "people.txt: unknown file type '.txt': use a .csv or a .json file"),
    ("people.json", "[{", "people.json: not valid JSON: Expecting property name enclosed in "
                          "double quotes (line 1, column 3)"),
    ("people.json", '{"people": []}', 'people.json: expected a list of respondents, or '
                                      '{"respondents": [...]}'),
    ("people.csv", "", "people.csv: the file has no header row"),
    ("people.csv", "name\nAnn\n", "people.csv:row 1: id: the file has no 'id' column"),
    ("people.csv", "id,id\np1,p1\n", "people.csv:row 1: id: the column appears twice"),
    ("people.csv", "id,account_name\np1,Acme\n",
     "people.csv:row 2: account_name: an account name needs an account id in 'account'"),
])
def test_problems_found_in_small_files(tmp_path: Path, name: str, text: str,
                                           message: str) -> None:
    with pytest.raises(RespondentImportError) as caught:
        read_respondents(write(tmp_path, name, text))
    assert str(caught.value) == f"{tmp_path}/{message}"


def test_a_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", "id,name\np1,Jürgen\n", encoding="latin-1")
    with pytest.raises(RespondentImportError) as caught:
        read_respondents(path)
    assert str(caught.value) == (f"{path}: the file is not UTF-8 text; save it as UTF-8 "
                                 "(in Excel: 'CSV UTF-8')")


@pytest.mark.parametrize(("text", "value"), [
    ("42", 42), ("-3", -3), ("2.5", 2.5), ("true", True), ("FALSE", False),
    ("007", "007"), ("1.50", "1.50"), ("+1", "+1"), ("1e3", "1e3"), ("1,5", "1,5"),
    ("-0", "-0"), ("yes", "yes"), ("gold", "gold"), ("nan", "nan"),
])
def test_attribute_cells_become_numbers_and_booleans_only_when_unambiguous(
        text: str, value: Any) -> None:
    parsed = parse_attribute(text)
    assert parsed == value and type(parsed) is type(value)


# -- updates -------------------------------------------------------------------------------------
def test_a_reimport_updates_what_the_file_gives_and_keeps_the_rest(
        engine: sa.Engine, tmp_path: Path) -> None:
    import_respondents(engine, DATA / "contacts.csv", now=NOW)
    later = NOW + dt.timedelta(days=1)
    path = write(tmp_path, "update.csv",
                 "id,email,account,account_name,segments,consent,attr.plan,attr.first_name\n"
                 "c-1001,ines.d@example.com,acme,Acme Outdoor Ltd,lost,no,platinum,\n"
                 "c-1005,,globex,,,,,Nia\n")

    report = import_respondents(engine, path, now=later)

    assert report == ImportReport(created=1, updated=1, accounts_created=0)
    ines = respondents(engine)["c-1001"]
    assert ines["email"] == "ines.d@example.com"
    assert ines["name"] == "Ines Duarte"  # not in the file: kept
    assert ines["phone"] == "+351 21 000 0000"
    assert ines["segments"] == ["lost"]  # replaced
    assert ines["consent"] is False
    assert ines["attributes"] == {"first_name": "Ines", "years": 7, "plan": "platinum",
                                  "key_account": True}  # merged; the empty cell keeps Ines
    assert ines["created_at"].replace(tzinfo=dt.UTC) == NOW
    assert accounts(engine) == {"acme": "Acme Outdoor Ltd", "globex": "Globex GmbH"}


def test_accounts_are_created_once(engine: sa.Engine) -> None:
    first = import_respondents(engine, DATA / "contacts.csv")
    second = import_respondents(engine, DATA / "contacts.csv")

    assert first == ImportReport(created=4, updated=0, accounts_created=2)
    assert second == ImportReport(created=0, updated=4, accounts_created=0)
    assert counts(engine) == (4, 2)


def test_an_opt_out_is_sticky(engine: sa.Engine, tmp_path: Path) -> None:
    import_respondents(engine, write(tmp_path, "a.csv", "id,opted_out\np1,yes\np2,no\n"))
    import_respondents(engine, write(tmp_path, "b.csv", "id,opted_out\np1,no\np2,yes\n"))
    import_respondents(engine, write(tmp_path, "c.json", json.dumps(
        [{"id": "p1", "opted_out": False}, {"id": "p2"}])))

    stored = respondents(engine)
    assert (stored["p1"]["opted_out"], stored["p2"]["opted_out"]) == (True, True)


def test_an_open_transaction_of_the_caller_is_used_and_left_to_the_caller(
        engine: sa.Engine) -> None:
    with engine.connect() as connection:
        connection.begin()
        import_respondents(connection, DATA / "contacts.json")
        assert connection.scalar(sa.select(sa.func.count()).select_from(tables.respondents)) == 3
        connection.rollback()
    assert counts(engine) == (0, 0)


# -- the command ---------------------------------------------------------------------------------
def test_the_command_imports_and_says_what_it_did(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    runner = CliRunner()

    result = runner.invoke(main, ["import-respondents", str(DATA / "contacts.csv"),
                                  "--database-url", url])

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == (f"{DATA / 'contacts.csv'}: 4 respondent(s) created, 0 updated, "
                             "2 account(s) created\n")
    store = open_store(url)
    assert counts(store.engine) == (4, 2)
    store.close()


def test_the_command_prints_every_problem_and_fails(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["import-respondents", str(DATA / "broken.json"),
                                  "--project-dir", "."])
    assert Path("dialogkit.db").exists()  # the default store of the project folder
    store = open_store(project_dir=".")
    assert counts(store.engine) == (0, 0)
    store.close()

    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 7
    assert result.stdout.startswith(f"{DATA / 'broken.json'}:row 1: consent: must be true or")
    assert result.stderr == f"{DATA / 'broken.json'}: 7 problems; nothing was imported\n"


def test_consent_left_out_of_a_later_import_stays_as_stored(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    tables.metadata.create_all(engine)
    first, later = tmp_path / "first.csv", tmp_path / "later.csv"
    first.write_text("id,consent\nr-1,yes\n", encoding="utf-8")
    later.write_text("id,name\nr-1,Ria\n", encoding="utf-8")
    import_respondents(engine, first)
    import_respondents(engine, later)
    with engine.connect() as connection:
        row = connection.execute(sa.select(tables.respondents)).one()
    assert (row.name, row.consent) == ("Ria", True)


def test_a_trailing_newline_does_not_pass_for_an_id(tmp_path: Path) -> None:
    path = tmp_path / "ids.json"
    path.write_text(json.dumps([{"id": "n-1\n", "email": "a@b.com\n"}]), encoding="utf-8")
    with pytest.raises(RespondentImportError) as raised:
        read_respondents(path)
    assert [(p.row, p.column) for p in raised.value.problems] == [(1, "id"), (1, "email")]
