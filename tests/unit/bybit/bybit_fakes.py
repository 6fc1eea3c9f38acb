"""Test doubles for the Bybit client: a scripted V5 REST host on httpx.MockTransport, a clock
whose sleep advances it, and the public test key pair of bybit_v5.md's vectors."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from traderagent.exchanges.bybit import ApiCredentials
from traderagent.exchanges.bybit.rest import BybitRest
from traderagent.exchanges.bybit.signing import rest_signature

KEY = "CFEJUGQEQPPHGOHGHM"
SECRET = "VDFZSSPUTKRJMXAVMJXBHEXIPZNZJIZUBVRQ"
CREDS = ApiCredentials(KEY, SECRET)
T0 = 1_700_000_000.0  # the fake clock's start, epoch seconds


class FakeClock:
    """`clock()` is the time; `sleep()` records the delay and advances the time."""

    def __init__(self, t: float = T0) -> None:
        self.t = t
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


Reply = dict[str, Any] | tuple[int, str] | httpx.Response
Route = Callable[["Call"], Reply]


@dataclass
class Call:
    """One request the fake host received, decoded."""

    method: str
    path: str
    params: dict[str, str]
    body: dict[str, Any]
    request: httpx.Request


def envelope(
    result: dict[str, Any], code: int = 0, msg: str = "OK", time_ms: int = 1, **headers: str
) -> httpx.Response:
    body = {"retCode": code, "retMsg": msg, "result": result, "retExtInfo": {}, "time": time_ms}
    return httpx.Response(200, json=body, headers=headers)


@dataclass
class FakeBybit:
    """Routes `(METHOD, path)` to functions returning a result dict, `(retCode, retMsg)`, or a
    whole `httpx.Response`; a route function may also raise an httpx error. Every call is
    recorded and, when signed, its signature is checked against the exact bytes sent."""

    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    bad_signatures: int = 0
    server_ms: int = 1  # the envelope `time` of every routed answer

    def route(self, method: str, path: str) -> Callable[[Route], Route]:
        def register(fn: Route) -> Route:
            self.routes[(method, path)] = fn
            return fn

        return register

    def handle(self, request: httpx.Request) -> httpx.Response:
        query = request.url.query.decode()
        content = request.content.decode()
        call = Call(
            request.method,
            request.url.path,
            dict(parse_qsl(query)),
            json.loads(content) if content else {},
            request,
        )
        self.calls.append(call)
        if "X-BAPI-SIGN" in request.headers:
            payload = query if request.method == "GET" else content
            expected = rest_signature(
                CREDS,
                int(request.headers["X-BAPI-TIMESTAMP"]),
                int(request.headers["X-BAPI-RECV-WINDOW"]),
                payload,
            )
            if request.headers["X-BAPI-SIGN"] != expected:
                self.bad_signatures += 1
                return envelope({}, 10004, "error sign!")
        route = self.routes.get((request.method, request.url.path))
        if route is None:
            return httpx.Response(404, text="route not found")
        reply = route(call)
        if isinstance(reply, httpx.Response):
            return reply
        if isinstance(reply, tuple):
            return envelope({}, reply[0], reply[1], self.server_ms)
        return envelope(reply, time_ms=self.server_ms)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def count(self, path: str) -> int:
        return sum(1 for c in self.calls if c.path == path)


def make_rest(fake: FakeBybit, clock: FakeClock | None = None, **kwargs: Any) -> BybitRest:
    clock = clock or FakeClock()
    return BybitRest(
        "https://api.test",
        CREDS,
        transport=fake.transport(),
        clock=clock,
        sleep=clock.sleep,
        **kwargs,
    )


MIN = 60_000
KLINE = "/v5/market/kline"


def kline_host(fake: FakeBybit, first: int, count: int) -> None:
    """A host holding `count` one-minute candles from `first`, newest first per page."""

    def route(call: Call) -> dict[str, object]:
        start, end, limit = (int(call.params[k]) for k in ("start", "end", "limit"))
        opens = [t for t in range(first, first + count * MIN, MIN) if start <= t <= end]
        rows = [[str(t), "1", "3", "0.5", "2", "2", "4"] for t in opens]
        return {"category": "linear", "symbol": "BTCUSDT", "list": list(reversed(rows))[:limit]}

    fake.routes[("GET", KLINE)] = route


LINEAR = {
    "symbol": "BTCUSDT",
    "baseCoin": "BTC",
    "quoteCoin": "USDT",
    "priceFilter": {"minPrice": "0.10", "maxPrice": "1999999.80", "tickSize": "0.10"},
    "lotSizeFilter": {
        "maxOrderQty": "1190.000",
        "minOrderQty": "0.001",
        "qtyStep": "0.001",
        "minNotionalValue": "5",
    },
}
SPOT = {
    "symbol": "BTCUSDT",
    "baseCoin": "BTC",
    "quoteCoin": "USDT",
    "priceFilter": {"tickSize": "0.1"},
    "lotSizeFilter": {
        "basePrecision": "0.000001",
        "quotePrecision": "0.0000001",
        "minOrderQty": "0.000011",
        "maxOrderQty": "83",
        "minOrderAmt": "5",
    },
}
