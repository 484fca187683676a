"""Invitation campaigns and reminders, end to end: the commands, the outbox, a real SMTP
server on loopback with failures injected, and a campaign killed halfway and run again."""

from __future__ import annotations

import collections
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from dialogkit.cli import main
from dialogkit.store import tables
from dialogkit.store.messages import Messages
from email_project import (
    EXAMPLES,
    html_of,
    link_token,
    make_project,
    outbox_messages,
    people,
    run,
    store_of,
    text_of,
)
from smtp_sink import SmtpSink

HOSTILE = ("p-evil", "Eve <script>alert(1)</script>", "eve@example.com", "loyal",
           "<b>Eve</b>")


def test_an_invitation_says_why_how_long_who_and_links_to_the_persons_own_session(
        tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", people=[
        ("c-1", "Ines Duarte", "ines@example.com", "loyal", "Ines"), HOSTILE])
    result = run("invite", str(project / "script.yaml"))
    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output
    sent = {str(m["To"].addresses[0].addr_spec): m for m in outbox_messages(project)}
    assert set(sent) == {"ines@example.com", "eve@example.com"}
    message = sent["ines@example.com"]
    assert message["From"].addresses[0].addr_spec == "listening@northwind.example"
    assert message["Subject"] == "Quick check-in"
    assert message.get_content_type() == "multipart/alternative"
    text, html = text_of(message), html_of(message)
    for part in (text, html):
        assert "Hello Ines," in part
        assert "We want to find out what stands in the way of your work" in part
        assert "It takes about a minute." in part
        assert "Northwind Customer Team" in part
    token = link_token(message)
    assert f'href="https://survey.northwind.example/r/{token}"' in html
    store = store_of(project)
    try:
        step = store.resume(token, channel="web")
        session = store.list_sessions()
        mine = next(s for s in session if s.id == step.session_id)
        assert mine.respondent_id == "c-1" and mine.program_id == "nps-checkin"
    finally:
        store.close()
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://survey.northwind.example/u/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link_token(message, "/u/") in unsubscribe
    evil = html_of(sent["eve@example.com"])
    assert "<b>Eve</b>" not in evil and "&lt;b&gt;Eve&lt;/b&gt;" in evil


def test_running_a_campaign_again_sends_nothing_twice_and_writes_the_contact_history(
        tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", people=people(5))
    assert run("invite", str(project / "script.yaml")).exit_code == 0
    again = run("invite", str(project / "script.yaml"))
    assert "0 to invite (5 invited before)" in again.output
    assert len(outbox_messages(project)) == 5
    store = store_of(project)
    try:
        with store.engine.connect() as connection:
            kinds = collections.Counter(connection.scalars(
                sa.select(tables.contact_history.c.kind)))
        assert kinds["invitation"] == 5 and kinds["started"] == 5
        assert len(store.list_sessions()) == 5
    finally:
        store.close()


def test_a_dry_run_shows_who_would_get_what_and_writes_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", people=[
        *people(2), ("p-x", "No Mail", "", "loyal", "No")])
    result = run("invite", str(project / "script.yaml"), "--dry-run")
    assert result.exit_code == 0
    assert "p-0000 <person0@example.com>: Quick check-in" in result.output
    assert "left out p-x: no email address" in result.output
    assert "Hello P0," in result.output
    assert not (project / "outbox").exists()
    store = store_of(project)
    try:
        assert store.list_sessions() == []
    finally:
        store.close()


def test_filters_choose_by_segment_role_and_condition(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", people=[*people(2, "loyal"), *[
        (f"q-{n}", f"Q {n}", f"q{n}@example.com", "lost", f"Q{n}") for n in range(3)]])
    result = run("invite", str(project / "script.yaml"), "--segment", "lost",
                 "--where", "email != 'q1@example.com'")
    assert result.exit_code == 0, result.output
    assert sorted(str(m["To"].addresses[0].addr_spec) for m in outbox_messages(project)) == [
        "q0@example.com", "q2@example.com"]
    bad = run("invite", str(project / "script.yaml"), "--where", "respondent.years >")
    assert bad.exit_code == 2 and "--where" in bad.output


