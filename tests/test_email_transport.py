"""The email channel's transports (against a real SMTP server on loopback) and pacing."""

from __future__ import annotations

import email
import email.policy
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import cast

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogkit_email.pacing import Backoff, Pacer, parse_rate
from dialogkit_email.settings import EmailSettings, SmtpSettings, load_settings
from dialogkit_email.transport import (
    OutboxTransport,
    PermanentFailure,
    SetupError,
    SmtpTransport,
    TemporaryFailure,
    TransportError,
    dot_stuff,
    open_transport,
    outbox_name,
    read_outbox,
    wire_bytes,
)
from smtp_sink import SmtpSink

SENDER = "team@acme.test"
PASSWORD = "correct horse battery staple"


def message(to: str = "ann@example.test", subject: str = "Your opinion, please",
            text: str = "Hello Ann,\n\nhow did it go?\n", html: str | None = None,
            when: datetime | None = None) -> EmailMessage:
    """A message like the channel sends: text, optionally with an HTML alternative."""
    msg = EmailMessage()
    msg["From"] = f"Acme Team <{SENDER}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="acme.test")
    msg["List-Unsubscribe"] = "<https://acme.test/unsubscribe/abc>"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def content(part: object) -> str:
    """A text part's content with the line ends of the wire (CRLF) made local (LF)."""
    return cast(EmailMessage, part).get_content().replace("\r\n", "\n")


