"""Handing messages over: to an SMTP server, or to a local outbox folder (the default).

A transport's `send` calls the caller's ``about_to_commit`` exactly once, right before the
step that can't be taken back (the final ``.`` of SMTP's DATA; publishing the outbox file).
The caller records "sending" there: if the process dies before that call, the message was
certainly not delivered. If ``about_to_commit`` raises, nothing is delivered and the
exception propagates unchanged.

Failures are `TemporaryFailure` (try again later), `PermanentFailure` (this message can't
go: don't retry) or `SetupError` (nothing can go until the settings are fixed).
"""

from __future__ import annotations

import contextlib
import email.policy
import functools
import hashlib
import os
import re
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol

from attrs import frozen

from .settings import EmailSettings, SmtpSettings

__all__ = [
    "OutboxEntry", "OutboxTransport", "PermanentFailure", "SetupError", "SmtpTransport",
    "TemporaryFailure", "Transport", "TransportError", "dot_stuff", "open_transport",
    "outbox_name", "read_outbox", "wire_bytes",
]

CommitHook = Callable[[], None]


class TransportError(Exception):
    """A message could not be handed over; `str(error)` is `message` (never a password)."""

    def __init__(self, message: str, code: int | None = None, *, uncertain: bool = False):
        super().__init__(message)
        self.message = message
        self.code = code
        """The SMTP reply code, when a server gave one."""
        self.uncertain = uncertain
        """True when the message may have been delivered after all (connection lost after
        the end of the data was sent, before the server's answer)."""

    def __str__(self) -> str:
        return self.message


class TemporaryFailure(TransportError):
    """Try again later: SMTP 4xx, a refused or dropped connection, a timeout."""


class PermanentFailure(TransportError):
    """This message can't be delivered (SMTP 5xx); the text gives the server's reason."""


class SetupError(TransportError):
    """Nothing can be sent as configured (login refused, no STARTTLS, untrusted certificate).

    Not about the message, which is still unsent: stop sending and fix the settings.
    """


class Transport(Protocol):
    """Hands messages over, one at a time; not thread-safe."""

    def send(self, message: EmailMessage, *, sender: str, recipient: str,
             about_to_commit: CommitHook) -> None:
        """Deliver `message` to `recipient` (envelope sender `sender`); raise `TransportError`."""
        ...

    def send_data(self, data: bytes, *, message_id: str, sender: str, recipient: str,
                  about_to_commit: CommitHook) -> None:
        """Deliver a message already serialized by `wire_bytes`, whose Message-ID is
        `message_id`; like `send` otherwise."""
        ...

    def delivered(self, message_id: str) -> bool | None:
        """Whether a message with this Message-ID was certainly handed over; None: can't tell."""
        ...

    def close(self) -> None:
        """Release connections; the transport may be used again afterwards."""
        ...


def open_transport(settings: EmailSettings) -> Transport:
    """The transport the settings choose (``transport = "outbox"`` or ``"smtp"``)."""
    if settings.transport == "smtp":
        return SmtpTransport(settings.smtp)
    return OutboxTransport(settings.outbox)


# -- SMTP ----------------------------------------------------------------------------------

_LINE_END = re.compile(rb"\r\n|\r|\n")
_LINE_START_DOT = re.compile(rb"^\.", re.MULTILINE)
_DISCONNECTS = (smtplib.SMTPServerDisconnected, OSError)


_WIRE = email.policy.SMTP.clone(max_line_length=998)
_WIRE_UTF8 = email.policy.SMTPUTF8.clone(max_line_length=998)
"""Header lines may be as long as RFC 5322 allows, so that a long link in a header such as
List-Unsubscribe stays a plain ``<https://…>`` instead of being encoded to fit 78 columns."""


def wire_bytes(message: EmailMessage, *, utf8: bool = False) -> bytes:
    """`message` as transmitted: SMTP policy, CRLF line ends, ending in CRLF (unstuffed)."""
    policy = _WIRE_UTF8 if utf8 else _WIRE
    data = _LINE_END.sub(b"\r\n", message.as_bytes(policy=policy))
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def dot_stuff(data: bytes) -> bytes:
    """Double every dot that starts a line (RFC 5321 section 4.5.2); `data` uses CRLF."""
    return _LINE_START_DOT.sub(b"..", data)


@functools.cache
def _local_hostname() -> str | None:
    """The name to greet servers with, looked up once (`getfqdn` can be slow); None lets
    smtplib use the connection's address when this host has no fully qualified name."""
    fqdn = socket.getfqdn()
    return fqdn if "." in fqdn else None


def _no_delay(connection: smtplib.SMTP) -> None:
    """Send small writes at once: the message and its final "." go in separate writes."""
    with contextlib.suppress(AttributeError, OSError):
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


