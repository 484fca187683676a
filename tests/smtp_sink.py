"""A real SMTP server on loopback for tests and benchmarks, with fault injection.

``SmtpSink`` runs aiosmtpd in a background thread on ``127.0.0.1`` and an OS-chosen port,
records every message it accepts, and can be told to misbehave::

    with SmtpSink(tls="starttls", auth=("ann", "s3cret")) as sink:
        settings = SmtpSettings(host=sink.host, port=sink.port, ca_file=sink.ca_file, ...)
        ...
        sink.inject(tempfail_data=1)          # the next DATA gets "451 4.3.0 try again"
        sink.inject(reject={"bob@x.test"})    # RCPT TO bob gets "550 5.1.1"
        sink.inject(drop_data=1)              # the next DATA: connection closed, not stored
        sink.inject(drop_after_accept=2)      # the 2nd next message is stored, then dropped
        assert [m.recipients for m in sink.messages] == [...]

Faults count down as they fire; ``reset()`` clears messages, faults and counters.
"""

from __future__ import annotations

import asyncio
import atexit
import email
import email.policy
import functools
import logging
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, cast

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"
TEMPFAIL = "451 4.3.0 try again"
Tls = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class Received:
    """One message the sink accepted."""

    sender: str
    recipients: tuple[str, ...]
    raw: bytes
    """The message exactly as transmitted, dot-stuffing undone (CRLF line ends)."""
    mail_options: tuple[str, ...]

    @functools.cached_property
    def message(self) -> EmailMessage:
        """`raw`, parsed with the default (modern) policy."""
        return cast(EmailMessage, email.message_from_bytes(self.raw, policy=email.policy.default))


@dataclass
class Faults:
    """What the sink does wrong next; counters go down as the faults fire."""

    tempfail_rcpt: int = 0
    tempfail_data: int = 0
    drop_data: int = 0
    drop_after_accept: int = 0
    reject: set[str] = field(default_factory=set)

    def data_verdict(self) -> Literal["store", "tempfail", "drop", "store and drop"]:
        """What to do with the message at the end of a DATA; counts the fault down."""
        if self.drop_data > 0:
            self.drop_data -= 1
            return "drop"
        if self.tempfail_data > 0:
            self.tempfail_data -= 1
            return "tempfail"
        if self.drop_after_accept > 0:
            self.drop_after_accept -= 1
            return "store and drop" if self.drop_after_accept == 0 else "store"
        return "store"


def _quiet_login_data_warning(record: logging.LogRecord) -> bool:
    """aiosmtpd 1.4 warns about its own use of a deprecated attribute on every login."""
    return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_quiet_login_data_warning)


