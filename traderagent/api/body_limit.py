"""A cap on request bodies: a body over the limit is refused with 413 and never kept.

A declared `Content-Length` over the limit is answered before a byte of the body is read; a
chunked body is counted as it streams and refused the moment it passes the limit. Either way
the connection is closed after the answer, so the rest of the body is not read either.
"""

from __future__ import annotations

import json

from fastapi import HTTPException

from traderagent.api.gate import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
"""The largest request body the API reads (a config is a few kilobytes)."""


def too_large_body(limit: int) -> bytes:
    detail = f"request body too large: the API accepts at most {limit} bytes"
    return json.dumps({"detail": detail}).encode()


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit (FastAPI answers 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body too large: the API accepts at most {limit} bytes")
        self.limit = limit


def declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """ASGI middleware: at most `limit` bytes of request body per HTTP request."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = declared_length(scope)
        if length is not None and length > self.limit:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if seen > self.limit:  # the app answered the refusal: close after it
                    message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = too_large_body(self.limit)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
