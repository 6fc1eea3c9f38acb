"""Round trips and grid cycles, read from the fill list.

A round trip (a "trade") is every sell fill that reduces a bot's long position: that quantity
was bought at the position's average entry price and sold at the fill price (a buy adds the
base it credited, net of a fee in the base coin; every fee counts at its quote value). Its PnL
is the engine's own realised PnL for the fill (`Position.apply`: (price - average entry) x quantity
less the sell fee) less the share of the buy fees paid for that quantity, so the trades' PnL
adds up to the realised PnL of the quantity they closed, all fees included.

On a perpetual venue a sell with nothing held opens (or adds to) a short at average cost, and
a buy against it is the round trip: (average entry - price) x quantity, less its fee and the
share of the entry fees (`Position.apply_signed`). A spot venue never sells what is not held.

A grid cycle is a grid buy that filled completely followed by the complete fill of that slot's
counter-sell (tags `b<k>` then `s<k>` of the same bot).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from strategies.grid.slots import slot_of
from traderagent.domain import ZERO, Fill, Side


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One closing fill: `qty` bought at `entry` (average) and sold at `exit`; PnL net of fees."""

    bot: str
    ts: int
    qty: Decimal
    entry: Decimal
    exit: Decimal
    pnl: Decimal


@dataclass(slots=True)
class _Book:
    qty: Decimal = ZERO
    avg: Decimal = ZERO
    buy_fees: Decimal = ZERO  # fees paid opening the quantity still held (negative: short)


@runtime_checkable
class KnownRoundTrips(Protocol):
    """Fills that may know their round trips already (a fast kernel's, from its fill rows)."""

    def known_round_trips(self) -> list[RoundTrip] | None: ...


def round_trips(fills: Sequence[Fill]) -> list[RoundTrip]:
    """The round trips in `fills` (oldest first), per bot, at average cost."""
    if isinstance(fills, KnownRoundTrips):
        known = fills.known_round_trips()
        if known is not None:
            return known
    books: dict[str, _Book] = {}
    trips: list[RoundTrip] = []
    for fill in fills:
        book = books.setdefault(fill.bot, _Book())
        if fill.side is Side.BUY and book.qty < 0:  # closes a perpetual's short
            held = -book.qty
            closed = min(fill.qty, held)
            fee_share = book.buy_fees * closed / held
            pnl = (book.avg - fill.price) * closed - fill.fee_value - fee_share
            trips.append(RoundTrip(fill.bot, fill.ts, closed, book.avg, fill.price, pnl))
            book.buy_fees -= fee_share
            book.qty += closed
            if book.qty >= 0:
                book.qty, book.avg, book.buy_fees = ZERO, ZERO, ZERO
            continue
        if fill.side is Side.BUY:
            qty = book.qty + fill.base_qty
            book.avg = (book.avg * book.qty + fill.price * fill.base_qty) / qty if qty else ZERO
            book.qty = qty
            book.buy_fees += fill.fee_value
            continue
        if book.qty <= 0:  # nothing long held: a perpetual's sell opens or adds to a short
            held = -book.qty
            book.avg = (book.avg * held + fill.price * fill.qty) / (held + fill.qty)
            book.qty -= fill.qty
            book.buy_fees += fill.fee_value
            continue
        closed = min(fill.qty, book.qty)
        fee_share = book.buy_fees * closed / book.qty
        pnl = (fill.price - book.avg) * closed - fill.fee_value - fee_share
        trips.append(RoundTrip(fill.bot, fill.ts, closed, book.avg, fill.price, pnl))
        book.buy_fees -= fee_share
        book.qty -= closed
        if book.qty <= 0:
            book.qty, book.avg, book.buy_fees = ZERO, ZERO, ZERO
    return trips


def grid_cycles(fills: Sequence[Fill], order_qty: Mapping[str, Decimal] | None = None) -> int:
    """Completed grid cycles: per bot and slot, a complete buy then a complete sell.
    `order_qty` is each order's quantity by client id (None: every fill completes its order)."""
    filled: dict[str, Decimal] = {}
    bought: set[tuple[str, int]] = set()
    cycles = 0
    for fill in fills:
        slot = slot_of(fill.tag)
        if slot is None:
            continue
        cid = fill.client_order_id
        done = filled[cid] = filled.get(cid, ZERO) + fill.qty
        if order_qty is not None and done < order_qty.get(cid, done):
            continue  # a partial fill: the order completes with a later one
        key = (fill.bot, slot)
        if fill.side is Side.BUY:
            bought.add(key)
        elif key in bought:
            bought.discard(key)
            cycles += 1
    return cycles
