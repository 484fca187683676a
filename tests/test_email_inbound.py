"""Where inbound mail is read from: a Maildir, and a real IMAP server (Dovecot, see
tests/imap_server.py). Without Dovecot the IMAP tests skip; with ``CI=true`` they fail."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from email.headerregistry import Address
from pathlib import Path

import attrs
import pytest

from dialogkit_email.inbound import (
    ImapSource,
    InboundError,
    InboundMessage,
    MaildirSource,
    _imap_utf7,
    deliver_to_maildir,
    open_source,
)
from dialogkit_email.settings import EmailSettings, ImapSettings
from imap_server import PASSWORD, ImapServer, dovecot_binary, dovecot_version, imap_server

# 8-bit text, in UTF-8 and in Latin-1 (not valid UTF-8): it must come back byte for byte.
AWKWARD = ("Subject: =?utf-8?q?R=C3=BCckmeldung?=\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße, 日本語\r\n").encode() \
    + "Ça va\r\n".encode("latin-1")


def message(number: int) -> bytes:
    return f"Subject: reply {number}\r\nMessage-ID: <{number}@test>\r\n\r\nbody {number}\r\n" \
        .encode("ascii")


def email_settings(**changes: object) -> EmailSettings:
    address = Address("Team", "team", "example.org")
    return EmailSettings(sender=address, reply_to=address, web_url="http://127.0.0.1:8000",
                         **changes)  # type: ignore[arg-type]


# --- Maildir ---------------------------------------------------------------------------------


def test_maildir_yields_in_delivery_order_until_done(tmp_path: Path) -> None:
    box = tmp_path / "inbox"
    keys = [deliver_to_maildir(box, message(number)) for number in range(5)]
    with MaildirSource(box) as source:
        got = list(source.messages())
        assert [m.key for m in got] == keys
        assert [m.raw for m in got] == [message(number) for number in range(5)]
        assert [m.key for m in source.messages()] == keys, "reading alone marks nothing"
        source.done(keys[1])
        source.done(keys[3])
        assert [m.key for m in source.messages()] == [keys[0], keys[2], keys[4]]
    assert not (box / "new" / keys[1]).exists()
    assert (box / "cur" / f"{keys[1]}:2,S").read_bytes() == message(1)
    # A fresh source (say, after a restart) agrees.
    assert [m.key for m in MaildirSource(box).messages()] == [keys[0], keys[2], keys[4]]


def test_maildir_orders_by_the_time_in_the_name_then_the_file_time(tmp_path: Path) -> None:
    source = MaildirSource(tmp_path / "inbox")
    names = {
        # Microseconds are not zero-padded: M99 is earlier than M100000 within a second.
        "1700000001.M100000P7Q2.mx": 3,
        "1700000001.M99P7Q1.mx": 2,
        "1700000000.V803I2a5M654321.mx": 1,  # Postfix's style
        "dropped-by-hand.eml": 4,  # no time in its name: its file time counts
    }
    for name, number in names.items():
        (tmp_path / "inbox" / "new" / name).write_bytes(message(number))
    os.utime(tmp_path / "inbox" / "new" / "dropped-by-hand.eml", (1700000002, 1700000002))
    assert [m.raw for m in source.messages()] == [message(n) for n in (1, 2, 3, 4)]


def test_maildir_reads_unseen_messages_in_cur_and_keeps_their_flags(tmp_path: Path) -> None:
    source = MaildirSource(tmp_path / "inbox")
    cur = tmp_path / "inbox" / "cur"
    (cur / "1700000000.M1P1Q1.mx:2,F").write_bytes(message(1))  # flagged, not seen
    (cur / "1700000000.M2P1Q2.mx:2,").write_bytes(message(2))
    (cur / "1700000000.M3P1Q3.mx:2,RS").write_bytes(message(3))  # seen: done already
    (cur / "1700000000.M4P1Q4.mx:2,T").write_bytes(message(4))  # trashed
    got = list(source.messages())
    assert [m.raw for m in got] == [message(1), message(2)]
    assert got[0] == InboundMessage(key="1700000000.M1P1Q1.mx", raw=message(1))
    source.done(got[0].key)
    assert (cur / "1700000000.M1P1Q1.mx:2,FS").exists()
    assert [m.raw for m in source.messages()] == [message(2)]
    # Marked done by a source that never yielded it (it finds the file itself).
    MaildirSource(tmp_path / "inbox").done(got[1].key)
    assert list(source.messages()) == []


def test_maildir_skips_a_message_removed_after_the_listing(tmp_path: Path) -> None:
    box = tmp_path / "inbox"
    keys = [deliver_to_maildir(box, message(number)) for number in range(3)]
    source = MaildirSource(box)
    messages = source.messages()
    assert next(messages).key == keys[0]
    (box / "new" / keys[1]).unlink()  # another program took it
    assert [m.key for m in messages] == [keys[2]]
    source.done(keys[1])  # gone: nothing to mark, no error
    assert [m.key for m in source.messages()] == keys[::2]


def test_maildir_copes_with_a_message_moved_before_done(tmp_path: Path) -> None:
    box = tmp_path / "inbox"
    key = deliver_to_maildir(box, message(1))
    source = MaildirSource(box)
    assert [m.key for m in source.messages()] == [key]
    os.rename(box / "new" / key, box / "cur" / f"{key}:2,R")  # a mail client replied to it
    source.done(key)
    assert sorted(os.listdir(box / "cur")) == [f"{key}:2,RS"]


def test_maildir_keeps_the_bytes_exactly(tmp_path: Path) -> None:
    raw = AWKWARD + b"a lone\rCR, a bare\nLF, no newline at the end"  # IMAP would fix these
    key = deliver_to_maildir(tmp_path / "inbox", raw)
    [got] = MaildirSource(tmp_path / "inbox").messages()
    assert got == InboundMessage(key=key, raw=raw)
    assert "bytes>" in repr(got) and "Gr" not in repr(got)


def test_maildir_reads_messages_one_at_a_time(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(3):
        deliver_to_maildir(tmp_path / "inbox", message(number))
    reads: list[str] = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: reads.append(path.name)
                        or read_bytes(path))
    messages = MaildirSource(tmp_path / "inbox").messages()
    next(messages)
    assert len(reads) == 1
    assert len(list(messages)) == 2 and len(reads) == 3


def test_maildir_is_created_or_must_exist(tmp_path: Path) -> None:
    MaildirSource(tmp_path / "made")
    assert sorted(os.listdir(tmp_path / "made")) == ["cur", "new", "tmp"]
    (tmp_path / "half").mkdir()
    assert list(MaildirSource(tmp_path / "half").messages()) == []  # completed
    with pytest.raises(InboundError, match="no Maildir at"):
        MaildirSource(tmp_path / "missing", create=False)
    (tmp_path / "plain").mkdir()
    with pytest.raises(InboundError, match="not a Maildir: it has no new or cur folder"):
        MaildirSource(tmp_path / "plain", create=False)
    with pytest.raises(ValueError, match="not a Maildir message key"):
        MaildirSource(tmp_path / "made").done("../new/x")


def test_open_source_defaults_to_the_maildir(tmp_path: Path) -> None:
    source = open_source(email_settings(maildir=tmp_path / "inbox"))
    assert isinstance(source, MaildirSource) and source.path == tmp_path / "inbox"


# --- IMAP ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[ImapServer]:
    """One Dovecot for the module; each test uses a folder of its own."""
    binary = dovecot_binary()
    reason = None
    if binary is None:
        reason = "dovecot is not installed (Debian: apt-get install dovecot-imapd)"
    elif not dovecot_version(binary).startswith("2.3."):
        reason = f"tests/imap_server.py needs Dovecot 2.3, not {dovecot_version(binary)}"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with imap_server() as running:
        yield running


@pytest.fixture
def folder(request: pytest.FixtureRequest) -> str:
    return "test-" + request.node.name.replace("[", "-").rstrip("]")


def flags(server: ImapServer, folder: str, uid: int) -> bytes:
    with server.client() as client:
        client.select(folder)
        kind, data = client.uid("FETCH", str(uid), "(FLAGS)")
        assert kind == "OK"
        return data[0]


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_imap_yields_unseen_messages_until_done(server: ImapServer, folder: str,
                                                security: str) -> None:
    uids = [server.append(raw, folder) for raw in (message(1), AWKWARD, message(3))]
    with ImapSource(server.settings(security, folder=folder)) as source:  # type: ignore[arg-type]
        got = list(source.messages())
        validity = got[0].key.split(":")[0]
        assert [m.key for m in got] == [f"{validity}:{uid}" for uid in uids]
        assert [m.raw for m in got] == [message(1), AWKWARD, message(3)]
        assert b"\\Seen" not in flags(server, folder, uids[0]), "reading must not mark seen"
        assert [m.key for m in source.messages()] == [m.key for m in got]
        source.done(got[0].key)
        source.done(got[2].key)
        assert b"\\Seen" in flags(server, folder, uids[0])
        assert [m.raw for m in source.messages()] == [AWKWARD]
        later = server.append(message(4), folder)
        assert [m.key for m in source.messages()] == [got[1].key, f"{validity}:{later}"]
    with ImapSource(server.settings(folder=folder)) as again:
        assert [m.raw for m in again.messages()] == [AWKWARD, message(4)]


def test_imap_leaves_seen_and_deleted_messages_alone(server: ImapServer, folder: str) -> None:
    uids = [server.append(message(number), folder) for number in range(3)]
    with server.client() as client:
        client.select(folder)
        client.uid("STORE", str(uids[0]), "+FLAGS", "(\\Seen)")
        client.uid("STORE", str(uids[1]), "+FLAGS", "(\\Deleted)")
    with ImapSource(server.settings(folder=folder)) as source:
        assert [m.raw for m in source.messages()] == [message(2)]


def test_imap_skips_a_message_expunged_after_the_search(server: ImapServer,
                                                        folder: str) -> None:
    uids = [server.append(message(number), folder) for number in range(3)]
    with ImapSource(server.settings(folder=folder)) as source:
        messages = source.messages()
        assert next(messages).raw == message(0)
        with server.client() as client:
            client.select(folder)
            client.uid("STORE", str(uids[1]), "+FLAGS", "(\\Deleted)")
            client.expunge()
        assert [m.raw for m in messages] == [message(2)]


def test_imap_reconnects_after_losing_the_connection(server: ImapServer, folder: str,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    server.append(message(1), folder)
    with ImapSource(server.settings(folder=folder)) as source:
        assert source._client is not None
        source._client.sock.shutdown(socket.SHUT_RDWR)
        with pytest.raises(InboundError, match="lost the connection"):
            list(source.messages())
        [got] = source.messages()
        assert got.raw == message(1)
        with pytest.raises(ValueError, match="not an IMAP message key"):
            source.done("1:x")
        validity, uid = got.key.split(":")
        with caplog.at_level(logging.WARNING):
            source.done(f"{int(validity) + 1}:{uid}")  # from before a renumbering: left alone
        assert "renumbered" in caplog.text
        assert [m.key for m in source.messages()] == [got.key]


def test_imap_folder_names_beyond_ascii(server: ImapServer) -> None:
    assert _imap_utf7("Entwürfe") == "Entw&APw-rfe"
    assert _imap_utf7("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    assert _imap_utf7("R&D") == "R&-D"
    server.append(message(1), _imap_utf7("Rückläufer"))
    with ImapSource(server.settings(folder="Rückläufer")) as source:
        assert [m.raw for m in source.messages()] == [message(1)]


def test_imap_wrong_password(server: ImapServer) -> None:
    wrong = "not-" + PASSWORD
    with pytest.raises(InboundError) as raised:
        ImapSource(server.settings(password=wrong))
    text = str(raised.value)
    assert "refused the login as 'replies'" in text and "127.0.0.1" in text
    assert wrong not in text and wrong not in repr(raised.value)
    assert raised.value.__suppress_context__


def test_imap_missing_folder(server: ImapServer) -> None:
    with pytest.raises(InboundError, match="can't open folder 'No such folder'"):
        ImapSource(server.settings(folder="No such folder"))


def test_imap_checks_the_certificate(server: ImapServer) -> None:
    untrusted = ImapSettings(host=server.host, port=server.tls_port, username="replies",
                             password=PASSWORD, timeout=5)
    with pytest.raises(InboundError, match="CERTIFICATE_VERIFY_FAILED"):
        ImapSource(untrusted)
    with pytest.raises(InboundError, match="can't use ca_file"):
        ImapSource(attrs.evolve(server.settings(), ca_file=Path("/nonexistent/ca.pem")))


def test_imap_needs_credentials_and_a_server(server: ImapServer, tmp_path: Path) -> None:
    with pytest.raises(InboundError, match="no username or password"):
        ImapSource(ImapSettings(host=server.host, port=server.tls_port))
    closed = ImapSettings(host="127.0.0.1", port=1, username="replies", password=PASSWORD,
                          timeout=5)
    with pytest.raises(InboundError, match=r"can't connect to IMAP server 127\.0\.0\.1:1"):
        ImapSource(closed)


def test_open_source_uses_imap_when_set(server: ImapServer, tmp_path: Path) -> None:
    source = open_source(email_settings(maildir=tmp_path / "inbox", imap=server.settings()))
    try:
        assert isinstance(source, ImapSource)
    finally:
        source.close()
    assert not (tmp_path / "inbox").exists()