class SmtpTransport:
    """Sends through an SMTP server over one connection, opened on first use and reused.

    After a dropped connection the next `send` reconnects. `delivered` can't tell (None).
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._connection: smtplib.SMTP | None = None
        self._context: ssl.SSLContext | None = None

    def __repr__(self) -> str:
        s = self.settings
        return (f"SmtpTransport(host={s.host!r}, port={s.port}, security={s.security!r}, "
                f"username={s.username!r})")

    @property
    def _server(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    # -- Transport ---------------------------------------------------------------------

    def send(self, message: EmailMessage, *, sender: str, recipient: str,
             about_to_commit: CommitHook) -> None:
        """Deliver `message`; the DATA's final ``.`` goes only after `about_to_commit()`."""
        utf8 = not (sender + recipient).isascii()
        self.send_data(wire_bytes(message, utf8=utf8), message_id=str(message["Message-ID"]),
                       sender=sender, recipient=recipient, about_to_commit=about_to_commit)

    def send_data(self, data: bytes, *, message_id: str, sender: str, recipient: str,
                  about_to_commit: CommitHook) -> None:
        """Deliver a message already serialized by `wire_bytes` (as `send` does)."""
        utf8 = not (sender + recipient).isascii()
        connection = self._envelope(sender, recipient, data, utf8)
        self._data(connection, data, about_to_commit)

    def delivered(self, message_id: str) -> bool | None:
        """SMTP gives no way to ask: always None."""
        return None

    def close(self) -> None:
        """Say QUIT (ignoring a server that's gone) and forget the connection."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- connecting --------------------------------------------------------------------

    def _connect(self) -> tuple[smtplib.SMTP, bool]:
        """The open connection and whether it's new."""
        if self._connection is not None:
            return self._connection, False
        self._connection = self._open()
        return self._connection, True

    def _drop(self) -> None:
        """Close the connection without a goodbye (a pending DATA is abandoned)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _tls_context(self) -> ssl.SSLContext:
        """The system's certificate authorities plus `ca_file`'s (made once: it's slow)."""
        if self._context is None:
            context = ssl.create_default_context()
            if self.settings.ca_file is not None:
                try:
                    context.load_verify_locations(cafile=self.settings.ca_file)
                except (OSError, ssl.SSLError) as error:
                    raise self._error(SetupError, f"can't use the CA file "
                                      f"{self.settings.ca_file}: {error}") from error
            self._context = context
        return self._context

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = self._tls_context() if s.security != "none" else None
        try:
            if s.security == "tls":
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, local_hostname=_local_hostname(), timeout=s.timeout,
                    context=context)
            else:
                connection = smtplib.SMTP(s.host, s.port, local_hostname=_local_hostname(),
                                          timeout=s.timeout)
        except (smtplib.SMTPException, OSError) as error:
            raise self._connect_error(error) from error
        _no_delay(connection)
        try:
            self._greet(connection, context)
        except BaseException:
            connection.close()
            raise
        return connection

    def _greet(self, connection: smtplib.SMTP, context: ssl.SSLContext | None) -> None:
        s = self.settings
        try:
            connection.ehlo_or_helo_if_needed()
            if s.security == "starttls":
                if not connection.has_extn("starttls"):
                    raise self._error(
                        SetupError, f"the SMTP server {self._server} does not offer STARTTLS, "
                        "which [email.smtp] security = \"starttls\" requires; use "
                        "\"tls\" if the port expects TLS from the start, or \"none\" for "
                        "an unencrypted connection")
                connection.starttls(context=context)
                connection.ehlo()
            if s.username is not None:
                self._login(connection)
        except (smtplib.SMTPException, OSError) as error:
            raise self._connect_error(error) from error

    def _login(self, connection: smtplib.SMTP) -> None:
        s = self.settings
        try:
            connection.login(s.username or "", s.password or "")
        except smtplib.SMTPNotSupportedError:
            raise self._error(SetupError, f"the SMTP server {self._server} does not offer "
                              "AUTH (login)" + (" without TLS" if s.security == "none"
                                                else "")) from None
        except smtplib.SMTPAuthenticationError as error:
            kind = TemporaryFailure if 400 <= error.smtp_code < 500 else SetupError
            raise self._error(kind, f"the SMTP server {self._server} refused the login as "
                              f"{s.username!r}: {error.smtp_code} "
                              f"{_reply_text(error.smtp_error)}", error.smtp_code) from None
        except smtplib.SMTPException as error:
            if type(error) is not smtplib.SMTPException:
                raise  # a dropped connection, handled by the caller
            raise self._error(SetupError, f"can't log in to the SMTP server {self._server}: "
                              f"{error}") from None

    def _connect_error(self, error: Exception) -> TransportError:
        where = f"the SMTP server {self._server}"
        if isinstance(error, TransportError):
            return error
        if isinstance(error, ssl.SSLCertVerificationError):
            return self._error(SetupError, f"{where} has a certificate we don't trust "
                               f"({error.verify_message}); set [email.smtp] ca_file to the "
                               "authority that issued it")
        if isinstance(error, ssl.SSLError):
            return self._error(SetupError, f"TLS with {where} failed ({error.reason or error}); "
                               "check [email.smtp] security and port")
        if isinstance(error, smtplib.SMTPResponseException):
            kind = TemporaryFailure if 400 <= error.smtp_code < 500 else SetupError
            return self._error(kind, f"{where} refused the connection: {error.smtp_code} "
                               f"{_reply_text(error.smtp_error)}", error.smtp_code)
        return self._error(TemporaryFailure, f"can't talk to {where}: {error}")

    # -- sending -----------------------------------------------------------------------

    def _envelope(self, sender: str, recipient: str, data: bytes,
                  utf8: bool) -> smtplib.SMTP:
        """MAIL FROM and RCPT TO, reconnecting once if a reused connection went stale."""
        connection, new = self._connect()
        try:
            self._mail(connection, sender, data, utf8)
        except (*_DISCONNECTS, TemporaryFailure) as error:
            stale = isinstance(error, _DISCONNECTS) or self._connection is None  # or 421
            if stale:
                self._drop()
            if isinstance(error, TransportError) and (new or not stale):
                raise
            if new:
                raise self._lost(error, "MAIL FROM") from error
            connection, _ = self._connect()  # the server closed it while it was idle
            try:
                self._mail(connection, sender, data, utf8)
            except _DISCONNECTS as again:
                self._drop()
                raise self._lost(again, "MAIL FROM") from again
        try:
            code, reply = connection.rcpt(recipient)
        except _DISCONNECTS as error:
            self._drop()
            raise self._lost(error, "RCPT TO") from error
        self._expect(connection, code, reply, (250, 251), f"recipient <{recipient}>")
        return connection

    def _mail(self, connection: smtplib.SMTP, sender: str, data: bytes, utf8: bool) -> None:
        options = self._mail_options(connection, data, utf8)
        connection.command_encoding = "utf-8" if utf8 else "ascii"
        code, reply = connection.mail(sender, options)
        self._expect(connection, code, reply, (250,), f"sender <{sender}>")

    def _mail_options(self, connection: smtplib.SMTP, data: bytes, utf8: bool) -> list[str]:
        options = []
        if connection.has_extn("size"):
            options.append(f"SIZE={len(data)}")
        if not data.isascii() and connection.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        if utf8:
            if not connection.has_extn("smtputf8"):
                raise self._error(PermanentFailure, f"the SMTP server {self._server} does not "
                                  "support SMTPUTF8, needed for a non-ASCII address")
            options.append("SMTPUTF8")
        return options

    def _data(self, connection: smtplib.SMTP, data: bytes, about_to_commit: CommitHook) -> None:
        try:
            connection.putcmd("data")
            code, reply = connection.getreply()
        except _DISCONNECTS as error:
            self._drop()
            raise self._lost(error, "DATA") from error
        self._expect(connection, code, reply, (354,), "DATA")
        try:
            connection.send(dot_stuff(data))
        except _DISCONNECTS as error:
            self._drop()
            raise self._lost(error, "the message data") from error
        try:
            about_to_commit()
        except BaseException:
            self._drop()  # without the final "." the server discards the message
            raise
        try:
            connection.send(b".\r\n")
            code, reply = connection.getreply()
        except _DISCONNECTS as error:
            self._drop()
            raise self._lost(error, "the end of the message", uncertain=True) from error
        self._expect(connection, code, reply, (250,), "the message")

    def _expect(self, connection: smtplib.SMTP, code: int, reply: bytes,
                expected: tuple[int, ...], what: str) -> None:
        """Raise the failure an unexpected reply means, keeping the connection usable."""
        if code in expected:
            return
        text = f"the SMTP server {self._server} refused {what}: {code} {_reply_text(reply)}"
        if code == 421 or not 400 <= code < 600:
            self._drop()  # closing down, or a reply that makes no sense here
            raise self._error(TemporaryFailure, text, code)
        self._reset(connection)
        if code < 500:
            raise self._error(TemporaryFailure, text, code)
        if code == 530:
            raise self._error(SetupError, text + " (set [email.smtp] username and password)",
                              code)
        raise self._error(PermanentFailure, text, code)

    def _reset(self, connection: smtplib.SMTP) -> None:
        """RSET after a refusal; a connection that can't even do that is dropped."""
        try:
            code, _ = connection.docmd("rset")
        except _DISCONNECTS:
            code = 0
        if code != 250:
            self._drop()

    def _lost(self, error: BaseException, during: str, *,
              uncertain: bool = False) -> TransportError:
        note = " (the server may have accepted the message)" if uncertain else ""
        return self._error(TemporaryFailure, f"lost the connection to the SMTP server "
                           f"{self._server} during {during}: {str(error) or type(error).__name__}"
                           f"{note}", uncertain=uncertain)

    def _error(self, kind: type[TransportError], text: str, code: int | None = None, *,
               uncertain: bool = False) -> TransportError:
        """A `kind` error whose text certainly doesn't contain the password."""
        password = self.settings.password
        if password:
            text = text.replace(password, "***")
        return kind(text, code, uncertain=uncertain)


