"""A reduce-only order (a perpetual's close) is sent with `reduceOnly` on linear, never on spot
(Bybit's spot has no such flag); every other order's body is unchanged."""

from __future__ import annotations

from decimal import Decimal

from traderagent.domain import OrderRequest, OrderType, Side
from traderagent.exchanges.bybit.orders import order_body


def request(reduce_only: bool, kind: OrderType = OrderType.MARKET) -> OrderRequest:
    price = None if kind is OrderType.MARKET else Decimal("21000")
    return OrderRequest("t-7", "BTCUSDT", Side.BUY, kind, Decimal("0.5"), price, "t", "close",
                        reduce_only)  # fmt: skip


def test_a_linear_reduce_only_order_says_so() -> None:
    assert order_body(request(True), "linear")["reduceOnly"] is True
    assert order_body(request(True, OrderType.LIMIT), "linear")["reduceOnly"] is True
    assert "reduceOnly" not in order_body(request(False), "linear")


def test_spot_never_sends_the_flag() -> None:
    assert "reduceOnly" not in order_body(request(True), "spot")
