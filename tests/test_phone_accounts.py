"""Interviewer accounts of the phone console: passwords, sign-ins, programs, the commands."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import CHEAPEST, get_default_parameters
from click.testing import CliRunner, Result

from dialogkit.cli import main
from dialogkit.store import Store, open_store, tables
from dialogkit_phone_script import accounts_command
from dialogkit_phone_script.accounts import AccountError, Interviewers

CHEAP = PasswordHasher.from_parameters(CHEAPEST)
PASSWORD = "correct horse battery"
OTHER_PASSWORD = "staple tortoise lamp"


class Clock:
    """A clock that moves a minute each time it is read."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class CountingHasher(PasswordHasher):
    """A cheap hasher that counts its verifications."""

    def __init__(self) -> None:
        super().__init__(time_cost=CHEAPEST.time_cost, memory_cost=CHEAPEST.memory_cost,
                         parallelism=CHEAPEST.parallelism, hash_len=CHEAPEST.hash_len,
                         salt_len=CHEAPEST.salt_len, type=CHEAPEST.type)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = open_store(database_url)
    store.add_program("spring", "Spring survey")
    store.add_program("renewals")
    yield store
    store.close()


@pytest.fixture
def accounts(store: Store) -> Interviewers:
    return Interviewers(store.engine, hasher=CHEAP, clock=Clock())


def stored_row(store: Store, interviewer_id: str) -> Any:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(tables.interviewers).where(
            tables.interviewers.c.id == interviewer_id)).one()


# -- passwords and sign-ins ---------------------------------------------------------------------

def test_the_default_hash_is_argon2id_with_the_recommended_parameters(store: Store) -> None:
    accounts = Interviewers(store.engine)
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    row = stored_row(store, "ana")
    assert row.password_hash.startswith("$argon2id$")
    assert extract_parameters(row.password_hash) == get_default_parameters()
    assert PASSWORD not in row.password_hash
    assert accounts.verify("ana", PASSWORD) is not None


def test_the_password_is_stored_nowhere(store: Store, accounts: Interviewers) -> None:
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    with store.engine.connect() as connection:
        rows = [*connection.execute(sa.select(tables.interviewers)),
                *connection.execute(sa.select(tables.interviewer_programs))]
    assert all(PASSWORD not in str(value) for row in rows for value in row)
    assert stored_row(store, "ana").password_hash.startswith("$argon2id$")


def test_an_added_account(accounts: Interviewers) -> None:
    added = accounts.add("ana.lima", "  Ana Lima ", PASSWORD, ["spring", "renewals", "spring"])
    assert added.id == "ana.lima" and added.name == "Ana Lima" and added.active
    assert added.programs == ("renewals", "spring")
    assert added.password_changed_at.tzinfo is UTC
    assert accounts.get("ana.lima") == added
    assert accounts.get("nobody") is None


def test_verify(accounts: Interviewers) -> None:
    added = accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    assert accounts.verify("ana", PASSWORD) == added
    assert accounts.verify("ana", OTHER_PASSWORD) is None
    assert accounts.verify("ana", "") is None
    assert accounts.verify("bruno", PASSWORD) is None


def test_an_unknown_id_costs_one_verification_too(store: Store) -> None:
    hasher = CountingHasher()
    accounts = Interviewers(store.engine, hasher=hasher)
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    assert accounts.verify("ana", OTHER_PASSWORD) is None
    assert hasher.verified == 1
    assert accounts.verify("bruno", PASSWORD) is None
    assert accounts.verify("bruno", PASSWORD) is None
    assert hasher.verified == 3


def test_an_inactive_account_cannot_sign_in(accounts: Interviewers) -> None:
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    assert accounts.deactivate("ana").active is False
    assert accounts.verify("ana", PASSWORD) is None
    assert accounts.activate("ana").active is True
    assert accounts.verify("ana", PASSWORD) is not None


