"""`dialogkit serve PROJECT_DIR`, run as a user runs it: a real server on loopback."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner

from dialogkit.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "customer_diplomacy"
LINK = re.compile(r"^\s+(\w+): (http://127\.0\.0\.1:\d+/r/(\S+))$", re.MULTILINE)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(EXAMPLE / "script.yaml", folder / "script.yaml")
    return folder


@pytest.fixture
def served(project: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "dialogkit", "serve", str(project), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    output = ""
    deadline = time.monotonic() + 30
    while "Press Ctrl+C" not in output:
        line = process.stdout.readline()
        if not line or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"dialogkit serve did not start: {output}{process.stderr.read()}")
        output += line
    yield process, output
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_serve_prints_the_address_and_a_working_link_per_segment(served, project):
    process, output = served
    links = LINK.findall(output)
    assert [segment for segment, _, _ in links] == ["first_time", "loyal", "lost"]
    base = re.search(r"web form: (http://127\.0\.0\.1:\d+)/", output).group(1)
    with httpx2.Client(follow_redirects=True) as client:
        assert client.get(base + "/").status_code == 200
        page = client.get(links[2][1])
        assert page.status_code == 200
        assert "Northwind Outfitters" in page.text
        assert "About 6 minutes" in page.text
    assert (project / "dialogkit.db").exists()
    process.send_signal(signal.SIGINT)
    rest, errors = process.communicate(timeout=10)
    logs = rest + errors
    assert "GET /r/" in logs  # the access log names the request...
    for _, _, token in links:
        assert token not in logs  # ...but never the token
    assert process.returncode == 0
    assert "Stopped." in rest


def test_serve_reports_a_broken_script_with_its_line(tmp_path: Path):
    (tmp_path / "script.yaml").write_text(
        "dialogkit: 1\nid: broken\ntitle: T\npurpose: P\nestimated_minutes: 1\n"
        "nodes:\n  - id: q\n    type: rating\n    text: How?\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", str(tmp_path)])
    assert result.exit_code == 1
    assert "script.yaml:7" in result.output
    assert "points" in result.output


def test_serve_says_when_there_is_no_script(tmp_path: Path):
    result = CliRunner().invoke(main, ["serve", str(tmp_path)])
    assert result.exit_code == 1
    assert "no script found" in result.output


def test_serve_says_when_the_port_is_taken(project: Path, served):
    _, output = served
    port = re.search(r"127\.0\.0\.1:(\d+)/", output).group(1)
    result = CliRunner().invoke(main, ["serve", str(project), "--port", port,
                                       "--no-test-links"])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_serve_names_the_files_of_scripts_sharing_an_id(tmp_path: Path):
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(EXAMPLE / "script.yaml", tmp_path / name)
    result = CliRunner().invoke(main, ["serve", str(tmp_path)])
    assert result.exit_code == 1
    assert "'customer-diplomacy' (a.yaml, b.yaml)" in result.output


def test_serve_prints_a_link_per_language(tmp_path: Path):
    (tmp_path / "script.yaml").write_text(
        "dialogkit: 1\nid: two\nlanguages: [en, de]\ntitle: {en: Hi, de: Hallo}\n"
        "purpose: {en: P, de: P}\nestimated_minutes: 1\n"
        "nodes:\n  - id: q\n    type: text\n    text: {en: Why?, de: Warum?}\n",
        encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "dialogkit", "serve", str(tmp_path), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(6)]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert any(line.startswith("  test (en): http://127.0.0.1:") for line in lines), lines
    assert any(line.startswith("  test (de): http://127.0.0.1:") for line in lines), lines
