"""The browser session: a small dict in a signed cookie (itsdangerous), set again only when it
changed, and scoped to the path the web form is mounted at.

Pages read and write it as ``request.session``. Values are replaced, never changed in place
(the middleware compares the dict with what the cookie held to know whether to send it).
"""

from __future__ import annotations

import base64
import functools
import json
import time
from typing import Any

import itsdangerous
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

VERIFIED_CACHE = 1024
"""Cookie headers read lately; a repeat is not parsed and checked again (its age is)."""


class SignedCookieSession:
    """ASGI middleware putting the browser session in ``scope["session"]``."""

    def __init__(self, app: ASGIApp, *, secret_key: str, cookie: str, max_age: int,
                 same_site: str = "lax", https_only: bool = False) -> None:
        self.app = app
        self.signer = itsdangerous.TimestampSigner(secret_key)
        self.cookie = cookie
        self.max_age = max_age
        self.attributes = f"; Max-Age={max_age}; HttpOnly; SameSite={same_site}" + (
            "; Secure" if https_only else "")
        self._verified = functools.lru_cache(maxsize=VERIFIED_CACHE)(self._verify)

    def _verify(self, header: bytes) -> tuple[dict[str, Any], float] | None:
        """The session in a ``Cookie`` header and when it was signed; None if there is none,
        or it is forged or unreadable."""
        # a browser may hold several cookies of this name (another dialogkit on a path above
        # this one, or on another port of the host): the first whose signature holds is ours
        for raw in self._candidates(header.decode("latin-1")):
            try:
                payload, signed_at = self.signer.unsign(raw, return_timestamp=True)
                data = json.loads(base64.b64decode(payload))
            except (itsdangerous.BadSignature, ValueError):
                continue
            if isinstance(data, dict):
                return data, signed_at.timestamp()
        return None

    def _candidates(self, header: str) -> list[str]:
        """Every value the ``Cookie`` header gives for this cookie, in order."""
        values = []
        for pair in header.split(";"):
            name, _, value = pair.partition("=")
            if name.strip() == self.cookie and value.strip():
                values.append(value.strip())
        return values

    def _read(self, scope: Scope) -> dict[str, Any]:
        for name, value in scope["headers"]:
            if name == b"cookie":
                verified = self._verified(value)
                if verified is not None and time.time() - verified[1] <= self.max_age:
                    return dict(verified[0])
                return {}
        return {}

    def _set_cookie(self, session: dict[str, Any], path: str) -> str:
        payload = base64.b64encode(json.dumps(session, separators=(",", ":")).encode())
        value = self.signer.sign(payload).decode()
        return f"{self.cookie}={value}; Path={path}{self.attributes}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        original = self._read(scope)
        session = scope["session"] = dict(original)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session != original:
                headers = MutableHeaders(scope=message)
                headers.append("Set-Cookie", self._set_cookie(
                    session, scope.get("root_path") or "/"))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
