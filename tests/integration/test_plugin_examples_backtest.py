"""The worked examples (issue 20) trade on the engine: a backtest of the bundled candles with
the bot's strategy replaced by the example (as `kind: custom` will build it) fills orders,
has nothing refused, and ends with every order accounted for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import traderagent.backtest.runner as runner
from traderagent.config import parse_config
from traderagent.plugins.custom import CUSTOM, CustomConfig
from traderagent.wiring.runtime import assemble_engine

EXAMPLES = Path(__file__).parents[2] / "examples" / "strategies"
CONFIG = """\
replay: {data: bundled, speed: max}
paper: {balances: {USDT: "10000"}}
bots:
  - name: mine
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 11, amount_per_level: "100"}
"""


@pytest.mark.parametrize(
    "spec", ["rsi_reversion.py:RsiReversion", "bollinger_breakout.py:BollingerBreakout"]
)
def test_an_example_backtests_on_the_engine(monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    custom = CustomConfig.model_validate({"kind": "custom", "path": str(EXAMPLES / spec)})
    assemble = assemble_engine

    async def with_the_example(*args: Any) -> Any:
        engine = await assemble(*args)
        bot = engine.bots["mine"]
        bot.strategy = CUSTOM.build(custom, bot.instrument)
        return engine

    monkeypatch.setattr(runner, "assemble_engine", with_the_example)
    result = runner.run_backtest_sync(parse_config(CONFIG, "test", {}))
    metrics = result.metrics
    assert metrics.candles == 30_240
    assert metrics.trades >= 5 and metrics.fills >= 2 * metrics.trades
    assert metrics.rejected_orders.count == 0 and metrics.allocator_refused == 0
    assert metrics.halted is None
    assert abs(metrics.max_drawdown_pct) < 5  # small entries on 10,000 USDT
