"""SqlJournal: the TradeJournal protocol, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import inspect
import sqlite3
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from storage_samples import make_fill, make_order
from unit.storage.backends import Backend

from storage import SqlJournal, StorageError
from traderagent.domain import BotState, OrderStatus, Position
from traderagent.engine.journal import TradeJournal


def test_every_protocol_method_has_the_same_signature() -> None:
    protocol_methods = {
        name: member
        for name, member in vars(TradeJournal).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }
    assert len(protocol_methods) >= 9  # the engine may grow the protocol; never shrink it
    for name, method in protocol_methods.items():
        implemented = getattr(SqlJournal, name)
        assert inspect.iscoroutinefunction(implemented), name
        assert inspect.signature(implemented) == inspect.signature(method), name


async def test_decimals_are_stored_as_exact_text_on_sqlite(
    sqlite_journal: SqlJournal, db_path: Path
) -> None:
    await sqlite_journal.record_order(make_order(qty="0.000001", price="23456.78"), seq=1)
    stored = await sqlite_journal.orders.get("grid-1-000001")
    assert stored is not None
    assert stored.qty == Decimal("0.000001")
    assert stored.price == Decimal("23456.78")
    with sqlite3.connect(db_path) as raw:
        row = raw.execute(
            "SELECT qty, typeof(qty), price, typeof(price) FROM orders"
            " WHERE client_order_id = 'grid-1-000001'"
        ).fetchone()
    assert row == ("0.000001", "text", "23456.78", "text")


async def test_record_order_upserts_and_keeps_the_first_sequence(journal: SqlJournal) -> None:
    order = make_order()
    await journal.record_order(order, seq=7)
    filled = replace(
        order,
        status=OrderStatus.PARTIALLY_FILLED,
        filled_qty=Decimal("0.0000005"),
        avg_fill_price=Decimal("23456.70"),
        exchange_order_id="ex-42",
        updated_ms=3_000,
    )
    await journal.record_order(filled)  # an exchange update carries no sequence
    # An exchange report knowing neither bot nor tag must not erase them.
    await journal.record_order(replace(filled, bot="", tag="", exchange_order_id=""), seq=9)

    orders = await journal.orders.list()
    assert len(orders) == 1
    stored = orders[0]
    assert stored.status is OrderStatus.PARTIALLY_FILLED
    assert stored.filled_qty == Decimal("0.0000005")
    assert stored.avg_fill_price == Decimal("23456.7")
    assert (stored.bot, stored.tag, stored.exchange_order_id) == ("grid-1", "L1", "ex-42")
    assert stored.created_ms == 1_000
    assert stored.updated_ms == 3_000
    assert await journal.orders.sequence_of("grid-1-000001") == 7


async def test_market_order_without_price_round_trips(journal: SqlJournal) -> None:
    await journal.record_order(make_order("grid-1-000002", price=None))
    stored = await journal.orders.get("grid-1-000002")
    assert stored is not None
    assert stored.price is None
    assert stored.avg_fill_price is None


async def test_record_fill_is_idempotent_by_fill_id(journal: SqlJournal) -> None:
    await journal.record_fill(make_fill("f-1", ts=2_000))
    await journal.record_fill(make_fill("f-1", ts=2_000))
    await journal.record_fill(make_fill("f-2", ts=2_500))
    await journal.record_fill(make_fill("f-3", bot="dca-1", ts=2_700))

    assert await journal.fills.count("grid-1") == 2
    assert await journal.fills.count() == 3
    assert await journal.fills.add(make_fill("f-2")) is False
    newest = await journal.fills.list("grid-1")
    assert [fill.fill_id for fill in newest] == ["f-2", "f-1"]
    oldest = await journal.fills.list("grid-1", newest_first=False, limit=1)
    assert [fill.fill_id for fill in oldest] == ["f-1"]
    assert newest[1] == make_fill("f-1", ts=2_000)


async def test_last_sequence_is_per_bot_and_zero_when_none(journal: SqlJournal) -> None:
    assert await journal.last_sequence("grid-1") == 0
    await journal.record_order(make_order("grid-1-000003"), seq=3)
    await journal.record_order(make_order("grid-1-000012"), seq=12)
    await journal.record_order(make_order("grid-1-ext"))  # adopted order, no sequence
    await journal.record_order(make_order("dca-1-000050", bot="dca-1"), seq=50)
    assert await journal.last_sequence("grid-1") == 12
    assert await journal.last_sequence("dca-1") == 50
    assert await journal.last_sequence("nobody") == 0


async def test_close_stale_orders_cancels_only_this_bots_open_orders(journal: SqlJournal) -> None:
    await journal.record_order(make_order("g-new", status=OrderStatus.NEW))
    await journal.record_order(make_order("g-part", status=OrderStatus.PARTIALLY_FILLED))
    await journal.record_order(make_order("g-done", status=OrderStatus.FILLED))
    await journal.record_order(make_order("d-new", bot="dca-1", status=OrderStatus.NEW))

    closed = await journal.close_stale_orders("grid-1", "not on exchange after restart", 9_000)

    assert closed == 2
    assert await journal.orders.list("grid-1", open_only=True) == []
    cancelled = await journal.orders.get("g-part")
    assert cancelled is not None
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.reject_reason == "not on exchange after restart"
    assert cancelled.updated_ms == 9_000
    filled = await journal.orders.get("g-done")
    assert filled is not None and filled.status is OrderStatus.FILLED
    assert [o.client_order_id for o in await journal.orders.list(open_only=True)] == ["d-new"]
    assert await journal.close_stale_orders("grid-1", "again", 9_500) == 0


async def test_record_position_upserts_per_bot_and_symbol(journal: SqlJournal) -> None:
    first = Position("BTCUSDT", qty=Decimal("0.002"), avg_price=Decimal("23456.78"))
    await journal.record_position("grid-1", first, 1_000)
    later = Position(
        "BTCUSDT",
        qty=Decimal("0.001"),
        avg_price=Decimal("23456.78"),
        realised_pnl=Decimal("1.234567"),
        fees=Decimal("0.046914"),
    )
    await journal.record_position("grid-1", later, 2_000)
    await journal.record_position("dca-1", first, 1_500)

    records = await journal.positions.list()
    assert [(r.bot, r.position.symbol) for r in records] == [
        ("dca-1", "BTCUSDT"),
        ("grid-1", "BTCUSDT"),
    ]
    assert await journal.positions.get("grid-1", "BTCUSDT") == later
    assert records[1].updated_ms == 2_000


async def test_equity_points_per_series_oldest_first(journal: SqlJournal) -> None:
    for ts, value in [(1_000, "10000"), (2_000, "10012.5"), (3_000, "9998.125")]:
        await journal.record_equity(ts, Decimal(value))
    await journal.record_equity(2_000, Decimal("5000.01"), bot="grid-1")

    portfolio = await journal.equity.list(limit=2)
    assert [(p.ts, p.equity) for p in portfolio] == [
        (2_000, Decimal("10012.5")),
        (3_000, Decimal("9998.125")),
    ]
    assert all(p.bot is None for p in portfolio)
    grid = await journal.equity.list("grid-1")
    assert [(p.ts, p.equity, p.bot) for p in grid] == [(2_000, Decimal("5000.01"), "grid-1")]
    latest = await journal.equity.latest()
    assert latest is not None and latest.ts == 3_000


async def test_register_bot_upserts_and_keeps_state(journal: SqlJournal) -> None:
    await journal.register_bot("grid-1", "BTCUSDT", "grid", {"levels": 10})
    await journal.set_bot_state("grid-1", BotState.RUNNING, 5_000)
    await journal.register_bot("grid-1", "ETHUSDT", "grid", {"levels": 12, "step": Decimal("0.5")})
    await journal.register_bot("dca-1", "BTCUSDT", "dca", {})

    bot = await journal.bots.get("grid-1")
    assert bot is not None
    assert (bot.symbol, bot.strategy, bot.state) == ("ETHUSDT", "grid", BotState.RUNNING)
    assert bot.config == {"levels": 12, "step": "0.5"}
    assert bot.created_ms == 1_000
    assert [b.name for b in await journal.bots.list()] == ["dca-1", "grid-1"]
    assert await journal.bots.get("nobody") is None


async def test_a_bot_keeps_the_market_it_trades(journal: SqlJournal) -> None:
    """`traderagent trades` reads it: a perpetual's fills are a signed position."""
    await journal.register_bot("trend-perp", "BTCUSDT", "trend", {}, market="linear")
    await journal.register_bot("grid-1", "BTCUSDT", "grid", {})
    markets = {b.name: b.market for b in await journal.bots.list()}
    assert markets == {"trend-perp": "linear", "grid-1": "spot"}
    await journal.register_bot("trend-perp", "BTCUSDT", "trend", {}, market="spot")
    moved = await journal.bots.get("trend-perp")
    assert moved is not None and moved.market == "spot"


