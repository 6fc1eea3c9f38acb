"""Closed trades (round trips) from a bot's fills, exact in Decimal, fees included in quote.

Every buy fill adds a lot (the base it credited, at its price, carrying its fee at quote
value); consecutive fills of one order make one lot. Every sell consumes lots first in, first
out. How the consumed lots become trades depends on the bot's strategy:

- `grid`: one trade per lot a sell closes (a grid buy matched by its sell), so a grid cycle is
  one trade. A slot's sell (`sK`, at level K+1) closes that slot's own buy (`bK`, at level K)
  first, then the seed order's base (bought for the slots above the starting price), then the
  oldest lot: the trade shows the grid's own round trip, not whichever lot is oldest;
- anything else (DCA, trend, routed bots): one trade per exit order, from the entries it
  closes (several DCA safety orders make one trade) to the exit.

A trade's PnL is proceeds less cost less every fee paid for that quantity (the lots' buy fees
pro rata, and the sell's fee). A sell with no lot left to close (the position was bought before
the fills on record) is not a trade: its quantity is counted in `unmatched_qty`, never dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from traderagent.domain import ZERO, Fill, Side

GRID = "grid"


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """One round trip: `qty` bought at `entry` (average) and sold at `exit` (average)."""

    bot: str
    symbol: str
    qty: Decimal
    entry: Decimal
    exit: Decimal
    fees: Decimal
    """Every fee paid for this quantity, buy and sell, in the quote asset."""
    pnl: Decimal
    """(exit - entry) x qty less `fees`, in the quote asset."""
    opened_ms: int
    """The first entry fill's time (epoch ms)."""
    closed_ms: int
    """The exit's (last) fill time (epoch ms)."""
    reason: str = ""
    """The exit order's tag (`s3`, `take-profit`, `risk-stop`, `close`, ...)."""
    entries: int = 1
    """How many buy orders the trade closed."""

    @property
    def duration_ms(self) -> int:
        return self.closed_ms - self.opened_ms

    @property
    def pnl_pct(self) -> Decimal:
        """PnL against the entry cost, in percent (0 when the cost is 0)."""
        cost = self.entry * self.qty
        return self.pnl / cost * 100 if cost else ZERO


@dataclass(frozen=True, slots=True)
class TradeLedger:
    """The closed trades of some bots, oldest exit first, and what did not make a trade."""

    trades: tuple[ClosedTrade, ...] = ()
    open_qty: tuple[tuple[str, Decimal], ...] = ()
    """Per bot, the base still held in lots no sell has closed yet (an open trade)."""
    unmatched_qty: tuple[tuple[str, Decimal], ...] = ()
    """Per bot, base sold with no recorded buy to match (bought before the fills on record)."""

    @property
    def pnl(self) -> Decimal:
        return sum((t.pnl for t in self.trades), ZERO)

    @property
    def fees(self) -> Decimal:
        return sum((t.fees for t in self.trades), ZERO)

    def of(self, bot: str) -> TradeLedger:
        """This ledger narrowed to one bot."""
        return TradeLedger(
            tuple(t for t in self.trades if t.bot == bot),
            tuple(p for p in self.open_qty if p[0] == bot),
            tuple(p for p in self.unmatched_qty if p[0] == bot),
        )


SEED_TAG = "seed"
"""The grid's seed order: the base it buys is what the slots above the price sell."""


@dataclass(slots=True)
class _Lot:
    order: str
    ts: int
    qty: Decimal
    cost: Decimal  # price x credited qty: a base-coin fee counts once, in `fee`
    fee: Decimal
    tag: str = ""


@dataclass(slots=True)
class _Exit:
    """What one exit order has closed so far (a position trade is built when it is done)."""

    order: str
    bot: str
    symbol: str
    reason: str
    qty: Decimal = ZERO
    cost: Decimal = ZERO
    proceeds: Decimal = ZERO
    fees: Decimal = ZERO
    opened_ms: int = 0
    closed_ms: int = 0
    entries: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Book:
    grid: bool
    lots: deque[_Lot] = field(default_factory=deque)
    exit: _Exit | None = None
    unmatched: Decimal = ZERO


def closed_trades(
    fills: Iterable[Fill], strategies: Mapping[str, str] | None = None
) -> TradeLedger:
    """The closed trades in `fills` (any order: sorted by time, then as given) per bot.

    `strategies` names each bot's strategy kind (`grid` matches lot by lot; a bot not named is
    matched as a position, entries to exit)."""
    kinds = strategies or {}
    books: dict[str, _Book] = {}
    trades: list[ClosedTrade] = []
    for fill in sorted(fills, key=lambda f: f.ts):
        book = books.get(fill.bot)
        if book is None:
            book = books[fill.bot] = _Book(grid=kinds.get(fill.bot) == GRID)
        if fill.side is Side.BUY:
            _flush(book, trades)
            _add_lot(book, fill)
        else:
            _sell(book, fill, trades)
    for book in books.values():
        _flush(book, trades)
    trades.sort(key=lambda t: t.closed_ms)
    return TradeLedger(
        tuple(trades),
        tuple((b, q) for b, k in books.items() if (q := sum((x.qty for x in k.lots), ZERO))),
        tuple((b, k.unmatched) for b, k in books.items() if k.unmatched),
    )


