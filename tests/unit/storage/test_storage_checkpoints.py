"""Typed checkpoints through the database: a snapshot the previous version wrote (a plain dict,
no `version`) still reads, and this version's round-trips exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storage import SqlJournal
from traderagent.domain import BotState, Position
from traderagent.engine.checkpoints import (
    CHECKPOINT_VERSION,
    BotCheckpoint,
    RouteCheckpoint,
)

POSITION = Position(
    "BTCUSDT",
    qty=Decimal("0.0125"),
    avg_price=Decimal("25010.5"),
    realised_pnl=Decimal("-3.25"),
    fees=Decimal("0.0375"),
    funding=Decimal("0.001"),
)


def version_1_payload() -> dict[str, object]:
    """Exactly what the previous version's `bot_payload` handed the journal."""
    return {
        "state": BotState.PAUSED.value,
        "state_reason": "paused by operator",
        "seq": 41,
        "position": {
            "symbol": POSITION.symbol,
            "qty": POSITION.qty,
            "avg_price": POSITION.avg_price,
            "realised_pnl": POSITION.realised_pnl,
            "fees": POSITION.fees,
            "funding": POSITION.funding,
        },
        "strategy": {"kind": "grid", "description": "grid 20 levels"},
        "router": {"regime": "WIDE_RANGE", "label": "trend", "locked_until": 9_000, "switches": 2},
        "open_orders": ["grid-1-40", "grid-1-41"],
    }


async def test_a_version_1_snapshot_in_the_database_still_reads(journal: SqlJournal) -> None:
    await journal.save_snapshot("grid-1", version_1_payload(), 1_000)
    saved = await journal.load_snapshot("grid-1")
    assert saved is not None
    checkpoint = BotCheckpoint.read(saved[0])
    assert checkpoint == BotCheckpoint(
        state="PAUSED",
        state_reason="paused by operator",
        seq=41,
        position=POSITION,
        strategy_kind="grid",
        strategy_description="grid 20 levels",
        route=RouteCheckpoint("WIDE_RANGE", "trend", 9_000, 2),
        open_orders=("grid-1-40", "grid-1-41"),
        version=1,
    )


async def test_this_versions_checkpoint_round_trips(journal: SqlJournal) -> None:
    written = BotCheckpoint(
        state="RUNNING", seq=7, position=POSITION, strategy_kind="dca", open_orders=("d-7",)
    )
    await journal.save_snapshot("dca-1", written.payload(), 2_000)
    saved = await journal.load_snapshot("dca-1")
    assert saved is not None and saved[0]["version"] == CHECKPOINT_VERSION
    assert BotCheckpoint.read(saved[0]) == written


def test_a_sparse_old_payload_reads_with_defaults_and_a_newer_one_is_refused() -> None:
    sparse = BotCheckpoint.read({"seq": 9})
    assert (sparse.seq, sparse.state, sparse.position, sparse.route) == (9, "", None, None)
    assert sparse.version == 1
    with pytest.raises(ValueError, match="newer"):
        BotCheckpoint.read({"version": CHECKPOINT_VERSION + 1, "seq": 1})
