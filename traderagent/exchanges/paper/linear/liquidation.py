"""Liquidation of linear positions at the maintenance margin, by Bybit's rule.

A position is liquidated when the market reaches its liquidation price (`LinearPosition.
liquidation_price`: where the margin left equals the maintenance margin): a long when a candle's
low (on the tick) is at or below it, a short when the high is at or above it. The check is made
against the position as held at the candle's open, before the candle's orders are matched, and
again after them for a position a fill changed, along the rest of the candle's path (the
matcher's path points from the last fill on). Then, as on Bybit:

1. every open order of the symbol is cancelled (its margin released), each reported cancelled
   with the reason;
2. the whole position is closed at its bankruptcy price (where its margin, plus the free
   balance in cross margin, is lost), on the tick in the trader's favour, without a fee: the
   trader loses exactly the margin; what the market gave beyond the bankruptcy price is the
   insurance fund's, as is the maintenance margin left at the liquidation price;
3. the close is a fill of execType "BustTrade" of a market order `<owner>-liq<n>` (the owner is
   the client-id prefix of the last order that traded the symbol: the engine routes it to that
   bot), logged as a warning and counted in `Liquidator.count`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from itertools import count
from typing import Protocol

from traderagent.domain import (
    ZERO,
    Candle,
    Instrument,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    Side,
)
from traderagent.exchanges.paper.linear.position import LinearPosition
from traderagent.exchanges.paper.linear.records import LinearFill
from traderagent.exchanges.paper.matching import point_ts
from traderagent.exchanges.ports import ExchangeUpdate

log = logging.getLogger(__name__)

SHOWN = Decimal("0.00000001")  # a realised amount in the log, to 8 decimals
LIQUIDATION_CANCEL = "liquidation: the orders of a liquidated position are cancelled"


def _reached(side: Side, liq: Decimal | None, price: Decimal) -> bool:
    """Whether the market at `price` has reached a `side` position's liquidation price (a long's
    from above, a short's from below; a touch counts)."""
    if liq is None:
        return False
    return price <= liq if side is Side.BUY else price >= liq


class MarginBook(Protocol):
    """What a liquidation acts on (`LinearBook`)."""

    positions: dict[str, LinearPosition]
    instruments: dict[str, Instrument]

    def extra_margin(self, symbol: str) -> Decimal: ...

    def cancel_symbol(self, symbol: str, reason: str) -> list[Order]: ...

    def book_fill(  # noqa: PLR0913 - one execution's figures
        self,
        order: Order,
        price: Decimal,
        liquidity: Liquidity,
        ts: int,
        fee: Decimal,
        exec_type: str = "Trade",
    ) -> LinearFill: ...

    def emit(self, update: ExchangeUpdate) -> None: ...


class Liquidator:
    """Watches the positions of a `LinearBook` and liquidates those the market crosses."""

    def __init__(self, book: MarginBook) -> None:
        self.book = book
        self.count = 0
        self.fills: list[LinearFill] = []  # every liquidation, oldest first
        self.owners: dict[str, tuple[str, str]] = {}  # symbol -> (client id prefix, bot)
        self._ids = count(1)

    def peek_id(self) -> int:
        """The number the next liquidation's client id will carry."""
        n = next(self._ids)
        self._ids = count(n)
        return n

    def resume(self, liquidations: int, next_id: int) -> None:
        """Continue a stored book's count and ids (a liquidation's client id is never reused)."""
        self.count = liquidations
        self._ids = count(next_id)

    def note_owner(self, order: Order) -> None:
        """Remember who traded `order.symbol` last (a liquidation is theirs)."""
        prefix = order.client_order_id.rsplit("-", 1)[0] if "-" in order.client_order_id else ""
        self.owners[order.symbol] = (prefix, order.bot)

    def check(self, candle: Candle) -> bool:
        """Liquidate `candle.symbol`'s position (as held at the candle's open) if the candle
        reaches its liquidation price: at the open on a gap, else at the adverse extreme."""
        book, symbol = self.book, candle.symbol
        position = book.positions[symbol]
        if position.side is None:
            return False
        inst = book.instruments[symbol]
        extra = book.extra_margin(symbol)
        liq = position.liquidation_price(extra)
        o = inst.market_price(candle.open)
        low, high = inst.market_price(candle.low), inst.market_price(candle.high)
        long = position.side is Side.BUY
        if not _reached(position.side, liq, low if long else high):
            return False
        nearer = (o - low <= high - o) if long else (high - o <= o - low)
        at_open = _reached(position.side, liq, o)
        self.liquidate(symbol, extra, candle.ts if at_open else point_ts(candle, 1 + (not nearer)))
        return True

    def check_rest(self, candle: Candle, path: Sequence[float], since_ms: int) -> bool:
        """Liquidate a position a fill changed inside `candle` (its last at `since_ms`) if the
        rest of the candle's path, from that point on, reaches its liquidation price."""
        book, symbol = self.book, candle.symbol
        position = book.positions[symbol]
        if position.side is None:
            return False
        inst = book.instruments[symbol]
        extra = book.extra_margin(symbol)
        liq = position.liquidation_price(extra)
        first = max(k for k in range(len(path)) if k == 0 or point_ts(candle, k) <= since_ms)
        for k in range(first, len(path)):
            if _reached(position.side, liq, inst.market_price(path[k])):
                self.liquidate(symbol, extra, max(point_ts(candle, k), since_ms))
                return True
        return False

    def liquidate(self, symbol: str, extra: Decimal, ts: int) -> LinearFill:
        """Cancel `symbol`'s orders and close its position at the bankruptcy price."""
        book = self.book
        position, inst = book.positions[symbol], book.instruments[symbol]
        side = position.side
        assert side is not None  # noqa: S101 - checked by the caller
        liq, bust = position.liquidation_price(extra), position.bankruptcy_price(extra)
        assert bust is not None  # noqa: S101 - a position has a size
        book.cancel_symbol(symbol, LIQUIDATION_CANCEL)
        close = side.opposite
        price = inst.round_price(bust, close)
        if price <= 0:  # a long at leverage 1 goes bankrupt at zero: the lowest tick
            price = inst.tick_size
        prefix, bot = self.owners.get(symbol, ("", ""))
        n = next(self._ids)
        cid = f"{prefix}-liq{n}" if prefix else f"liq-{n}"
        order = Order(cid, symbol, close, OrderType.MARKET, position.size, None,
                      OrderStatus.NEW, ts, ts, bot=bot, tag="liquidation")  # fmt: skip
        size, entry = position.size, position.avg_price
        fill = book.book_fill(order, price, Liquidity.TAKER, ts, fee=ZERO,
                              exec_type="BustTrade")  # fmt: skip
        self.count += 1
        self.fills.append(fill)
        log.warning(
            "LIQUIDATED %s %s %s @ entry %s: liquidation price %s reached, closed at the "
            "bankruptcy price %s, realised %s %s (liquidation #%d)",
            symbol, side.value, size, inst.round_price(entry),
            None if liq is None else inst.round_price(liq), price,
            fill.exec_pnl.quantize(SHOWN), inst.quote, self.count,
        )  # fmt: skip
        filled = replace(
            order, status=OrderStatus.FILLED, filled_qty=size, avg_fill_price=price, updated_ms=ts
        )
        book.emit(fill)
        book.emit(filled)
        return fill