@functools.cache
def _certificates() -> tuple[trustme.CA, trustme.LeafCert, Path]:
    """A test CA (shared by every sink of the process), its server certificate and CA file."""
    ca = trustme.CA()
    cert = ca.issue_cert(HOST, "localhost")
    folder = Path(tempfile.mkdtemp(prefix="smtp-sink-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ca, cert, ca_file


def _server_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    _certificates()[1].configure_cert(context)
    return context


class _Handler:
    """aiosmtpd handler hooks: records messages and applies the injected faults."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        with self.sink._lock:
            faults = self.sink._faults
            if address.lower() in faults.reject:
                return f"550 5.1.1 <{address}>: no such user here"
            if faults.tempfail_rcpt > 0:
                faults.tempfail_rcpt -= 1
                return TEMPFAIL
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        sink = self.sink
        with sink._lock:
            verdict = sink._faults.data_verdict()
            if verdict == "tempfail":
                return TEMPFAIL
            if verdict in ("store", "store and drop"):
                sink._messages.append(Received(
                    sender=envelope.mail_from or "", recipients=tuple(envelope.rcpt_tos),
                    raw=bytes(cast(bytes, envelope.original_content)),
                    mail_options=tuple(envelope.mail_options)))
                sink._changed.notify_all()
        if verdict != "store":
            await _drop(server)
        return "250 2.0.0 OK: queued"


async def _drop(server: SMTP) -> None:
    """Close the connection without replying; waits to be cancelled by `connection_lost`."""
    assert server.transport is not None
    server.transport.close()
    await asyncio.Event().wait()


class _CountingSMTP(SMTP):
    def __init__(self, sink: SmtpSink, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sink = sink

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        is_starttls = self._original_transport is not None
        super().connection_made(transport)
        if not is_starttls:
            with self._sink._lock:
                self._sink._connections += 1
            self._sink._live.add(self)

    def connection_lost(self, error: Exception | None) -> None:
        self._sink._live.discard(self)
        super().connection_lost(error)


class _Controller(Controller):
    """An aiosmtpd controller serving on a socket bound beforehand (so port 0 works)."""

    def __init__(self, sink: SmtpSink, listener: socket.socket, **kwargs: Any) -> None:
        self._sink = sink
        self._listener = listener
        super().__init__(_Handler(sink), hostname=HOST, port=listener.getsockname()[1],
                         **kwargs)

    def factory(self) -> SMTP:
        return _CountingSMTP(self._sink, self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._listener,
                                       ssl=self.ssl_context)


class SmtpSink:
    """A loopback SMTP server recording what it receives; a context manager.

    `tls`: "none"; "starttls" (offered, or demanded with `require_starttls`); "tls"
    (implicit TLS from the first byte). Certificates come from a `trustme` CA whose PEM
    file is `ca_file`. `auth`: a (username, password) pair that AUTH PLAIN/LOGIN must
    give; with `auth_required` mail is refused until then. AUTH is only offered over TLS
    unless `auth_require_tls` is false.
    """

    def __init__(self, *, tls: Tls = "none", require_starttls: bool = False,
                 auth: tuple[str, str] | None = None, auth_required: bool = False,
                 auth_require_tls: bool = True) -> None:
        self.host = HOST
        self.port = 0
        self.tls = tls
        self.ca_file: Path | None = _certificates()[2] if tls != "none" else None
        self._auth = auth
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._messages: list[Received] = []
        self._faults = Faults()
        self._connections = 0
        self._live: set[SMTP] = set()  # open connections; used on the server's loop only
        self._options: dict[str, Any] = {
            "server_hostname": "sink.test",
            "require_starttls": require_starttls,
            "auth_required": auth_required,
            # aiosmtpd only counts STARTTLS as TLS; an implicit-TLS connection is encrypted too
            "auth_require_tls": auth_require_tls and tls != "tls",
            "authenticator": self._authenticate if auth else None,
            "ready_timeout": 5.0,
        }
        if tls == "starttls":
            self._options["tls_context"] = _server_context()
        elif tls == "tls":
            self._options["ssl_context"] = _server_context()
        self._controller: _Controller | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> SmtpSink:
        """Start serving; `port` is set from here on."""
        # IPPROTO_TCP explicitly, or asyncio leaves Nagle on (multi-line replies crawl)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.bind((HOST, 0))
        self.port = listener.getsockname()[1]
        self._controller = _Controller(self, listener, **self._options)
        self._controller.start()
        self.reset()  # forget the controller's own start-up connection
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- observation -------------------------------------------------------------------

    @property
    def messages(self) -> list[Received]:
        """The messages accepted so far (a snapshot), oldest first."""
        with self._lock:
            return list(self._messages)

    @property
    def connections(self) -> int:
        """How many client connections were opened since the last `reset`."""
        with self._lock:
            return self._connections

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Block until at least `count` messages are recorded; `TimeoutError` otherwise."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(f"{len(self._messages)} of {count} messages arrived")
            return list(self._messages)

    # -- control -----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget messages, connection count and faults."""
        with self._lock:
            self._messages.clear()
            self._faults = Faults()
            self._connections = 0

    def inject(self, *, tempfail_rcpt: int = 0, tempfail_data: int = 0, drop_data: int = 0,
               drop_after_accept: int = 0, reject: Iterable[str] = ()) -> None:
        """Add faults (on top of those still pending).

        `tempfail_rcpt` / `tempfail_data`: the next N RCPT commands / DATA transfers are
        answered ``451 4.3.0 try again`` (and the DATA's message is discarded).
        `reject`: these recipients get ``550 5.1.1`` from now on (other recipients are fine).
        `drop_data`: at the end of the next N DATA transfers the connection is closed
        without a reply and the message is NOT stored.
        `drop_after_accept`: the Nth message accepted from now on IS stored, but the
        connection is closed instead of replying (the client can't tell it arrived).
        """
        with self._lock:
            faults = self._faults
            faults.tempfail_rcpt += tempfail_rcpt
            faults.tempfail_data += tempfail_data
            faults.drop_data += drop_data
            if drop_after_accept:
                faults.drop_after_accept = drop_after_accept
            faults.reject.update(address.lower() for address in reject)

    def drop_connections(self) -> None:
        """Close every open client connection (like a server's idle timeout)."""
        controller = self._controller
        if controller is None:
            return
        done = threading.Event()

        def close_all() -> None:
            for server in list(self._live):
                if server.transport is not None:
                    server.transport.close()
            done.set()

        controller.loop.call_soon_threadsafe(close_all)
        done.wait(5)

    # -- authentication ----------------------------------------------------------------

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        assert self._auth is not None
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        username, password = self._auth
        ok = (auth_data.login.decode() == username and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)
