"""`dialogkit db`: the store's schema."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click
import sqlalchemy as sa

from dialogkit.store import create_engine, current_revision, head_revision, upgrade
from dialogkit.store.config import StoreConfigError, resolve_config

database_option = click.option(
    "--database-url", default=None,
    help="The database (default: DIALOGKIT_DATABASE_URL, dialogkit.toml, or dialogkit.db in "
         "the project folder).")
project_option = click.option("--project-dir", default=".", type=click.Path(file_okay=False),
                              help="The project folder.")


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """Turn a database that can't be reached or used into a one-line error (exit 1)."""
    try:
        yield
    except StoreConfigError as error:
        raise click.ClickException(str(error)) from None
    except sa.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise click.ClickException(f"cannot use the database: {reason}") from None


def _engine(database_url: str | None, project_dir: str) -> sa.Engine:
    with database_errors():
        return create_engine(resolve_config(database_url, project_dir))


@click.group()
def db() -> None:
    """The store's schema: create it, upgrade it, see where it is."""


@db.command("upgrade")
@database_option
@project_option
def upgrade_command(database_url: str | None, project_dir: str) -> None:
    """Create the store, or upgrade it to this version's schema, keeping all data."""
    engine = _engine(database_url, project_dir)
    with database_errors():
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"{where}: already at revision {after}")
    else:
        click.echo(f"{where}: upgraded from {before or 'an empty database'} to {after}")


@db.command("current")
@database_option
@project_option
def current_command(database_url: str | None, project_dir: str) -> None:
    """Show the schema revision of the store and the newest one known."""
    engine = _engine(database_url, project_dir)
    with database_errors():
        revision = current_revision(engine)
    click.echo(f"current: {revision or 'none (empty database)'}; newest: {head_revision()}")
