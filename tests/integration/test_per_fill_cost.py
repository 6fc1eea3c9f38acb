"""Nothing is rebuilt per fill: a bot's live tags are one view kept as its orders open and
close, and a snapshot's "did anything change" check does not walk the bot's orders.

A dense grid (many resting orders, a fill every few candles) on the bundled sample, stepped
candle by candle, as the B1s benchmark runs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

from strategies.base import StrategyContext
from traderagent.backtest.inputs import backtest_config, replay_window
from traderagent.backtest.memory_journal import MemoryJournal, merged_update
from traderagent.backtest.venue import backtest_venue
from traderagent.config import parse_config
from traderagent.domain import Fill, Order, OrderStatus, OrderType, Side
from traderagent.engine.live_tags import LiveTags
from traderagent.marketdata import load_bundled
from traderagent.wiring.runtime import assemble_engine

DENSE = """\
replay: {data: bundled, speed: max}
paper: {balances: {USDT: "100000"}}
bots:
  - name: grid-btc
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "19000", upper: "25000", levels: 121, amount_per_level: "100"}
"""


class CountedOrders(dict[str, Order]):
    """A bot's open orders that count how often something walks all of them."""

    walks = 0

    def __iter__(self) -> Iterator[str]:
        CountedOrders.walks += 1
        return super().__iter__()


async def _dense_run(candles: int) -> tuple[Any, list[tuple[int, frozenset[str], set[str]]]]:
    config = backtest_config(parse_config(DENSE, "test", {}), bot=None)
    sample = load_bundled().head(candles)
    venue = backtest_venue(config, replay_window(config, sample, "test"))
    journal = MemoryJournal(clock_ms=venue.clock.now_ms)
    engine = await assemble_engine(config, venue, journal, "memory")
    bot = engine.bots["grid-btc"]
    seen: list[tuple[int, frozenset[str], set[str]]] = []
    strategy_on_fill = bot.strategy.on_fill

    def on_fill(fill: Fill, order: Order, ctx: StrategyContext) -> list[Any]:
        live = {o.tag for o in bot.orders.values()}
        seen.append((id(ctx.live_tags), frozenset(ctx.live_tags), live))
        return strategy_on_fill(fill, order, ctx)

    bot.strategy.on_fill = on_fill  # type: ignore[method-assign]
    bot.orders = CountedOrders()
    await engine.run()
    return engine, seen


def test_the_live_tags_are_one_view_kept_as_orders_change_not_rebuilt_per_fill() -> None:
    engine, seen = asyncio.run(_dense_run(3_000))
    assert len(seen) > 50, "the dense grid should fill often on the sample"
    views = {view for view, _, _ in seen}
    assert len(views) == 1  # the same object at every fill: nothing rebuilt
    for _, tags, live in seen:  # and at each fill it holds exactly the resting orders' tags
        assert tags == live


def test_a_snapshot_check_does_not_walk_the_orders() -> None:
    CountedOrders.walks = 0
    engine, seen = asyncio.run(_dense_run(3_000))
    journal = engine.journal
    written = engine.snapshots.written
    assert written > 10 and len(seen) > 50
    # the orders are walked when a snapshot is written (its payload lists them), never to
    # decide whether one is due
    assert CountedOrders.walks <= written
    saved = asyncio.run(journal.load_snapshot("grid-btc"))
    assert saved is not None
    payload = saved[0]
    assert set(payload["open_orders"]) == set(engine.bots["grid-btc"].orders)


def test_live_tags_count_repeated_tags_and_set_operations_return_frozensets() -> None:
    tags = LiveTags()
    tags.add("b1")
    tags.add("close")
    tags.add("close")
    tags.remove("close")
    assert "close" in tags and len(tags) == 2  # one `close` still rests
    tags.remove("close")
    tags.remove("missing")  # not held: ignored
    assert set(tags) == {"b1"}
    difference = tags - {"b1"}
    assert isinstance(difference, frozenset) and not difference
    assert tags | {"s2"} == frozenset({"b1", "s2"}) and tags == frozenset({"b1"})


def test_the_memory_journal_merges_an_update_as_replace_would() -> None:
    stored = Order(
        "grid-btc-7", "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal("20000"),
        OrderStatus.NEW, 1_000, 1_000, exchange_order_id="x-7", bot="grid-btc", tag="b3",
    )  # fmt: skip
    update = Order(
        "grid-btc-7", "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal("20000"),
        OrderStatus.FILLED, 1_500, 2_000, Decimal("0.01"), Decimal("20000"),
    )  # fmt: skip
    expected = replace(update, created_ms=1_000, bot="grid-btc", tag="b3", exchange_order_id="x-7")
    assert merged_update(update, stored) == expected
