"""Closed trades (round trips) from a bot's fills, exact in Decimal, fees included in quote.

Every buy fill adds a lot (the base it credited, at its price, carrying its fee at quote
value); consecutive fills of one order make one lot. Every sell consumes lots first in, first
out. On a perpetual (a bot named in `signed`) the same holds the other way round: a sell with
no long lot left opens a short lot, and a buy closes short lots. How the consumed lots become
trades depends on the bot's strategy:

- `grid`: one trade per lot a closing fill consumes (a grid buy matched by its sell), so a grid
  cycle is one trade. A slot's sell (`sK`, at level K+1) closes that slot's own buy (`bK`, at
  level K) first, then the seed order's base (bought for the slots above the starting price),
  then the oldest lot: the trade shows the grid's own round trip, not whichever lot is oldest
  (a short grid's buy `bK` closes the slot's own sell `sK` first, the same way);
- anything else (DCA, trend, routed bots): one trade per exit order, from the entries it
  closes (several DCA safety orders make one trade) to the exit.

A long trade's PnL is proceeds less cost less every fee paid for that quantity (the lots' entry
fees pro rata, and the exit's fee); a short's is the entry's proceeds less the buy-back's cost
less the fees. A spot sell with no lot left to close (the position was bought before the fills
on record) is not a trade: its quantity is counted in `unmatched_qty`, never dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from traderagent.domain import ZERO, Fill, Side

GRID = "grid"


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """One round trip: `qty` bought at `entry` (average) and sold at `exit` (average); a
    short: sold at `entry` and bought back at `exit`."""

    bot: str
    symbol: str
    qty: Decimal
    entry: Decimal
    exit: Decimal
    fees: Decimal
    """Every fee paid for this quantity, entry and exit, in the quote asset."""
    pnl: Decimal
    """(exit - entry) x qty less `fees` ((entry - exit) x qty less `fees` for a short), in
    the quote asset."""
    opened_ms: int
    """The first entry fill's time (epoch ms)."""
    closed_ms: int
    """The exit's (last) fill time (epoch ms)."""
    reason: str = ""
    """The exit order's tag (`s3`, `take-profit`, `risk-stop`, `close`, ...)."""
    entries: int = 1
    """How many entry orders the trade closed."""
    side: str = "long"
    """`long`, or `short` (a perpetual's sell first, bought back)."""

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
    """Per bot, the base still held in lots no exit has closed yet (an open trade); negative
    for a perpetual's short."""
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
    value: Decimal  # price x credited qty: a base-coin fee counts once, in `fee`
    fee: Decimal
    tag: str = ""


@dataclass(slots=True)
class _Exit:
    """What one exit order has closed so far (a position trade is built when it is done)."""

    order: str
    bot: str
    symbol: str
    reason: str
    short: bool
    qty: Decimal = ZERO
    entry_value: Decimal = ZERO
    exit_value: Decimal = ZERO
    fees: Decimal = ZERO
    opened_ms: int = 0
    closed_ms: int = 0
    entries: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Book:
    grid: bool
    signed: bool
    """A perpetual's bot: a sell with no long lot left opens a short."""
    short: bool = False
    """The side of the open lots."""
    lots: deque[_Lot] = field(default_factory=deque)
    exit: _Exit | None = None
    unmatched: Decimal = ZERO


def closed_trades(
    fills: Iterable[Fill],
    strategies: Mapping[str, str] | None = None,
    signed: Collection[str] = (),
) -> TradeLedger:
    """The closed trades in `fills` (any order: sorted by time, then as given) per bot.

    `strategies` names each bot's strategy kind (`grid` matches lot by lot; a bot not named is
    matched as a position, entries to exit). `signed`: the bots trading a perpetual, whose
    sells may open shorts."""
    kinds = strategies or {}
    books: dict[str, _Book] = {}
    trades: list[ClosedTrade] = []
    for fill in sorted(fills, key=lambda f: f.ts):
        book = books.get(fill.bot)
        if book is None:
            book = books[fill.bot] = _Book(kinds.get(fill.bot) == GRID, fill.bot in signed)
        _apply(book, fill, trades)
    for book in books.values():
        _flush(book, trades)
    trades.sort(key=lambda t: t.closed_ms)
    return TradeLedger(
        tuple(trades),
        tuple((b, q) for b, k in books.items() if (q := _held(k))),
        tuple((b, k.unmatched) for b, k in books.items() if k.unmatched),
    )


def _held(book: _Book) -> Decimal:
    qty = sum((lot.qty for lot in book.lots), ZERO)
    return -qty if book.short else qty


def _apply(book: _Book, fill: Fill, trades: list[ClosedTrade]) -> None:
    """Close the open lots this fill is against; what is left of it opens a lot (a buy, or a
    perpetual's sell) or is counted unmatched (a spot sell beyond the lots)."""
    closing = bool(book.lots) and book.short is (fill.side is Side.BUY)
    qty, fee = fill.base_qty, fill.fee_value
    if closing:
        qty, fee = _close(book, fill, trades)
    if qty <= 0:
        return
    if fill.side is Side.SELL and not book.signed:
        book.unmatched += qty
        return
    _flush(book, trades)
    book.short = fill.side is Side.SELL
    _add_lot(book, fill, qty, fee)


