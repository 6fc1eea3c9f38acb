"""The paper venue's book: orders upserted by client id, executions inserted once, and the
account row (balances and market mark) replaced; each save is one transaction.

Several daemons of a fleet share one paper account: each loads only its own bots' orders and
fills, and adds what its balances moved since it last knew them to the stored balances under a
row lock (`save_shared`), so every daemon's fills count exactly once. The linear paper venue
keeps its positions beside them (`paper_positions`) and what each fill closed and realised."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.database import Database
from storage.errors import StorageError
from storage.jsontext import dump_payload, load_payload
from storage.models import PaperAccountRow, PaperFillRow, PaperOrderRow
from storage.repositories.paper_positions import (
    PaperPositionRecord,
    load_positions,
    save_positions,
)
from traderagent.domain import ZERO, Balance, Fill, Order

VENUE = "paper"


@dataclass(frozen=True, slots=True)
class PaperOrderRecord:
    """An order of the paper venue; a resting one with the funds it has locked."""

    order: Order
    lock_asset: str = ""
    lock: Decimal = ZERO
    taker: bool = False
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class LinearExecution:
    """What a linear fill closed of its position and realised (before fees), and Bybit's
    execType ("Trade", or "BustTrade" for a liquidation)."""

    closed_size: Decimal
    exec_pnl: Decimal
    exec_type: str


@dataclass(frozen=True, slots=True)
class PaperBookRecord:
    """A stored book (from `load`) or the changes to store (for `save`)."""

    orders: Sequence[PaperOrderRecord] = ()
    fills: Sequence[Fill] = ()
    balances: Mapping[str, Balance] | None = None
    mark: Mapping[str, Any] | None = None
    """The venue's JSON-able market state (cursor, last prices, counters)."""
    positions: Sequence[PaperPositionRecord] = ()
    """A linear venue's positions (upserted by symbol)."""
    executions: Mapping[str, LinearExecution] | None = None
    """The linear figures of fills, by fill id."""


def _order_values(record: PaperOrderRecord) -> dict[str, Any]:
    o = record.order
    return {
        "client_order_id": o.client_order_id,
        "exchange_order_id": o.exchange_order_id,
        "bot": o.bot,
        "tag": o.tag,
        "symbol": o.symbol,
        "side": o.side,
        "type": o.type,
        "qty": o.qty,
        "price": o.price,
        "status": o.status,
        "filled_qty": o.filled_qty,
        "avg_fill_price": o.avg_fill_price,
        "reject_reason": o.reject_reason,
        "created_ms": o.created_ms,
        "updated_ms": o.updated_ms,
        "lock_asset": record.lock_asset,
        "lock": record.lock,
        "taker": record.taker,
        "reduce_only": record.reduce_only,
    }


def _fill_values(fill: Fill, linear: LinearExecution | None) -> dict[str, Any]:
    return {
        "closed_size": linear.closed_size if linear is not None else None,
        "exec_pnl": linear.exec_pnl if linear is not None else None,
        "exec_type": linear.exec_type if linear is not None else None,
        "fill_id": fill.fill_id,
        "client_order_id": fill.client_order_id,
        "bot": fill.bot,
        "tag": fill.tag,
        "symbol": fill.symbol,
        "side": fill.side,
        "price": fill.price,
        "qty": fill.qty,
        "fee": fill.fee,
        "fee_asset": fill.fee_asset,
        "liquidity": fill.liquidity,
        "ts": fill.ts,
    }


