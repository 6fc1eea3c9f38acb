"""A bot's snapshot payload, built directly at every write, is its checkpoint's payload: the
one layout, whichever way it is built."""

from __future__ import annotations

from traderagent.backtest.inputs import backtest_config, replay_window
from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.backtest.venue import backtest_venue
from traderagent.config import parse_config
from traderagent.engine.checkpoints import bot_payload, checkpoint_of
from traderagent.marketdata import load_bundled
from traderagent.wiring.runtime import assemble_engine

GRID = """\
replay: {data: bundled, speed: max}
bots:
  - name: grid-btc
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "19000", upper: "29000", levels: 41, amount_per_level: "200"}
"""


async def test_the_payload_written_is_the_checkpoints_payload() -> None:
    config = backtest_config(parse_config(GRID, "test", {}), bot=None)
    candles = load_bundled().head(3_000)
    venue = backtest_venue(config, replay_window(config, candles, "test"))
    journal = MemoryJournal(clock_ms=venue.clock.now_ms)
    engine = await assemble_engine(config, venue, journal, "memory")
    await engine.run()
    bot = next(iter(engine.bots.values()))
    assert bot.fills > 0 and len(bot.orders) > 1 and bot.strategy_started
    payload = bot_payload(bot)
    assert payload == checkpoint_of(bot).payload()
    assert payload["open_orders"] == list(bot.orders)
    loaded = await journal.load_snapshot(bot.name)  # the engine wrote it the same way
    assert loaded is not None and loaded[0]["seq"] == bot.execution.seq