async def test_set_state_of_unknown_bot_raises(journal: SqlJournal) -> None:
    with pytest.raises(StorageError, match="unknown bot 'ghost'"):
        await journal.set_bot_state("ghost", BotState.RUNNING, 1_000)


async def test_reopening_the_same_database_keeps_the_data(backend: Backend) -> None:
    first = await SqlJournal.open(backend.target, clock_ms=lambda: 1_000)
    await first.register_bot("grid-1", "BTCUSDT", "grid", {"levels": 10})
    await first.record_order(make_order("grid-1-000004"), seq=4)
    await first.record_fill(make_fill("f-9"))
    await first.record_position("grid-1", Position("BTCUSDT", qty=Decimal("0.000001")), 2_000)
    await first.record_equity(2_000, Decimal("10000.000001"))
    await first.close()

    second = await SqlJournal.open(backend.target)
    try:
        assert [b.name for b in await second.bots.list()] == ["grid-1"]
        assert await second.last_sequence("grid-1") == 4
        assert await second.orders.get("grid-1-000004") == make_order("grid-1-000004")
        assert await second.fills.list() == [make_fill("f-9")]
        position = await second.positions.get("grid-1", "BTCUSDT")
        assert position is not None and position.qty == Decimal("0.000001")
        assert [p.equity for p in await second.equity.list()] == [Decimal("10000.000001")]
    finally:
        await second.close()


async def test_funding_shares_are_kept_once_per_settlement_and_bot(journal: SqlJournal) -> None:
    from traderagent.domain import FundingFee, Side
    from traderagent.engine.funding import FundingJournal

    assert isinstance(journal, FundingJournal)
    exact = Decimal("0.230000000000000001")
    share = FundingFee("f-8h", "BTCUSDT", Side.BUY, Decimal("0.1"), Decimal("0.0001"), exact,
                       "USDT", 28_800_000, bot="grid-1")  # fmt: skip
    assert await journal.record_funding(share) is True
    assert await journal.record_funding(share) is False  # heard again: not booked twice
    other = replace(share, bot="dca-1", amount=Decimal("0.1"))
    assert await journal.record_funding(other) is True
    assert list(await journal.funding_of("grid-1")) == [share]  # exact to the last digit
    assert [s.bot for s in await journal.funding_of("dca-1")] == ["dca-1"]
