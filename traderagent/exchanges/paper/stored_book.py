"""The paper venue's book in storage: what it holds, what changed, and where it is kept.

A paper account survives a crash the way a real exchange does: its orders (with the funds
each resting one locked), balances and executions are written to the database, and a new
session restores them. Writes carry only what changed since the last one and are batched:
the engine calls `persist` once before it journals anything the venue did, so the stored
book is never behind the journal. A candle that changed nothing writes nothing, except a
checkpoint of the replay cursor every `CURSOR_CHECKPOINT_MS` of market time. The linear
venue keeps its positions with them (`StoredPosition`), written whole with every write, and
its other state (margin mode, counters, given marks) in `VenueMark.details`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from traderagent.domain import ZERO, Balance, Fill, Order, Side

CURSOR_CHECKPOINT_MS = 2 * 60 * 60_000
"""A quiet replay still records how far it got this often (market time), so a restart
re-feeds at most this much of the data: candles that changed nothing change nothing again."""


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """An order as the venue keeps it; a resting one with the funds it has locked."""

    order: Order
    lock_asset: str = ""
    lock: Decimal = ZERO
    taker: bool = False
    reduce_only: bool = False
    """A linear order that may only reduce the position."""


@dataclass(frozen=True, slots=True)
class StoredPosition:
    """A linear position as the venue keeps it (flat ones too: their realised PnL, funding and
    funding time), with who traded it last (a liquidation is theirs)."""

    symbol: str
    side: Side | None
    size: Decimal
    avg_price: Decimal
    leverage: Decimal
    mmr: Decimal
    margin: Decimal = ZERO
    cur_realised: Decimal = ZERO
    cum_realised: Decimal = ZERO
    funding: Decimal = ZERO
    """Funding paid in total (negative: received)."""
    created_ms: int = 0
    updated_ms: int = 0
    seq: int = 0
    funded_ms: int | None = None
    """Funding is settled for marks up to this (None: no candle of the symbol yet)."""
    owner: str = ""
    owner_bot: str = ""


@dataclass(frozen=True, slots=True)
class VenueMark:
    """The venue's position in the market data and its id counters."""

    cursor_ms: int
    """Close time of the last candle the venue matched (0: none yet)."""
    last_prices: Mapping[str, str] = field(default_factory=dict)
    """Last price per symbol as the exact text of the float the matcher compares with."""
    next_order_id: int = 1
    next_fill_id: int = 1
    details: Mapping[str, Any] = field(default_factory=dict)
    """What else a venue needs to resume, JSON-able (the linear one: its category, margin
    mode, liquidation counters, given mark prices as text)."""


@dataclass(frozen=True, slots=True)
class PaperBook:
    """A whole stored book, as `BookStore.load` returns it (and a change set for `save`)."""

    orders: Sequence[StoredOrder] = ()
    fills: Sequence[Fill] = ()
    balances: Mapping[str, Balance] | None = None
    mark: VenueMark | None = None
    positions: Sequence[StoredPosition] = ()


class BookStore(Protocol):
    """Where a paper venue keeps its book (storage implements it behind an adapter)."""

    async def load(self) -> PaperBook | None:
        """The stored book, None if this database has none yet."""
        ...

    async def save(self, changes: PaperBook) -> Mapping[str, Balance] | None:
        """Upsert the orders, add the fills, replace balances and mark when given: one
        transaction. On an account that other venues share, the balances are what moved
        since the last save (added, not replaced) and the stored balances come back (the
        venue rebases on them); else None."""
        ...


class BookChanges:
    """What changed in a venue since its last write, collected cheaply as it happens."""

    __slots__ = ("balances", "cursor_ms", "fill_ids", "fills", "orders", "saved_cursor_ms")

    def __init__(self) -> None:
        self.orders: dict[str, None] = {}  # client order ids, in change order
        self.fills: list[Fill] = []
        self.fill_ids: set[str] = set()
        self.balances = False
        self.cursor_ms = 0
        self.saved_cursor_ms = 0

    def order(self, client_order_id: str, funds_moved: bool = True) -> None:
        self.orders[client_order_id] = None
        self.balances = self.balances or funds_moved

    def fill(self, fill: Fill) -> None:
        self.fills.append(fill)
        self.fill_ids.add(fill.fill_id)
        self.balances = True

    def due(self, force: bool) -> bool:
        """Whether a write is needed now: fills must be stored before the journal sees them;
        order changes alone can wait for the next write (an order the stored book lacks after
        a crash is one whose request never arrived, which recovery handles)."""
        if self.fills or force:
            return True
        return self.cursor_ms - self.saved_cursor_ms >= CURSOR_CHECKPOINT_MS

    def take(self) -> tuple[list[str], list[Fill], bool]:
        """The pending changes, cleared (`give_back` them if the write fails)."""
        taken = (list(self.orders), self.fills, self.balances)
        self.orders, self.fills, self.balances = {}, [], False
        self.fill_ids = set()
        return taken

    def give_back(self, orders: list[str], fills: list[Fill], balances: bool) -> None:
        for cid in orders:
            self.orders.setdefault(cid, None)
        self.fills[:0] = fills
        self.fill_ids.update(f.fill_id for f in fills)
        self.balances = self.balances or balances
