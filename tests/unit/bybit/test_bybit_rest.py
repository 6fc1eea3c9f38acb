"""The REST transport: envelope and retCode mapping, retry policy, budgets, the 403 ban."""

from __future__ import annotations

import logging

import httpx
import pytest
from bybit_fakes import Call, FakeBybit, FakeClock, envelope, make_rest

from traderagent.exchanges.bybit import Health
from traderagent.exchanges.bybit.errors import (
    AuthError,
    DuplicateOrderError,
    InsufficientBalanceError,
    InvalidRequestError,
    IpBannedError,
    OrderClosedError,
    OrderNotFoundError,
    ProtocolError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TimestampError,
    error_for,
)
from traderagent.exchanges.bybit.orders import unprocessed
from traderagent.exchanges.ports import ExchangeError

TIME = "/v5/market/time"
WALLET = "/v5/account/wallet-balance"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (10001, InvalidRequestError),
        (10002, TimestampError),
        (10003, AuthError),
        (10004, AuthError),
        (10005, AuthError),
        (10006, RateLimitError),
        (10010, AuthError),
        (10016, ServerError),
        (110001, OrderNotFoundError),
        (170213, OrderNotFoundError),
        (110008, OrderClosedError),
        (110072, DuplicateOrderError),
        (170141, DuplicateOrderError),
        (110007, InsufficientBalanceError),
        (170131, InsufficientBalanceError),
        (110094, InvalidRequestError),
    ],
)
def test_ret_codes_map_to_typed_errors(code: int, kind: type[Exception]) -> None:
    error = error_for(code, "why", "/v5/x")
    assert type(error) is kind
    assert isinstance(error, ExchangeError)
    assert error.code == code
    assert str(error) == f"Bybit retCode {code} (/v5/x): why"


def test_only_transient_errors_are_retryable() -> None:
    assert error_for(10002, "", "").retryable
    assert error_for(10006, "", "").retryable
    assert error_for(10016, "", "").retryable
    assert not error_for(10001, "", "").retryable
    assert not error_for(10003, "", "").retryable
    assert not error_for(110072, "", "").retryable


async def test_success_envelope_returns_result_and_server_time() -> None:
    fake = FakeBybit()
    fake.routes[("GET", TIME)] = lambda call: httpx.Response(
        200, json={"retCode": 0, "retMsg": "OK", "result": {"a": "1"}, "retExtInfo": {}, "time": 42}
    )
    rest = make_rest(fake)
    reply = await rest.call("GET", TIME)
    assert (reply.result, reply.time_ms) == ({"a": "1"}, 42)
    await rest.close()


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (httpx.Response(401, text="no"), AuthError),
        (httpx.Response(404, text="no"), InvalidRequestError),
        (httpx.Response(200, text="<html>"), ProtocolError),
        (envelope({}, 110001, "order not exists or too late to cancel"), OrderNotFoundError),
    ],
)
async def test_failures_raise_typed_errors_without_retry(
    response: httpx.Response, kind: type[Exception]
) -> None:
    fake = FakeBybit()
    fake.routes[("GET", TIME)] = lambda call: response
    rest = make_rest(fake)
    with pytest.raises(kind):
        await rest.call("GET", TIME)
    assert fake.count(TIME) == 1
    await rest.close()


def _flaky(failures: list[object]) -> object:
    def route(call: Call) -> object:
        if failures:
            failure = failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        return {"ok": "1"}

    return route


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.Response(502, text="bad gateway"),
        envelope({}, 10016, "server error"),
        envelope({}, 10000, "server timeout"),
    ],
)
async def test_transient_failures_are_retried(failure: object) -> None:
    fake, clock = FakeBybit(), FakeClock()
    fake.routes[("GET", WALLET)] = _flaky([failure, failure])  # type: ignore[assignment]
    rest = make_rest(fake, clock)
    reply = await rest.call("GET", WALLET, auth=True)
    assert reply.result == {"ok": "1"}
    assert fake.count(WALLET) == 3
    assert len(clock.sleeps) == 2 and all(0 < s <= 6 for s in clock.sleeps)
    await rest.close()


async def test_retries_stop_after_max_attempts() -> None:
    fake = FakeBybit()
    fake.routes[("GET", WALLET)] = _flaky([httpx.ReadTimeout("slow")] * 10)  # type: ignore[assignment]
    rest = make_rest(fake, max_attempts=3)
    with pytest.raises(RequestTimeoutError):
        await rest.call("GET", WALLET, auth=True)
    assert fake.count(WALLET) == 3
    await rest.close()


