"""The linear paper venue's positions in `paper_positions`: one row per symbol, replaced with
the rest of the book in the same transaction (`PaperBookRepository.save`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PaperPositionRow
from traderagent.domain import ZERO, Side

POSITIONS: Table = PaperPositionRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class PaperPositionRecord:
    """A linear position as stored, with its funding and when funding was last settled."""

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
    created_ms: int = 0
    updated_ms: int = 0
    seq: int = 0
    funded_ms: int | None = None
    owner: str = ""
    owner_bot: str = ""


def _values(venue: str, record: PaperPositionRecord) -> dict[str, Any]:
    return {
        "venue": venue,
        "symbol": record.symbol,
        "side": record.side,
        "size": record.size,
        "avg_price": record.avg_price,
        "leverage": record.leverage,
        "mmr": record.mmr,
        "margin": record.margin,
        "cur_realised": record.cur_realised,
        "cum_realised": record.cum_realised,
        "funding": record.funding,
        "created_ms": record.created_ms,
        "updated_ms": record.updated_ms,
        "seq": record.seq,
        "funded_ms": record.funded_ms,
        "owner": record.owner,
        "owner_bot": record.owner_bot,
    }


def _record(row: PaperPositionRow) -> PaperPositionRecord:
    return PaperPositionRecord(
        row.symbol, row.side, row.size, row.avg_price, row.leverage, row.mmr, row.margin,
        row.cur_realised, row.cum_realised, row.funding, row.created_ms, row.updated_ms,
        row.seq, row.funded_ms, row.owner, row.owner_bot,
    )  # fmt: skip


async def load_positions(session: AsyncSession, venue: str) -> list[PaperPositionRecord]:
    query = select(PaperPositionRow).where(PaperPositionRow.venue == venue)
    rows = (await session.scalars(query.order_by(PaperPositionRow.id))).all()
    return [_record(row) for row in rows]


async def save_positions(
    session: AsyncSession, dialect: str, venue: str, records: Sequence[PaperPositionRecord]
) -> None:
    """Upsert `records` by (venue, symbol); the caller checked the dialect (`_insert`)."""
    if not records:
        return
    stmt = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(POSITIONS)
    kept = ("id", "venue", "symbol")
    updated = {c.name: stmt.excluded[c.name] for c in POSITIONS.columns if c.name not in kept}
    upsert = stmt.on_conflict_do_update(index_elements=["venue", "symbol"], set_=updated)
    await session.execute(upsert, [_values(venue, r) for r in records])