def _to_record(row: PaperOrderRow) -> PaperOrderRecord:
    order = Order(
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
    return PaperOrderRecord(order, row.lock_asset, row.lock, row.taker, row.reduce_only)


def _to_fill(row: PaperFillRow) -> Fill:
    return Fill(
        fill_id=row.fill_id,
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=row.side,
        price=row.price,
        qty=row.qty,
        fee=row.fee,
        fee_asset=row.fee_asset,
        liquidity=row.liquidity,
        ts=row.ts,
        bot=row.bot,
        tag=row.tag,
    )


def _executions_of(rows: Sequence[PaperFillRow]) -> dict[str, LinearExecution]:
    return {
        row.fill_id: LinearExecution(row.closed_size or ZERO, row.exec_pnl or ZERO, row.exec_type)
        for row in rows
        if row.exec_type is not None
    }


def _balances_payload(balances: Mapping[str, Balance]) -> dict[str, Any]:
    return {a: {"free": b.free, "locked": b.locked} for a, b in balances.items()}


def _balances_of(payload: Mapping[str, Any]) -> dict[str, Balance]:
    return {
        asset: Balance(asset, Decimal(amounts["free"]), Decimal(amounts["locked"]))
        for asset, amounts in payload.items()
    }


def _moved(
    stored: Mapping[str, Balance], base: Mapping[str, Balance], now: Mapping[str, Balance]
) -> dict[str, Balance]:
    """`stored` plus what moved from `base` to `now`, asset by asset (exact)."""
    moved = dict(stored)
    for asset in {*base, *now}:
        before, after = base.get(asset), now.get(asset)
        free = (after.free if after else ZERO) - (before.free if before else ZERO)
        locked = (after.locked if after else ZERO) - (before.locked if before else ZERO)
        if not free and not locked:
            continue
        held = moved.get(asset, Balance(asset, ZERO, ZERO))
        moved[asset] = Balance(asset, held.free + free, held.locked + locked)
    return moved


def _insert(dialect: str, table: Table) -> sqlite.Insert | postgresql.Insert:
    """A Core INSERT with upsert support: many rows go through executemany, not the ORM."""
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise StorageError(f"upserts are not supported on {dialect!r}: use SQLite or PostgreSQL")


ORDERS: Table = PaperOrderRow.__table__  # type: ignore[assignment]
FILLS: Table = PaperFillRow.__table__  # type: ignore[assignment]
ACCOUNT: Table = PaperAccountRow.__table__  # type: ignore[assignment]


class PaperBookRepository:
    """The `paper_orders`, `paper_fills` and `paper_account` tables."""

    def __init__(self, database: Database, venue: str = VENUE) -> None:
        self._db = database
        self._venue = venue

    async def load(self, bots: Collection[str] | None = None) -> PaperBookRecord | None:
        """The whole stored book (orders and fills oldest first; only those of `bots` if
        given), None if none was saved."""
        async with self._db.session() as session:
            account = await session.scalar(
                select(PaperAccountRow).where(PaperAccountRow.venue == self._venue)
            )
            if account is None:
                return None
            order_query = select(PaperOrderRow).order_by(PaperOrderRow.id)
            fill_query = select(PaperFillRow).order_by(PaperFillRow.id)
            if bots is not None:
                order_query = order_query.where(PaperOrderRow.bot.in_(list(bots)))
                fill_query = fill_query.where(PaperFillRow.bot.in_(list(bots)))
            orders = (await session.scalars(order_query)).all()
            fills = (await session.scalars(fill_query)).all()
            positions = await load_positions(session, self._venue)
        return PaperBookRecord(
            orders=[_to_record(row) for row in orders],
            fills=[_to_fill(row) for row in fills],
            balances=_balances_of(load_payload(account.balances)),
            mark=load_payload(account.mark),
            positions=positions,
            executions=_executions_of(fills),
        )

    async def save(self, changes: PaperBookRecord, now_ms: int) -> None:
        """Upsert the changed orders, insert the new fills (a known fill id is skipped), and
        replace the balances and mark that are given, in one transaction."""
        async with self._db.session() as session:
            if changes.orders:
                rows = [_order_values(r) for r in changes.orders]
                await session.execute(self._order_upsert(), rows)
            if changes.fills:
                await session.execute(self._fill_insert(), self._fill_rows(changes))
            dialect = self._db.dialect_name
            await save_positions(session, dialect, self._venue, changes.positions)
            if changes.balances is not None or changes.mark is not None:
                await session.execute(self._account_upsert(changes), {"updated_ms": now_ms})

    async def save_shared(
        self, changes: PaperBookRecord, base: Mapping[str, Balance], now_ms: int
    ) -> dict[str, Balance]:
        """Like `save`, on an account other processes write too: `changes.balances` minus
        `base` (what this process last knew was stored) is added to the stored balances under
        a row lock (a new account starts from `base`). The stored balances afterwards."""
        async with self._db.session() as session:
            if changes.orders:
                rows = [_order_values(r) for r in changes.orders]
                await session.execute(self._order_upsert(), rows)
            if changes.fills:
                await session.execute(self._fill_insert(), self._fill_rows(changes))
            opening = dump_payload(_balances_payload(base), "the paper account's balances")
            new = _insert(self._db.dialect_name, ACCOUNT).values(
                venue=self._venue, balances=opening, mark="{}", updated_ms=now_ms
            )
            await session.execute(new.on_conflict_do_nothing(index_elements=["venue"]))
            account = await session.scalar(
                select(PaperAccountRow)
                .where(PaperAccountRow.venue == self._venue)
                .with_for_update()
            )
            assert account is not None  # noqa: S101 - inserted above if absent
            stored = _balances_of(load_payload(account.balances))
            if changes.balances is not None:
                stored = _moved(stored, base, changes.balances)
                account.balances = dump_payload(
                    _balances_payload(stored), "the paper account's balances"
                )
            if changes.mark is not None:
                account.mark = dump_payload(changes.mark, "the paper venue's mark")
            account.updated_ms = now_ms
        return stored

    def _order_upsert(self) -> Any:
        stmt = _insert(self._db.dialect_name, ORDERS)
        kept = ("id", "client_order_id", "created_ms")
        updated = {c.name: stmt.excluded[c.name] for c in ORDERS.columns if c.name not in kept}
        return stmt.on_conflict_do_update(index_elements=["client_order_id"], set_=updated)

    def _fill_rows(self, changes: PaperBookRecord) -> list[dict[str, Any]]:
        linear = changes.executions or {}
        return [_fill_values(f, linear.get(f.fill_id)) for f in changes.fills]

    def _fill_insert(self) -> Any:
        stmt = _insert(self._db.dialect_name, FILLS)
        return stmt.on_conflict_do_nothing(index_elements=["fill_id"])

    def _account_upsert(self, changes: PaperBookRecord) -> Any:
        values: dict[str, Any] = {"venue": self._venue}
        if changes.balances is not None:
            values["balances"] = dump_payload(
                _balances_payload(changes.balances), "the paper account's balances"
            )
        if changes.mark is not None:
            values["mark"] = dump_payload(changes.mark, "the paper venue's mark")
        stmt = _insert(self._db.dialect_name, ACCOUNT).values(
            {"balances": "{}", "mark": "{}", **values}
        )
        updated = {name: stmt.excluded[name] for name in values if name != "venue"}
        updated["updated_ms"] = stmt.excluded.updated_ms
        return stmt.on_conflict_do_update(index_elements=["venue"], set_=updated)
