"""Where inbound mail (replies and bounces) is read from: a local Maildir or an IMAP mailbox.

Both sources yield the messages not yet marked done, oldest first, as raw bytes with a key
that stays the same for as long as the message does; `done(key)` marks a message processed
so that it is never yielded again. The embedded default is the Maildir ``inbox`` in the
project folder, which any mail server can deliver to (and `deliver_to_maildir` fills by hand).
"""

from __future__ import annotations

import abc
import base64
import contextlib
import imaplib
import logging
import mailbox
import os
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from attrs import field, frozen

from dialogkit_email.settings import EmailSettings, ImapSettings

__all__ = [
    "ImapSource",
    "InboundError",
    "InboundMessage",
    "InboundSource",
    "MaildirSource",
    "deliver_to_maildir",
    "open_source",
]

log = logging.getLogger(__name__)


class InboundError(Exception):
    """Inbound mail can't be read: the source is missing, unreachable or refuses us."""


@frozen
class InboundMessage:
    """One message as it arrived: its raw bytes and its identity within the source."""

    key: str
    raw: bytes = field(repr=lambda raw: f"<{len(raw)} bytes>")


class InboundSource(Protocol):
    """A place inbound messages are read from."""

    def messages(self) -> Iterator[InboundMessage]:
        """The messages not yet marked done, oldest first."""
        ...

    def done(self, key: str) -> None:
        """Mark the message processed: it is never yielded again."""
        ...

    def close(self) -> None:
        """Release the source (a connection, for example)."""
        ...


class _Closing(abc.ABC):
    """Context-manager support for the sources: ``with source: ...`` closes it."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


# --- Maildir ---------------------------------------------------------------------------------

_SEEN = "S"
_TRASHED = "T"
# The delivery time at the start of the unique names that mail servers (and the stdlib) give:
# seconds, then microseconds after an "M" in the next part ("1700000000.M12345P99Q3.host").
_NAME_TIME = re.compile(r"(\d+)\.(?:[^.]*?M(\d+))?")


def deliver_to_maildir(path: Path, raw: bytes) -> str:
    """Add a message to the Maildir at `path` (created if missing), in ``new``; its key."""
    return mailbox.Maildir(path, factory=None, create=True).add(raw)


class MaildirSource(_Closing):
    """The messages in a local Maildir: all of ``new``, and those in ``cur`` not yet seen.

    `done` moves a message to ``cur`` with the Seen flag ("S"); messages flagged as trashed
    ("T") are left alone too. The folder is listed afresh by every `messages` call, and each
    message is read only when it is its turn; one removed meanwhile is skipped.
    """

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = Path(path)
        try:
            box = mailbox.Maildir(self.path, factory=None, create=create)
            if create:  # the stdlib leaves an existing folder as it is
                for sub in ("tmp", "new", "cur"):
                    (self.path / sub).mkdir(exist_ok=True)
        except (mailbox.NoSuchMailboxError, OSError) as error:
            raise InboundError(f"no Maildir at {self.path}: {error}") from None
        self._colon = box.colon
        missing = [sub for sub in ("new", "cur") if not (self.path / sub).is_dir()]
        if missing:
            raise InboundError(f"{self.path} is not a Maildir: it has no {' or '.join(missing)} "
                               "folder")
        self._where: dict[str, str] = {}
        """Where (relative to the Maildir) the last `messages` call found each message."""

    def _key(self, name: str) -> str:
        return name.split(self._colon, 1)[0]

    def _flags(self, name: str) -> str:
        _, _, info = name.partition(self._colon)
        return info[2:] if info.startswith("2,") else ""

    def _listing(self) -> list[tuple[tuple[int, int, int, str], str]]:
        """The waiting messages as (sort key, name relative to the Maildir), oldest first."""
        found = []
        for sub in ("new", "cur"):
            try:
                entries = list(os.scandir(self.path / sub))
            except OSError as error:
                raise InboundError(f"can't list {self.path / sub}: {error}") from None
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if sub == "cur" and {_SEEN, _TRASHED} & set(self._flags(entry.name)):
                    continue
                try:
                    if not entry.is_file():
                        continue
                    mtime = entry.stat().st_mtime_ns
                except FileNotFoundError:
                    continue
                found.append((self._order(entry.name, mtime), f"{sub}/{entry.name}"))
        found.sort()
        return found

    @staticmethod
    def _order(name: str, mtime_ns: int) -> tuple[int, int, int, str]:
        """Sort by the delivery time in the name when it has one, else the file's time."""
        match = _NAME_TIME.match(name)
        if match:
            micros = int(match[2]) if match[2] and len(match[2]) <= 6 else 0
            return int(match[1]), micros, mtime_ns, name
        return mtime_ns // 10**9, mtime_ns // 1000 % 10**6, mtime_ns, name

    def messages(self) -> Iterator[InboundMessage]:
        """The messages in ``new`` and the unseen ones in ``cur``, oldest first."""
        self._where.clear()
        for _, relative in self._listing():
            try:
                raw = (self.path / relative).read_bytes()
            except FileNotFoundError:
                continue  # removed (or renamed by someone else) since the listing
            except OSError as error:
                raise InboundError(f"can't read {self.path / relative}: {error}") from None
            key = self._key(relative.partition("/")[2])
            self._where[key] = relative
            yield InboundMessage(key=key, raw=raw)

    def _locate(self, key: str) -> str | None:
        for sub in ("new", "cur"):
            with os.scandir(self.path / sub) as entries:
                for entry in entries:
                    if self._key(entry.name) == key:
                        return f"{sub}/{entry.name}"
        return None

    def done(self, key: str) -> None:
        """Move the message to ``cur`` with the Seen flag; nothing if it is gone already."""
        if not key or "/" in key or self._colon in key:
            raise ValueError(f"not a Maildir message key: {key!r}")
        relative = self._where.pop(key, None)
        for _ in range(3):  # the file may move under us (another program changing its flags)
            if relative is None or not (self.path / relative).exists():
                relative = self._locate(key)
            if relative is None:
                return
            name = relative.partition("/")[2]
            flags = self._flags(name)
            if relative.startswith("cur/") and _SEEN in flags:
                return
            target = f"cur/{key}{self._colon}2,{''.join(sorted(set(flags + _SEEN)))}"
            try:
                os.rename(self.path / relative, self.path / target)
                return
            except FileNotFoundError:
                relative = None
            except OSError as error:
                raise InboundError(f"can't mark {self.path / relative} as seen: {error}") \
                    from None
        raise InboundError(f"can't mark {key} in {self.path} as seen: it keeps moving")

    def close(self) -> None:
        """Nothing to release; forgets where messages were seen."""
        self._where.clear()