async def test_a_create_refused_with_10001_is_sent_once() -> None:
    fake = FakeBybit()
    fake.routes[("POST", "/v5/order/create")] = lambda call: (10001, "params error")
    rest = make_rest(fake)
    with pytest.raises(InvalidRequestError, match="params error"):
        await rest.call("POST", "/v5/order/create", {"symbol": "X"}, auth=True, policy=unprocessed)
    assert fake.count("/v5/order/create") == 1
    await rest.close()


async def test_10002_resyncs_the_clock_widens_the_window_and_retries() -> None:
    fake, clock = FakeBybit(), FakeClock()
    fake.routes[("GET", TIME)] = lambda call: {"timeSecond": "0", "timeNano": "1700000003000000000"}
    fake.routes[("GET", WALLET)] = _flaky([envelope({}, 10002, "req_timestamp outside")])  # type: ignore[assignment]
    rest = make_rest(fake, clock)
    await rest.call("GET", WALLET, auth=True)
    assert rest.recv_window_ms == 7_500
    assert rest.offset_ms == 3_000
    second = [c for c in fake.calls if c.path == WALLET][1]
    assert second.request.headers["X-BAPI-RECV-WINDOW"] == "7500"
    assert second.request.headers["X-BAPI-TIMESTAMP"] == str(int(clock.t * 1000) + 3_000)
    await rest.close()


async def test_waits_before_a_request_that_would_exceed_the_budget() -> None:
    fake, clock = FakeBybit(), FakeClock()
    reset_ms = int(clock.t * 1000) + 400
    headers = {
        "X-Bapi-Limit": "2",
        "X-Bapi-Limit-Status": "0",
        "X-Bapi-Limit-Reset-Timestamp": str(reset_ms),
    }
    fake.routes[("GET", WALLET)] = lambda call: envelope({"n": "1"}, **headers)
    rest = make_rest(fake, clock)
    await rest.call("GET", WALLET, auth=True)
    assert clock.sleeps == []
    await rest.call("GET", WALLET, auth=True)  # the budget said 0 left: wait for the refill
    assert clock.sleeps == [pytest.approx(1.0)]  # the rolling window from the observation
    assert fake.count(WALLET) == 2
    await rest.close()


async def test_a_budget_with_room_left_does_not_wait() -> None:
    fake, clock = FakeBybit(), FakeClock()
    headers = {"X-Bapi-Limit": "10", "X-Bapi-Limit-Status": "2"}
    fake.routes[("GET", WALLET)] = lambda call: envelope({}, **headers)
    rest = make_rest(fake, clock)
    for _ in range(3):
        await rest.call("GET", WALLET, auth=True)
    assert clock.sleeps == []  # each answer reports room left
    await rest.close()


async def test_10006_waits_until_the_reset_timestamp_then_retries() -> None:
    fake, clock = FakeBybit(), FakeClock()
    reset_ms = int(clock.t * 1000) + 2_500
    limited = envelope(
        {}, 10006, "Too many visits!", **{"X-Bapi-Limit-Reset-Timestamp": str(reset_ms)}
    )
    fake.routes[("GET", WALLET)] = _flaky([limited])  # type: ignore[assignment]
    rest = make_rest(fake, clock)
    reply = await rest.call("GET", WALLET, auth=True)
    assert reply.result == {"ok": "1"}
    assert sum(clock.sleeps) == pytest.approx(2.5)
    assert int(clock.t * 1000) >= reset_ms
    await rest.close()


async def test_http_403_bans_all_requests_for_the_ban_period(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, clock = FakeBybit(), FakeClock()
    fake.routes[("GET", WALLET)] = _flaky([httpx.Response(403, text="access too frequent")])  # type: ignore[assignment]
    rest = make_rest(fake, clock, ban_ms=600_000)
    with (
        caplog.at_level(logging.WARNING, logger="traderagent.exchanges.bybit"),
        pytest.raises(IpBannedError),
    ):
        await rest.call("GET", WALLET, auth=True)
    assert rest.status.current.health is Health.DOWN
    assert "403" in rest.status.current.message
    assert any("403" in r.getMessage() for r in caplog.records)
    with pytest.raises(IpBannedError, match="no requests are sent"):
        await rest.call("GET", TIME)
    assert fake.count(WALLET) == 1 and fake.count(TIME) == 0  # nothing left while banned
    clock.t += 601
    assert (await rest.call("GET", WALLET, auth=True)).result == {"ok": "1"}
    assert rest.status.current.ok
    assert rest.status.get("rest").message == "the IP ban period is over; requests resumed"  # type: ignore[union-attr]
    await rest.close()


async def test_private_call_without_credentials_says_so() -> None:
    fake = FakeBybit()
    rest = make_rest(fake)
    rest.credentials = None
    with pytest.raises(AuthError, match="needs an API key pair"):
        await rest.call("GET", WALLET, auth=True)
    assert fake.calls == []
    await rest.close()