def test_a_new_password_ends_the_old_one(store: Store, accounts: Interviewers) -> None:
    added = accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    old_hash = stored_row(store, "ana").password_hash
    changed = accounts.set_password("ana", OTHER_PASSWORD)
    assert changed.password_changed_at > added.password_changed_at
    assert stored_row(store, "ana").password_hash != old_hash
    assert accounts.verify("ana", PASSWORD) is None
    assert accounts.verify("ana", OTHER_PASSWORD) == changed


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(store: Store,
                                                           accounts: Interviewers) -> None:
    added = accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    upgraded = Interviewers(store.engine, hasher=stronger)
    assert upgraded.verify("ana", OTHER_PASSWORD) is None
    assert extract_parameters(stored_row(store, "ana").password_hash) == CHEAPEST
    assert upgraded.verify("ana", PASSWORD) == added  # the sign-in time stays
    rehashed = stored_row(store, "ana").password_hash
    assert rehashed.startswith("$argon2id$") and not stronger.check_needs_rehash(rehashed)
    assert upgraded.verify("ana", PASSWORD) == added
    assert stored_row(store, "ana").password_hash == rehashed


def test_an_inactive_account_keeps_its_old_hash(store: Store, accounts: Interviewers) -> None:
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    accounts.deactivate("ana")
    before = stored_row(store, "ana").password_hash
    stronger = Interviewers(store.engine, hasher=PasswordHasher(time_cost=2, memory_cost=16,
                                                                parallelism=1))
    assert stronger.verify("ana", PASSWORD) is None
    assert stored_row(store, "ana").password_hash == before


# -- programs and the list ----------------------------------------------------------------------

def test_programs_are_replaced(accounts: Interviewers) -> None:
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    accounts.add("bruno", "Bruno Sá", PASSWORD, ["spring", "renewals"])
    assert accounts.set_programs("ana", ["renewals"]).programs == ("renewals",)
    assert [(i.id, i.programs) for i in accounts.list()] == [
        ("ana", ("renewals",)), ("bruno", ("renewals", "spring"))]
    with pytest.raises(AccountError, match="there is no program 'autumn' in the store"):
        accounts.set_programs("ana", ["autumn", "spring"])
    assert accounts.require("ana").programs == ("renewals",)  # unchanged


def test_the_list_is_by_id_with_inactive_accounts(accounts: Interviewers) -> None:
    assert accounts.list() == []
    accounts.add("zoe", "Zoe Park", PASSWORD, ["spring"])
    accounts.add("ana", "Ana Lima", PASSWORD, ["renewals"])
    accounts.deactivate("zoe")
    assert [(i.id, i.active) for i in accounts.list()] == [("ana", True), ("zoe", False)]


# -- errors -------------------------------------------------------------------------------------

def test_a_taken_id(accounts: Interviewers) -> None:
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    with pytest.raises(AccountError, match=r"^the sign-in name 'ana' is already taken$"):
        accounts.add("ana", "Ana Other", PASSWORD, ["renewals"])
    assert accounts.require("ana").name == "Ana Lima"


def test_an_id_that_is_not_a_sign_in_name(accounts: Interviewers) -> None:
    for bad_id in ["Ana", "ana lima", "-ana", "ana.", "", "ana\n", "a" * 101, "anã"]:
        with pytest.raises(AccountError) as raised:
            accounts.add(bad_id, "Ana Lima", PASSWORD, ["spring"])
        assert str(raised.value) == (
            f"{bad_id!r} can't be a sign-in name: use lower-case letters, digits, '.', '_' and "
            "'-', beginning and ending with a letter or digit (at most 100 characters)")
    assert accounts.add("a" * 100, "Ana Lima", PASSWORD, ["spring"]).id == "a" * 100


