"""`dialogkit db`: the store's schema."""

from __future__ import annotations

import click

from dialogkit.store import create_engine, current_revision, head_revision, upgrade
from dialogkit.store.config import StoreConfigError, resolve_config

database_option = click.option(
    "--database-url", default=None,
    help="The database (default: DIALOGKIT_DATABASE_URL, dialogkit.toml, or dialogkit.db in "
         "the project folder).")
project_option = click.option("--project-dir", default=".", type=click.Path(file_okay=False),
                              help="The project folder.")


def _engine(database_url: str | None, project_dir: str):
    try:
        config = resolve_config(database_url, project_dir)
    except StoreConfigError as error:
        raise click.ClickException(str(error)) from None
    return create_engine(config)


@click.group()
def db() -> None:
    """The store's schema: create it, upgrade it, see where it is."""


@db.command("upgrade")
@database_option
@project_option
def upgrade_command(database_url: str | None, project_dir: str) -> None:
    """Create the store, or upgrade it to this version's schema, keeping all data."""
    engine = _engine(database_url, project_dir)
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
    revision = current_revision(engine)
    click.echo(f"current: {revision or 'none (empty database)'}; newest: {head_revision()}")
