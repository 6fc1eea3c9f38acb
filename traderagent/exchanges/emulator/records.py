"""The emulator's ground truth: every order and every execution, as Bybit would report them.

Records are immutable; an order's later state is a new record. Tests read them in-process
(`Emulator.orders()`, `Emulator.executions()`) to check what a client did against what the
venue actually holds, whatever faults were on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import ZERO, OrderType, Side
from traderagent.exchanges.paper.linear import LinearFill

__all__ = ["ExecutionRecord", "LinearFill", "OrderRecord"]

OPEN_STATUSES = ("New", "PartiallyFilled", "Untriggered")


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One order: its request, its state, and its fills so far. `qty` is in the base coin."""

    order_id: str
    order_link_id: str
    category: str
    symbol: str
    side: Side
    order_type: OrderType
    qty: Decimal
    price: Decimal  # the limit price; zero for a market order
    time_in_force: str
    status: str
    created_ms: int
    updated_ms: int
    last_price_on_created: Decimal
    fee_currency: str
    reduce_only: bool = False
    market_unit: str = ""
    cum_exec_qty: Decimal = ZERO
    cum_exec_value: Decimal = ZERO
    cum_exec_fee: Decimal = ZERO
    closed_pnl: Decimal = ZERO
    cancel_type: str = "UNKNOWN"
    reject_reason: str = "EC_NoError"
    trigger_price: Decimal = ZERO  # a conditional (stop) order's trigger; zero otherwise
    trigger_direction: int = 0  # 1 rise, 2 fall

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def leaves_qty(self) -> Decimal:
        return self.qty - self.cum_exec_qty if self.is_open else ZERO

    @property
    def avg_price(self) -> Decimal:
        return self.cum_exec_value / self.cum_exec_qty if self.cum_exec_qty else ZERO


@dataclass(frozen=True, slots=True)
class ExecutionRecord:
    """One trade execution of an order."""

    exec_id: str
    order_id: str
    order_link_id: str
    category: str
    symbol: str
    side: Side
    order_type: OrderType
    order_price: Decimal
    order_qty: Decimal
    leaves_qty: Decimal
    exec_price: Decimal
    exec_qty: Decimal
    exec_fee: Decimal
    fee_rate: Decimal
    fee_currency: str
    is_maker: bool
    exec_time: int
    mark_price: Decimal
    seq: int
    closed_size: Decimal = ZERO
    exec_pnl: Decimal = ZERO
    exec_type: str = "Trade"  # or "Funding": a funding settlement (fee > 0: paid)

    @property
    def exec_value(self) -> Decimal:
        return self.exec_price * self.exec_qty
