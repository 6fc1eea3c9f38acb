"""A user's strategy that raises (issue 20, item 4) is caught by the engine's health monitor
(issue 17): its bot is reported (`BotTaskCrashed`, a log line naming the error and the line
of the strategy's file), set aside and started again, halted in EMERGENCY at the third crash
within the hour; the engine and the other bot trade on to the end of the replay."""

from __future__ import annotations

import asyncio
from pathlib import Path

from traderagent.backtest.inputs import backtest_config, replay_window
from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.backtest.venue import backtest_venue
from traderagent.config import parse_config
from traderagent.domain import BotState
from traderagent.domain.events import (
    BotTaskCrashed,
    Event,
    HealthCritical,
    LogRecord,
    OrderFilled,
)
from traderagent.engine.orchestrator import Engine
from traderagent.marketdata import load_bundled
from traderagent.plugins import load_plugin
from traderagent.wiring.runtime import assemble_engine

RAISING = Path(__file__).parents[1] / "unit" / "plugins" / "broken" / "raising.py"
TWO_BOTS = """\
replay: {data: bundled, speed: max}
bots:
  - name: grid-btc
    symbol: BTCUSDT
    budget_pct: "50"
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 41, amount_per_level: "100"}
  - name: mine
    symbol: BTCUSDT
    budget_pct: "50"
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 11, amount_per_level: "100"}
"""


async def _run(candles: int) -> tuple[Engine, list[Event]]:
    config = backtest_config(parse_config(TWO_BOTS, "test", {}), bot=None)
    venue = backtest_venue(config, replay_window(config, load_bundled().head(candles), "test"))
    journal = MemoryJournal(clock_ms=venue.clock.now_ms)
    engine = await assemble_engine(config, venue, journal, "memory")
    plugin = load_plugin(f"{RAISING}:Raising")
    bot = engine.bots["mine"]
    bot.strategy = plugin.build(plugin.config(), bot.instrument)  # as `kind: custom` will
    seen: list[Event] = []
    for kind in (BotTaskCrashed, HealthCritical, LogRecord, OrderFilled):
        engine.bus.subscribe(kind, seen.append)
    await engine.run()
    return engine, seen


def test_a_raising_plugin_strategy_is_caught_and_the_other_bot_trades_on() -> None:
    engine, seen = asyncio.run(_run(1_500))
    crashes = [e for e in seen if isinstance(e, BotTaskCrashed)]
    assert [c.bot for c in crashes] == ["mine"] * 3
    line = _line_of(RAISING, "return [levels[0]]")
    assert crashes[0].error == f"IndexError: list index out of range (at raising.py:{line})"
    logged = [e for e in seen if isinstance(e, LogRecord) and e.bot == "mine"]
    assert any(
        e.level == "error" and f"bot task crashed (1 of 3): {crashes[0].error}" in e.message
        for e in logged
    )
    critical = [e for e in seen if isinstance(e, HealthCritical)]
    assert len(critical) == 1 and critical[0].bot == "mine"
    assert engine.bots["mine"].state is BotState.EMERGENCY
    last_crash = crashes[-1].ts
    fills_after = [
        e
        for e in seen
        if isinstance(e, OrderFilled) and e.fill.bot == "grid-btc" and e.ts > last_crash
    ]
    assert fills_after  # the other bot goes on trading after the plugin's bot was halted
    assert engine.bots["grid-btc"].state is BotState.FINISHED
    assert engine.candles == 1_500  # the engine replayed every candle


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)
