"""A config names a strategy file by `kind: custom, path:` and its
own settings, and it backtests on the engine; a refused setting is a config error naming it.
Run in a fresh interpreter: the config's strategy union is built once, at import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RSI = ROOT / "examples" / "strategies" / "rsi_reversion.py"
SCRIPT = """
import sys
from traderagent.backtest.runner import run_backtest_sync
from traderagent.config import ConfigError, parse_config
try:
    config = parse_config(sys.argv[1], "test", {})
except ConfigError as err:
    print("config error:", err)
    raise SystemExit(2)
metrics = run_backtest_sync(config).metrics
strategy = config.bots[0].strategy
print(strategy.kind, strategy.settings().period, metrics.candles, metrics.trades)
"""
CONFIG = """\
replay: {{data: bundled, speed: max}}
paper: {{balances: {{USDT: "10000"}}}}
bots:
  - name: mine
    symbol: BTCUSDT
    strategy: {{kind: custom, path: "{path}:RsiReversion", period: {period}, bar_minutes: 5}}
"""


def _run(period: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", SCRIPT, CONFIG.format(path=RSI, period=period)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_config_names_a_strategy_file_and_it_backtests() -> None:
    done = _run(21)
    assert done.returncode == 0, done.stdout + done.stderr
    kind, period, candles, trades = done.stdout.split()
    assert (kind, period, candles) == ("custom", "21", "30240")
    assert int(trades) > 0


def test_a_setting_the_plugin_refuses_is_a_config_error() -> None:
    done = _run(1)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "config error:" in done.stdout
    assert "rsi_reversion.py:RsiReversion: setting period: Input should be greater" in done.stdout
