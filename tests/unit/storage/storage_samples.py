"""Sample domain values for the storage tests (money values chosen to expose float rounding)."""

from __future__ import annotations

from decimal import Decimal

from traderagent.domain import Fill, Liquidity, Order, OrderStatus, OrderType, Side


def make_order(
    cid: str = "grid-1-000001",
    *,
    bot: str = "grid-1",
    status: OrderStatus = OrderStatus.NEW,
    qty: str = "0.000001",
    price: str | None = "23456.78",
    filled: str = "0",
    updated_ms: int = 1_000,
    tag: str = "L1",
) -> Order:
    return Order(
        client_order_id=cid,
        symbol="BTCUSDT",
        side=Side.BUY,
        type=OrderType.LIMIT if price is not None else OrderType.MARKET,
        qty=Decimal(qty),
        price=Decimal(price) if price is not None else None,
        status=status,
        created_ms=1_000,
        updated_ms=updated_ms,
        filled_qty=Decimal(filled),
        bot=bot,
        tag=tag,
    )


def make_fill(fill_id: str = "f-1", *, bot: str = "grid-1", ts: int = 2_000) -> Fill:
    return Fill(
        fill_id=fill_id,
        client_order_id="grid-1-000001",
        symbol="BTCUSDT",
        side=Side.BUY,
        price=Decimal("23456.78"),
        qty=Decimal("0.000001"),
        fee=Decimal("0.0000234568"),
        fee_asset="USDT",
        liquidity=Liquidity.MAKER,
        ts=ts,
        bot=bot,
        tag="L1",
    )
