"""The client as Bybit's own clients see the API: cursor paging that ends although the last page
still carries a cursor, the cursor sent back exactly as received, rows kept once, 10018 retried
with backoff, `PartiallyFilledCanceled` and `marketUnit` read as sent. Replies are shaped like
recorded V5 answers (bybit_v5.md §3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from bybit_fakes import Call, FakeBybit, FakeClock, envelope, make_rest

from traderagent.domain import OrderStatus
from traderagent.exchanges.bybit.endpoints import BybitEndpoints
from traderagent.exchanges.bybit.errors import InvalidRequestError, IpRateLimitError, error_for
from traderagent.exchanges.bybit.orders import unprocessed
from traderagent.exchanges.bybit.parse import parse_order

REALTIME = "/v5/order/realtime"
EXECUTIONS = "/v5/execution/list"
# real cursors come percent-encoded: "orderId:createdTime,orderId:createdTime"
CURSOR_1 = "1321052653535125248%3A1672217748287%2C1321052653535125248%3A1672217748287"
CURSOR_2 = "1321052653535125200%3A1672217748100%2C1321052653535125200%3A1672217748100"
CURSOR_3 = "1321052653535125100%3A1672217748000%2C1321052653535125100%3A1672217748000"


def order(order_id: str, status: str = "New") -> dict[str, Any]:
    return {
        "orderId": order_id,
        "orderLinkId": f"grid-btc-{order_id}",
        "symbol": "BTCUSDT",
        "price": "25000.0",
        "qty": "0.010",
        "side": "Buy",
        "orderStatus": status,
        "avgPrice": "0",
        "cumExecQty": "0",
        "orderType": "Limit",
        "marketUnit": "",
        "createdTime": "1672217748287",
        "updatedTime": "1672217748287",
    }


def raw_cursor(call: Call) -> str | None:
    """The cursor exactly as it went on the wire (not decoded)."""
    for pair in call.request.url.query.decode().split("&"):
        name, _, value = pair.partition("=")
        if name == "cursor":
            return value
    return None


async def test_paging_ends_on_an_empty_page_sends_the_cursor_verbatim_and_keeps_rows_once() -> None:
    pages = {
        None: ([order("3"), order("2")], CURSOR_1),
        CURSOR_1: ([order("2"), order("1")], CURSOR_2),  # "2" shifted onto this page too
        CURSOR_2: ([], CURSOR_3),  # Bybit's last page still names a cursor
    }

    def route(call: Call) -> dict[str, object] | tuple[int, str]:
        key = raw_cursor(call)
        if key not in pages:
            return (10001, f"unexpected cursor {key}")
        rows, cursor = pages[key]
        return {"category": "spot", "list": rows, "nextPageCursor": cursor}

    fake = FakeBybit()
    fake.routes[("GET", REALTIME)] = route
    rest = make_rest(fake)
    found = await BybitEndpoints(rest, "spot").realtime_orders("BTCUSDT")
    await rest.close()
    assert [item["orderId"] for item in found] == ["3", "2", "1"]
    calls = [c for c in fake.calls if c.path == REALTIME]
    assert [raw_cursor(c) for c in calls] == [None, CURSOR_1, CURSOR_2]  # never %252C
    assert fake.bad_signatures == 0  # signed over the query as sent


async def test_paging_ends_when_the_cursor_repeats() -> None:
    def route(call: Call) -> dict[str, object]:
        first = raw_cursor(call) is None
        rows = [{"execId": "e2"}, {"execId": "e1"}] if first else [{"execId": "e0"}]
        return {"category": "spot", "list": rows, "nextPageCursor": CURSOR_1}

    fake = FakeBybit()
    fake.routes[("GET", EXECUTIONS)] = route
    rest = make_rest(fake)
    found = await BybitEndpoints(rest, "spot").executions("BTCUSDT")
    await rest.close()
    assert [item["execId"] for item in found] == ["e2", "e1", "e0"]
    assert fake.count(EXECUTIONS) == 2


def test_10018_is_an_ip_rate_limit_that_is_retried() -> None:
    error = error_for(10018, "Exceeded the IP rate limit", "/v5/order/create")
    assert isinstance(error, IpRateLimitError) and error.retryable
    assert unprocessed(error)  # refused before processing: even a create may be resent


async def test_10018_is_retried_after_a_growing_backoff() -> None:
    fake, clock = FakeBybit(), FakeClock()
    limited = [envelope({}, 10018, "Exceeded the IP rate limit") for _ in range(2)]

    def route(call: Call) -> object:
        return limited.pop(0) if limited else {"ok": "1"}

    fake.routes[("GET", REALTIME)] = route  # type: ignore[assignment]
    rest = make_rest(fake, clock)
    reply = await rest.call("GET", REALTIME, {"category": "spot"}, auth=True)
    await rest.close()
    assert reply.result == {"ok": "1"}
    assert fake.count(REALTIME) == 3
    assert len(clock.sleeps) == 2
    assert 1.0 <= clock.sleeps[0] < 1.5 and 2.0 <= clock.sleeps[1] < 2.5


async def test_an_unknown_ret_code_is_still_not_retried() -> None:
    fake = FakeBybit()
    fake.routes[("GET", REALTIME)] = lambda call: (10019, "something new")
    rest = make_rest(fake)
    with pytest.raises(InvalidRequestError):
        await rest.call("GET", REALTIME, {"category": "spot"}, auth=True)
    await rest.close()
    assert fake.count(REALTIME) == 1


def test_partially_filled_canceled_is_its_own_state_and_keeps_its_fills() -> None:
    item = {
        **order("9", "PartiallyFilledCanceled"),
        "orderType": "Market",
        "avgPrice": "25010.5",
        "cumExecQty": "0.004",
        "cancelType": "UNKNOWN",
        "marketUnit": "baseCoin",
    }
    parsed = parse_order(item)
    assert parsed.status is getattr(OrderStatus, "PARTIALLY_FILLED_CANCELLED", None)
    assert not parsed.is_open
    assert (parsed.qty, parsed.filled_qty) == (Decimal("0.010"), Decimal("0.004"))
    assert parsed.avg_fill_price == Decimal("25010.5")


def test_a_market_buy_sized_in_quote_coin_has_its_executed_base_quantity() -> None:
    item = {
        **order("10", "Filled"),
        "orderType": "Market",
        "price": "0",
        "qty": "100",  # USDT, not BTC
        "marketUnit": "quoteCoin",
        "avgPrice": "25000",
        "cumExecQty": "0.003999",
        "cumExecValue": "99.975",
    }
    parsed = parse_order(item)
    assert parsed.qty == Decimal("0.003999") == parsed.filled_qty
    assert parse_order({**item, "marketUnit": "baseCoin"}).qty == Decimal("100")