# -- outbox folder -------------------------------------------------------------------------

def outbox_name(message_id: str) -> str:
    """The outbox file name for a Message-ID: 16 hex digits of its SHA-256, then ``.eml``."""
    key = message_id.strip().strip("<>").strip()
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16] + ".eml"


@frozen
class OutboxEntry:
    """One message in an outbox folder."""

    file: Path
    date: datetime
    """The Date header (the file's time when missing or unreadable)."""
    to: str
    subject: str
    message_id: str
    sent_ns: int
    """When the file was written (nanoseconds since the epoch): the send order."""


class OutboxTransport:
    """Writes each message as a ``.eml`` file into a folder, atomically; the default.

    Files are written in ``<folder>/.tmp``, flushed to disk, then renamed into the folder
    under `outbox_name` (sending a Message-ID again replaces its file).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"OutboxTransport({str(self.folder)!r})"

    def path_for(self, message_id: str) -> Path:
        """Where the message with this Message-ID is (or would be) stored."""
        return self.folder / outbox_name(message_id)

    def send(self, message: EmailMessage, *, sender: str, recipient: str,
             about_to_commit: CommitHook) -> None:
        """Store `message`; the file appears only after `about_to_commit()` returned."""
        message_id = message.get("Message-ID")
        if not message_id:
            raise ValueError("a message for the outbox needs a Message-ID header")
        utf8 = not (sender + recipient).isascii()
        self.send_data(wire_bytes(message, utf8=utf8), message_id=str(message_id),
                       sender=sender, recipient=recipient, about_to_commit=about_to_commit)

    def send_data(self, data: bytes, *, message_id: str, sender: str, recipient: str,
                  about_to_commit: CommitHook) -> None:
        """Store a message already serialized by `wire_bytes` (as `send` does)."""
        target = self.path_for(message_id)
        temporary = self._write_temporary(data)
        try:
            about_to_commit()
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        try:
            os.replace(temporary, target)
            _fsync_folder(self.folder)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise TemporaryFailure(f"can't store the message in {self.folder}: {error}") \
                from error

    def _write_temporary(self, data: bytes) -> Path:
        staging = self.folder / ".tmp"
        try:
            staging.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(suffix=".eml", dir=staging)
        except OSError as error:
            raise TemporaryFailure(f"can't write to the outbox {self.folder}: {error}") \
                from error
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        except OSError as error:
            path.unlink(missing_ok=True)
            raise TemporaryFailure(f"can't write to the outbox {self.folder}: {error}") \
                from error
        return path

    def delivered(self, message_id: str) -> bool:
        """Whether the message with this Message-ID is in the folder."""
        return self.path_for(message_id).is_file()

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> OutboxTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (where the platform allows opening folders)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def read_outbox(folder: Path) -> list[OutboxEntry]:
    """The messages in an outbox folder, in the order they were sent (none if it's missing)."""
    try:
        files = [path for path in Path(folder).iterdir()
                 if path.suffix == ".eml" and path.is_file()]
    except (FileNotFoundError, NotADirectoryError):
        return []
    entries = [entry for path in files if (entry := _entry(path)) is not None]
    return sorted(entries, key=lambda e: (e.sent_ns, e.date, e.file.name))


def _entry(path: Path) -> OutboxEntry | None:
    try:
        sent_ns = path.stat().st_mtime_ns
        with path.open("rb") as file:
            headers = BytesHeaderParser(policy=email.policy.default).parse(file)
    except FileNotFoundError:
        return None  # replaced or removed meanwhile
    written = datetime.fromtimestamp(sent_ns / 1e9, UTC)
    return OutboxEntry(file=path, date=_date(headers.get("Date"), written),
                       to=str(headers.get("To", "")), subject=str(headers.get("Subject", "")),
                       message_id=str(headers.get("Message-ID", "")), sent_ns=sent_ns)


def _date(value: object, fallback: datetime) -> datetime:
    """The Date header's time (UTC assumed when it gives no zone), else `fallback`."""
    if value is None:
        return fallback
    try:
        parsed = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return fallback
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
