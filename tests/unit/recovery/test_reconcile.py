"""Reconcile against a scripted exchange: adopt what it has, record fills made while down
exactly once, close orders by the exchange's own answer, and never trade on a missing one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from kit.factories import BTCUSDT
from scripted_exchange import T0, ScriptedExchange, fill, order

from storage import SqlJournal
from strategies.grid import GridConfig, GridStrategy
from traderagent.bus import EventBus
from traderagent.clock import ReplayClock
from traderagent.domain import BotState, Candle, OrderStatus, Side
from traderagent.domain.events import LogRecord
from traderagent.engine.bot import BotRuntime
from traderagent.engine.recovery import (
    LOST_REASON,
    ExchangeUnavailable,
    owned_by,
    reconcile,
    reconcile_with_retry,
)

BOT = "grid-1"


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[SqlJournal]:
    opened = await SqlJournal.open(tmp_path / "recovery.db", clock_ms=lambda: T0)
    await opened.register_bot(BOT, "BTCUSDT", "grid", {})
    yield opened
    await opened.close()


async def test_only_this_bots_client_ids_count_as_its_own() -> None:
    assert owned_by("grid-1-17", "grid-1")
    assert not owned_by("grid-1-x-17", "grid-1")  # bot "grid-1-x"
    assert not owned_by("grid-17", "grid-1") and not owned_by("grid-1-", "grid-1")


async def test_open_orders_on_the_exchange_are_adopted_with_their_journal_tags(
    journal: SqlJournal,
) -> None:
    await journal.record_order(order("grid-1-3", "b5"), seq=3)
    venue = ScriptedExchange(open=[order("grid-1-3"), order("grid-1-x-9"), order("other-4")])
    result = await reconcile(BOT, "BTCUSDT", venue, journal, T0)
    assert [(o.client_order_id, o.tag, o.status) for o in result.adopted] == [
        ("grid-1-3", "b5", OrderStatus.NEW)
    ]
    assert result.seq == 3 and result.position.qty == 0 and not result.lost


async def test_a_fill_made_while_down_is_recorded_once_and_moves_the_position(
    journal: SqlJournal,
) -> None:
    await journal.record_order(order("grid-1-2", "b4"), seq=2)
    filled = order("grid-1-2", status=OrderStatus.FILLED)
    venue = ScriptedExchange(executions=[fill("x-1", "grid-1-2")], known={"grid-1-2": filled})
    venue.held = Decimal("0.01")
    first = await reconcile(BOT, "BTCUSDT", venue, journal, T0)
    again = await reconcile(BOT, "BTCUSDT", venue, journal, T0)
    assert [f.fill_id for f in first.recorded_fills] == ["x-1"]
    assert first.recorded_fills[0].tag == "b4" and first.recorded_fills[0].bot == BOT
    assert again.recorded_fills == ()  # the second restart finds it journalled
    assert first.position.qty == again.position.qty == Decimal("0.01")
    assert [f.fill_id for f in await journal.fills_of(BOT)] == ["x-1"]
    assert [o.status for o in first.closed] == [OrderStatus.FILLED]
    assert not await journal.open_orders(BOT)
    stored = await journal.position_of(BOT, "BTCUSDT")
    assert stored is not None and stored.qty == Decimal("0.01")


async def test_a_partly_filled_open_order_counts_its_fills_once(journal: SqlJournal) -> None:
    await journal.record_order(order("grid-1-7", "s2", side=Side.SELL), seq=7)
    await journal.record_fill(fill("x-0", "grid-1-6", ts=T0))  # an earlier buy
    venue = ScriptedExchange(
        open=[order("grid-1-7", side=Side.SELL)],
        executions=[fill("x-0", "grid-1-6", ts=T0), fill("x-5", "grid-1-7", Side.SELL, "0.004")],
    )
    result = await reconcile(BOT, "BTCUSDT", venue, journal, T0)
    (adopted,) = result.adopted
    assert adopted.filled_qty == Decimal("0.004") and adopted.status is OrderStatus.PARTIALLY_FILLED
    assert result.position.qty == Decimal("0.006")


async def test_orders_the_exchange_no_longer_lists_are_closed_by_its_answer(
    journal: SqlJournal,
) -> None:
    await journal.record_order(order("grid-1-5", "b1"), seq=5)
    await journal.record_order(order("grid-1-6", "b2"), seq=6)
    cancelled = order("grid-1-5", status=OrderStatus.CANCELLED)
    venue = ScriptedExchange(known={"grid-1-5": cancelled})  # grid-1-6 never arrived
    result = await reconcile(BOT, "BTCUSDT", venue, journal, T0)
    assert [(o.client_order_id, o.status) for o in result.closed] == [
        ("grid-1-5", OrderStatus.CANCELLED)
    ]
    assert [(o.client_order_id, o.reject_reason) for o in result.lost] == [
        ("grid-1-6", LOST_REASON)
    ]
    statuses = {o.client_order_id: o.status for o in await journal.orders_of(BOT)}
    assert statuses == {"grid-1-5": OrderStatus.CANCELLED, "grid-1-6": OrderStatus.REJECTED}
    assert result.seq == 6  # the lost order's id is never used again


async def test_no_answer_is_retried_with_backoff_then_reported(journal: SqlJournal) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    venue = ScriptedExchange(failures=2)
    result = await reconcile_with_retry(
        BOT, "BTCUSDT", venue, journal, lambda: T0, (0.5, 1.0, 2.0), sleep
    )
    assert waits == [0.5, 1.0] and result.position.qty == 0
    down = ScriptedExchange(failures=99)
    with pytest.raises(ExchangeUnavailable, match="connection refused"):
        await reconcile_with_retry(BOT, "BTCUSDT", down, journal, lambda: T0, (0.1,), sleep)


def runtime(venue: ScriptedExchange, journal: SqlJournal, bus: EventBus) -> BotRuntime:
    config = {"lower": 20000, "upper": 24000, "levels": 5, "amount_per_level": 100}
    strategy = GridStrategy(GridConfig.model_validate(config), BTCUSDT)
    clock = ReplayClock(T0)
    return BotRuntime(BOT, strategy, BTCUSDT, venue, journal, bus, clock, recovery_delays=(0.0,))


def candle(minute: int) -> Candle:
    return Candle("BTCUSDT", T0 + minute * 60_000, 21500, 21510, 21490, 21500, 1.0)


async def test_a_bot_whose_exchange_does_not_answer_stays_starting_and_trades_nothing(
    journal: SqlJournal,
) -> None:
    bus = EventBus()
    logs: list[LogRecord] = []
    bus.subscribe(LogRecord, logs.append)
    venue = ScriptedExchange(failures=3)  # the start's two attempts, then the first candle's
    bot = runtime(venue, journal, bus)
    await bot.start()
    await bot.on_candle(candle(0), Decimal(21500))
    assert bot.state is BotState.STARTING and not bot.recovered
    assert venue.placed == [] and bot.position.qty == 0
    assert "not trading until the exchange answers" in bot.state_reason
    assert any("trying again on the next candle" in r.message for r in logs)
    await bot.on_candle(candle(1), Decimal(21500))  # it answers now: reconcile, then trade
    assert bot.state is BotState.RUNNING and bot.recovered
    assert {r.tag for r in venue.placed} >= {"b0", "b1"}


async def test_a_fill_recovery_recorded_is_not_applied_again_when_the_venue_reports_it(
    journal: SqlJournal,
) -> None:
    await journal.record_order(order("grid-1-2", "b1"), seq=2)
    late = fill("x-1", "grid-1-2", qty="0.004")
    venue = ScriptedExchange(open=[order("grid-1-2")], executions=[late])
    bot = runtime(venue, journal, EventBus())
    await bot.start()
    assert bot.position.qty == Decimal("0.004") and bot.fills == 1
    await bot.on_fill(late)  # the private stream delivers it after the reconcile too
    assert bot.position.qty == Decimal("0.004") and bot.fills == 1
    assert bot.orders["grid-1-2"].filled_qty == Decimal("0.004")
    assert bot.execution.seq == 2  # the next order is grid-1-3
