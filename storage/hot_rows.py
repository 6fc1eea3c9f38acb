"""The rows the live path writes most (orders, fills, positions, equity points), as plain
parameter dicts and statements prepared once, so writing one costs a dict, not building a
SQLAlchemy statement.

Each kind has one SQLite text (named parameters, run on a plain `sqlite3` connection with the
values in their stored form, `stored`) and one SQLAlchemy Core statement per dialect (run with
the values as they are, through the column types). Both do what the repositories do: an order
is upserted by client id keeping its first sequence and not erasing bot, tag or exchange id with
empty ones; a fill is inserted once by fill id; a position replaces the bot's row for the
symbol; an equity point is appended (tests/unit/storage/test_storage_fast_path.py compares).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Executable, Table, case, func, insert
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import Base, EquityPointRow, FillRow, OrderRow, PositionRow
from storage.types import decimal_text
from traderagent.domain import Fill, Order, Position

Values = dict[str, Any]
ORDER, FILL, POSITION, EQUITY = "order", "fill", "position", "equity"

ORDER_COLUMNS = (
    "client_order_id", "bot", "seq", "symbol", "side", "type", "qty", "price", "status",
    "filled_qty", "avg_fill_price", "exchange_order_id", "reject_reason", "tag", "created_ms",
    "updated_ms",
)  # fmt: skip
_FILL_COLUMNS = (
    "fill_id", "client_order_id", "bot", "symbol", "side", "price", "qty", "fee", "fee_asset",
    "liquidity", "tag", "ts",
)  # fmt: skip
_POSITION_COLUMNS = ("bot", "symbol", "qty", "avg_price", "realised_pnl", "fees", "updated_ms")
KEEP_IF_EMPTY = ("bot", "tag", "exchange_order_id")


def _insert(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + c for c in columns)})"  # noqa: S608 - fixed names


SQLITE: dict[str, str] = {
    ORDER: _insert("orders", ORDER_COLUMNS)
    + " ON CONFLICT (client_order_id) DO UPDATE SET "
    + ", ".join(
        f"{c} = CASE WHEN excluded.{c} = '' THEN orders.{c} ELSE excluded.{c} END"
        for c in KEEP_IF_EMPTY
    )
    + ", seq = coalesce(orders.seq, excluded.seq), "
    + ", ".join(
        f"{c} = excluded.{c}"
        for c in ORDER_COLUMNS
        if c not in (*KEEP_IF_EMPTY, "seq", "client_order_id", "created_ms")
    ),
    FILL: _insert("fills", _FILL_COLUMNS) + " ON CONFLICT (fill_id) DO NOTHING",
    POSITION: _insert("positions", _POSITION_COLUMNS)
    + " ON CONFLICT (bot, symbol) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _POSITION_COLUMNS[2:]),
    EQUITY: "INSERT INTO equity_points (ts, equity, bot) VALUES (:ts, :equity, :bot)",
}
"""Each kind's statement for a plain sqlite3 connection (values from `stored`)."""


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)  # noqa: S101 - every model is a declared table
    return table


@cache
def statement(kind: str, dialect_name: str) -> Executable:
    """Each kind's statement for SQLAlchemy on `dialect_name` (run with many value dicts)."""
    if kind == EQUITY:
        return insert(_table(EquityPointRow))
    upsert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    if kind == FILL:
        return upsert(_table(FillRow)).on_conflict_do_nothing(index_elements=["fill_id"])
    if kind == POSITION:
        stmt = upsert(_table(PositionRow))
        return stmt.on_conflict_do_update(
            index_elements=["bot", "symbol"],
            set_={c: stmt.excluded[c] for c in _POSITION_COLUMNS[2:]},
        )
    stmt = upsert(_table(OrderRow))
    new, old = stmt.excluded, _table(OrderRow).c
    keep = {c: case((new[c] == "", old[c]), else_=new[c]) for c in KEEP_IF_EMPTY}
    rest = (*KEEP_IF_EMPTY, "seq", "client_order_id", "created_ms")
    return stmt.on_conflict_do_update(
        index_elements=["client_order_id"],
        set_={
            **keep,
            "seq": func.coalesce(old.seq, new.seq),
            **{c: new[c] for c in ORDER_COLUMNS if c not in rest},
        },
    )


def order_values(order: Order, seq: int | None) -> Values:
    return {
        "client_order_id": order.client_order_id,
        "bot": order.bot,
        "seq": seq,
        "symbol": order.symbol,
        "side": order.side,
        "type": order.type,
        "qty": order.qty,
        "price": order.price,
        "status": order.status,
        "filled_qty": order.filled_qty,
        "avg_fill_price": order.avg_fill_price,
        "exchange_order_id": order.exchange_order_id,
        "reject_reason": order.reject_reason,
        "tag": order.tag,
        "created_ms": order.created_ms,
        "updated_ms": order.updated_ms,
    }


def fill_values(fill: Fill) -> Values:
    return {
        "fill_id": fill.fill_id,
        "client_order_id": fill.client_order_id,
        "bot": fill.bot,
        "symbol": fill.symbol,
        "side": fill.side,
        "price": fill.price,
        "qty": fill.qty,
        "fee": fill.fee,
        "fee_asset": fill.fee_asset,
        "liquidity": fill.liquidity,
        "tag": fill.tag,
        "ts": fill.ts,
    }


def position_values(bot: str, position: Position, now_ms: int) -> Values:
    return {
        "bot": bot,
        "symbol": position.symbol,
        "qty": position.qty,
        "avg_price": position.avg_price,
        "realised_pnl": position.realised_pnl,
        "fees": position.fees,
        "updated_ms": now_ms,
    }


def equity_values(ts: int, equity: Decimal, bot: str | None) -> Values:
    return {"ts": ts, "equity": equity, "bot": bot}


def stored(values: Values) -> Values:
    """The values as the SQLite columns hold them: exact decimals as canonical text, enums as
    their value (what `ExactDecimal` and `StrEnumText` bind)."""
    out: Values = {}
    for key, value in values.items():
        if isinstance(value, Decimal):
            out[key] = decimal_text(value)
        elif isinstance(value, StrEnum):
            out[key] = value.value
        else:
            out[key] = value
    return out
