"""`dialogkit outbox`: listing and showing what the email channel wrote to its outbox."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dialogkit_email.outbox_command import outbox
from dialogkit_email.transport import OutboxTransport

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def make(number: int, *, html: bool = True) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Acme Team <team@acme.test>"
    msg["To"] = f"Customer {number} <c{number}@example.test>"
    msg["Subject"] = f"How was your visit? ({number})"
    msg["Date"] = format_datetime(START + timedelta(minutes=number))
    msg["Message-ID"] = make_msgid(idstring=f"m{number}", domain="acme.test")
    msg["List-Unsubscribe"] = f"<https://acme.test/unsubscribe/{number}>"
    msg.set_content(f"Hello customer {number},\n.tell us how it went.\n")
    if html:
        msg.add_alternative(f"<p>Hello <b>customer {number}</b></p>\n", subtype="html")
    return msg


def fill(folder: Path, count: int) -> list[EmailMessage]:
    transport = OutboxTransport(folder)
    messages = [make(n) for n in range(1, count + 1)]
    for n, msg in enumerate(messages):
        transport.send(msg, sender="team@acme.test", recipient=f"c{n}@example.test",
                       about_to_commit=lambda: None)
        stamp = 1_700_000_000 + n
        os.utime(transport.path_for(str(msg["Message-ID"])), (stamp, stamp))
    return messages


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(outbox, ["--project-dir", str(project), *args])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tmp_path


def test_lists_the_outbox_newest_last(project: Path) -> None:
    fill(project / "outbox", 3)
    result = run(project)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["#", "date", "to", "subject"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3"]
    assert "How was your visit? (1)" in lines[1] and "c1@example.test" in lines[1]
    assert "How was your visit? (3)" in lines[3]
    local = (START + timedelta(minutes=2)).astimezone().strftime("%Y-%m-%d %H:%M")
    assert local in lines[2]


def test_limit_lists_only_the_most_recent(project: Path) -> None:
    fill(project / "outbox", 5)
    result = run(project, "--limit", "2")
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()[1:3]
    assert [row.split()[0] for row in rows] == ["4", "5"]  # numbers stay those of the full list
    assert "3 older message(s) not listed" in result.output


def test_the_outbox_folder_comes_from_the_settings(project: Path) -> None:
    (project / "dialogkit.toml").write_text('[email]\noutbox = "sent-mail"\n', encoding="utf-8")
    fill(project / "sent-mail", 1)
    result = run(project)
    assert result.exit_code == 0, result.output
    assert "How was your visit? (1)" in result.output


def test_a_missing_outbox_is_reported_plainly(project: Path) -> None:
    result = run(project)
    assert result.exit_code == 0
    assert "does not exist yet" in result.output and "no messages sent" in result.output


def test_an_empty_outbox_is_reported_plainly(project: Path) -> None:
    (project / "outbox").mkdir()
    result = run(project)
    assert result.exit_code == 0
    assert "is empty" in result.output


def test_an_smtp_project_is_told_where_its_mail_went(project: Path) -> None:
    (project / "dialogkit.toml").write_text('[email]\ntransport = "smtp"\n', encoding="utf-8")
    result = run(project)
    assert result.exit_code == 0
    assert "SMTP server" in result.output


def test_show_by_number_prints_the_headers_and_the_text(project: Path) -> None:
    messages = fill(project / "outbox", 3)
    result = run(project, "--show", "2")
    assert result.exit_code == 0, result.output
    out = result.output
    for name in ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe"):
        assert f"{name}: {messages[1][name]}" in out
    assert "Hello customer 2,\n.tell us how it went." in out
    assert "<p>" not in out


def test_show_by_message_id_with_or_without_brackets(project: Path) -> None:
    messages = fill(project / "outbox", 3)
    message_id = str(messages[2]["Message-ID"])
    for wanted in (message_id, message_id.strip("<>")):
        result = run(project, "--show", wanted)
        assert result.exit_code == 0, result.output
        assert "Subject: How was your visit? (3)" in result.output


def test_show_html_prints_the_html_part(project: Path) -> None:
    fill(project / "outbox", 1)
    result = run(project, "--show", "1", "--html")
    assert result.exit_code == 0, result.output
    assert "<p>Hello <b>customer 1</b></p>" in result.output
    assert "tell us how it went" not in result.output


def test_show_html_of_a_text_only_message_says_so(project: Path) -> None:
    OutboxTransport(project / "outbox").send(make(1, html=False), sender="a@b.test",
                                             recipient="c@d.test", about_to_commit=lambda: None)
    result = run(project, "--show", "1", "--html")
    assert result.exit_code == 1
    assert "no HTML part" in result.output


@pytest.mark.parametrize("wanted", ["4", "0", "<nothing@acme.test>"])
def test_show_of_something_not_there_fails(project: Path, wanted: str) -> None:
    fill(project / "outbox", 3)
    result = run(project, "--show", wanted)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "outbox" in result.output


def test_show_in_an_empty_outbox_fails(project: Path) -> None:
    result = run(project, "--show", "1")
    assert result.exit_code == 1
    assert "no message #1" in result.output


def test_bad_settings_are_reported_without_a_traceback(project: Path) -> None:
    (project / "dialogkit.toml").write_text('[email]\ntransport = "pigeon"\n', encoding="utf-8")
    result = run(project)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "transport" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_limit_must_be_positive(project: Path) -> None:
    result = run(project, "--limit", "0")
    assert result.exit_code == 2