def test_opted_out_and_bounced_addresses_are_never_written_to_by_any_program(
        tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", people=people(3))
    run("invite", str(project / "script.yaml"))
    first = {str(m["To"].addresses[0].addr_spec): m for m in outbox_messages(project)}
    store = store_of(project)
    try:
        messages = Messages(store)
        messages.opt_out(link_token(first["person0@example.com"], "/u/"))
        messages.suppress("email", "PERSON1@example.com", "bounced", "5.1.1")
    finally:
        store.close()
    result = run("invite", str(project / "script.yaml"), "--program", "another-program")
    assert "left out p-0000: opted out" in result.output
    assert "left out p-0001: address bounced" in result.output
    assert len(outbox_messages(project)) == 4


def test_reminders_go_only_to_those_who_have_not_finished_and_at_most_max_times(
        tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", people=people(4))
    run("invite", str(project / "script.yaml"))
    invitations = {str(m["To"].addresses[0].addr_spec): m for m in outbox_messages(project)}
    store = store_of(project)
    try:
        done = store.resume(link_token(invitations["person0@example.com"]))
        store.answer(done.session_id, 10)
        store.answer(store.load(done.session_id).session_id, "Speed")
        store.answer(done.session_id, False)
        assert store.load(done.session_id).status == "completed"
        Messages(store).opt_out(link_token(invitations["person1@example.com"], "/u/"))
        Messages(store).suppress("email", "person2@example.com", "bounced")
    finally:
        store.close()
    not_yet = run("remind", "--project-dir", str(project))
    assert "0 session(s) to remind" in not_yet.output  # the invitation is not 3 days old
    first = run("remind", "--project-dir", str(project), "--after-days", "0", "--max", "1")
    assert "1 session(s) to remind" in first.output and "sent 1" in first.output
    reminders = outbox_messages(project)[4:]
    assert [str(m["To"].addresses[0].addr_spec) for m in reminders] == ["person3@example.com"]
    assert reminders[0]["Subject"] == "Reminder: Quick check-in"
    assert "A short reminder" in text_of(reminders[0])
    second = run("remind", "--project-dir", str(project), "--after-days", "0", "--max", "1")
    assert "0 session(s) to remind" in second.output
    assert len(outbox_messages(project)) == 5


def test_an_smtp_campaign_survives_temporary_failures_a_rejected_address_and_a_dropped_connection(
        tmp_path: Path) -> None:
    with SmtpSink() as sink:
        project = make_project(tmp_path / "p", smtp_port=sink.port, people=people(30))
        sink.inject(tempfail_data=2, reject={"person7@example.com"})
        midway = threading.Thread(target=lambda: (sink.wait_for(10, timeout=30),
                                                  sink.inject(drop_data=1)))
        midway.start()
        result = run("invite", str(project / "script.yaml"))
        midway.join()
        assert result.exit_code == 0, result.output
        assert "sent 29, 1 failed" in result.output
        assert "person7@example.com: " in result.output and "550" in result.output
        received = collections.Counter(r for m in sink.messages for r in m.recipients)
        assert len(received) == 29 and set(received.values()) == {1}
        assert "person7@example.com" not in received
        for message in sink.messages[:3]:
            assert b"\r\nList-Unsubscribe: <https://survey.northwind.example/u/" in message.raw
            parsed = message.message
            assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert "https://survey.northwind.example/r/" in text_of(parsed)
        store = store_of(project)
        try:
            counts = Messages(store).counts(channel="email")
            assert counts == {"sent": 29, "failed": 1}
            failed = Messages(store).find(state="failed")[0]
            assert failed.address == "person7@example.com" and "550" in (failed.last_error or "")
            assert Messages(store).payload(failed.id) is None
        finally:
            store.close()
        again = run("invite", str(project / "script.yaml"))
        assert "sent 0" in again.output and len(sink.messages) == 29


def test_a_message_the_server_kept_without_confirming_goes_again_with_the_same_message_id(
        tmp_path: Path) -> None:
    # The server stored the message, then the connection broke before its "250": like any
    # mail client, the channel can't know, and tries again (RFC 5321 leaves this to the
    # Message-ID, which stays the same, so mail systems can recognise the copy).
    with SmtpSink() as sink:
        project = make_project(tmp_path / "p", smtp_port=sink.port, people=people(3))
        sink.inject(drop_after_accept=2)
        assert run("invite", str(project / "script.yaml")).exit_code == 0
        ids = [str(m.message["Message-ID"]) for m in sink.messages]
        assert len(ids) == 4 and len(set(ids)) == 3


def test_a_server_that_keeps_failing_leaves_messages_queued_for_the_next_run(
        tmp_path: Path) -> None:
    with SmtpSink() as sink:
        project = make_project(tmp_path / "p", smtp_port=sink.port, people=people(3),
                               extra="max_attempts = 2")
        sink.inject(tempfail_data=100)
        result = run("invite", str(project / "script.yaml"))
        assert result.exit_code == 1
        assert "3 to retry" in result.output and "run the command again" in result.output
        sink.reset()
        rerun = run("invite", str(project / "script.yaml"))
        assert rerun.exit_code == 0 and "sent 3" in rerun.output
        assert sorted(r for m in sink.messages for r in m.recipients) == [
            "person0@example.com", "person1@example.com", "person2@example.com"]


def _campaign(project: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "dialogkit", "invite", str(project / "script.yaml")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _stop_halfway(sink: SmtpSink, process: subprocess.Popen[str], how: int) -> str:
    sink.wait_for(15, timeout=60)
    process.send_signal(how)
    output, _ = process.communicate(timeout=60)
    return output


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_a_campaign_stopped_or_killed_halfway_and_run_again_sends_each_message_once(
        tmp_path: Path, how: int) -> None:
    with SmtpSink() as sink:
        project = make_project(tmp_path / "p", smtp_port=sink.port, people=people(60),
                               extra="")
        toml = project / "dialogkit.toml"
        toml.write_text(toml.read_text().replace('"10000/second"', '"40/second"'))
        output = _stop_halfway(sink, _campaign(project), how)
        first = len(sink.messages)
        assert 15 <= first < 60, output
        if how == signal.SIGTERM:
            assert "stopped: run the command again" in output
        time.sleep(0.2)
        toml.write_text(toml.read_text().replace('"40/second"', '"10000/second"'))
        rerun = run("invite", str(project / "script.yaml"))
        received = collections.Counter(r for m in sink.messages for r in m.recipients)
        assert max(received.values()) == 1, "someone got the invitation twice"
        missing = {f"person{n}@example.com" for n in range(60)} - set(received)
        if how == signal.SIGTERM:
            assert not missing and rerun.exit_code == 0
        else:  # at most the one message that was being handed over when killed
            assert len(missing) <= 1
            for address in missing:
                assert address in rerun.output and "--resend-unconfirmed" in rerun.output
            if missing:
                resent = run("invite", str(project / "script.yaml"), "--resend-unconfirmed")
                assert resent.exit_code == 0
                assert len({r for m in sink.messages for r in m.recipients}) == 60


def test_the_flagship_example_invites_a_segment_to_its_outbox(tmp_path: Path) -> None:
    project = tmp_path / "customer_diplomacy"
    shutil.copytree(EXAMPLES / "customer_diplomacy", project)
    imported = run("import-respondents", str(project / "customers.csv"), "--project-dir",
                   str(project))
    assert imported.exit_code == 0, imported.output
    result = run("invite", str(project / "script.yaml"), "--segment", "loyal")
    assert result.exit_code == 0, result.output
    sent = outbox_messages(project)
    assert sorted(str(m["To"].addresses[0].addr_spec) for m in sent) == [
        "ines.duarte@example.com", "jonas.keller@example.com"]
    assert "Hello Jonas," in text_of(sent[0]) or "Hello Jonas," in text_of(sent[1])
    listing = run("outbox", "--project-dir", str(project))
    assert "Ines Duarte <ines.duarte@example.com>" in listing.output


def test_a_name_with_line_breaks_cannot_add_headers(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", people=people(1))
    store = store_of(project)
    try:
        with store.engine.begin() as connection:
            connection.execute(tables.respondents.update().values(
                name="Eve\r\nBcc: everyone@example.com"))
    finally:
        store.close()
    assert run("invite", str(project / "script.yaml")).exit_code == 0
    message = outbox_messages(project)[0]
    assert message["Bcc"] is None
    assert message["To"].addresses[0].display_name == "Eve Bcc: everyone@example.com"


def test_a_template_mistake_is_one_clear_error_and_nothing_is_sent(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", people=people(2),
                           extra='templates = "my_templates"')
    (project / "my_templates").mkdir()
    (project / "my_templates" / "invitation.txt").write_text(
        "Hi {{ respondent.nickname }}\n{{ link }}\n", encoding="utf-8")
    for args in ([], ["--dry-run"]):
        result = CliRunner().invoke(main, ["invite", str(project / "script.yaml"), *args])
        assert result.exit_code == 1
        assert "email template" in result.output and "invitation.txt" in result.output
        assert "nickname" in result.output
    assert not (project / "outbox").exists()
    store = store_of(project)
    try:
        assert store.list_sessions() == []
    finally:
        store.close()
