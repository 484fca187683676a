"""The store's commands meet broken configurations with one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dialogkit.cli import main
from dialogkit.loader import load_script
from dialogkit.store import UnknownSession, open_store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(("url", "reason"), [
    ("postgresql+psycopg://postgres@127.0.0.1:1/x", "connection"),
    ("foo://bar", "Can't load plugin"),
    ("sqlite:////nonexistent/folder/x.db", "unable to open database file"),
])
def test_a_database_that_cannot_be_used_is_one_line(url: str, reason: str) -> None:
    for command in (["db", "current"], ["db", "upgrade"], ["export"]):
        result = CliRunner().invoke(main, [*command, "--database-url", url])
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: cannot use the database: ")
        assert reason in result.output and "Traceback" not in result.output


def test_a_url_that_is_not_text_is_explained(tmp_path: Path) -> None:
    (tmp_path / "dialogkit.toml").write_text("[store]\nurl = 42\n")
    result = CliRunner().invoke(main, ["db", "current", "--project-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "[store] url must be a text" in result.output


def test_a_csv_export_file_starts_with_a_byte_order_mark(tmp_path: Path) -> None:
    store = open_store(project_dir=tmp_path)
    store.start_session(load_script(EXAMPLES / "nps_checkin" / "script.yaml"), None, seed=1)
    store.close()
    for fmt, bom in (("wide", True), ("long", True), ("jsonl", False)):
        out = tmp_path / f"out.{fmt}"
        result = CliRunner().invoke(main, ["export", "--project-dir", str(tmp_path),
                                           "--format", fmt, "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(b"\xef\xbb\xbf") is bom


def test_events_of_an_unknown_session(tmp_path: Path) -> None:
    store = open_store(project_dir=tmp_path)
    with pytest.raises(UnknownSession):
        store.events("nope")
    store.close()