def test_unknown_programs(accounts: Interviewers) -> None:
    with pytest.raises(AccountError, match=r"^there is no program 'autumn' in the store$"):
        accounts.add("ana", "Ana Lima", PASSWORD, ["spring", "autumn"])
    with pytest.raises(AccountError,
                       match=r"^there are no programs 'autumn', 'winter' in the store$"):
        accounts.add("ana", "Ana Lima", PASSWORD, ["winter", "autumn"])
    with pytest.raises(AccountError, match=r"^give at least one program$"):
        accounts.add("ana", "Ana Lima", PASSWORD, [])
    assert accounts.get("ana") is None


def test_a_short_password(accounts: Interviewers) -> None:
    message = r"^the password must have at least 12 characters \(this one has 11\)$"
    with pytest.raises(AccountError, match=message):
        accounts.add("ana", "Ana Lima", "x" * 11, ["spring"])
    accounts.add("ana", "Ana Lima", "x" * 12, ["spring"])
    with pytest.raises(AccountError, match=message):
        accounts.set_password("ana", "y" * 11)
    assert accounts.verify("ana", "x" * 12) is not None


def test_a_blank_name(accounts: Interviewers) -> None:
    with pytest.raises(AccountError, match=r"^give the interviewer's name$"):
        accounts.add("ana", "  ", PASSWORD, ["spring"])


def test_an_unknown_interviewer(accounts: Interviewers) -> None:
    for change in [lambda: accounts.require("bruno"),
                   lambda: accounts.set_password("bruno", PASSWORD),
                   lambda: accounts.set_programs("bruno", ["spring"]),
                   lambda: accounts.deactivate("bruno"), lambda: accounts.activate("bruno")]:
        with pytest.raises(AccountError, match=r"^there is no interviewer 'bruno'$"):
            change()


# -- the commands -------------------------------------------------------------------------------

