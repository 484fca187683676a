"""A project folder as `dialogkit serve` reads it: its scripts, its store and its test
respondents.

The scripts are the files named in ``dialogkit.toml`` under ``[web] scripts``, or else every
``*.yaml`` and ``*.yml`` file at the top of the folder. Test respondents, one per segment and
role a script declares, get links printed at start; their attributes come from
``[web.test_respondent]`` (default: a first name, "Alex").
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from dialogkit.engine import Respondent
from dialogkit.loader import load_script
from dialogkit.script import Script
from dialogkit.store.config import CONFIG_FILE, StoreConfigError, project_table

DEFAULT_ATTRIBUTES: Mapping[str, Any] = {"first_name": "Alex"}
MAX_TEST_RESPONDENTS = 12
"""Per script: a script with many segments and roles gets links for the first combinations."""


class ProjectError(Exception):
    """The project folder can't be served as it is."""


@frozen
class Project:
    folder: Path
    scripts: tuple[Script, ...]
    test_attributes: Mapping[str, Any]


def _web_settings(folder: Path) -> dict[str, Any]:
    try:
        return project_table(folder, "web")
    except StoreConfigError as error:
        raise ProjectError(str(error)) from None


def script_paths(folder: Path, settings: Mapping[str, Any]) -> list[Path]:
    """The project's script files, as configured or found."""
    named = settings.get("scripts")
    if named is not None:
        if not isinstance(named, list) or not all(isinstance(n, str) for n in named):
            raise ProjectError(f"{folder / CONFIG_FILE}: [web] scripts must be a list of "
                               "file names")
        paths = [folder / name for name in named]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise ProjectError(f"{folder / CONFIG_FILE}: no such script file: "
                               f"{', '.join(missing)}")
        return paths
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not paths:
        raise ProjectError(f"{folder}: no script found (no *.yaml or *.yml file, and no "
                           f"[web] scripts in {CONFIG_FILE})")
    return paths


def load_project(folder: str | Path, question_types: Mapping[str, Any] | None = None
                 ) -> Project:
    """Read a project folder; raises `ProjectError`, or the loader's `ScriptError` for a
    script with problems."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ProjectError(f"{folder}: not a folder")
    settings = _web_settings(folder)
    scripts = tuple(load_script(path, question_types=question_types)
                    for path in script_paths(folder, settings))
    files: dict[str, list[str]] = {}
    for script in scripts:
        files.setdefault(script.id, []).append(Path(script.file).name)
    duplicated = [f"'{script_id}' ({', '.join(names)})"
                  for script_id, names in files.items() if len(names) > 1]
    if duplicated:
        raise ProjectError(f"{folder}: scripts share an id, which must be unique: "
                           f"{'; '.join(duplicated)}")
    attributes = settings.get("test_respondent", DEFAULT_ATTRIBUTES)
    if not isinstance(attributes, dict):
        raise ProjectError(f"{folder / CONFIG_FILE}: [web.test_respondent] must be a table")
    return Project(folder=folder, scripts=scripts, test_attributes=dict(attributes))


def test_respondents(script: Script, attributes: Mapping[str, Any]) -> list[Respondent]:
    """One test respondent per segment and role the script declares."""
    document = script.document
    segments: list[str | None] = list(document.segments) or [None]
    roles: list[str | None] = [role.id for role in document.roles] or [None]
    respondents = []
    for segment, role in itertools.islice(itertools.product(segments, roles),
                                          MAX_TEST_RESPONDENTS):
        name = "-".join(part for part in ("test", script.id, segment, role) if part)
        respondents.append(Respondent(id=name, attributes=dict(attributes), role=role,
                                      segments=[segment] if segment else []))
    return respondents
