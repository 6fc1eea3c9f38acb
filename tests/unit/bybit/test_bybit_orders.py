"""Order entry: idempotent create, duplicate-id reconciliation, cancels of gone orders."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from bybit_fakes import Call
from bybit_venue import FakeVenue, make_exchange

from traderagent.domain import Order, OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.bybit.errors import AuthError
from traderagent.exchanges.ports import ExchangeError, ExchangeUpdate, OrderFateUnknown

CREATE = "/v5/order/create"


def limit(cid: str = "grid-btc-1", qty: str = "0.010", price: str = "25000.0") -> OrderRequest:
    return OrderRequest(
        cid,
        "BTCUSDT",
        Side.BUY,
        OrderType.LIMIT,
        Decimal(qty),
        Decimal(price),
        bot="grid-btc",
        tag="b1",
    )


async def test_create_sends_the_client_id_as_order_link_id() -> None:
    venue = FakeVenue()
    exchange = make_exchange(venue)
    ack = await exchange.place_order(limit())
    await exchange.close()
    body = next(c.body for c in venue.calls if c.path == CREATE)
    assert body == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "side": "Buy",
        "orderType": "Limit",
        "qty": "0.010",
        "orderLinkId": "grid-btc-1",
        "price": "25000.0",
        "timeInForce": "GTC",
    }
    assert (ack.status, ack.exchange_order_id, ack.bot, ack.tag) == (
        OrderStatus.NEW,
        "oid-1",
        "grid-btc",
        "b1",
    )
    assert ack.qty == Decimal("0.010") and ack.price == Decimal("25000.0")


async def test_a_create_whose_answer_is_lost_is_looked_up_not_doubled() -> None:
    venue = FakeVenue()
    accept = venue.routes[("POST", CREATE)]

    def accept_then_time_out(call: Call) -> object:
        accept(call)  # the venue places the order...
        raise httpx.ReadTimeout("the answer never came")  # ...and the answer is lost

    venue.routes[("POST", CREATE)] = accept_then_time_out  # type: ignore[assignment]
    exchange = make_exchange(venue)
    order = await exchange.place_order(limit())
    await exchange.close()
    assert list(venue.orders) == ["grid-btc-1"]  # exactly one order exists
    assert venue.count(CREATE) == 1  # found by its link id, never resent
    assert order.client_order_id == "grid-btc-1"
    assert order.exchange_order_id == "oid-1"
    assert order.status is OrderStatus.NEW
    assert order.bot == "grid-btc"
    lookups = [c for c in venue.calls if c.path == "/v5/order/realtime"]
    assert lookups[0].params["orderLinkId"] == "grid-btc-1"


async def test_a_lost_answer_whose_look_up_fails_too_is_of_unknown_fate_not_rejected() -> None:
    """hummingbot #8457: the create went through, its answer was lost, and the look-up that
    should settle it failed too. Neither placed nor refused: OrderFateUnknown, not a raw
    ServerError the engine would journal as Rejected, and nothing is resent."""
    venue = FakeVenue()
    accept = venue.routes[("POST", CREATE)]

    def accept_then_504(call: Call) -> object:
        accept(call)
        return httpx.Response(504, text="gateway timeout")

    def unavailable(call: Call) -> object:
        return httpx.Response(503, text="service unavailable")

    venue.routes[("POST", CREATE)] = accept_then_504  # type: ignore[assignment]
    venue.routes[("GET", "/v5/order/realtime")] = unavailable  # type: ignore[assignment]
    exchange = make_exchange(venue)
    with pytest.raises(OrderFateUnknown) as caught:
        await exchange.place_order(limit())
    await exchange.close()
    assert caught.value.client_order_id == "grid-btc-1"
    assert list(venue.orders) == ["grid-btc-1"]  # it is live on the venue
    assert venue.count(CREATE) == 1


async def test_a_create_that_never_arrived_is_resent_with_the_same_link_id() -> None:
    venue = FakeVenue()
    accept = venue.routes[("POST", CREATE)]
    attempts: list[str] = []

    def drop_first(call: Call) -> object:
        attempts.append(call.body["orderLinkId"])
        if len(attempts) == 1:
            raise httpx.ReadTimeout("lost on the way")
        return accept(call)

    venue.routes[("POST", CREATE)] = drop_first  # type: ignore[assignment]
    exchange = make_exchange(venue)
    order = await exchange.place_order(limit())
    await exchange.close()
    assert attempts == ["grid-btc-1", "grid-btc-1"]
    assert list(venue.orders) == ["grid-btc-1"]
    assert order.exchange_order_id == "oid-1"


async def test_duplicate_link_id_adopts_the_existing_order() -> None:
    venue = FakeVenue()
    exchange = make_exchange(venue)
    await exchange.place_order(limit())
    venue.orders["grid-btc-1"]["orderStatus"] = "Filled"
    venue.orders["grid-btc-1"]["cumExecQty"] = "0.010"
    venue.orders["grid-btc-1"]["avgPrice"] = "24999.5"
    venue.history_only.add("grid-btc-1")  # realtime forgot it: history must be asked
    again = await exchange.place_order(limit())
    await exchange.close()
    assert venue.count(CREATE) == 2  # the second got 110072 and was not sent a third time
    assert len(venue.orders) == 1
    assert again.status is OrderStatus.FILLED
    assert again.filled_qty == Decimal("0.010") and again.avg_fill_price == Decimal("24999.5")
    assert venue.count("/v5/order/history") == 1


async def test_an_invalid_order_comes_back_rejected_with_bybits_reason() -> None:
    venue = FakeVenue()
    venue.routes[("POST", CREATE)] = lambda call: (10001, "Qty invalid")
    exchange = make_exchange(venue)
    updates: list[ExchangeUpdate] = []
    exchange.set_listener(updates.append)
    order = await exchange.place_order(limit(qty="0.0101"))
    await exchange.close()
    assert order.status is OrderStatus.REJECTED
    assert "10001" in order.reject_reason and "Qty invalid" in order.reject_reason
    assert venue.count(CREATE) == 1
    assert updates == []


async def test_a_client_id_bybit_cannot_take_is_rejected_before_sending() -> None:
    venue = FakeVenue()
    exchange = make_exchange(venue)
    order = await exchange.place_order(limit(cid="bad id!"))
    await exchange.close()
    assert order.status is OrderStatus.REJECTED
    assert "orderLinkId" in order.reject_reason
    assert venue.count(CREATE) == 0


async def test_auth_failure_raises_instead_of_rejecting() -> None:
    venue = FakeVenue()
    venue.routes[("POST", CREATE)] = lambda call: (10003, "API key is invalid.")
    exchange = make_exchange(venue)
    with pytest.raises(AuthError, match="API key is invalid"):
        await exchange.place_order(limit())
    await exchange.close()


async def test_unknown_symbol_is_an_exchange_error() -> None:
    venue = FakeVenue()
    venue.routes[("GET", "/v5/market/instruments-info")] = lambda c: {"list": []}
    exchange = make_exchange(venue)
    with pytest.raises(ExchangeError, match="unknown symbol 'BTCUSDT' on Bybit linear"):
        await exchange.place_order(limit())
    await exchange.close()


async def test_cancel_reports_the_exchange_view_of_an_order_it_no_longer_has() -> None:
    venue = FakeVenue()
    exchange = make_exchange(venue)
    updates: list[ExchangeUpdate] = []
    exchange.set_listener(updates.append)
    await exchange.place_order(limit())
    venue.orders["grid-btc-1"].update(orderStatus="Filled", cumExecQty="0.010", avgPrice="25000")
    filled = await exchange.cancel_order("BTCUSDT", "grid-btc-1")
    unknown = await exchange.cancel_order("BTCUSDT", "never-placed")
    await exchange.close()
    assert filled is not None and filled.status is OrderStatus.FILLED
    assert unknown is None
    assert [u for u in updates if isinstance(u, Order)] == [filled]


async def test_cancel_returns_the_cancelled_order_and_tells_the_listener_once() -> None:
    venue = FakeVenue()
    exchange = make_exchange(venue)
    updates: list[ExchangeUpdate] = []
    exchange.set_listener(updates.append)
    await exchange.place_order(limit())
    cancelled = await exchange.cancel_order("BTCUSDT", "grid-btc-1")
    again = await exchange.cancel_order("BTCUSDT", "grid-btc-1")
    await exchange.close()
    assert cancelled is not None and cancelled.status is OrderStatus.CANCELLED
    assert again == cancelled
    assert updates == [cancelled]


async def test_an_unanswered_cancel_is_checked_before_it_is_sent_again() -> None:
    venue = FakeVenue()
    cancel = venue.routes[("POST", "/v5/order/cancel")]
    sent: list[str] = []

    def lose_first_arrive_second(call: Call) -> object:
        sent.append(call.body["orderLinkId"])
        if len(sent) == 1:
            raise httpx.ConnectError("never arrived")  # not processed: the order stays open
        cancel(call)
        raise httpx.ReadTimeout("processed, answer lost")

    venue.routes[("POST", "/v5/order/cancel")] = lose_first_arrive_second  # type: ignore[assignment]
    exchange = make_exchange(venue)
    await exchange.place_order(limit())
    cancelled = await exchange.cancel_order("BTCUSDT", "grid-btc-1")
    await exchange.close()
    assert sent == ["grid-btc-1", "grid-btc-1"]  # resent once, after seeing it still open
    assert cancelled is not None and cancelled.status is OrderStatus.CANCELLED
