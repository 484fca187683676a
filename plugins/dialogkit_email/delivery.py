"""Sending the queued messages, each exactly once.

For each queued message: wait for the sending rate, hand it to the transport, which marks it
*sending* just before the point of no return, then mark it *sent*. A temporary failure (a
4xx reply, a dropped connection) puts it back in the queue and it is tried again after a
growing pause, up to ``max_attempts`` times in one run; a permanent one (5xx) marks it
failed with the server's reason. A stop request (Ctrl+C, SIGTERM) lets the message being
sent finish and stops before the next.

Messages left *sending* by a run that was killed are checked first: the outbox knows
whether it holds them; an SMTP server can't be asked, so they are reported as unconfirmed
and sent again only when asked (`resend_unconfirmed`), since the server may have taken them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from attrs import define, field

from dialogkit.store.messages import (
    Messages,
    MessageStateError,
    OutboundMessage,
    normalize_address,
)
from dialogkit_email.outgoing import CHANNEL
from dialogkit_email.pacing import Backoff, Pacer
from dialogkit_email.settings import EmailSettings
from dialogkit_email.transport import PermanentFailure, TemporaryFailure, Transport


@define
class DeliveryReport:
    """What a run of `deliver` did."""

    sent: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: int = 0
    recovered: int = 0
    unconfirmed: list[OutboundMessage] = field(factory=list)
    failures: list[tuple[OutboundMessage, str]] = field(factory=list)
    stopped: bool = False


class StopFlag:
    """Set from a signal handler to end a run after the message being sent."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def __bool__(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; true when stopped meanwhile."""
        return self._event.wait(seconds)


def recover(messages: Messages, transport: Transport, *, resend_unconfirmed: bool = False
            ) -> tuple[int, list[OutboundMessage]]:
    """Settle messages left *sending* by an earlier run: sent when the transport holds them,
    queued again when it certainly doesn't (or when `resend_unconfirmed`); returns how many
    were settled and the ones still unconfirmed."""
    settled = 0
    unconfirmed: list[OutboundMessage] = []
    for message in messages.find(channel=CHANNEL, state="sending"):
        delivered = transport.delivered(message.external_id or "")
        if delivered:
            messages.mark_sent(message.id)
            settled += 1
        elif delivered is False or resend_unconfirmed:
            settled += messages.requeue([message.id])
        else:
            unconfirmed.append(message)
    return settled, unconfirmed


def deliver(messages: Messages, transport: Transport, settings: EmailSettings, *,
            stop: StopFlag | None = None, resend_unconfirmed: bool = False,
            on_progress: Callable[[OutboundMessage], None] | None = None,
            pacer: Pacer | None = None, backoff: Backoff | None = None) -> DeliveryReport:
    """Send every queued email message (oldest first); see the module docstring."""
    stop = StopFlag() if stop is None else stop
    pacer = Pacer(settings.rate) if pacer is None else pacer
    backoff = Backoff(settings.retry_delay) if backoff is None else backoff
    report = DeliveryReport()
    report.recovered, report.unconfirmed = recover(messages, transport,
                                                   resend_unconfirmed=resend_unconfirmed)
    suppressed = messages.suppressed(CHANNEL)
    envelope_sender = settings.reply_to.addr_spec
    for message, payload in messages.queued(CHANNEL):
        if stop:
            report.stopped = True
            break
        reason = suppressed.get(normalize_address(message.address))
        if reason is not None:
            messages.fail(message.id, f"not sent: the address {reason.replace('_', ' ')}")
            report.skipped += 1
        else:
            _send_one(messages, transport, message, payload, envelope_sender,
                      settings.max_attempts, pacer, backoff, stop, report)
        if on_progress is not None:
            on_progress(message)
    return report


def _send_one(messages: Messages, transport: Transport, message: OutboundMessage,
              payload: bytes, envelope_sender: str, max_attempts: int, pacer: Pacer,
              backoff: Backoff, stop: StopFlag, report: DeliveryReport) -> None:
    for attempt in range(1, max_attempts + 1):
        pacer.wait()
        try:
            transport.send_data(payload, message_id=message.external_id or "",
                                sender=envelope_sender, recipient=message.address,
                                about_to_commit=lambda: messages.mark_sending(message.id))
        except MessageStateError:
            return  # another run took it
        except PermanentFailure as error:
            messages.fail(message.id, str(error))
            report.failed += 1
            report.failures.append((message, str(error)))
            return
        except TemporaryFailure as error:
            messages.defer(message.id, str(error))
            if attempt == max_attempts or stop or stop.wait(backoff.delay(attempt)):
                report.deferred += 1
                report.failures.append((message, str(error)))
                return
            continue
        messages.mark_sent(message.id, message)
        report.sent += 1
        return
