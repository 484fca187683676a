"""What protects respondents: security headers, CSRF tokens, a limit on guessed links, and
no resume tokens in the logs."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import MutableMapping
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
CSRF_FIELD = "csrf"


class SecurityHeaders:
    """ASGI middleware adding the security headers to every response, and ``no-store`` to
    pages (they show answers; a shared computer must not keep them; the stylesheet may be
    cached)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                kinds = {name.lower(): value for name, value in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in kinds)
                if (b"cache-control" not in kinds
                        and kinds.get(b"content-type", b"").startswith(b"text/html")):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The browser session's CSRF token, made on first use (≥128 random bits)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session: MutableMapping[str, Any], sent: str | None) -> bool:
    """True when a posted form carries this browser session's CSRF token."""
    expected = session.get(CSRF_FIELD)
    return (isinstance(expected, str) and bool(expected) and isinstance(sent, str)
            and secrets.compare_digest(expected.encode(), sent.encode()))


class GuessLimiter:
    """Counts failed link lookups per client and refuses more once a limit is reached (in a
    moving window), so resume tokens can't be guessed by trying many."""

    def __init__(self, limit: str = "20/10 minutes") -> None:
        self.item: RateLimitItem = parse(limit)
        if self.item.amount < 1:
            raise ValueError(f"a limit of guessed links must allow at least one try: {limit!r}")
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def blocked(self, client: str) -> bool:
        """True when `client` has used up its failed attempts."""
        return not self._limiter.test(self.item, "guess", client)

    def failed(self, client: str) -> None:
        """Record one failed attempt by `client`."""
        self._limiter.hit(self.item, "guess", client)

    def retry_after(self, client: str) -> int:
        """Seconds until `client` may try again."""
        stats = self._limiter.get_window_stats(self.item, "guess", client)
        return max(1, int(stats.reset_time - time.time()) + 1)


_TOKEN_PATH = re.compile(r"/([ru])/[A-Za-z0-9_-]{20,}")
"""A resume (``/r/``) or opt-out (``/u/``) link's path: tokens are 43 URL-safe characters
(shorter paths are left alone)."""
_REDACTED = r"/\1/…"


class RedactTokens(logging.Filter):
    """Logging filter that replaces resume and opt-out tokens in request paths with ``/r/…``
    and ``/u/…``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_PATH.sub(_REDACTED, a) if isinstance(a, str) else a
                                for a in record.args)
        if isinstance(record.msg, str) and ("/r/" in record.msg or "/u/" in record.msg):
            record.msg = _TOKEN_PATH.sub(_REDACTED, record.msg)
        return True


def redact_tokens_in_logs(*logger_names: str) -> None:
    """Install `RedactTokens` on the named loggers (once each)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
