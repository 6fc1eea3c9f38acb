"""Closed PnL records (`GET /v5/position/closed-pnl`), derived from the linear executions.

Bybit writes one record per order that closed (part of) a position: the size it closed, the
entry and exit values of that size, and `closedPnl` = exit minus entry (signed for the side)
less the close fee and the share of the opening fees that the closed size carried. Funding
is not part of it (it is in the transaction log). Records are rebuilt from the executions on
every query, walking each symbol's trades in sequence, so they never drift from the fills.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from traderagent.domain import ZERO, Side
from traderagent.exchanges.emulator.instruments import decimal_text as num
from traderagent.exchanges.emulator.records import ExecutionRecord, OrderRecord
from traderagent.exchanges.emulator.wire import money

PRICE_STEP = Decimal("0.00000001")


@dataclass(slots=True)
class ClosedPnl:
    """What one order closed: sums over its closing executions."""

    order_id: str
    symbol: str
    closed_size: Decimal = ZERO
    entry_value: Decimal = ZERO
    exit_value: Decimal = ZERO
    gross_pnl: Decimal = ZERO
    open_fee: Decimal = ZERO
    close_fee: Decimal = ZERO
    fill_count: int = 0
    created_ms: int = 0
    updated_ms: int = 0

    @property
    def closed_pnl(self) -> Decimal:
        return self.gross_pnl - self.open_fee - self.close_fee


@dataclass(slots=True)
class _OpenPart:
    """The open size of one symbol and the opening fees it still carries."""

    size: Decimal = ZERO
    fees: Decimal = ZERO


@dataclass(slots=True)
class _Walk:
    open: dict[str, _OpenPart] = field(default_factory=dict)
    closed: dict[str, ClosedPnl] = field(default_factory=dict)


def closed_records(executions: Iterable[ExecutionRecord]) -> list[ClosedPnl]:
    """One record per order that closed something, in the order they first closed."""
    walk = _Walk()
    trades = [e for e in executions if e.category == "linear" and e.exec_type == "Trade"]
    for e in sorted(trades, key=lambda e: e.seq):
        part = walk.open.setdefault(e.symbol, _OpenPart())
        closed_fee = e.exec_fee * e.closed_size / e.exec_qty if e.exec_qty else ZERO
        if e.closed_size:
            share = part.fees * e.closed_size / part.size if part.size else ZERO
            part.fees -= share
            part.size -= e.closed_size
            sign = 1 if e.side is Side.SELL else -1  # a sell closes a long
            record = walk.closed.get(e.order_id)
            if record is None:
                record = walk.closed[e.order_id] = ClosedPnl(e.order_id, e.symbol)
                record.created_ms = e.exec_time
            record.closed_size += e.closed_size
            record.exit_value += e.exec_price * e.closed_size
            # exec_pnl = (exit - entry) x closed x sign, so the entry value is exact
            record.entry_value += e.exec_price * e.closed_size - e.exec_pnl * sign
            record.gross_pnl += e.exec_pnl
            record.open_fee += share
            record.close_fee += closed_fee
            record.fill_count += 1
            record.updated_ms = e.exec_time
        opened = e.exec_qty - e.closed_size
        if opened:
            part.size += opened
            part.fees += e.exec_fee - closed_fee
    return list(walk.closed.values())


def closed_pnl_json(
    record: ClosedPnl, order: OrderRecord | None, leverage: Decimal
) -> dict[str, object]:
    """The closed-pnl `list` item; `order` is the closing order (None if it was forgotten)."""
    size = record.closed_size
    return {
        "symbol": record.symbol,
        "orderId": record.order_id,
        "side": order.side.value if order else "",
        "qty": num(order.qty) if order else num(size),
        "orderPrice": num(order.price) if order else "0",
        "orderType": order.order_type.value if order else "Market",
        "execType": "Trade",
        "closedSize": num(size),
        "cumEntryValue": money(record.entry_value),
        "avgEntryPrice": num((record.entry_value / size).quantize(PRICE_STEP).normalize()),
        "cumExitValue": money(record.exit_value),
        "avgExitPrice": num((record.exit_value / size).quantize(PRICE_STEP).normalize()),
        "closedPnl": money(record.closed_pnl),
        "openFee": money(record.open_fee),
        "closeFee": money(record.close_fee),
        "fillCount": str(record.fill_count),
        "leverage": num(leverage),
        "createdTime": str(record.created_ms),
        "updatedTime": str(record.updated_ms),
    }


def select(records: Iterable[ClosedPnl], symbol: str, start: int, end: int) -> list[ClosedPnl]:
    """Records of `symbol` (all when empty) closed in [start, end], newest first."""
    chosen = [
        r for r in records if (not symbol or r.symbol == symbol) and start <= r.updated_ms <= end
    ]
    ranked = sorted(enumerate(chosen), key=lambda pair: (pair[1].created_ms, pair[0]))
    return [r for _, r in reversed(ranked)]
