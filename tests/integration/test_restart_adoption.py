"""Every restart path of a grid and a DCA bot adopts the position the bot holds: nothing held
is bought again, and no buy limit rests above the market (a marketable buy goes as a market
order, by intent). Bundled real candles: 1-3 March 2023, with the sell-off of 3 March
(23,450 -> 22,250) falling inside a stop, a pause or a halt."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from kit.factories import DCA_STRATEGY

from strategies.dca import DcaStrategy
from strategies.grid import GridStrategy
from traderagent.config import parse_config
from traderagent.domain import BotState, Candle, Order, OrderStatus, OrderType, Side
from traderagent.domain.events import OrderUpdated
from traderagent.engine.bot import BotRuntime
from traderagent.engine.orchestrator import Engine
from traderagent.wiring.runtime import build_engine

BOT = "bot"
START = datetime(2023, 3, 1, tzinfo=UTC)
GRID = {
    "kind": "grid",
    "lower": "22000",
    "upper": "24000",
    "levels": 21,
    "spacing": "arithmetic",
    "amount_per_level": "200",
}
STRATEGIES: dict[str, dict[str, object]] = {"grid": GRID, "dca": DCA_STRATEGY}
# (candles before the interruption, candles it lasts): across the sell-off of 3 March, and,
# for the pause, a rise that fills the grid's sells followed by a dip under their counter-buys
GAPS = {"stop": (2900, 200), "halt": (2900, 200), "pause": (2900, 200)}
PAUSE_GAPS = {"grid": (30, 300), "dca": (2900, 200)}


def config(kind: str, start: datetime = START, days: int = 4) -> str:
    raw: dict[str, Any] = {
        "mode": "paper",
        "replay": {
            "data": "bundled",
            "speed": "max",
            "start": start.isoformat(),
            "end": (START + timedelta(days=days)).isoformat(),
        },
        "bots": [{"name": BOT, "symbol": "BTCUSDT", "strategy": STRATEGIES[kind]}],
    }
    return yaml.safe_dump(raw)


@dataclass
class Watch:
    """The bot's orders as they are placed, each with the market price at that moment."""

    bot: BotRuntime
    placed: list[tuple[Order, Decimal]] = field(default_factory=list)

    def __call__(self, event: OrderUpdated) -> None:
        order = event.order
        if order.bot == BOT and order.status is OrderStatus.NEW and order.filled_qty == 0:
            assert self.bot.last_price is not None
            self.placed.append((order, self.bot.last_price))

    def limit_buys_through_the_market(self) -> list[str]:
        return [
            f"{o.tag} buy limit {o.price} with the market at {mark}"
            for o, mark in self.placed
            if o.side is Side.BUY and o.type is OrderType.LIMIT and o.price is not None
            if o.price >= mark
        ]

    def market_buys(self) -> list[str]:
        return [o.tag for o, _ in self.placed if o.side is Side.BUY and o.type is OrderType.MARKET]


async def engine_for(kind: str, db: Path, start: datetime = START) -> Engine:
    return (await build_engine(parse_config(config(kind, start), "c.yaml", {}), db)).engine


async def steps(engine: Engine, feed: Iterator[Candle], n: int) -> None:
    for _ in range(n):
        await engine._step(next(feed))


def resting_buys(bot: BotRuntime) -> Decimal:
    return sum(
        (o.qty - o.filled_qty for o in bot.orders.values() if o.side is Side.BUY), Decimal(0)
    )


def check_grid(bot: BotRuntime, held_before: Decimal) -> None:
    """What the grid holds plus what its buys would add stays within its slots; nothing the
    position covered was bought at market."""
    grid = bot.strategy
    assert isinstance(grid, GridStrategy) and grid.book is not None
    capacity = sum(grid.book.quantities, Decimal(0))
    assert bot.position.qty + resting_buys(bot) <= max(capacity, held_before)
    price = bot.last_price
    assert price is not None
    above = sum(
        (q for lv, q in zip(grid.levels, grid.book.quantities, strict=False) if lv >= price),
        Decimal(0),
    )
    assert bot.position.qty <= max(above, held_before)  # no slot held twice


def check_dca(bot: BotRuntime, watch: Watch) -> None:
    """The cycle goes on from the position: no second base order while the bot holds one."""
    dca = bot.strategy
    assert isinstance(dca, DcaStrategy)
    if bot.position.qty > 0:
        assert not [t for t in watch.market_buys() if t.startswith("base")]


async def restart(engine: Engine, path: str) -> None:
    if path == "stop":
        await engine.start_bot(BOT)
    elif path == "pause":
        await engine.resume_bot(BOT)
    else:
        await engine.acknowledge(BOT)
        await engine.start_bot(BOT)


async def interrupt(engine: Engine, path: str) -> None:
    if path == "stop":
        await engine.stop_bot(BOT)
    elif path == "pause":
        await engine.pause_bot(BOT)
    else:
        await engine.halt(BOT, reason="test halt")


@pytest.mark.parametrize("kind", ["grid", "dca"])
@pytest.mark.parametrize("path", ["stop", "pause", "halt"])
async def test_a_restarted_bot_adopts_its_position_and_buys_nothing_above_the_market(
    kind: str, path: str, tmp_path: Path
) -> None:
    engine = await engine_for(kind, tmp_path / "r.db")
    bot = engine.bots[BOT]
    await bot.start()
    feed = iter(engine._feed)
    before, during = PAUSE_GAPS[kind] if path == "pause" else GAPS[path]
    await steps(engine, feed, before)
    assert bot.position.qty > 0  # it holds something to adopt
    await interrupt(engine, path)
    await steps(engine, feed, during)
    held = bot.position.qty
    watch = Watch(bot)
    engine.bus.subscribe(OrderUpdated, watch)
    await restart(engine, path)
    await steps(engine, feed, 2)
    assert bot.state is BotState.RUNNING
    assert watch.placed  # the restart did re-arm the strategy
    assert watch.limit_buys_through_the_market() == []
    if kind == "grid":
        check_grid(bot, held)
    else:
        check_dca(bot, watch)
    await engine.close()


@pytest.mark.parametrize("kind", ["grid", "dca"])
@pytest.mark.parametrize("cancel", [True, False], ids=["daemon-restart", "crash"])
async def test_a_bot_recovered_in_a_new_process_adopts_its_position(
    kind: str, cancel: bool, tmp_path: Path
) -> None:
    db = tmp_path / "r.db"
    first = await engine_for(kind, db)
    bot = first.bots[BOT]
    await bot.start()
    # grid: bought low, started again higher up; DCA: in a cycle, started again after a fall
    before, after = (30, 330) if kind == "grid" else (2900, 3100)
    feed = iter(first._feed)
    await steps(first, feed, before)
    held = bot.position.qty
    assert held > 0
    if cancel:
        await first.shutdown(cancel_orders=True)  # a daemon stopping: its orders cancelled
    await first.close()  # a crash leaves the paper book as it stood

    second = await engine_for(kind, db, START + timedelta(minutes=after))
    bot = second.bots[BOT]
    watch = Watch(bot)
    second.bus.subscribe(OrderUpdated, watch)
    await bot.start()
    await steps(second, iter(second._feed), 2)
    assert bot.state is BotState.RUNNING and bot.strategy_started
    assert watch.limit_buys_through_the_market() == []
    if kind == "grid":
        check_grid(bot, held)
    else:
        check_dca(bot, watch)
    await second.close()
