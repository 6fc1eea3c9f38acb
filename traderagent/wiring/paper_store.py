"""The paper venue's `BookStore` on the database: the adapter between the exchange's book
types and storage's records (neither package may import the other)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import fields
from typing import Any

from storage import Database
from storage.repositories.paper_book import (
    LinearExecution,
    PaperBookRecord,
    PaperBookRepository,
    PaperOrderRecord,
)
from storage.repositories.paper_positions import PaperPositionRecord
from traderagent.domain import Balance, Fill
from traderagent.exchanges.paper.linear.records import LinearFill
from traderagent.exchanges.paper.stored_book import (
    PaperBook,
    StoredOrder,
    StoredPosition,
    VenueMark,
)


class DatabaseBookStore:
    """Keeps a paper venue's book in the `paper_*` tables of the engine's database.

    `shared`: several daemons of a fleet trade this one account, each its own bots. Each loads
    only its bots' orders and fills (`load(bots)`, `load_bots` at a take-over), and a save adds
    what its balances moved since it last knew them (`save_shared`), so the stored balances
    stay the opening ones plus every daemon's fills, exactly."""

    def __init__(self, database: Database, *, shared: bool = False) -> None:
        self.repository = PaperBookRepository(database)
        self.shared = shared
        self._base: dict[str, Balance] | None = None  # the stored balances, as last known

    async def load(self, bots: Collection[str] | None = None) -> PaperBook | None:
        record = await self.repository.load(bots)
        if record is None:
            return None
        if record.balances is not None:
            self._base = dict(record.balances)
        return _book_of(record)

    async def load_bots(self, bots: Collection[str]) -> PaperBook:
        """`bots`' stored orders and fills only (a take-over; balances and mark left out)."""
        record = await self.repository.load(bots)
        if record is None:
            return PaperBook()
        book = _book_of(record)
        return PaperBook(orders=book.orders, fills=book.fills)

    def opening(self, balances: Mapping[str, Balance]) -> None:
        """A new account: `balances` are what it opens with (the first save writes them)."""
        if self._base is None:
            self._base = dict(balances)

    async def save(self, changes: PaperBook) -> Mapping[str, Balance] | None:
        if self.shared:
            return await self._save_shared(changes)
        await self._save(changes)
        return None

    async def _save_shared(self, changes: PaperBook) -> Mapping[str, Balance]:
        mark, record = changes.mark, _record_of(changes)
        stored = await self.repository.save_shared(
            record, self._base or {}, mark.cursor_ms if mark is not None else 0
        )
        if changes.balances is not None:  # the venue rebases on `stored`: it is the new base
            self._base = stored
        return stored

    async def _save(self, changes: PaperBook) -> None:
        mark, record = changes.mark, _record_of(changes)
        await self.repository.save(record, mark.cursor_ms if mark is not None else 0)


def _record_of(changes: PaperBook) -> PaperBookRecord:
    mark = changes.mark
    return PaperBookRecord(
        orders=[
            PaperOrderRecord(s.order, s.lock_asset, s.lock, s.taker, s.reduce_only)
            for s in changes.orders
        ],
        fills=changes.fills,
        balances=changes.balances,
        mark=_payload_of(mark) if mark is not None else None,
        positions=[PaperPositionRecord(**_fields_of(p)) for p in changes.positions],
        executions={
            f.fill_id: LinearExecution(f.closed_size, f.exec_pnl, f.exec_type)
            for f in changes.fills
            if isinstance(f, LinearFill)
        },
    )


def _book_of(record: PaperBookRecord) -> PaperBook:
    return PaperBook(
        orders=[
            StoredOrder(r.order, r.lock_asset, r.lock, r.taker, r.reduce_only)
            for r in record.orders
        ],
        fills=_fills_of(record.fills, record.executions or {}),
        balances=record.balances,
        mark=_mark_of(record.mark) if record.mark else None,
        positions=[StoredPosition(**_fields_of(p)) for p in record.positions],
    )


def _fields_of(position: StoredPosition | PaperPositionRecord) -> dict[str, Any]:
    """A position's fields by name (the two records have the same ones)."""
    return {f.name: getattr(position, f.name) for f in fields(position)}


def _fills_of(fills: Sequence[Fill], linear: Mapping[str, LinearExecution]) -> list[Fill]:
    """The stored fills, a linear one as a `LinearFill` with what it closed and realised."""
    kept: list[Fill] = []
    for fill in fills:
        execution = linear.get(fill.fill_id)
        if execution is None:
            kept.append(fill)
            continue
        base = {f.name: getattr(fill, f.name) for f in fields(Fill)}
        kept.append(
            LinearFill(
                **base,
                closed_size=execution.closed_size,
                exec_pnl=execution.exec_pnl,
                exec_type=execution.exec_type,
            )  # fmt: skip
        )
    return kept


def _payload_of(mark: VenueMark) -> dict[str, Any]:
    return {
        "cursor_ms": mark.cursor_ms,
        "last_prices": dict(mark.last_prices),
        "next_order_id": mark.next_order_id,
        "next_fill_id": mark.next_fill_id,
        **({"details": dict(mark.details)} if mark.details else {}),
    }


def _mark_of(payload: Mapping[str, Any]) -> VenueMark:
    return VenueMark(
        cursor_ms=int(payload.get("cursor_ms", 0)),
        last_prices={str(k): str(v) for k, v in dict(payload.get("last_prices", {})).items()},
        next_order_id=int(payload.get("next_order_id", 1)),
        next_fill_id=int(payload.get("next_fill_id", 1)),
        details=dict(payload.get("details", {})),
    )