# --- IMAP ------------------------------------------------------------------------------------


def _imap_utf7(name: str) -> str:
    """A mailbox name in IMAP's modified UTF-7 (RFC 3501, 5.1.3)."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode("ascii").rstrip("=")
                       .replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _reason(error: BaseException) -> str:
    """An error's text; imaplib's carry the server's reply as bytes."""
    if isinstance(error, imaplib.IMAP4.error) and error.args:
        return _text(list(error.args))
    return str(error) or type(error).__name__


def _text(data: list[object]) -> str:
    """The server's words from an imaplib response."""
    parts = [item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
             for item in data if item is not None]
    return " ".join(parts) or "no reason given"


class ImapSource(_Closing):
    """The unseen messages of one folder of an IMAP mailbox (over TLS or STARTTLS).

    Messages are listed by UID and fetched with ``BODY.PEEK[]``, so reading one does not mark
    it seen; `done` sets ``\\Seen``. Keys are ``"<uidvalidity>:<uid>"``. The connection is
    opened at once (so bad settings show up early) and again after it has been lost.
    """

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self._client: imaplib.IMAP4 | None = None
        self._uidvalidity = ""
        self._connect()

    @property
    def _where(self) -> str:
        return f"IMAP server {self.settings.host}:{self.settings.port}"

    def _connect(self) -> imaplib.IMAP4:
        if self._client is not None:
            return self._client
        settings = self.settings
        if not settings.username or settings.password is None:
            raise InboundError(f"{self._where}: no username or password: set them in "
                               "[email.inbound.imap] or in DIALOGKIT_IMAP_USERNAME and "
                               "DIALOGKIT_IMAP_PASSWORD")
        try:
            context = ssl.create_default_context(
                cafile=None if settings.ca_file is None else str(settings.ca_file))
        except (OSError, ssl.SSLError) as error:
            raise InboundError(f"{self._where}: can't use ca_file {settings.ca_file}: "
                               f"{error}") from None
        try:
            if settings.security == "tls":
                client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    settings.host, settings.port, ssl_context=context, timeout=settings.timeout)
            else:
                client = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
        except (OSError, imaplib.IMAP4.error) as error:
            raise InboundError(f"can't connect to {self._where} ({settings.security}): "
                               f"{_reason(error)}") from None
        try:
            self._open(client, context)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        self._client = client
        return client

    def _open(self, client: imaplib.IMAP4, context: ssl.SSLContext) -> None:
        """STARTTLS if asked for, log in and select the folder."""
        settings = self.settings
        assert settings.username is not None and settings.password is not None
        if settings.security == "starttls":
            try:
                client.starttls(context)
            except (OSError, imaplib.IMAP4.error) as error:
                raise InboundError(f"STARTTLS with {self._where} failed: {_reason(error)}") \
                from None
        try:
            client.login(settings.username, settings.password)
        except (OSError, imaplib.IMAP4.error) as error:
            reason = _reason(error)
            if settings.password:
                reason = reason.replace(settings.password, "***")
            raise InboundError(f"{self._where} refused the login as {settings.username!r}: "
                               f"{reason}") from None
        try:
            kind, data = client.select(_quoted(_imap_utf7(settings.folder)))
        except (OSError, imaplib.IMAP4.error) as error:
            raise InboundError(f"can't open folder {settings.folder!r} on {self._where}: "
                               f"{_reason(error)}") from None
        if kind != "OK":
            raise InboundError(f"can't open folder {settings.folder!r} on {self._where}: "
                               f"{_text(data)}")
        _, validity = client.response("UIDVALIDITY")
        if not validity or validity[0] is None:
            raise InboundError(f"{self._where} gave no UIDVALIDITY for {settings.folder!r}")
        self._uidvalidity = validity[-1].decode("ascii").strip()

    def _command(self, what: str, *args: str) -> list[object]:
        """Run a UID command; a lost connection is dropped (the next call reconnects)."""
        client = self._connect()
        try:
            kind, data = client.uid(what, *args)
        except imaplib.IMAP4.abort as error:
            self._drop()
            raise InboundError(f"lost the connection to {self._where}: {_reason(error)}") \
                from None
        except OSError as error:
            self._drop()
            raise InboundError(f"lost the connection to {self._where}: {error}") from None
        except imaplib.IMAP4.error as error:
            raise InboundError(f"{self._where}: UID {what} failed: {_reason(error)}") from None
        if kind != "OK":
            raise InboundError(f"{self._where}: UID {what} failed: {_text(data)}")
        return data

    def _sync(self) -> None:
        """NOOP: lets the server tell this session of mail that arrived since the last look
        (servers need not report new messages in answer to a SEARCH)."""
        client = self._connect()
        try:
            client.noop()
        except (OSError, imaplib.IMAP4.error) as error:
            self._drop()
            raise InboundError(f"lost the connection to {self._where}: {_reason(error)}") \
                from None

    def messages(self) -> Iterator[InboundMessage]:
        """The folder's unseen (and not deleted) messages, oldest (lowest UID) first."""
        self._sync()
        found = self._command("SEARCH", "UNSEEN UNDELETED")
        uids = sorted({int(uid) for line in found if isinstance(line, bytes)
                       for uid in line.split()})
        validity = self._uidvalidity
        for uid in uids:
            raw = self._fetch(uid)
            if raw is None:
                continue  # expunged since the search
            yield InboundMessage(key=f"{validity}:{uid}", raw=raw)

    def _fetch(self, uid: int) -> bytes | None:
        """The message's bytes; None if it is gone (the server then answers with nothing)."""
        for item in self._command("FETCH", str(uid), "(BODY.PEEK[])"):
            if isinstance(item, tuple) and b"BODY[]" in item[0]:
                return item[1]
        return None

    def done(self, key: str) -> None:
        """Set ``\\Seen`` on the message (nothing if it is gone, or the folder was renumbered)."""
        validity, _, uid = key.partition(":")
        if not uid.isdigit() or not validity.isdigit():
            raise ValueError(f"not an IMAP message key: {key!r}")
        self._connect()
        if validity != self._uidvalidity:
            log.warning("%s: not marking %s as seen: folder %r was renumbered (UIDVALIDITY is "
                        "now %s)", self._where, key, self.settings.folder, self._uidvalidity)
            return
        self._command("STORE", uid, "+FLAGS.SILENT", "(\\Seen)")

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()

    def close(self) -> None:
        """Log out and close the connection."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # a dead connection needs no goodbye
            with contextlib.suppress(Exception):
                client.shutdown()


def open_source(settings: EmailSettings) -> InboundSource:
    """The project's inbound source: its IMAP mailbox if one is set, else its Maildir."""
    if settings.imap is not None:
        return ImapSource(settings.imap)
    return MaildirSource(settings.maildir)
