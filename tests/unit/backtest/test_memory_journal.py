"""MemoryJournal against SqlJournal: the same TradeJournal checks, run on both.

Each check uses only protocol methods, so passing on the database journal and on the memory
one means the engine and recovery see the same behaviour from both.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from unit.storage.storage_samples import make_fill, make_order

from storage import SqlJournal
from traderagent.backtest.memory_journal import JournalError, MemoryJournal
from traderagent.domain import BotState, OrderStatus, Position
from traderagent.engine.journal import TradeJournal


@pytest.fixture(params=["memory", "sqlite"])
async def journal(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TradeJournal]:
    if request.param == "memory":
        yield MemoryJournal(clock_ms=lambda: 1_000)
        return
    opened = await SqlJournal.open(tmp_path / "journal.db", clock_ms=lambda: 1_000)
    yield opened
    await opened.close()


def test_every_protocol_method_has_the_same_signature() -> None:
    methods = {
        name: member
        for name, member in vars(TradeJournal).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }
    assert len(methods) >= 9
    for name, method in methods.items():
        implemented = getattr(MemoryJournal, name)
        assert inspect.iscoroutinefunction(implemented), name
        assert inspect.signature(implemented) == inspect.signature(method), name


async def test_order_upsert_keeps_first_sequence_creation_and_known_labels(
    journal: TradeJournal,
) -> None:
    order = make_order()
    await journal.record_order(order, seq=7)
    filled = replace(
        order,
        status=OrderStatus.PARTIALLY_FILLED,
        filled_qty=Decimal("0.0000005"),
        avg_fill_price=Decimal("23456.70"),
        exchange_order_id="ex-42",
        created_ms=2_500,
        updated_ms=3_000,
    )
    await journal.record_order(filled)
    await journal.record_order(replace(filled, bot="", tag="", exchange_order_id=""), seq=9)

    stored = await journal.orders_of("grid-1")
    assert len(stored) == 1
    got = stored[0]
    assert got.status is OrderStatus.PARTIALLY_FILLED
    assert (got.filled_qty, got.avg_fill_price) == (Decimal("0.0000005"), Decimal("23456.7"))
    assert (got.bot, got.tag, got.exchange_order_id) == ("grid-1", "L1", "ex-42")
    assert (got.created_ms, got.updated_ms) == (1_000, 3_000)
    assert await journal.last_sequence("grid-1") == 7  # the later seq=9 did not replace it


async def test_last_sequence_is_per_bot_and_zero_when_none(journal: TradeJournal) -> None:
    assert await journal.last_sequence("grid-1") == 0
    await journal.record_order(make_order("grid-1-000003"), seq=3)
    await journal.record_order(make_order("grid-1-000012"), seq=12)
    await journal.record_order(make_order("grid-1-ext"))
    await journal.record_order(make_order("dca-1-000050", bot="dca-1"), seq=50)
    assert await journal.last_sequence("grid-1") == 12
    assert await journal.last_sequence("dca-1") == 50
    assert await journal.last_sequence("nobody") == 0


async def test_fills_are_stored_once_and_listed_oldest_first(journal: TradeJournal) -> None:
    await journal.record_fill(make_fill("f-2", ts=2_500))
    await journal.record_fill(make_fill("f-1", ts=2_000))
    await journal.record_fill(make_fill("f-1", ts=2_000))
    await journal.record_fill(make_fill("f-3", bot="dca-1", ts=2_700))

    assert [f.fill_id for f in await journal.fills_of("grid-1")] == ["f-1", "f-2"]
    assert (await journal.fills_of("grid-1"))[0] == make_fill("f-1", ts=2_000)
    assert await journal.fill_ids("grid-1") == frozenset({"f-1", "f-2"})
    assert await journal.fill_ids("nobody") == frozenset()
    assert await journal.has_fill("f-3") and not await journal.has_fill("f-404")


async def test_open_orders_and_orders_of_are_newest_first(journal: TradeJournal) -> None:
    await journal.record_order(make_order("g-1", status=OrderStatus.FILLED), seq=1)
    await journal.record_order(replace(make_order("g-2"), created_ms=2_000), seq=2)
    await journal.record_order(
        replace(make_order("g-3", status=OrderStatus.PARTIALLY_FILLED), created_ms=3_000), seq=3
    )
    await journal.record_order(make_order("d-1", bot="dca-1"), seq=1)

    assert [o.client_order_id for o in await journal.open_orders("grid-1")] == ["g-3", "g-2"]
    assert [o.client_order_id for o in await journal.orders_of("grid-1")] == ["g-3", "g-2", "g-1"]
    assert [o.client_order_id for o in await journal.orders_of("grid-1", limit=1)] == ["g-3"]


async def test_positions_are_kept_per_bot_and_symbol(journal: TradeJournal) -> None:
    first = Position("BTCUSDT", qty=Decimal("0.002"), avg_price=Decimal("23456.78"))
    later = replace(first, qty=Decimal("0.001"), realised_pnl=Decimal("1.234567"))
    await journal.record_position("grid-1", first, 1_000)
    await journal.record_position("grid-1", later, 2_000)
    await journal.record_position("dca-1", first, 1_500)
    assert await journal.position_of("grid-1", "BTCUSDT") == later
    assert await journal.position_of("dca-1", "BTCUSDT") == first
    assert await journal.position_of("grid-1", "ETHUSDT") is None


async def test_snapshots_latest_wins_with_exact_decimals_as_text(journal: TradeJournal) -> None:
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


async def test_bot_state_needs_a_registered_bot(journal: TradeJournal) -> None:
    await journal.register_bot("grid-1", "BTCUSDT", "grid", {"levels": 10})
    await journal.set_bot_state("grid-1", BotState.RUNNING, 5_000)
    with pytest.raises(Exception, match="unknown bot 'ghost'"):
        await journal.set_bot_state("ghost", BotState.RUNNING, 1_000)


async def test_memory_snapshots_are_pruned_and_bad_payloads_refused() -> None:
    journal = MemoryJournal(snapshots_kept=3)
    for ts in range(1, 8):
        await journal.save_snapshot("grid-1", {"n": ts, "qty": Decimal("1.50")}, ts * 1_000)
    assert journal.snapshot_versions("grid-1") == [7, 6, 5]
    assert await journal.load_snapshot("grid-1") == ({"n": 7, "qty": "1.5"}, 7_000)
    await journal.save_snapshot("grid-1", {"thing": object()}, 8_000)
    with pytest.raises(JournalError, match="state snapshot of bot 'grid-1'.*object"):
        await journal.load_snapshot("grid-1")


async def test_memory_registration_keeps_state_and_records_equity_and_strategies() -> None:
    journal = MemoryJournal(clock_ms=lambda: 1_000)
    await journal.register_bot("grid-1", "BTCUSDT", "grid", {"levels": 10})
    await journal.set_bot_state("grid-1", BotState.RUNNING, 5_000)
    await journal.register_bot("grid-1", "ETHUSDT", "grid", {"step": Decimal("0.5")})
    bot = journal.bots["grid-1"]
    assert (bot.symbol, bot.state, bot.config, bot.created_ms) == (
        "ETHUSDT",
        BotState.RUNNING,
        {"step": "0.5"},
        1_000,
    )
    await journal.record_equity(2_000, Decimal("10012.5"))
    await journal.record_strategy("grid-1", "trend", {"risk": Decimal("0.01")}, 7_200_000)
    assert journal.equity == [(2_000, Decimal("10012.5"), None)]
    assert journal.strategies["grid-1"] == [("trend", {"risk": "0.01"}, 7_200_000)]
    await journal.close()
    assert journal.bots  # closing keeps the record readable
