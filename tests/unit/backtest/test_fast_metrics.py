"""`backtest --fast`'s metrics from the fill rows: the very values of building every fill."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from traderagent.backtest.fast import KernelFills, full_kernel_run, kernel_run
from traderagent.backtest.fast_metrics import quick_net_pnl, quick_run
from traderagent.backtest.inputs import backtest_config
from traderagent.backtest.kernels import run_fast
from traderagent.backtest.kernels.figures import curve_figures, numpy_sum
from traderagent.backtest.metrics import max_drawdown_pct
from traderagent.backtest.trades import round_trips
from traderagent.config import parse_config
from traderagent.marketdata import load_bundled

GRID = """\
paper: {balances: {USDT: "10000"}}
bots:
  - name: g
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: %d, amount_per_level: "150"}
"""
DCA = """\
paper: {balances: {USDT: "10000"}, maker_fee: "0.00075", taker_fee: "0.0011"}
bots:
  - name: g
    symbol: BTCUSDT
    strategy: {kind: dca, base_order: "300", safety_order: "200", max_safety_orders: 5,
               active_safety_orders: 2, price_deviation: "0.7", step_scale: "1.3",
               volume_scale: "1.4", take_profit: "0.9", stop_loss: "8"}
"""
HALTING = GRID % 41 + 'risk: {max_drawdown_pct: "0.5"}\n'


@pytest.mark.parametrize("text", [GRID % 41, GRID % 9, DCA], ids=["grid41", "grid9", "dca"])
def test_the_quick_metrics_are_those_of_the_built_fills(text: str) -> None:
    config = backtest_config(parse_config(text, "test", {}), bot="g")
    candles = load_bundled()
    fast = run_fast(config, "g", candles, equity_curve=False)
    reference = full_kernel_run(config, fast, candles)
    quick = quick_run(config, fast, candles)
    assert quick is not None and fast.fill_count > 20
    equity, metrics, trips = quick
    assert np.array_equal(equity.values, reference.equity.values)  # bit for bit
    assert np.array_equal(equity.fill_candles, reference.equity.fill_candles)
    assert (equity.starting, equity.final) == (reference.equity.starting, reference.equity.final)
    assert metrics == reference.metrics
    assert metrics.as_json() == reference.metrics.as_json()  # Decimals written alike too
    run = kernel_run(config, fast, candles)
    assert isinstance(run.fills, KernelFills) and len(run.fills) == fast.fill_count
    assert list(run.fills) == reference.fills and run.fills[-1] == reference.fills[-1]
    # the round trips computed with the metrics are those of the built fills, Decimals alike
    built = round_trips(reference.fills)
    assert len(built) == metrics.trades > 10
    assert (
        round_trips(run.fills) == built
        and [(t.ts, t.qty, t.entry, t.exit, t.pnl) for t in built] == trips
    )
    assert [str(t.pnl) for t in round_trips(run.fills)] == [str(t.pnl) for t in built]
    assert quick_net_pnl(config, fast, candles) == metrics.net_pnl
    assert str(quick_net_pnl(config, fast, candles)) == str(metrics.net_pnl)


def test_a_halted_run_takes_the_full_path() -> None:
    config = backtest_config(parse_config(HALTING, "test", {}), bot="g")
    candles = load_bundled()
    fast = run_fast(config, "g", candles)
    assert fast.halt_ts is not None and quick_run(config, fast, candles) is None
    assert quick_net_pnl(config, fast, candles) is None
    run = kernel_run(config, fast, candles)
    assert run.metrics.halted is not None
    assert replace(run.metrics, elapsed_s=0) == replace(
        full_kernel_run(config, fast, candles).metrics, elapsed_s=0
    )


@pytest.mark.parametrize("n", [1, 7, 8, 9, 127, 128, 129, 1000, 8193, 100_003])
def test_sums_and_ratios_follow_numpys_order(n: int) -> None:
    rng = np.random.default_rng(n)
    values = 10_000 * np.cumprod(1 + rng.standard_normal(n) * 1e-3)
    assert numpy_sum(values) == values.sum()
    curve = np.concatenate(([10_000.0], values))
    returns = curve[1:] / curve[:-1] - 1.0
    drawdown, mean, deviation, downside, count = curve_figures(10_000.0, values)
    assert drawdown == max_drawdown_pct(curve) and mean == float(returns.mean()) and count == n
    if n >= 2:
        assert deviation == float(returns.std(ddof=1))
        assert downside == float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2)))
