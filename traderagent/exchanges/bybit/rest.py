"""The REST transport: signing, the response envelope, server time, budgets and retries.

One pooled `httpx.AsyncClient` per client. Every attempt waits for its endpoint's budget, signs
the exact bytes it sends (a GET's query as httpx will put it on the wire, a POST's compact JSON
body) with a timestamp on the server's clock, and turns the V5 envelope into a result or a
typed error. `call` retries what is safe to retry; `policy` narrows that per call.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode
from urllib.request import getproxies

import httpx
import orjson
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from traderagent.exchanges.bybit.credentials import ApiCredentials
from traderagent.exchanges.bybit.errors import (
    AuthError,
    BybitError,
    InvalidRequestError,
    IpRateLimitError,
    NetworkError,
    ProtocolError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TimestampError,
    error_for,
)
from traderagent.exchanges.bybit.ratelimit import BAN_MS, RateBudgets, header_int
from traderagent.exchanges.bybit.signing import PostSigner, rest_headers
from traderagent.exchanges.bybit.status import StatusBoard

log = logging.getLogger("traderagent.exchanges.bybit")
httpx_log = logging.getLogger("httpx")
"""Where the client logs each request (kept for the requests sent past it)."""
PROXY_KEYS = frozenset({"http", "https", "all"})
"""Proxy settings (`getproxies`) for which the client mounts transports of its own."""

Params = Mapping[str, Any]
RetryPolicy = Callable[[BaseException], bool]
RECV_WINDOW_STEP_MS = 2_500  # what pybit adds to the window after a 10002
MAX_RECV_WINDOW_MS = 60_000
BACKOFF_BASE_S = 0.25
BACKOFF_CAP_S = 5.0
IP_BACKOFF_BASE_S = 1.0  # retCode 10018: the whole IP is over its rate; back off harder


# what a verbatim query value may hold as it is: RFC 3986 query characters except & and #
VERBATIM_SAFE = "%:,=/?@!$'()*+;"


class Verbatim(str):
    """A query value sent exactly as received: Bybit's `nextPageCursor` comes percent-encoded
    (`1234%3A1%2C1234%3A1`) and must go back so, not re-encoded (`%252C`), as pybit does."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Reply:
    """An unwrapped success: the `result` object and the envelope's server `time` (ms)."""

    result: dict[str, Any]
    time_ms: int


def transient(exc: BaseException) -> bool:
    """Safe to resend for a read or an idempotent write: timeouts, 5xx, 10002, 10006, 10016."""
    return isinstance(exc, BybitError) and exc.retryable