def _add_lot(book: _Book, fill: Fill, qty: Decimal, fee: Decimal) -> None:
    last = book.lots[-1] if book.lots else None
    if last is not None and last.order == fill.client_order_id:
        last.qty += qty
        last.value += fill.price * qty
        last.fee += fee
        return
    book.lots.append(_Lot(fill.client_order_id, fill.ts, qty, fill.price * qty, fee, fill.tag))


def _next_lot(book: _Book, exit_tag: str) -> int:
    """Which lot an exit closes next: on a grid, its slot's own entry (a sell `sK` closes
    `bK`, a short's buy `bK` closes `sK`), then the seed's base, then the oldest; otherwise
    the oldest (first in, first out)."""
    if book.grid and exit_tag[:1] in ("s", "b"):
        wanted = ("b" if exit_tag[0] == "s" else "s") + exit_tag[1:]
        for preferred in (wanted, SEED_TAG):
            for index, lot in enumerate(book.lots):
                if lot.tag == preferred:
                    return index
    return 0


def _take(lot: _Lot, qty: Decimal) -> tuple[Decimal, Decimal]:
    """Remove `qty` of `lot`: its share of the value and of the fee (all of both when it is
    used up, so the shares add up exactly)."""
    if qty >= lot.qty:
        value, fee = lot.value, lot.fee
        lot.qty, lot.value, lot.fee = ZERO, ZERO, ZERO
        return value, fee
    value, fee = lot.value * qty / lot.qty, lot.fee * qty / lot.qty
    lot.qty -= qty
    lot.value -= value
    lot.fee -= fee
    return value, fee


def _close(book: _Book, fill: Fill, trades: list[ClosedTrade]) -> tuple[Decimal, Decimal]:
    """Consume lots with `fill`; the quantity and fee left over (nothing left to close)."""
    whole = left = fill.base_qty  # a base-coin fee leaves the lots too, valued in the fee
    if book.exit is not None and book.exit.order != fill.client_order_id:
        _flush(book, trades)
    fee_left = fill.fee_value
    while left > 0 and book.lots:
        index = _next_lot(book, fill.tag)
        lot = book.lots[index]
        qty = min(left, lot.qty)
        opened, order = lot.ts, lot.order
        entry_value, entry_fee = _take(lot, qty)
        if lot.qty <= 0:
            del book.lots[index]
        exit_value = fill.price * qty
        left -= qty
        # the last part takes what is left of the fee: the parts add up to it exactly
        exit_fee = fee_left if left <= 0 else fill.fee_value * qty / whole
        fee_left -= exit_fee
        fees = entry_fee + exit_fee
        if book.grid:
            trades.append(_trade(fill, book.short, qty, entry_value, exit_value, fees, opened))
            continue
        ex = book.exit = book.exit or _Exit(
            fill.client_order_id, fill.bot, fill.symbol, fill.tag, book.short, opened_ms=opened
        )
        ex.qty += qty
        ex.entry_value += entry_value
        ex.exit_value += exit_value
        ex.fees += fees
        ex.opened_ms = min(ex.opened_ms, opened)
        ex.closed_ms = fill.ts
        ex.entries.add(order)
    return left, fee_left


def _pnl(short: bool, entry_value: Decimal, exit_value: Decimal, fees: Decimal) -> Decimal:
    gain = entry_value - exit_value if short else exit_value - entry_value
    return gain - fees


def _trade(
    fill: Fill,
    short: bool,
    qty: Decimal,
    entry_value: Decimal,
    exit_value: Decimal,
    fees: Decimal,
    opened: int,
) -> ClosedTrade:
    return ClosedTrade(
        bot=fill.bot,
        symbol=fill.symbol,
        qty=qty,
        entry=entry_value / qty,
        exit=exit_value / qty,
        fees=fees,
        pnl=_pnl(short, entry_value, exit_value, fees),
        opened_ms=opened,
        closed_ms=fill.ts,
        reason=fill.tag,
        side="short" if short else "long",
    )


def _flush(book: _Book, trades: list[ClosedTrade]) -> None:
    """Close the exit order in progress into one trade (an entry or another exit follows)."""
    ex = book.exit
    book.exit = None
    if ex is None or ex.qty <= 0:
        return
    trades.append(
        ClosedTrade(
            bot=ex.bot,
            symbol=ex.symbol,
            qty=ex.qty,
            entry=ex.entry_value / ex.qty,
            exit=ex.exit_value / ex.qty,
            fees=ex.fees,
            pnl=_pnl(ex.short, ex.entry_value, ex.exit_value, ex.fees),
            opened_ms=ex.opened_ms,
            closed_ms=ex.closed_ms,
            reason=ex.reason,
            entries=len(ex.entries),
            side="short" if ex.short else "long",
        )
    )
