"""The paper venue's `BookStore` on the database: the adapter between the exchange's book
types and storage's records (neither package may import the other)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage import Database
from storage.repositories.paper_book import PaperBookRecord, PaperBookRepository, PaperOrderRecord
from traderagent.exchanges.paper.stored_book import PaperBook, StoredOrder, VenueMark


class DatabaseBookStore:
    """Keeps a paper venue's book in the `paper_*` tables of the engine's database."""

    def __init__(self, database: Database) -> None:
        self.repository = PaperBookRepository(database)

    async def load(self) -> PaperBook | None:
        record = await self.repository.load()
        if record is None:
            return None
        return PaperBook(
            orders=[StoredOrder(r.order, r.lock_asset, r.lock, r.taker) for r in record.orders],
            fills=record.fills,
            balances=record.balances,
            mark=_mark_of(record.mark) if record.mark else None,
        )

    async def save(self, changes: PaperBook) -> None:
        mark = changes.mark
        record = PaperBookRecord(
            orders=[
                PaperOrderRecord(s.order, s.lock_asset, s.lock, s.taker) for s in changes.orders
            ],
            fills=changes.fills,
            balances=changes.balances,
            mark=_payload_of(mark) if mark is not None else None,
        )
        await self.repository.save(record, mark.cursor_ms if mark is not None else 0)


def _payload_of(mark: VenueMark) -> dict[str, Any]:
    return {
        "cursor_ms": mark.cursor_ms,
        "last_prices": dict(mark.last_prices),
        "next_order_id": mark.next_order_id,
        "next_fill_id": mark.next_fill_id,
    }


def _mark_of(payload: Mapping[str, Any]) -> VenueMark:
    return VenueMark(
        cursor_ms=int(payload.get("cursor_ms", 0)),
        last_prices={str(k): str(v) for k, v in dict(payload.get("last_prices", {})).items()},
        next_order_id=int(payload.get("next_order_id", 1)),
        next_fill_id=int(payload.get("next_fill_id", 1)),
    )
