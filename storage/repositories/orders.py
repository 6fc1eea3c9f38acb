"""Orders: upsert by client order id, sequence numbers, and the open/closed views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, select, update

from storage.database import Database
from storage.hot_rows import order_values
from storage.models import OrderRow
from storage.repositories._sql import affected_rows, upsert_into
from traderagent.domain import Order, OrderStatus

OPEN_STATUSES = tuple(status for status in OrderStatus if status.is_open)


def _to_order(row: OrderRow) -> Order:
    return Order(
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=row.side,
        type=row.type,
        qty=row.qty,
        price=row.price,
        status=row.status,
        created_ms=row.created_ms,
        updated_ms=row.updated_ms,
        filled_qty=row.filled_qty,
        avg_fill_price=row.avg_fill_price,
        exchange_order_id=row.exchange_order_id,
        reject_reason=row.reject_reason,
        bot=row.bot,
        tag=row.tag,
    )


def _values(order: Order, seq: int | None) -> dict[str, Any]:
    """The order's row: the one mapping the write-ahead path writes too (`hot_rows`)."""
    return order_values(order, seq)


class OrderRepository:
    """The `orders` table. Lists are newest first (by creation time)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def upsert(self, order: Order, seq: int | None = None) -> None:
        """Insert, or update the existing row with the same client order id.

        On update the first non-null `seq` and the original `created_ms` are kept, and empty
        `bot`, `tag` or `exchange_order_id` (an exchange report knows none of them) do not erase
        stored values.
        """
        stmt = upsert_into(self._db.dialect_name, OrderRow).values(**_values(order, seq))
        new = stmt.excluded
        keep_if_empty = {
            name: case(
                (getattr(new, name) == "", getattr(OrderRow, name)), else_=getattr(new, name)
            )
            for name in ("bot", "tag", "exchange_order_id")
        }
        stmt = stmt.on_conflict_do_update(
            index_elements=[OrderRow.client_order_id],
            set_={
                **keep_if_empty,
                "seq": func.coalesce(OrderRow.seq, new.seq),
                "symbol": new.symbol,
                "side": new.side,
                "type": new.type,
                "qty": new.qty,
                "price": new.price,
                "status": new.status,
                "filled_qty": new.filled_qty,
                "avg_fill_price": new.avg_fill_price,
                "reject_reason": new.reject_reason,
                "updated_ms": new.updated_ms,
            },
        )
        async with self._db.session() as session:
            await session.execute(stmt)

    async def get(self, client_order_id: str) -> Order | None:
        async with self._db.session() as session:
            row = await session.scalar(
                select(OrderRow).where(OrderRow.client_order_id == client_order_id)
            )
        return _to_order(row) if row is not None else None

    async def sequence_of(self, client_order_id: str) -> int | None:
        """The intent sequence recorded with this order, if any."""
        async with self._db.session() as session:
            return await session.scalar(
                select(OrderRow.seq).where(OrderRow.client_order_id == client_order_id)
            )

    async def list(
        self,
        bot: str | None = None,
        *,
        open_only: bool = False,
        symbol: str | None = None,
        limit: int | None = 200,
    ) -> Sequence[Order]:
        """Orders, newest first; `bot`/`symbol` None means every bot/symbol, `limit` None all."""
        stmt = select(OrderRow).order_by(OrderRow.created_ms.desc(), OrderRow.id.desc())
        if bot is not None:
            stmt = stmt.where(OrderRow.bot == bot)
        if symbol is not None:
            stmt = stmt.where(OrderRow.symbol == symbol)
        if open_only:
            stmt = stmt.where(OrderRow.status.in_(OPEN_STATUSES))
        if limit is not None:
            stmt = stmt.limit(limit)
        async with self._db.session() as session:
            rows = (await session.scalars(stmt)).all()
        return [_to_order(row) for row in rows]

    async def count(self, bot: str | None = None, *, open_only: bool = False) -> int:
        stmt = select(func.count()).select_from(OrderRow)
        if bot is not None:
            stmt = stmt.where(OrderRow.bot == bot)
        if open_only:
            stmt = stmt.where(OrderRow.status.in_(OPEN_STATUSES))
        async with self._db.session() as session:
            return (await session.scalar(stmt)) or 0

    async def max_sequence(self, bot: str) -> int:
        """The highest intent sequence recorded for this bot, 0 if none."""
        stmt = select(func.max(OrderRow.seq)).where(OrderRow.bot == bot)
        async with self._db.session() as session:
            return (await session.scalar(stmt)) or 0

    async def cancel_open(self, bot: str, reason: str, now_ms: int) -> int:
        """Mark the bot's open orders Cancelled with `reason`; returns how many were open."""
        stmt = (
            update(OrderRow)
            .where(OrderRow.bot == bot, OrderRow.status.in_(OPEN_STATUSES))
            .values(status=OrderStatus.CANCELLED, reject_reason=reason, updated_ms=now_ms)
        )
        async with self._db.session() as session:
            return affected_rows(await session.execute(stmt))
