"""Conversations answered by replying: answers recorded through the engine, the next
question sent, polite requests to reply again, bounces, auto-replies and duplicates."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from dialogkit.store.messages import Messages
from email_project import (
    deliver,
    html_of,
    make_project,
    outbox_messages,
    reply,
    run,
    store_of,
    text_of,
)

BO = ("c-4", "Bo Li", "bo@example.com", "", "Bo")


def _start(tmp_path: Path) -> Path:
    project = make_project(tmp_path / "p", people=[BO])
    result = run("invite", str(project / "script.yaml"), "--answer-by", "email")
    assert result.exit_code == 0, result.output
    return project


def _last(project: Path) -> EmailMessage:
    return outbox_messages(project)[-1]


def _answers(project: Path) -> dict[str, object]:
    store = store_of(project)
    try:
        session = store.list_sessions()[0]
        return dict(store.conversation(session.id).state.answers)
    finally:
        store.close()


def _inbox(project: Path) -> str:
    result = run("inbox", "--project-dir", str(project))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_invitation_asks_the_first_question_with_one_click_answers(tmp_path: Path
                                                                       ) -> None:
    project = _start(tmp_path)
    invitation = _last(project)
    text = text_of(invitation)
    assert "How likely are you to recommend Ledgerly to a colleague?" in text
    assert "Reply with a number from 0 to 10." in text
    assert "0 = Not at all likely … 10 = Extremely likely" in text
    reply_to = str(invitation["Reply-To"])
    assert reply_to.startswith("replies+") and reply_to.endswith("@northwind.example")
    assert f'href="mailto:{reply_to}?subject=Re%3A%20Quick%20check-in&amp;body=7"' in \
        html_of(invitation)


@pytest.mark.parametrize("shape", ["top", "signature", "iphone", "html", "outlook"])
def test_a_whole_conversation_answered_by_replying_in_the_shapes_mail_clients_write(
        tmp_path: Path, shape: str) -> None:
    project = _start(tmp_path)
    deliver(project, reply(_last(project), "6 - the reports are slow", shape=shape))
    assert "1 answered" in _inbox(project)
    probe = _last(project)
    assert probe["Subject"] == "Re: Quick check-in"
    assert "What is the main reason for your score of 6?" in text_of(probe)
    assert probe["In-Reply-To"] is not None
    deliver(project, reply(probe, "Month-end reports take an hour to load.", shape=shape))
    _inbox(project)
    deliver(project, reply(_last(project), "We close the books on them.", shape=shape))
    _inbox(project)
    assert "May someone from the product team contact you" in text_of(_last(project))
    deliver(project, reply(_last(project), "Yes", shape=shape))
    _inbox(project)
    thanks = _last(project)
    assert thanks["Subject"] == "Thank you: Quick check-in"
    assert "Your answers are saved." in text_of(thanks)
    answers = _answers(project)
    assert answers["score"] == 6 and answers["may_contact"] is True
    store = store_of(project)
    try:
        session = store.list_sessions()[0]
        assert session.status == "completed"
        probes = store.conversation(session.id).state.probes["score"]
        assert [p["answer"] if isinstance(p, dict) else p for p in probes] == [
            "Month-end reports take an hour to load.", "We close the books on them."]
    finally:
        store.close()


def test_an_unreadable_reply_gets_a_polite_request_saying_what_is_expected(
        tmp_path: Path) -> None:
    project = _start(tmp_path)
    deliver(project, reply(_last(project), "Hard to say really"))
    assert "1 asked to reply again" in _inbox(project)
    again = _last(project)
    text = text_of(again)
    assert "We could not quite read it as an answer" in text
    assert "Please choose a whole number from 0 to 10." in text
    assert "How likely are you to recommend Ledgerly" in text
    deliver(project, reply(again, "9"))
    assert "1 answered" in _inbox(project)
    assert _answers(project)["score"] == 9


def test_the_same_reply_read_twice_is_recorded_once_and_answered_once(tmp_path: Path
                                                                      ) -> None:
    project = _start(tmp_path)
    answer = reply(_last(project), "10")
    deliver(project, answer)
    deliver(project, answer)
    output = _inbox(project)
    assert "1 answered" in output and "1 seen before" in output
    assert len(outbox_messages(project)) == 2


def test_a_second_reply_to_an_answered_question_gets_the_current_question(tmp_path: Path
                                                                          ) -> None:
    project = _start(tmp_path)
    invitation = _last(project)
    deliver(project, reply(invitation, "10"))
    _inbox(project)
    deliver(project, reply(invitation, "Actually 3"))
    assert "1 to a question answered since" in _inbox(project)
    assert _answers(project)["score"] == 10
    assert "We already have your answer to that question" in text_of(_last(project))


def test_a_second_reply_to_a_question_with_probes_is_not_taken_for_the_probe(
        tmp_path: Path) -> None:
    project = _start(tmp_path)
    invitation = _last(project)
    deliver(project, reply(invitation, "6"))
    _inbox(project)
    deliver(project, reply(invitation, "Actually 3"))
    assert "1 to a question answered since" in _inbox(project)
    store = store_of(project)
    try:
        state = store.conversation(store.list_sessions()[0].id).state
        assert state.answers["score"] == 6 and not state.probes.get("score")
    finally:
        store.close()
    assert "What is the main reason for your score of 6?" in text_of(_last(project))


def test_a_reply_after_the_conversation_ended_is_noted_and_not_answered(tmp_path: Path
                                                                        ) -> None:
    project = _start(tmp_path)
    invitation = _last(project)
    for words in ("10", "", "no"):
        deliver(project, reply(_last(project), words or "Nothing more"))
        _inbox(project)
    count = len(outbox_messages(project))
    deliver(project, reply(invitation, "9"))
    assert "1 after the conversation had ended" in _inbox(project)
    assert len(outbox_messages(project)) == count


def test_a_reply_from_another_address_without_the_token_is_not_taken_as_an_answer(
        tmp_path: Path) -> None:
    project = _start(tmp_path)
    forged = reply(_last(project), "0", sender="mallory@example.net")
    forged.replace_header("To", "replies@northwind.example")
    deliver(project, forged)
    assert "1 not matched" in _inbox(project)
    assert "score" not in _answers(project)


def test_out_of_office_replies_are_ignored_and_not_answered(tmp_path: Path) -> None:
    project = _start(tmp_path)
    away = reply(_last(project), "I am out of the office until Monday.")
    away["Auto-Submitted"] = "auto-replied"
    deliver(project, away)
    assert "1 automatic" in _inbox(project)
    assert len(outbox_messages(project)) == 1


def _bounce(original: EmailMessage, address: str, status: str = "5.1.1",
            action: str = "failed") -> bytes:
    boundary = "dsn-boundary"
    return (
        f"From: MAILER-DAEMON@mx.example.com\r\nTo: replies@northwind.example\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: {make_msgid()}\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
        f' boundary="{boundary}"\r\n\r\n--{boundary}\r\nContent-Type: text/plain\r\n\r\n'
        f"Your message could not be delivered.\r\n--{boundary}\r\n"
        f"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n"
        f"\r\nFinal-Recipient: rfc822; {address}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} User unknown\r\n\r\n--{boundary}\r\n"
        f"Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: {original['Message-ID']}\r\n"
        f"To: {address}\r\n\r\n--{boundary}--\r\n").encode()


def test_a_bounce_marks_the_address_and_nobody_writes_to_it_again(tmp_path: Path) -> None:
    project = _start(tmp_path)
    deliver(project, _bounce(_last(project), "bo@example.com"))
    output = _inbox(project)
    assert "1 bounce" in output and "bo@example.com" in output
    store = store_of(project)
    try:
        assert Messages(store).suppression("email", "bo@example.com") == "bounced"
    finally:
        store.close()
    later = run("invite", str(project / "script.yaml"), "--program", "next-quarter")
    assert "left out c-4: address bounced" in later.output
    reminded = run("remind", "--project-dir", str(project), "--after-days", "0")
    assert "0 session(s) to remind" in reminded.output


def test_a_delayed_delivery_notice_is_not_a_bounce(tmp_path: Path) -> None:
    project = _start(tmp_path)
    deliver(project, _bounce(_last(project), "bo@example.com", "4.4.1", "delayed"))
    _inbox(project)
    store = store_of(project)
    try:
        assert Messages(store).suppression("email", "bo@example.com") is None
    finally:
        store.close()


def test_back_asks_the_previous_question_again_and_later_sends_a_link_to_finish(
        tmp_path: Path) -> None:
    project = _start(tmp_path)
    deliver(project, reply(_last(project), "10"))
    _inbox(project)
    assert "What do you rely on most" in text_of(_last(project))
    assert "Reply BACK to change your previous answer" in text_of(_last(project))
    deliver(project, reply(_last(project), "back"))
    _inbox(project)
    assert "How likely are you to recommend Ledgerly" in text_of(_last(project))
    deliver(project, reply(_last(project), "LATER"))
    _inbox(project)
    later = _last(project)
    assert later["Subject"] == "Your link to finish: Quick check-in"
    assert "Here is your link to finish later" in text_of(later)
    assert _answers(project)["score"] == 10