class BybitRest:
    """Signed calls to one Bybit REST host. `clock` (epoch seconds) and `sleep` are injectable."""

    def __init__(
        self,
        base_url: str,
        credentials: ApiCredentials | None = None,
        *,
        recv_window_ms: int = 5_000,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        status: StatusBoard | None = None,
        ban_ms: int = BAN_MS,
    ) -> None:
        self.credentials = credentials
        self.recv_window_ms = recv_window_ms
        self.offset_ms = 0
        self.max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self.status = status or StatusBoard(self.now_ms)
        self.budgets = RateBudgets(self.now_ms, sleep, self.status, ban_ms)
        proxied = bool(PROXY_KEYS & getproxies().keys())  # the client mounts them: keep it
        if transport is None and not proxied:
            transport = httpx.AsyncHTTPTransport()  # the client's own default, held here too
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            transport=transport,
            headers={"User-Agent": "traderagent"},
        )
        self._transport = None if proxied else transport
        """Where a POST goes straight (`_post_direct`); None: through the client."""
        self._post_heads: dict[str, tuple[httpx.URL, list[tuple[bytes, bytes]]]] = {}
        """A POST's URL and its fixed headers, by path (they never change: made once)."""
        self._timeout = self._http.timeout.as_dict()
        self._signer: tuple[ApiCredentials, PostSigner] | None = None
        """`credentials`' POST signer (made again if they are replaced)."""

    def now_ms(self) -> int:
        """Epoch ms on the server's clock (local clock plus the last measured offset)."""
        return int(self._clock() * 1000) + self.offset_ms

    async def sync_time(self) -> int:
        """Measure the server clock offset from `/v5/market/time`; return the offset in ms."""
        before = self._clock()
        result = (await self.call("GET", "/v5/market/time")).result
        after = self._clock()
        nano = result.get("timeNano")
        server_ms = int(nano) // 1_000_000 if nano else int(result["timeSecond"]) * 1000
        self.offset_ms = server_ms - int((before + after) * 500)
        return self.offset_ms

    async def call(
        self,
        method: str,
        path: str,
        params: Params | None = None,
        *,
        auth: bool = False,
        policy: RetryPolicy = transient,
    ) -> Reply:
        """The reply of one call, retried with jittered backoff while `policy` allows."""
        params = params or {}
        # the first attempt without tenacity (its machinery costs more than a signed request
        # on the hot path); a retryable failure goes on to the same waits and attempts
        try:
            return await self._attempt(method, path, params, auth)
        except Exception as exc:
            if self.max_attempts <= 1 or not policy(exc):
                raise
            await self._sleep(self._delay(exc, 1))
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts - 1),
            retry=retry_if_exception(policy),
            wait=self._wait_after_first,
            sleep=self._sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(method, path, params, auth)
        raise AssertionError("tenacity returns or raises")  # pragma: no cover

    async def close(self) -> None:
        await self._http.aclose()

    # -- one attempt -----------------------------------------------------------------------

    async def _attempt(self, method: str, path: str, params: Params, auth: bool) -> Reply:
        try:
            return await self.send(method, path, params, auth=auth)
        except TimestampError:
            self.recv_window_ms = min(self.recv_window_ms + RECV_WINDOW_STEP_MS, MAX_RECV_WINDOW_MS)
            try:
                await self.sync_time()
            except BybitError as err:
                log.warning("bybit: clock re-sync after 10002 failed: %s", err)
            raise

    async def send(self, method: str, path: str, params: Params, *, auth: bool = False) -> Reply:
        """One request, no retry: wait for the budget, sign, send, unwrap the envelope."""
        await self.budgets.acquire(path)
        request = self._build(method, path, params, auth)
        try:
            if self._transport is not None and method == "POST":
                response = await self._send_direct(self._transport, request)
            else:
                response = await self._http.send(request)
        except httpx.TimeoutException as exc:
            raise RequestTimeoutError(f"no answer in time ({exc!r})", endpoint=path) from exc
        except httpx.TransportError as exc:
            raise NetworkError(f"connection failed ({exc!r})", endpoint=path) from exc
        return self._unwrap(path, response)

    def _build(self, method: str, path: str, params: Params, auth: bool) -> httpx.Request:
        present = {k: v for k, v in params.items() if v is not None}
        if method == "GET":
            query = "&".join(_query_pair(k, v) for k, v in present.items())
            request = self._http.build_request("GET", f"{path}?{query}" if query else path)
            payload = request.url.query.decode()  # exactly what goes on the wire
        else:
            # orjson: compact like `json.dumps(separators=(",", ":"))`, a twentieth of the time
            body = orjson.dumps(present)
            return self._post(method, path, body, auth)
        if auth:
            if self.credentials is None:
                raise AuthError(f"{path} needs an API key pair, and none is configured")
            request.headers.update(
                rest_headers(self.credentials, self.now_ms(), self.recv_window_ms, payload)
            )
        return request

    def _post(self, method: str, path: str, body: bytes, auth: bool) -> httpx.Request:
        """The request `build_request` makes of a JSON body (the client's headers, cookies and
        timeout; Host and Content-Length as httpx adds them), its headers made in one go as
        byte pairs: on the hot path, header by header through `Headers` cost more than the
        signature."""
        known = self._post_heads.get(path)
        if known is None:
            url = self._http.build_request(method, path).url  # merged and parsed once per path
            known = self._post_heads[path] = (url, [(b"Host", url.netloc), *self._http.headers.raw])
        url, head = known
        raw = [*head, (b"Content-Type", b"application/json")]
        raw.append((b"Content-Length", str(len(body)).encode()))
        if auth:
            credentials, signer = self._signer or (None, None)
            if credentials is not self.credentials or signer is None:
                if self.credentials is None:
                    raise AuthError(f"{path} needs an API key pair, and none is configured")
                signer = PostSigner(self.credentials)
                self._signer = (self.credentials, signer)
            raw += signer.head(self.now_ms(), self.recv_window_ms, body)
        request = httpx.Request(
            method,
            url,
            headers=raw,
            stream=httpx.ByteStream(body),
            extensions={"timeout": self._timeout},
        )
        request.read()  # as a request made from `content` is: its body is known
        if self._http.cookies:  # as the client's own requests carry them
            self._http.cookies.set_cookie_header(request)
        return request

    async def _send_direct(
        self, transport: httpx.AsyncBaseTransport, request: httpx.Request
    ) -> httpx.Response:
        """`request` (made whole by `_post`) handed to the transport, as the client's `send`
        does for it (no auth, no redirect followed, the body read) without the client's
        per-request work: its cookie jar is fed only when the answer sets a cookie (the
        jar's parsing cost more than the rest of the request), and the client's log line is
        written only when the `httpx` logger would show it."""
        if self._http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        response = await transport.handle_async_request(request)
        try:
            response.request = request
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
        if "set-cookie" in response.headers:
            self._http.cookies.extract_cookies(response)
        if httpx_log.isEnabledFor(logging.INFO):
            httpx_log.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        return response

    def _unwrap(self, path: str, response: httpx.Response) -> Reply:
        headers = response.headers
        self.budgets.observe(path, headers)
        status = response.status_code
        if status == 403:
            raise self.budgets.ban(path)
        if status == 401:
            raise AuthError("HTTP 401: wrong API key or missing auth headers", endpoint=path)
        if status == 429:
            reset = header_int(headers, "X-Bapi-Limit-Reset-Timestamp")
            self.budgets.exhausted(path, reset)
            raise RateLimitError("HTTP 429: system-level protection", 0, path, reset)
        if status >= 500:
            raise ServerError(f"HTTP {status}", endpoint=path)
        if status == 404:
            raise InvalidRequestError(
                "HTTP 404: unknown path, or a category that does not match the account mode",
                endpoint=path,
            )
        if status != 200:
            raise InvalidRequestError(f"HTTP {status}: {response.text[:200]}", endpoint=path)
        try:
            envelope = orjson.loads(response.content)
            code = int(envelope["retCode"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ProtocolError(
                f"not a V5 envelope: {response.text[:200]!r}", endpoint=path
            ) from exc
        if code != 0:
            reset = header_int(headers, "X-Bapi-Limit-Reset-Timestamp")
            error = error_for(code, str(envelope.get("retMsg", "")), path, reset)
            if isinstance(error, RateLimitError) and not isinstance(error, IpRateLimitError):
                self.budgets.exhausted(path, reset)  # one endpoint's budget; 10018 is IP-wide
            raise error
        result = envelope.get("result")
        server_ms = envelope.get("time")
        return Reply(
            result if isinstance(result, dict) else {},
            int(server_ms) if server_ms is not None else self.now_ms(),
        )

    def _wait_after_first(self, state: RetryCallState) -> float:
        """The wait before the next attempt, counting the first one made outside tenacity."""
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        return self._delay(exc, state.attempt_number + 1)

    def _delay(self, exc: BaseException | None, attempt_number: int) -> float:
        """The wait after failed attempt `attempt_number` (1 for the first) ending in `exc`."""
        if isinstance(exc, IpRateLimitError):
            delay = min(BACKOFF_CAP_S, IP_BACKOFF_BASE_S * 2.0 ** (attempt_number - 1))
            log.warning(
                "bybit: IP rate limit (10018) on %s; resending in %.1f s", exc.endpoint, delay
            )
            return delay + random.uniform(0, BACKOFF_BASE_S)  # noqa: S311 (jitter, not crypto)
        if isinstance(exc, RateLimitError):
            return 0.0  # the endpoint's budget waits for the reset before the next send
        if isinstance(exc, TimestampError):
            return 0.0  # already re-synced; the window is wider
        delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2.0 ** (attempt_number - 1))
        return delay + random.uniform(0, BACKOFF_BASE_S)  # noqa: S311 (jitter, not crypto)


def _query_pair(key: str, value: Any) -> str:
    if isinstance(value, Verbatim):
        return f"{quote(key)}={quote(value, safe=VERBATIM_SAFE)}"
    return urlencode([(key, str(value))])
