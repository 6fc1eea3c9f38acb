"""What recovery and the regime router keep: snapshots, strategies, audit, reads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from storage_samples import make_fill, make_order

from storage import AuditRecord, SqlJournal, StorageError
from traderagent.domain import BotState, OrderStatus, Position


async def test_latest_snapshot_wins_and_decimals_come_back_exact(journal: SqlJournal) -> None:
    assert await journal.load_snapshot("grid-1") is None
    first = await journal.save_snapshot("grid-1", {"seq": 3, "cash": Decimal("10.50")}, 1_000)
    second = await journal.save_snapshot(
        "grid-1", {"seq": 4, "cash": Decimal("0.000001"), "state": BotState.PAUSED}, 2_000
    )
    await journal.save_snapshot("dca-1", {"seq": 9}, 5_000)

    assert (first, second) == (1, 2)
    assert await journal.load_snapshot("grid-1") == (
        {"seq": 4, "cash": "0.000001", "state": "PAUSED"},
        2_000,
    )
    assert await journal.load_snapshot("dca-1") == ({"seq": 9}, 5_000)


async def test_old_snapshots_are_pruned_to_the_kept_number(journal: SqlJournal) -> None:
    small = SqlJournal(journal.database, snapshots_kept=3)
    for ts in range(1, 8):
        await small.save_snapshot("grid-1", {"n": ts}, ts * 1_000)
    kept = await small.snapshots.list("grid-1")
    assert [(s.version, s.payload["n"]) for s in kept] == [(7, 7), (6, 6), (5, 5)]
    assert await small.load_snapshot("grid-1") == ({"n": 7}, 7_000)


async def test_a_payload_json_cannot_hold_is_refused_with_the_bot_named(
    journal: SqlJournal,
) -> None:
    with pytest.raises(StorageError, match="state snapshot of bot 'grid-1'.*object"):
        await journal.save_snapshot("grid-1", {"thing": object()}, 1_000)
    assert await journal.load_snapshot("grid-1") is None


async def test_strategy_history_and_the_current_one(journal: SqlJournal) -> None:
    assert await journal.current_strategy("grid-1") is None
    await journal.record_strategy("grid-1", "grid", {"levels": 41, "lower": Decimal("21000")}, 0)
    await journal.record_strategy("grid-1", "trend", {"risk": Decimal("0.01")}, 7_200_000)
    await journal.record_strategy("dca-1", "dca", {}, 100)

    assert await journal.current_strategy("grid-1") == ("trend", {"risk": "0.01"}, 7_200_000)
    history = await journal.strategies.history("grid-1")
    assert [(s.kind, s.ts) for s in history] == [("trend", 7_200_000), ("grid", 0)]
    assert history[1].config == {"levels": 41, "lower": "21000"}


async def test_audit_log_keeps_who_where_what_and_outcome(journal: SqlJournal) -> None:
    await journal.record_audit(
        ts=1_000, actor="alice", source="tui", command="pause", target="grid-1", outcome="ok"
    )
    await journal.record_audit(
        ts=2_000,
        actor="bot-api",
        source="api 10.0.0.5",
        command="halt",
        target="*",
        outcome="refused: already halted",
    )
    entries = await journal.audit.list()
    assert entries == [
        AuditRecord(2_000, "bot-api", "api 10.0.0.5", "halt", "*", "refused: already halted"),
        AuditRecord(1_000, "alice", "tui", "pause", "grid-1", "ok"),
    ]
    assert [e.command for e in await journal.audit.list(target="grid-1")] == ["pause"]


async def test_recovery_reads_orders_fills_and_position(journal: SqlJournal) -> None:
    await journal.record_order(make_order("g-1", status=OrderStatus.FILLED), seq=1)
    await journal.record_order(make_order("g-2", status=OrderStatus.NEW), seq=2)
    await journal.record_order(make_order("g-3", status=OrderStatus.PARTIALLY_FILLED), seq=3)
    await journal.record_order(make_order("d-1", bot="dca-1"), seq=1)
    await journal.record_fill(make_fill("f-2", ts=2_000))
    await journal.record_fill(make_fill("f-1", ts=1_000))
    await journal.record_fill(make_fill("f-9", bot="dca-1"))
    position = Position("BTCUSDT", qty=Decimal("0.000002"), avg_price=Decimal("23456.78"))
    await journal.record_position("grid-1", position, 3_000)

    assert {o.client_order_id for o in await journal.open_orders("grid-1")} == {"g-2", "g-3"}
    assert len(await journal.orders_of("grid-1")) == 3
    assert [f.fill_id for f in await journal.fills_of("grid-1")] == ["f-1", "f-2"]
    assert await journal.fill_ids("grid-1") == frozenset({"f-1", "f-2"})
    assert await journal.has_fill("f-9") is True
    assert await journal.has_fill("f-404") is False
    assert await journal.position_of("grid-1", "BTCUSDT") == position
    assert await journal.position_of("grid-1", "ETHUSDT") is None


async def test_an_accounts_risk_state_is_replaced_whole_and_comes_back_exact(
    journal: SqlJournal,
) -> None:
    assert await journal.load_risk_state("paper") is None
    await journal.save_risk_state("paper", {"peak": Decimal("10250.5"), "day": 19425}, 1_000)
    await journal.save_risk_state("paper", {"peak": Decimal("10300.000001")}, 2_000)
    await journal.save_risk_state("bybit-demo", {"peak": Decimal(7)}, 3_000)
    assert await journal.load_risk_state("paper") == ({"peak": "10300.000001"}, 2_000)
    assert await journal.load_risk_state("bybit-demo") == ({"peak": "7"}, 3_000)