class Commits:
    """An `about_to_commit` hook that counts its calls (and can be told to fail)."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self) -> None:
        self.calls += 1
        if self.fail:
            raise RuntimeError("the store is gone")


def send(transport: SmtpTransport | OutboxTransport, msg: EmailMessage,
         recipient: str | None = None) -> Commits:
    commits = Commits()
    transport.send(msg, sender=SENDER, recipient=recipient or str(msg["To"]),
                   about_to_commit=commits)
    return commits


def smtp(sink: SmtpSink, **changes: object) -> SmtpTransport:
    security = "none" if sink.tls == "none" else sink.tls
    settings = SmtpSettings(host=sink.host, port=sink.port, security=security,
                            ca_file=sink.ca_file, timeout=5.0)
    return SmtpTransport(evolve(settings, **changes))


@pytest.fixture(scope="module")
def shared_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def shared_transport(shared_sink: SmtpSink) -> Iterator[SmtpTransport]:
    with smtp(shared_sink) as transport:
        yield transport


@pytest.fixture
def sink(shared_sink: SmtpSink) -> SmtpSink:
    shared_sink.reset()
    return shared_sink


@pytest.fixture
def transport(sink: SmtpSink) -> Iterator[SmtpTransport]:
    with smtp(sink) as transport:
        yield transport


# -- SMTP: what arrives --------------------------------------------------------------------

def test_a_message_arrives_intact(sink: SmtpSink, transport: SmtpTransport) -> None:
    text = "Grüß Gott, Zoë!\n.a line starting with a dot\n..and two\n.\nend\n"
    html = "<p>Grüß Gott, <b>Zoë</b>!</p>\n.<p>dot</p>\n"
    msg = message(subject="Ihre Meinung zählt – 5 Minuten", text=text, html=html)
    commits = send(transport, msg)

    assert commits.calls == 1
    [received] = sink.messages
    assert received.sender == SENDER
    assert received.recipients == ("ann@example.test",)
    parsed = cast(EmailMessage, email.message_from_bytes(received.raw,
                                                         policy=email.policy.default))
    for name in ("From", "To", "Subject", "Message-ID", "List-Unsubscribe", "Date"):
        assert parsed[name] == msg[name]
    assert parsed.get_content_type() == "multipart/alternative"
    text_part = parsed.get_body(("plain",))
    html_part = parsed.get_body(("html",))
    assert text_part is not None and html_part is not None
    assert content(text_part) == text
    assert content(html_part) == html
    assert received.raw == wire_bytes(msg)


def test_non_ascii_bodies_are_announced_as_8bitmime(sink: SmtpSink,
                                                    transport: SmtpTransport) -> None:
    send(transport, message(text="Zoë\n"))
    send(transport, message(text="plain ascii\n"))
    first, second = sink.messages
    assert "BODY=8BITMIME" in first.mail_options
    assert "BODY=8BITMIME" not in second.mail_options


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=120),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20).map(lambda s: "." + s),
    st.sampled_from([".", "..", ". ", "", "From me", "\r", "x\ry"])), max_size=12))
def test_any_body_round_trips_byte_exact(shared_sink: SmtpSink, shared_transport: SmtpTransport,
                                         lines: list[str]) -> None:
    shared_sink.reset()
    msg = message(text="\n".join(lines) + "\n")
    send(shared_transport, msg)
    [received] = shared_sink.messages
    assert received.raw == wire_bytes(msg)
    sent_part = email.message_from_bytes(wire_bytes(msg), policy=email.policy.default)
    assert content(received.message) == content(sent_part)


@given(data=st.binary(max_size=300))
def test_dot_stuffing_doubles_exactly_the_leading_dots(data: bytes) -> None:
    normalized = b"\r\n".join(data.replace(b"\r", b"").split(b"\n"))
    stuffed = dot_stuff(normalized)
    lines = stuffed.split(b"\r\n")
    assert [line[1:] if line.startswith(b".") else line for line in lines] == \
        normalized.split(b"\r\n")
    assert all(line.startswith(b"..") for line in lines if line.startswith(b"."))


def test_a_non_ascii_address_goes_with_smtputf8(sink: SmtpSink,
                                                transport: SmtpTransport) -> None:
    send(transport, message(to="Zoë <zoë@exämple.test>"), recipient="zoë@exämple.test")
    [received] = sink.messages
    assert received.recipients == ("zoë@exämple.test",)
    assert "SMTPUTF8" in received.mail_options
    assert "To: Zoë <zoë@exämple.test>\r\n".encode() in received.raw  # UTF-8, not encoded


def test_one_connection_serves_many_messages(sink: SmtpSink, transport: SmtpTransport) -> None:
    for number in range(25):
        send(transport, message(subject=f"number {number}"))
    assert [m.message["Subject"] for m in sink.messages] == [f"number {n}" for n in range(25)]
    assert sink.connections == 1


# -- SMTP: failures ------------------------------------------------------------------------

def test_4xx_at_data_is_temporary_and_the_connection_stays_usable(
        sink: SmtpSink, transport: SmtpTransport) -> None:
    sink.inject(tempfail_data=1)
    with pytest.raises(TemporaryFailure) as raised:
        send(transport, message(subject="first"))
    assert raised.value.code == 451
    assert "451 4.3.0 try again" in str(raised.value)
    assert not raised.value.uncertain
    send(transport, message(subject="second"))
    assert [m.message["Subject"] for m in sink.messages] == ["second"]
    assert sink.connections == 1


def test_4xx_at_rcpt_is_temporary_and_commit_is_not_called(
        sink: SmtpSink, transport: SmtpTransport) -> None:
    sink.inject(tempfail_rcpt=1)
    commits = Commits()
    with pytest.raises(TemporaryFailure):
        transport.send(message(), sender=SENDER, recipient="ann@example.test",
                       about_to_commit=commits)
    assert commits.calls == 0
    send(transport, message())
    assert len(sink.messages) == 1


def test_a_rejected_recipient_fails_permanently_and_the_others_still_go(
        sink: SmtpSink, transport: SmtpTransport) -> None:
    sink.inject(reject={"nobody@example.test"})
    send(transport, message(to="ann@example.test"))
    with pytest.raises(PermanentFailure) as raised:
        send(transport, message(to="nobody@example.test"))
    send(transport, message(to="bob@example.test"))

    assert raised.value.code == 550
    assert "nobody@example.test" in str(raised.value) and "5.1.1" in str(raised.value)
    assert [m.recipients for m in sink.messages] == [("ann@example.test",),
                                                      ("bob@example.test",)]
    assert sink.connections == 1


def test_a_connection_dropped_at_the_end_of_data_is_temporary_then_reconnects(
        sink: SmtpSink, transport: SmtpTransport) -> None:
    sink.inject(drop_data=1)
    with pytest.raises(TemporaryFailure) as raised:
        send(transport, message(subject="lost"))
    assert raised.value.uncertain
    assert raised.value.code is None
    send(transport, message(subject="again"))
    assert [m.message["Subject"] for m in sink.messages] == ["again"]
    assert sink.connections == 2


def test_a_drop_after_the_server_stored_the_message_is_uncertain(
        sink: SmtpSink, transport: SmtpTransport) -> None:
    sink.inject(drop_after_accept=2)
    send(transport, message(subject="one"))
    with pytest.raises(TemporaryFailure) as raised:
        send(transport, message(subject="two"))
    assert raised.value.uncertain  # it did arrive: a retry would duplicate it
    send(transport, message(subject="three"))
    assert [m.message["Subject"] for m in sink.messages] == ["one", "two", "three"]
    assert transport.delivered(str(message()["Message-ID"])) is None


def test_an_idle_connection_closed_by_the_server_is_reopened_silently(
        sink: SmtpSink, transport: SmtpTransport) -> None:
    send(transport, message(subject="before"))
    sink.drop_connections()
    send(transport, message(subject="after"))
    assert [m.message["Subject"] for m in sink.messages] == ["before", "after"]
    assert sink.connections == 2


def test_a_server_that_is_not_there_is_a_temporary_failure() -> None:
    with SmtpSink() as gone:
        port = gone.port
    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security="none",
                                           timeout=2))
    commits = Commits()
    with pytest.raises(TemporaryFailure, match=f"127.0.0.1:{port}"):
        transport.send(message(), sender=SENDER, recipient="ann@example.test",
                       about_to_commit=commits)
    assert commits.calls == 0


def test_commit_hook_failing_means_the_server_discards_the_message(
        sink: SmtpSink, transport: SmtpTransport) -> None:
    failing = Commits(fail=True)
    with pytest.raises(RuntimeError, match="the store is gone"):
        transport.send(message(subject="never"), sender=SENDER, recipient="ann@example.test",
                       about_to_commit=failing)
    assert failing.calls == 1
    send(transport, message(subject="next"))  # on a new connection, after the old one's end
    assert [m.message["Subject"] for m in sink.messages] == ["next"]
    assert sink.connections == 2


def test_commit_hook_is_called_after_the_data_but_before_the_server_answers(
        sink: SmtpSink, transport: SmtpTransport) -> None:
    seen: list[int] = []
    transport.send(message(), sender=SENDER, recipient="ann@example.test",
                   about_to_commit=lambda: seen.append(len(sink.messages)))
    assert seen == [0]
    assert len(sink.messages) == 1


# -- SMTP: TLS and login -------------------------------------------------------------------

@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_with_a_private_certificate_authority(security: str) -> None:
    with SmtpSink(tls=security, require_starttls=security == "starttls") as sink, \
            smtp(sink) as transport:
        send(transport, message(subject="secret"))
        send(transport, message(subject="also secret"))
        assert [m.message["Subject"] for m in sink.messages] == ["secret", "also secret"]
        assert sink.connections == 1


def test_an_untrusted_certificate_is_a_setup_error() -> None:
    with SmtpSink(tls="tls") as sink, smtp(sink, ca_file=None) as transport:
        with pytest.raises(SetupError, match="certificate"):
            send(transport, message())
        assert sink.messages == []


def test_starttls_required_but_not_offered_is_a_clear_setup_error(sink: SmtpSink) -> None:
    with smtp(sink, security="starttls") as transport, \
            pytest.raises(SetupError, match="does not offer STARTTLS") as raised:
        send(transport, message())
    assert 'security = "starttls"' in str(raised.value)
    assert sink.messages == []


def test_implicit_tls_against_a_plain_server_is_a_setup_error(sink: SmtpSink) -> None:
    with smtp(sink, security="tls") as transport, pytest.raises(SetupError, match="TLS"):
        send(transport, message())


def test_login_where_the_server_offers_none_is_a_setup_error() -> None:
    with SmtpSink(auth=("ann", PASSWORD)) as sink, \
            smtp(sink, username="ann", password=PASSWORD) as transport, \
            pytest.raises(SetupError, match="does not offer AUTH"):
        send(transport, message())  # AUTH is only offered after STARTTLS


def test_login_with_the_right_password() -> None:
    with SmtpSink(tls="starttls", auth=("ann", PASSWORD), auth_required=True) as sink, \
            smtp(sink, username="ann", password=PASSWORD) as transport:
        send(transport, message())
        assert len(sink.messages) == 1


def test_a_wrong_password_is_a_setup_error_that_never_shows_the_password() -> None:
    wrong = "hunter2-not-it"
    with SmtpSink(tls="starttls", auth=("ann", PASSWORD), auth_required=True) as sink, \
            smtp(sink, username="ann", password=wrong) as transport:
        with pytest.raises(SetupError) as raised:
            send(transport, message())
        assert raised.value.code == 535
        assert "'ann'" in str(raised.value)
        assert wrong not in str(raised.value) and wrong not in repr(raised.value)
        assert wrong not in repr(transport)
        assert sink.messages == []


def test_no_login_where_the_server_requires_one_is_a_setup_error() -> None:
    with SmtpSink(tls="starttls", auth=("ann", PASSWORD), auth_required=True) as sink, \
            smtp(sink) as transport, pytest.raises(SetupError, match="username"):
        send(transport, message())


def test_error_texts_never_contain_the_password(sink: SmtpSink) -> None:
    # a server echoing the password back (here: as a rejected address) is still redacted
    sink.inject(reject={PASSWORD.replace(" ", "") + "@example.test"})
    with smtp(sink, password=PASSWORD.replace(" ", "")) as transport, \
            pytest.raises(PermanentFailure) as raised:
        send(transport, message(), recipient=PASSWORD.replace(" ", "") + "@example.test")
    assert PASSWORD.replace(" ", "") not in str(raised.value)
    assert "***" in str(raised.value)


# -- the outbox folder ---------------------------------------------------------------------

def test_outbox_writes_one_file_per_message_named_after_its_message_id(tmp_path: Path) -> None:
    folder = tmp_path / "deep" / "outbox"
    outbox = OutboxTransport(folder)
    msg = message(text="Grüße\n.dot\n", html="<p>hi</p>")
    message_id = str(msg["Message-ID"])
    assert outbox.delivered(message_id) is False

    commits = send(outbox, msg)

    assert commits.calls == 1
    assert outbox.delivered(message_id) is True
    assert [p.name for p in folder.iterdir() if p.is_file()] == [outbox_name(message_id)]
    assert list((folder / ".tmp").iterdir()) == []
    stored = email.message_from_bytes((folder / outbox_name(message_id)).read_bytes(),
                                      policy=email.policy.default)
    assert stored["Subject"] == msg["Subject"]
    assert content(stored.get_body(("plain",))) == "Grüße\n.dot\n"


def test_outbox_file_is_published_only_after_the_commit_hook(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path)
    msg = message()
    seen: list[bool] = []
    outbox.send(msg, sender=SENDER, recipient="ann@example.test",
                about_to_commit=lambda: seen.append(outbox.delivered(str(msg["Message-ID"]))))
    assert seen == [False]
    assert outbox.delivered(str(msg["Message-ID"]))


def test_outbox_commit_hook_failing_leaves_no_file(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path)
    msg = message()
    with pytest.raises(RuntimeError):
        outbox.send(msg, sender=SENDER, recipient="ann@example.test",
                    about_to_commit=Commits(fail=True))
    assert not outbox.delivered(str(msg["Message-ID"]))
    assert read_outbox(tmp_path) == []
    assert list((tmp_path / ".tmp").iterdir()) == []


def test_outbox_needs_a_message_id(tmp_path: Path) -> None:
    msg = message()
    del msg["Message-ID"]
    with pytest.raises(ValueError, match="Message-ID"):
        send(OutboxTransport(tmp_path), msg)


def test_outbox_delivered_ignores_angle_brackets_and_spaces(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path)
    msg = message()
    send(outbox, msg)
    bare = str(msg["Message-ID"]).strip("<>")
    assert outbox.delivered(bare) and outbox.delivered(f" <{bare}> ")


def test_read_outbox_lists_messages_in_send_order(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    sent = [message(to=f"r{n}@example.test", subject=f"s{n}", when=start + timedelta(hours=n))
            for n in range(5)]
    for n, msg in enumerate(sent):
        send(outbox, msg)
        path = outbox.path_for(str(msg["Message-ID"]))
        stamp = 1_700_000_000 + n
        os.utime(path, (stamp, stamp))  # file times 1 s apart: no ties on coarse clocks
    (tmp_path / "notes.txt").write_text("not a message")

    entries = read_outbox(tmp_path)

    assert [e.subject for e in entries] == [f"s{n}" for n in range(5)]
    assert [e.to for e in entries] == [f"r{n}@example.test" for n in range(5)]
    assert [e.message_id for e in entries] == [str(m["Message-ID"]) for m in sent]
    assert entries[2].date == start + timedelta(hours=2)
    assert entries[0].file == outbox.path_for(str(sent[0]["Message-ID"]))


def test_read_outbox_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert read_outbox(tmp_path / "nope") == []


def test_open_transport_follows_the_settings(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    outbox = open_transport(settings)
    assert isinstance(outbox, OutboxTransport) and outbox.folder == tmp_path / "outbox"
    smtp_settings: EmailSettings = evolve(settings, transport="smtp")
    transport = open_transport(smtp_settings)
    assert isinstance(transport, SmtpTransport) and transport.settings == settings.smtp
    transport.close()


def test_transport_errors_read_as_their_message() -> None:
    error = PermanentFailure("550 no such user", 550)
    assert str(error) == "550 no such user" and error.message == str(error)
    assert isinstance(error, TransportError) and error.code == 550


# -- pacing --------------------------------------------------------------------------------

class FakeTime:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(("rate", "expected"), [
    ("20/second", (20, 1.0)), ("600/minute", (600, 60.0)), ("100 per hour", (100, 3600.0)),
    ("2 per 30 seconds", (2, 30.0)), (" 5 / day ", (5, 86400.0))])
def test_rates_are_parsed(rate: str, expected: tuple[int, float]) -> None:
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["fast", "0/second", "20 per fortnight"])
def test_bad_rates_are_refused(rate: str) -> None:
    with pytest.raises(ValueError, match=repr(rate).strip("'")):
        Pacer(rate)


def test_pacer_lets_a_burst_through_then_waits_for_the_window() -> None:
    time = FakeTime()
    pacer = Pacer("3/second", clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        pacer.wait()
    assert time.sleeps == []
    pacer.wait()
    assert time.sleeps == [pytest.approx(1.0)]
    assert pacer.delay() == pytest.approx(0.0)  # the 2nd and 3rd left with the 1st's window


def test_pacer_keeps_the_average_rate_over_many_messages() -> None:
    time = FakeTime()
    pacer = Pacer("600/minute", clock=time.clock, sleep=time.sleep)
    start = time.now
    for _ in range(3000):
        pacer.wait()
        time.now += 0.001  # sending takes a moment
    assert time.now - start == pytest.approx(4 * 60, abs=1)  # 5 windows, the last unfilled
    assert len(time.sleeps) == 4


def test_pacer_does_not_sleep_when_messages_are_slow_anyway() -> None:
    time = FakeTime()
    pacer = Pacer("2/second", clock=time.clock, sleep=time.sleep)
    for _ in range(10):
        pacer.wait()
        time.now += 0.6
    assert time.sleeps == []


def test_pacer_with_the_real_clock_waits_for_real() -> None:
    pacer = Pacer("50/second")
    for _ in range(50):
        pacer.wait()
    assert 0.9 < pacer.delay() <= 1.0


def test_pacer_is_safe_to_share_between_threads() -> None:
    time = FakeTime()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            time.sleep(seconds)

    pacer = Pacer("10/second", clock=time.clock, sleep=sleep)
    threads = [threading.Thread(target=lambda: [pacer.wait() for _ in range(10)])
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(time.sleeps) == pytest.approx(3.0)  # 40 messages: 4 windows of 10


def test_backoff_grows_to_its_maximum() -> None:
    backoff = Backoff(2, jitter=0)
    assert [backoff.delay(n) for n in range(1, 11)] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert backoff(10_000) == 300
    assert Backoff(1.5, factor=3, maximum=20, jitter=0).base(3) == 13.5


def test_backoff_jitter_stays_small_and_under_the_maximum() -> None:
    low = Backoff(10, maximum=60, random_fraction=lambda: 0.0)
    high = Backoff(10, maximum=60, random_fraction=lambda: 0.999999)
    assert low.delay(1) == pytest.approx(9.0)
    assert high.delay(1) == pytest.approx(11.0, abs=1e-4)
    assert high.delay(5) == 60
    delays = {Backoff(10).delay(1) for _ in range(50)}
    assert len(delays) > 1 and all(9 <= d <= 11 for d in delays)


@pytest.mark.parametrize("arguments", [(-1,), (1, 0.5), (10, 2, 5)])
def test_backoff_refuses_nonsense(arguments: tuple[float, ...]) -> None:
    with pytest.raises(ValueError):
        Backoff(*arguments)
    with pytest.raises(ValueError):
        Backoff(1).delay(0)
