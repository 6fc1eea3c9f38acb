"""The REST pipeline every endpoint runs through: faults, auth, budgets, the envelope.

Order of work for a request: injected latency; an injected fault (`http5xx` answers a bare
HTML 5xx, `timeout` holds the request past the client's timeout, both without processing it);
for private endpoints the signature check (10003, 10002, 10004) and the per-endpoint budget
(10006, `X-Bapi-Limit*` headers on every authenticated answer); then the handler. Every answer
is the Bybit envelope `{retCode, retMsg, result, retExtInfo, time}` with HTTP 200; `time` is the
wall clock. A write's private pushes are held until its response is written (ack, then push);
with a `lost_response` fault the write is processed and its pushes go out, but the response is
held past the client's timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from traderagent.exchanges.emulator.errors import RATE_LIMIT, BybitError, params_error
from traderagent.exchanges.emulator.injector import FaultInjector
from traderagent.exchanges.emulator.ratelimit import LimitStatus, RateLimiter
from traderagent.exchanges.emulator.signing import Credentials, check_rest_auth
from traderagent.exchanges.emulator.streams import PrivateFeed

_log = logging.getLogger(__name__)
CLIENT_GONE = 499
"""The status logged for a request whose client left before its body arrived (never sent)."""

Result = dict[str, object]
Endpoint = Callable[[Request], Awaitable[Response]]
QueryHandler = Callable[[Mapping[str, str]], Result]
BodyHandler = Callable[[Mapping[str, object]], Result]


class RestContext(Protocol):
    """What the pipeline needs of the emulator."""

    credentials: Credentials
    injector: FaultInjector
    limiter: RateLimiter
    feed: PrivateFeed
    stopping: asyncio.Event

    def wall_ms(self) -> int: ...


class _AckResponse(JSONResponse):
    """Runs `on_sent` once the response has been written (or failed to be)."""

    def __init__(self, content: object, headers: Mapping[str, str], on_sent: Callable[[], None]):
        super().__init__(content, headers=dict(headers))
        self._on_sent = on_sent

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._on_sent()


EXT_INFO = "__retExtInfo__"
"""A handler's result may carry the envelope's `retExtInfo` under this key (batch calls)."""


def envelope(
    ctx: RestContext, result: Result | None = None, error: BybitError | None = None
) -> Result:
    body = dict(result) if error is None and result is not None else {}
    ext = body.pop(EXT_INFO, {})
    return {
        "retCode": 0 if error is None else error.code,
        "retMsg": "OK" if error is None else error.message,
        "result": body,
        "retExtInfo": ext,
        "time": ctx.wall_ms(),
    }


def public_get(ctx: RestContext, handler: QueryHandler) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        replaced = await _replace(ctx, request, await _draw(ctx, request, False, False))
        if replaced is not None:
            return replaced
        try:
            return JSONResponse(envelope(ctx, handler(_query(request))))
        except BybitError as error:
            return JSONResponse(envelope(ctx, error=error))

    return endpoint


def private_get(ctx: RestContext, handler: QueryHandler) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        replaced = await _replace(ctx, request, await _draw(ctx, request, True, False))
        if replaced is not None:
            return replaced
        raw = request.scope["query_string"].decode()
        params = _query(request)
        checked = _admit(ctx, request, raw, params.get("category", ""))
        if isinstance(checked, Response):
            return checked
        try:
            body = envelope(ctx, handler(params))
        except BybitError as error:
            body = envelope(ctx, error=error)
        return JSONResponse(body, headers=checked.headers())

    return endpoint


def private_post(ctx: RestContext, handler: BodyHandler) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        kind = await _draw(ctx, request, True, True)
        replaced = await _replace(ctx, request, kind)
        if replaced is not None:
            return replaced
        try:
            raw = (await request.body()).decode(errors="replace")
        except ClientDisconnect:  # e.g. a client killed mid-request: nothing arrived, none done
            _log.info("%s: the client left before its request arrived; ignored", request.url.path)
            return Response(status_code=CLIENT_GONE)
        bad_body: BybitError | None = None
        try:
            params = _body(raw)
        except BybitError as error:
            params, bad_body = {}, error
        category = params.get("category")
        checked = _admit(ctx, request, raw, category if isinstance(category, str) else "")
        if isinstance(checked, Response):
            return checked
        ctx.feed.hold()
        try:
            body = _run(ctx, handler, params, bad_body)
        except BaseException:
            ctx.feed.release()  # a bug in a handler must not stall every later push
            raise
        if kind == "lost_response":
            ctx.feed.release()  # the order exists and is pushed; only the answer is lost
            await _hold(ctx)
            return JSONResponse(body, headers=checked.headers())
        return _AckResponse(body, checked.headers(), ctx.feed.release)

    return endpoint


def _run(
    ctx: RestContext, handler: BodyHandler, params: Mapping[str, object], bad: BybitError | None
) -> Result:
    try:
        if bad is not None:
            raise bad
        return envelope(ctx, handler(params))
    except BybitError as error:
        return envelope(ctx, error=error)


async def _draw(ctx: RestContext, request: Request, private: bool, write: bool) -> str | None:
    """Wait out the injected latency, then draw this request's fault kind (or None)."""
    if ctx.injector.latency_s:
        await asyncio.sleep(ctx.injector.latency_s)
    return ctx.injector.rest_fault(request.url.path, private=private, write=write)


async def _replace(ctx: RestContext, request: Request, kind: str | None) -> Response | None:
    """The answer a fault puts in place of the real one (None: process the request)."""
    if kind == "http5xx":
        status = ctx.injector.http_status()
        html = f"<html><body><h1>{status} emulated server error</h1></body></html>"
        return Response(html, status_code=status, media_type="text/html")
    if kind == "timeout":
        await _hold(ctx)
        return Response("emulated timeout", status_code=504, media_type="text/plain")
    if kind == "ratelimit":
        limit = ctx.limiter.exhaust(request.url.path, _category(request), ctx.wall_ms())
        return JSONResponse(envelope(ctx, error=_too_many()), headers=limit.headers())
    return None


def _admit(ctx: RestContext, request: Request, raw: str, category: str) -> LimitStatus | Response:
    """Check the signature, then spend budget: the budget's status, or the refusal."""
    try:
        check_rest_auth(request.headers, raw, ctx.credentials, ctx.wall_ms())
    except BybitError as error:
        return JSONResponse(envelope(ctx, error=error))
    status = ctx.limiter.take(request.url.path, category, ctx.wall_ms())
    if not status.allowed:
        return JSONResponse(envelope(ctx, error=_too_many()), headers=status.headers())
    return status


async def _hold(ctx: RestContext) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(ctx.stopping.wait(), ctx.injector.spec.hold_s)


def _too_many() -> BybitError:
    return BybitError(RATE_LIMIT, "Too many visits!")


def _category(request: Request) -> str:
    return request.query_params.get("category", "")


def _query(request: Request) -> dict[str, str]:
    return dict(parse_qsl(request.scope["query_string"].decode(), keep_blank_values=True))


def _body(raw: str) -> dict[str, object]:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise params_error("the request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise params_error("the request body must be a JSON object")
    return value
