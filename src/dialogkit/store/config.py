"""Where the store lives and how SQLite is tuned.

The database URL comes from, in order: the `url` argument, the `DIALOGKIT_DATABASE_URL`
environment variable, `[store] url` in the project's `dialogkit.toml`, and finally the
embedded default, an SQLite file `dialogkit.db` in the project folder. A relative SQLite path
in `dialogkit.toml` is relative to the project folder.

SQLite runs in WAL mode. Its `synchronous` setting is `NORMAL` unless set otherwise
(`[store] sqlite_synchronous` or `DIALOGKIT_SQLITE_SYNCHRONOUS`): a committed answer then
survives a crash of the process, always; with `FULL` it also survives a power loss.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from attrs import frozen

URL_ENV = "DIALOGKIT_DATABASE_URL"
SYNCHRONOUS_ENV = "DIALOGKIT_SQLITE_SYNCHRONOUS"
CONFIG_FILE = "dialogkit.toml"
DEFAULT_DATABASE = "dialogkit.db"
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


class StoreConfigError(ValueError):
    """The store's configuration is not usable."""


@frozen
class StoreConfig:
    url: str
    sqlite_synchronous: str = "NORMAL"


def project_table(project_dir: Path, table: str) -> dict[str, Any]:
    """One table of the project's `dialogkit.toml` (``[store]``, ``[web]``...); empty when
    the file or the table is missing. Raises `StoreConfigError` naming the file when it can't
    be read or the table isn't one."""
    path = project_dir / CONFIG_FILE
    if not path.exists():
        return {}
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise StoreConfigError(f"{path}: {error}") from None
    value = settings.get(table, {})
    if not isinstance(value, dict):
        raise StoreConfigError(f"{path}: [{table}] must be a table")
    return value


def resolve_config(url: str | None = None, project_dir: str | os.PathLike[str] = ".",
                   sqlite_synchronous: str | None = None) -> StoreConfig:
    """The store configuration for a project folder (see the module docstring)."""
    folder = Path(project_dir)
    settings = project_table(folder, "store")
    chosen = url or os.environ.get(URL_ENV)
    if not isinstance(settings.get("url", ""), str):
        raise StoreConfigError(f"{folder / CONFIG_FILE}: [store] url must be a text, like "
                               f"\"sqlite:///dialogkit.db\" (got {settings['url']!r})")
    if not chosen and settings.get("url"):
        chosen = _in_folder(str(settings["url"]), folder)
    if not chosen:
        chosen = f"sqlite:///{(folder / DEFAULT_DATABASE).resolve()}"
    synchronous = (sqlite_synchronous or os.environ.get(SYNCHRONOUS_ENV)
                   or settings.get("sqlite_synchronous") or "NORMAL").upper()
    if synchronous not in SYNCHRONOUS_MODES:
        raise StoreConfigError(f"sqlite synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}"
                               f" (got {synchronous!r})")
    return StoreConfig(url=str(chosen), sqlite_synchronous=synchronous)


def _in_folder(url: str, folder: Path) -> str:
    """An SQLite URL from the project file with a relative path: relative to the project
    folder (where the file is), not to wherever the command happens to run."""
    prefix = "sqlite:///"
    path = url[len(prefix):].split("?", 1)[0] if url.startswith(prefix) else ""
    if not path or path == ":memory:" or Path(path).is_absolute():
        return url
    return prefix + str((folder / path).resolve()) + url[len(prefix) + len(path):]
