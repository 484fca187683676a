"""Interviewer accounts for the phone console: who may sign in, with which password, and the
programs whose cases they may call.

Passwords are kept only as argon2id hashes (argon2-cffi's recommended parameters unless
another `PasswordHasher` is given); a hash made with older parameters is replaced at the next
successful sign-in. Changing a password moves `password_changed_at`: the console no longer
accepts sign-ins from before it.
"""

from __future__ import annotations

import builtins
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import cached_property

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from attrs import frozen

from dialogkit.store import tables

__all__ = ["MIN_PASSWORD_LENGTH", "AccountError", "Interviewer", "Interviewers",
           "check_password"]

MIN_PASSWORD_LENGTH = 12
ID_LENGTH = 100
SIGN_IN_NAME = re.compile(r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?")


class AccountError(Exception):
    """An account change that can't be made; the message says why."""


@frozen
class Interviewer:
    """An interviewer account (without its password hash)."""

    id: str
    """The name they sign in with."""
    name: str
    active: bool
    programs: tuple[str, ...]
    """The programs whose cases they see, sorted."""
    password_changed_at: datetime
    """Sign-ins from before this are no longer valid (timezone-aware UTC)."""


def check_password(password: str) -> None:
    """Raise `AccountError` for a password too short to be accepted."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters "
                           f"(this one has {len(password)})")


def _check_id(interviewer_id: str) -> None:
    if len(interviewer_id) > ID_LENGTH or not SIGN_IN_NAME.fullmatch(interviewer_id):
        raise AccountError(
            f"{interviewer_id!r} can't be a sign-in name: use lower-case letters, digits, '.', "
            f"'_' and '-', beginning and ending with a letter or digit (at most {ID_LENGTH} "
            "characters)")


def _unknown(interviewer_id: str) -> AccountError:
    return AccountError(f"there is no interviewer {interviewer_id!r}")


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive UTC datetimes, PostgreSQL aware ones in the session's zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Interviewers:
    """The interviewer accounts in a store (a migrated engine)."""

    def __init__(self, engine: sa.Engine, *, hasher: PasswordHasher | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        self.clock = clock or (lambda: datetime.now(UTC))

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC)

    # -- reading -----------------------------------------------------------------------------
    def _read(self, connection: sa.Connection, ids: builtins.list[str] | None = None
              ) -> builtins.list[Interviewer]:
        """The accounts with these ids (all of them for None), by id."""
        accounts, links = tables.interviewers, tables.interviewer_programs
        query = sa.select(accounts.c.id, accounts.c.name, accounts.c.active,
                          accounts.c.password_changed_at).order_by(accounts.c.id)
        programs_query = sa.select(links.c.interviewer_id, links.c.program_id).order_by(
            links.c.program_id)
        if ids is not None:
            query = query.where(accounts.c.id.in_(ids))
            programs_query = programs_query.where(links.c.interviewer_id.in_(ids))
        programs: dict[str, builtins.list[str]] = {}
        for interviewer_id, program_id in connection.execute(programs_query):
            programs.setdefault(interviewer_id, []).append(program_id)
        return [Interviewer(id=row.id, name=row.name, active=row.active,
                            programs=tuple(programs.get(row.id, ())),
                            password_changed_at=_utc(row.password_changed_at))
                for row in connection.execute(query)]

    def get(self, interviewer_id: str) -> Interviewer | None:
        """The account with this id, or None."""
        with self.engine.connect() as connection:
            found = self._read(connection, [interviewer_id])
        return found[0] if found else None

    def require(self, interviewer_id: str) -> Interviewer:
        """The account with this id; raises `AccountError` when there is none."""
        found = self.get(interviewer_id)
        if found is None:
            raise _unknown(interviewer_id)
        return found

    def list(self) -> builtins.list[Interviewer]:
        """Every account, active or not, by id."""
        with self.engine.connect() as connection:
            return self._read(connection)

    # -- signing in --------------------------------------------------------------------------
    @cached_property
    def _decoy_hash(self) -> str:
        """A hash no password matches, for unknown ids to take as long as known ones."""
        return self.hasher.hash(secrets.token_urlsafe(32))

    def verify(self, interviewer_id: str, password: str) -> Interviewer | None:
        """The account, when `password` is its password and it is active; else None."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(
                tables.interviewers.c.password_hash, tables.interviewers.c.active).where(
                tables.interviewers.c.id == interviewer_id)).first()
        stored = self._decoy_hash if row is None else row.password_hash
        try:
            self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if self.hasher.check_needs_rehash(stored):
            with self.engine.begin() as connection:  # unless the password changed meanwhile
                connection.execute(tables.interviewers.update().where(
                    tables.interviewers.c.id == interviewer_id,
                    tables.interviewers.c.password_hash == stored).values(
                    password_hash=self.hasher.hash(password)))
        return self.get(interviewer_id)

    # -- changing ----------------------------------------------------------------------------
    def _check_programs(self, connection: sa.Connection, programs: Iterable[str]
                        ) -> builtins.list[str]:
        wanted = sorted(set(programs))
        if not wanted:
            raise AccountError("give at least one program")
        known = set(connection.scalars(sa.select(tables.programs.c.id).where(
            tables.programs.c.id.in_(wanted))))
        if unknown := [p for p in wanted if p not in known]:
            names = ", ".join(repr(p) for p in unknown)
            raise AccountError(f"there is no program {names} in the store" if len(unknown) == 1
                               else f"there are no programs {names} in the store")
        return wanted

    def _check_new(self, connection: sa.Connection, interviewer_id: str, name: str,
                   programs: Iterable[str]) -> builtins.list[str]:
        _check_id(interviewer_id)
        if not name.strip():
            raise AccountError("give the interviewer's name")
        if connection.scalar(sa.select(tables.interviewers.c.id).where(
                tables.interviewers.c.id == interviewer_id)) is not None:
            raise AccountError(f"the sign-in name {interviewer_id!r} is already taken")
        return self._check_programs(connection, programs)

    def check_new(self, interviewer_id: str, name: str, programs: Iterable[str]) -> None:
        """Raise `AccountError` when `add` would refuse these (its password aside)."""
        with self.engine.connect() as connection:
            self._check_new(connection, interviewer_id, name, programs)

    def add(self, interviewer_id: str, name: str, password: str, programs: Iterable[str]
            ) -> Interviewer:
        """A new active account; raises `AccountError` for a sign-in name that is taken or
        not valid, a blank name, an unknown program or a short password."""
        check_password(password)
        password_hash = self.hasher.hash(password)
        try:
            with self.engine.begin() as connection:
                wanted = self._check_new(connection, interviewer_id, name, programs)
                now = self._now()
                connection.execute(tables.interviewers.insert().values(
                    id=interviewer_id, name=name.strip(), password_hash=password_hash,
                    active=True, created_at=now, password_changed_at=now))
                connection.execute(tables.interviewer_programs.insert(), [
                    {"interviewer_id": interviewer_id, "program_id": p} for p in wanted])
        except sa.exc.IntegrityError:
            if self.get(interviewer_id) is None:
                raise
            raise AccountError(f"the sign-in name {interviewer_id!r} is already taken") from None
        return self.require(interviewer_id)

    def _update(self, interviewer_id: str, **values: object) -> Interviewer:
        with self.engine.begin() as connection:
            if connection.execute(tables.interviewers.update().where(
                    tables.interviewers.c.id == interviewer_id).values(**values)).rowcount == 0:
                raise _unknown(interviewer_id)
        return self.require(interviewer_id)

    def set_password(self, interviewer_id: str, password: str) -> Interviewer:
        """Replace the password; sign-ins from before no longer count."""
        check_password(password)
        return self._update(interviewer_id, password_hash=self.hasher.hash(password),
                            password_changed_at=self._now())

    def set_programs(self, interviewer_id: str, programs: Iterable[str]) -> Interviewer:
        """Replace the programs whose cases the interviewer sees."""
        links = tables.interviewer_programs
        with self.engine.begin() as connection:
            if connection.scalar(sa.select(tables.interviewers.c.id).where(
                    tables.interviewers.c.id == interviewer_id)) is None:
                raise _unknown(interviewer_id)
            wanted = self._check_programs(connection, programs)
            connection.execute(links.delete().where(links.c.interviewer_id == interviewer_id))
            connection.execute(links.insert(), [
                {"interviewer_id": interviewer_id, "program_id": p} for p in wanted])
        return self.require(interviewer_id)

    def deactivate(self, interviewer_id: str) -> Interviewer:
        """Refuse the account's sign-ins from now on (its history stays)."""
        return self._update(interviewer_id, active=False)

    def activate(self, interviewer_id: str) -> Interviewer:
        """Accept the account's sign-ins again."""
        return self._update(interviewer_id, active=True)