def _add_lot(book: _Book, fill: Fill) -> None:
    qty = fill.base_qty
    last = book.lots[-1] if book.lots else None
    if last is not None and last.order == fill.client_order_id:
        last.qty += qty
        last.cost += fill.price * qty
        last.fee += fill.fee_value
        return
    book.lots.append(
        _Lot(fill.client_order_id, fill.ts, qty, fill.price * qty, fill.fee_value, fill.tag)
    )


def _next_lot(book: _Book, sell_tag: str) -> int:
    """Which lot a sell closes next: on a grid, its slot's own buy, then the seed's base, then
    the oldest; otherwise the oldest (first in, first out)."""
    if book.grid and sell_tag.startswith("s"):
        wanted = "b" + sell_tag[1:]
        for preferred in (wanted, SEED_TAG):
            for index, lot in enumerate(book.lots):
                if lot.tag == preferred:
                    return index
    return 0


def _take(lot: _Lot, qty: Decimal) -> tuple[Decimal, Decimal]:
    """Remove `qty` of `lot`: its share of the cost and of the fee (all of both when it is
    used up, so the shares add up exactly)."""
    if qty >= lot.qty:
        cost, fee = lot.cost, lot.fee
        lot.qty, lot.cost, lot.fee = ZERO, ZERO, ZERO
        return cost, fee
    cost, fee = lot.cost * qty / lot.qty, lot.fee * qty / lot.qty
    lot.qty -= qty
    lot.cost -= cost
    lot.fee -= fee
    return cost, fee


def _sell(book: _Book, fill: Fill, trades: list[ClosedTrade]) -> None:
    left = fill.base_qty  # a base-coin fee leaves the lots too, valued in the fee
    if book.exit is not None and book.exit.order != fill.client_order_id:
        _flush(book, trades)
    fee_left = fill.fee_value
    while left > 0 and book.lots:
        index = _next_lot(book, fill.tag)
        lot = book.lots[index]
        qty = min(left, lot.qty)
        opened, order = lot.ts, lot.order
        cost, buy_fee = _take(lot, qty)
        if lot.qty <= 0:
            del book.lots[index]
        proceeds = fill.price * qty
        # the last part takes what is left of the fee: the parts add up to it exactly
        sell_fee = fee_left if qty >= left else fill.fee_value * qty / fill.base_qty
        fee_left -= sell_fee
        if book.grid:
            trades.append(_trade(fill, qty, cost, proceeds, buy_fee + sell_fee, opened, 1))
        else:
            ex = book.exit = book.exit or _Exit(
                fill.client_order_id, fill.bot, fill.symbol, fill.tag, opened_ms=opened
            )
            ex.qty += qty
            ex.cost += cost
            ex.proceeds += proceeds
            ex.fees += buy_fee + sell_fee
            ex.opened_ms = min(ex.opened_ms, opened)
            ex.closed_ms = fill.ts
            ex.entries.add(order)
        left -= qty
    if left > 0:
        book.unmatched += left


def _trade(
    fill: Fill,
    qty: Decimal,
    cost: Decimal,
    proceeds: Decimal,
    fees: Decimal,
    opened: int,
    entries: int,
) -> ClosedTrade:
    return ClosedTrade(
        bot=fill.bot,
        symbol=fill.symbol,
        qty=qty,
        entry=cost / qty,
        exit=proceeds / qty,
        fees=fees,
        pnl=proceeds - cost - fees,
        opened_ms=opened,
        closed_ms=fill.ts,
        reason=fill.tag,
        entries=entries,
    )


def _flush(book: _Book, trades: list[ClosedTrade]) -> None:
    """Close the exit order in progress into one trade (a buy or another exit follows it)."""
    ex = book.exit
    if ex is None or ex.qty <= 0:
        book.exit = None
        return
    book.exit = None
    trades.append(
        ClosedTrade(
            bot=ex.bot,
            symbol=ex.symbol,
            qty=ex.qty,
            entry=ex.cost / ex.qty,
            exit=ex.proceeds / ex.qty,
            fees=ex.fees,
            pnl=ex.proceeds - ex.cost - ex.fees,
            opened_ms=ex.opened_ms,
            closed_ms=ex.closed_ms,
            reason=ex.reason,
            entries=len(ex.entries),
        )
    )
