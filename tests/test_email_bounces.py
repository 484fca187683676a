"""Reading bounces: RFC 3464 delivery status notifications."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogkit_email.bounces import Bounce, BouncedRecipient, parse_bounce

DATA = Path(__file__).parent / "data" / "email"


def load(name: str) -> EmailMessage:
    data = (DATA / name).read_bytes()
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def parse(text: str) -> EmailMessage:
    return email.message_from_bytes(text.encode(), policy=email.policy.default)  # type: ignore[return-value]


def test_postfix_user_unknown_is_a_permanent_failure() -> None:
    bounce = parse_bounce(load("dsn_postfix_user_unknown.eml"))
    assert bounce == Bounce(
        recipients=(
            BouncedRecipient(
                address="no.such.person@nordwind.example",
                action="failed",
                status="5.1.1",
                diagnostic="550 5.1.1 <no.such.person@nordwind.example>: Recipient address "
                "rejected: User unknown in virtual mailbox table",
            ),
        ),
        original_message_id="<20261123090000.8841.invite@acme.example>",
    )
    assert bounce.recipients[0].permanent
    assert bounce.permanent_addresses == ("no.such.person@nordwind.example",)


def test_delayed_delivery_is_not_permanent() -> None:
    bounce = parse_bounce(load("dsn_delayed.eml"))
    assert bounce is not None
    (recipient,) = bounce.recipients
    assert (recipient.address, recipient.action, recipient.status) == (
        "jana@slowhost.example",
        "delayed",
        "4.4.1",
    )
    assert recipient.diagnostic == (
        "connect to mx.slowhost.example[192.0.2.44]:25: Connection timed out"
    )
    assert not recipient.permanent
    assert bounce.permanent_addresses == ()
    assert bounce.original_message_id == "<20261123090000.8842.invite@acme.example>"


def test_every_recipient_of_a_multi_recipient_report() -> None:
    bounce = parse_bounce(load("dsn_two_recipients.eml"))
    assert bounce is not None
    assert [(r.address, r.status, r.diagnostic) for r in bounce.recipients] == [
        ("old.colleague@gone.example", "5.0.0", "550 5.1.1 User unknown"),
        ("mailbox.full@tiny.example", "5.0.0", "552 5.2.2 Mailbox full"),
    ]
    assert bounce.permanent_addresses == ("old.colleague@gone.example", "mailbox.full@tiny.example")
    assert bounce.original_message_id == "<20261124080000.9001.invite@acme.example>"


def test_exchange_report_with_returned_headers_only() -> None:
    bounce = parse_bounce(load("dsn_rfc822_headers.eml"))
    assert bounce is not None
    (recipient,) = bounce.recipients
    assert recipient.address == "ceo@bigcorp.example"
    assert recipient.permanent
    assert recipient.diagnostic == (
        "550 5.7.1 Service unavailable, Client host [198.51.100.7] blocked using Spamhaus"
    )
    assert bounce.original_message_id == "<20261125070000.9107.invite@acme.example>"


@pytest.mark.parametrize(
    "name",
    [
        "gmail_top_posted.eml",
        "outlook_reply.eml",
        "html_only_reply.eml",
        "out_of_office.eml",
        "forwarded.eml",
    ],
)
def test_messages_that_are_not_reports_are_not_bounces(name: str) -> None:
    assert parse_bounce(load(name)) is None


READ_RECEIPT = """\
From: anna@example.org
To: replies@acme.example
Subject: Read: Quick question
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="b"

--b
Content-Type: text/plain

Your message was read.
--b
Content-Type: message/disposition-notification

Final-Recipient: rfc822; anna@example.org
Disposition: manual-action/MDN-sent-manually; displayed
--b--
"""


def test_a_read_receipt_is_not_a_bounce() -> None:
    assert parse_bounce(parse(READ_RECEIPT)) is None


def test_a_report_without_original_message_has_no_message_id() -> None:
    text = """\
From: MAILER-DAEMON@mx.example.org
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Delivery failed.
--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Original-Recipient: rfc822;Someone@Example.org
Action: failed
Status: 5.1.10 (Recipient address rejected)
--b--
"""
    bounce = parse_bounce(parse(text))
    assert bounce == Bounce(
        recipients=(BouncedRecipient("someone@example.org", "failed", "5.1.10", None),),
        original_message_id=None,
    )


# Any well-formed report reads back as the recipients it was built from.

recipients = st.lists(
    st.tuples(
        st.from_regex(r"[a-z][a-z0-9.]{0,12}@[a-z]{1,10}\.example", fullmatch=True),
        st.sampled_from(
            [("failed", "5.1.1"), ("failed", "5.2.2"), ("delayed", "4.4.1"), ("relayed", "2.0.0")]
        ),
    ),
    min_size=1,
    max_size=5,
)


def build_report(rows: list[tuple[str, tuple[str, str]]], message_id: str) -> bytes:
    groups = "\n".join(
        f"Final-Recipient: rfc822; {address}\nAction: {action}\nStatus: {status}\n"
        f"Diagnostic-Code: smtp; {status} something about {address}\n"
        for address, (action, status) in rows
    )
    text = f"""\
From: MAILER-DAEMON@mx.acme.example
To: bounces@acme.example
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="xyz"

--xyz
Content-Type: text/plain

Delivery report.

--xyz
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.acme.example

{groups}
--xyz
Content-Type: message/rfc822

From: replies@acme.example
Message-ID: {message_id}
Subject: Hello

Hello.

--xyz--
"""
    return text.encode()


@settings(max_examples=75, deadline=None)
@given(rows=recipients, number=st.integers(min_value=1, max_value=10**9))
def test_reports_round_trip(rows: list[tuple[str, tuple[str, str]]], number: int) -> None:
    message_id = f"<{number}.invite@acme.example>"
    message = email.message_from_bytes(build_report(rows, message_id), policy=email.policy.default)
    bounce = parse_bounce(message)  # type: ignore[arg-type]
    assert bounce is not None
    assert [(r.address, r.action, r.status) for r in bounce.recipients] == [
        (address, action, status) for address, (action, status) in rows
    ]
    assert bounce.permanent_addresses == tuple(
        address for address, (action, _status) in rows if action == "failed"
    )
    assert bounce.original_message_id == message_id