@pytest.fixture
def cli(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run `dialogkit interviewers ...` on the store (with the cheap hasher)."""
    monkeypatch.setattr(accounts_command, "Interviewers",
                        functools.partial(Interviewers, hasher=CHEAP))
    url = store.engine.url.render_as_string(hide_password=False)

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, ["interviewers", *args, "--database-url", url],
                                  input=input)

    yield run


def test_add_with_the_password_on_stdin(cli: Any, accounts: Interviewers) -> None:
    result = cli("add", "ana", "--name", "Ana Lima", "--program", "spring", "--program",
                 "renewals", "--password-stdin", input=f"{PASSWORD}\nignored\n")
    assert result.exit_code == 0, result.output
    assert result.output == "added ana (Ana Lima), programs: renewals, spring\n"
    assert accounts.verify("ana", PASSWORD) is not None


def test_add_asks_for_the_password_twice(cli: Any, accounts: Interviewers) -> None:
    result = cli("add", "ana", "--name", "Ana Lima", "--program", "spring",
                 input=f"short\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Error: the password must have at least 12 characters (this one has 5)" in (
        result.output)
    assert result.output.count("Repeat for confirmation") == 1
    assert PASSWORD not in result.output
    assert accounts.verify("ana", PASSWORD) is not None


def test_passwords_that_do_not_match(cli: Any, accounts: Interviewers) -> None:
    result = cli("add", "ana", "--name", "Ana Lima", "--program", "spring",
                 input=f"{PASSWORD}\n{OTHER_PASSWORD}\n")
    assert result.exit_code == 1
    assert "Error: The two entered values do not match." in result.output
    assert accounts.get("ana") is None


def test_list(cli: Any, accounts: Interviewers) -> None:
    assert cli("list").output == ("no interviewers yet; add one with "
                                  "`dialogkit interviewers add`\n")
    assert json.loads(cli("list", "--json").output) == []
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring", "renewals"])
    accounts.add("bruno.sa", "Bruno Sá", PASSWORD, ["spring"])
    accounts.deactivate("bruno.sa")
    result = cli("list")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "id        name      active  programs",
        "ana       Ana Lima  yes     renewals, spring",
        "bruno.sa  Bruno Sá  no      spring"]
    listed = json.loads(cli("list", "--json").output)
    changed_at = datetime.fromisoformat(listed[0].pop("password_changed_at"))
    assert changed_at == accounts.require("ana").password_changed_at
    assert listed[0] == {"id": "ana", "name": "Ana Lima", "active": True,
                         "programs": ["renewals", "spring"]}
    assert listed[1]["active"] is False and listed[1]["name"] == "Bruno Sá"


def test_password(cli: Any, accounts: Interviewers) -> None:
    before = accounts.add("ana", "Ana Lima", PASSWORD, ["spring"]).password_changed_at
    result = cli("password", "ana", input=f"{OTHER_PASSWORD}\n{OTHER_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        "changed the password of ana; sign-ins from before no longer count\n")
    assert accounts.verify("ana", PASSWORD) is None
    changed = accounts.verify("ana", OTHER_PASSWORD)
    assert changed is not None and changed.password_changed_at > before
    result = cli("password", "ana", "--password-stdin", input=f"{PASSWORD}\r\n")
    assert result.exit_code == 0, result.output
    assert accounts.verify("ana", PASSWORD) is not None


def test_deactivate_and_activate(cli: Any, accounts: Interviewers) -> None:
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    result = cli("deactivate", "ana")
    assert (result.exit_code, result.output) == (
        0, "ana is inactive: they can no longer sign in\n")
    assert accounts.verify("ana", PASSWORD) is None
    result = cli("activate", "ana")
    assert (result.exit_code, result.output) == (0, "ana is active: they can sign in again\n")
    assert accounts.verify("ana", PASSWORD) is not None


def test_programs(cli: Any, accounts: Interviewers) -> None:
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    result = cli("programs", "ana", "--program", "renewals")
    assert (result.exit_code, result.output) == (0, "ana: programs renewals\n")
    assert accounts.require("ana").programs == ("renewals",)
    assert cli("programs", "ana").exit_code == 2  # --program is required


ERRORS = [  # (arguments, standard input, the one line): none gets as far as a prompt
    (["add", "ana", "--name", "Ana Other", "--program", "spring"], None,
     "the sign-in name 'ana' is already taken"),
    (["add", "Bruno", "--name", "Bruno Sá", "--program", "spring"], None,
     "'Bruno' can't be a sign-in name: use lower-case letters, digits, '.', '_' and '-', "
     "beginning and ending with a letter or digit (at most 100 characters)"),
    (["add", "bruno", "--name", "Bruno Sá", "--program", "autumn"], None,
     "there is no program 'autumn' in the store"),
    (["add", "bruno", "--name", " ", "--program", "spring"], None,
     "give the interviewer's name"),
    (["add", "bruno", "--name", "Bruno Sá", "--program", "spring", "--password-stdin"],
     "too short\n", "the password must have at least 12 characters (this one has 9)"),
    (["add", "bruno", "--name", "Bruno Sá", "--program", "spring", "--password-stdin"],
     "", "no password on standard input"),
    (["password", "bruno"], None, "there is no interviewer 'bruno'"),
    (["password", "ana", "--password-stdin"], "\n", "no password on standard input"),
    (["deactivate", "bruno"], None, "there is no interviewer 'bruno'"),
    (["activate", "bruno"], None, "there is no interviewer 'bruno'"),
    (["programs", "bruno", "--program", "spring"], None, "there is no interviewer 'bruno'"),
    (["programs", "ana", "--program", "autumn", "--program", "winter"], None,
     "there are no programs 'autumn', 'winter' in the store"),
]


def test_errors_are_one_line(cli: Any, accounts: Interviewers) -> None:
    accounts.add("ana", "Ana Lima", PASSWORD, ["spring"])
    for args, stdin, message in ERRORS:
        result = cli(*args, input=stdin)
        assert (result.exit_code, result.output) == (1, f"Error: {message}\n"), args
    assert [(i.id, i.programs) for i in accounts.list()] == [("ana", ("spring",))]


def test_an_unusable_database_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'store.db'}"
    result = CliRunner().invoke(main, ["interviewers", "list", "--database-url", url])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot use the database: ")
    assert len(result.output.splitlines()) == 1
