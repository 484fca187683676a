"""Reading bounces: RFC 3464 delivery status notifications (DSNs).

Only standard DSNs are understood: a ``multipart/report; report-type=delivery-status`` message
with a ``message/delivery-status`` part. Free-text bounces from non-conforming mail servers
("I'm sorry to have to inform you...") are not parsed; `parse_bounce` returns None for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage, Message
from email.parser import HeaderParser

from attrs import frozen

_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_ORIGINAL_TYPES = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")


@frozen
class BouncedRecipient:
    """One recipient's fate: address (lower-cased), action, status ("5.1.1"), diagnostic."""

    address: str
    action: str
    status: str
    diagnostic: str | None

    @property
    def permanent(self) -> bool:
        """Delivery failed for good: action "failed" with a 5.x.x status."""
        return self.action == "failed" and self.status.startswith("5")


@frozen
class Bounce:
    """A delivery status notification: its recipients and the Message-ID of what bounced."""

    recipients: tuple[BouncedRecipient, ...]
    original_message_id: str | None

    @property
    def permanent_addresses(self) -> tuple[str, ...]:
        """Addresses that will never accept mail, in report order."""
        return tuple(r.address for r in self.recipients if r.permanent)


def parse_bounce(message: EmailMessage) -> Bounce | None:
    """The DSN in `message`, or None if it is not one (or names no recipient)."""
    report = _report(message)
    if report is None:
        return None
    parts = list(_subparts(report))
    status = next((p for p in parts if p.get_content_type() == "message/delivery-status"), None)
    if status is None:
        return None
    recipients = tuple(
        recipient for block in _blocks(status) if (recipient := _recipient(block)) is not None
    )
    if not recipients:
        return None
    original = next((p for p in parts if p.get_content_type() in _ORIGINAL_TYPES), None)
    return Bounce(recipients, _original_message_id(original) if original else None)


def _report(message: Message) -> Message | None:
    """The ``multipart/report`` delivery-status part: the message itself or one it contains."""
    if _is_dsn_report(message):
        return message
    if message.get_content_maintype() != "multipart":
        return None
    return next((p for p in _subparts(message) if _is_dsn_report(p)), None)


def _is_dsn_report(part: Message) -> bool:
    report_type = str(part.get_param("report-type", "", header="content-type")).lower()
    return part.get_content_type() == "multipart/report" and report_type == "delivery-status"


def _subparts(part: Message) -> Iterator[Message]:
    """The direct children of a multipart part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        yield from payload


def _blocks(status: Message) -> list[Message]:
    """The field groups of a ``message/delivery-status`` part (per-message, per-recipient…)."""
    payload = status.get_payload()
    if isinstance(payload, list) and payload:
        return payload
    raw = status.get_payload(decode=True)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload)
    chunks = re.split(r"\r?\n[ \t]*\r?\n", text.strip())
    return [HeaderParser().parsestr(chunk) for chunk in chunks if chunk.strip()]


def _recipient(block: Message) -> BouncedRecipient | None:
    """A per-recipient field group, or None for the per-message group."""
    address = _address(_field(block, "Final-Recipient") or _field(block, "Original-Recipient"))
    if not address:
        return None
    status = _STATUS.search(_field(block, "Status"))
    diagnostic = _typed_value(_field(block, "Diagnostic-Code"))
    return BouncedRecipient(
        address=address,
        action=_field(block, "Action").lower(),
        status=status.group(1) if status else "",
        diagnostic=diagnostic or None,
    )


def _field(block: Message, name: str) -> str:
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _typed_value(value: str) -> str:
    """``rfc822; someone@example.org`` → ``someone@example.org``."""
    kind, separator, rest = value.partition(";")
    return rest.strip() if separator and " " not in kind.strip() else value.strip()


def _address(value: str) -> str:
    return _typed_value(value).strip("<> ").lower()


def _original_message_id(part: Message) -> str | None:
    """The Message-ID of the returned message or headers."""
    if part.get_content_type() == "message/rfc822":
        inner = next(_subparts(part), None)
        value = inner.get("Message-ID") if inner is not None else None
    else:
        raw = part.get_payload(decode=True)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(part.get_payload())
        value = HeaderParser().parsestr(text.lstrip()).get("Message-ID")
    match = _MESSAGE_ID.search(str(value)) if value is not None else None
    return match.group() if match else None
