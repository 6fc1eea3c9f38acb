"""Orders whose create answer was lost (OrderFateUnknown): never journalled Rejected, their
level stays taken until the exchange answers for their id, and that answer settles them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import pytest
from kit.factories import BTCUSDT
from scripted_exchange import T0, ScriptedExchange

from storage import SqlJournal
from strategies.grid import GridConfig, GridStrategy
from traderagent.bus import EventBus
from traderagent.clock import ReplayClock
from traderagent.domain import Candle, Order, OrderRequest, OrderStatus
from traderagent.engine.bot import BotRuntime
from traderagent.engine.unsure import NEVER_RECEIVED
from traderagent.exchanges.ports import OrderFateUnknown

BOT = "grid-1"


@dataclass
class LosingExchange(ScriptedExchange):
    """Places every order, but loses the answers of the first `lose` creates."""

    lose: int = 0
    lost: list[str] = field(default_factory=list)

    async def place_order(self, request: OrderRequest) -> Order:
        order = await super().place_order(request)
        if len(self.lost) < self.lose:
            self.lost.append(request.client_order_id)
            raise OrderFateUnknown(request.client_order_id, "HTTP 504, then look-ups 503")
        return order


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[SqlJournal]:
    opened = await SqlJournal.open(tmp_path / "unsure.db", clock_ms=lambda: T0)
    await opened.register_bot(BOT, "BTCUSDT", "grid", {})
    yield opened
    await opened.close()


def candle(minute: int) -> Candle:
    return Candle("BTCUSDT", T0 + minute * 60_000, 21500, 21510, 21490, 21500, 1.0)


async def status_of(journal: SqlJournal, cid: str) -> OrderStatus:
    rows = {o.client_order_id: o for o in await journal.orders_of(BOT, limit=100)}
    return rows[cid].status


async def test_an_order_of_unknown_fate_holds_its_level_until_the_exchange_answers(
    journal: SqlJournal,
) -> None:
    venue = LosingExchange(lose=2)
    config = {"lower": 20000, "upper": 24000, "levels": 5, "amount_per_level": 100}
    strategy = GridStrategy(GridConfig.model_validate(config), BTCUSDT)
    clock = ReplayClock(T0)
    bot = BotRuntime(BOT, strategy, BTCUSDT, venue, journal, EventBus(), clock)
    await bot.start()
    await bot.on_candle(candle(0), Decimal(21500))
    live, gone = venue.lost
    placed = len(venue.placed)
    assert set(bot.unsure.since) == {live, gone} and bot.orders_rejected == 0
    for cid in (live, gone):  # unknown is not rejected: resting, journalled New
        assert await status_of(journal, cid) is OrderStatus.NEW
        assert bot.orders[cid].tag in bot.live_tags()

    venue.failures = 1  # the first look-up goes unanswered: nothing is settled by it
    venue.known[live] = replace(bot.orders[live], exchange_order_id="oid-live", bot="")
    await clock.advance_to(T0 + 5_000)
    await bot.on_candle(candle(1), Decimal(21500))
    assert bot.unsure.failed_lookups == 1
    assert set(bot.unsure.since) == {live, gone}  # and "no such order" 5 s on: maybe not yet

    await clock.advance_to(T0 + 10_000)
    await bot.on_candle(candle(2), Decimal(21500))
    assert set(bot.unsure.since) == {gone}  # the live one is the exchange's: kept, resting
    assert bot.orders[live].exchange_order_id == "oid-live"
    assert await status_of(journal, live) is OrderStatus.NEW
    assert gone in bot.orders
    assert len(venue.placed) == placed  # nothing placed again at either level meanwhile

    await clock.advance_to(T0 + 60_000)
    await bot.on_candle(candle(3), Decimal(21500))
    assert not bot.unsure.since and gone not in bot.orders
    rows = {o.client_order_id: o for o in await journal.orders_of(BOT, limit=100)}
    assert rows[gone].status is OrderStatus.REJECTED and rows[gone].reject_reason == NEVER_RECEIVED
    assert live in bot.orders and bot.unsure.settled == 2


@dataclass
class BrokenAnswerExchange(ScriptedExchange):
    """Places the first order, then fails on its answer with an error that is not an exchange
    error (a venue adapter's bug: a malformed reply it cannot read)."""

    broke: list[str] = field(default_factory=list)

    async def place_order(self, request: OrderRequest) -> Order:
        order = await super().place_order(request)
        if not self.broke:
            self.broke.append(request.client_order_id)
            raise KeyError("orderId")
        return order


async def test_a_create_that_fails_unexpectedly_is_unknown_not_a_crash(
    journal: SqlJournal,
) -> None:
    """The request may have left: the order rests as unknown (journalled New, its level
    taken), the bot goes on placing the others, and the exchange's answer settles it."""
    venue = BrokenAnswerExchange()
    config = {"lower": 20000, "upper": 24000, "levels": 5, "amount_per_level": 100}
    strategy = GridStrategy(GridConfig.model_validate(config), BTCUSDT)
    clock = ReplayClock(T0)
    bot = BotRuntime(BOT, strategy, BTCUSDT, venue, journal, EventBus(), clock)
    await bot.start()
    await bot.on_candle(candle(0), Decimal(21500))
    (broken,) = venue.broke
    assert set(bot.unsure.since) == {broken} and bot.orders_rejected == 0
    assert await status_of(journal, broken) is OrderStatus.NEW
    assert len(venue.placed) > 1  # the other levels were placed after it

    venue.known[broken] = replace(bot.orders[broken], exchange_order_id="oid-9", bot="")
    await clock.advance_to(T0 + 5_000)
    await bot.on_candle(candle(1), Decimal(21500))
    assert not bot.unsure.since and bot.orders[broken].exchange_order_id == "oid-9"
