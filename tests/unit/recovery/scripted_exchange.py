"""An exchange whose answers a test writes down: what recovery sees after a restart."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kit.factories import BTCUSDT

from traderagent.domain import (
    Balance,
    Fill,
    Instrument,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from traderagent.exchanges.ports import ExchangeError, UpdateListener

T0 = 1_677_628_800_000


def order(
    cid: str, tag: str = "", status: OrderStatus = OrderStatus.NEW, side: Side = Side.BUY
) -> Order:
    return Order(
        cid,
        "BTCUSDT",
        side,
        OrderType.LIMIT,
        Decimal("0.01"),
        Decimal("20000"),
        status,
        T0,
        T0,
        bot=cid.rpartition("-")[0],
        tag=tag,
    )


def fill(
    fill_id: str, cid: str, side: Side = Side.BUY, qty: str = "0.01", ts: int = T0 + 60_000
) -> Fill:
    return Fill(
        fill_id,
        cid,
        "BTCUSDT",
        side,
        Decimal("20000"),
        Decimal(qty),
        Decimal("0.04"),
        "USDT",
        Liquidity.MAKER,
        ts,
        bot=cid.rpartition("-")[0],
    )


@dataclass
class ScriptedExchange:
    """Open orders, executions, order look-ups and holdings as scripted; `failures` requests
    fail first (no answer at all), as a venue that is down would."""

    name: str = "scripted"
    open: list[Order] = field(default_factory=list)
    executions: list[Fill] = field(default_factory=list)
    known: dict[str, Order] = field(default_factory=dict)
    held: Decimal = Decimal(0)
    failures: int = 0
    placed: list[OrderRequest] = field(default_factory=list)
    calls: int = 0

    def _answer(self) -> None:
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise ExchangeError("connection refused")

    def set_listener(self, listener: UpdateListener) -> None:
        self.listener = listener

    async def instrument(self, symbol: str) -> Instrument:
        return BTCUSDT

    async def place_order(self, request: OrderRequest) -> Order:
        self._answer()
        self.placed.append(request)
        return Order.from_request(request, OrderStatus.NEW, T0)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order | None:
        return None

    async def cancel_all(self, symbol: str) -> list[Order]:
        return []

    async def get_order(self, symbol: str, client_order_id: str) -> Order | None:
        self._answer()
        return self.known.get(client_order_id)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        self._answer()
        return list(self.open)

    async def balances(self) -> dict[str, Balance]:
        return {"USDT": Balance("USDT", Decimal(10_000))}

    async def fills_since(self, symbol: str, since_ms: int) -> list[Fill]:
        self._answer()
        return [f for f in self.executions if f.ts >= since_ms]

    async def positions(self, symbol: str | None = None) -> list[Position]:
        self._answer()
        return [Position("BTCUSDT", self.held)] if self.held else []

    async def close(self) -> None:
        return None
