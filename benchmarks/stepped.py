"""B1s: the engine where it does the work (PERFORMANCE.md, "honest measurement").

Two figures, both through the very code `traderagent backtest` runs (benchmarks.backtest):
- the year of 1m candles with every candle stepped through the engine (no fast-forward):
  candles/s, target >= 250,000;
- a dense year: a 451-level grid over 2,600-25,100 at 200 USDT a level on the fixed-seed
  synthetic year of ../shared/tools/synth_candles.py (made here with numpy alone, the same
  draws), ~20,800 fills: the engine's stepping time per fill (the fast-forward driver's
  `step_s` over the fills: scanning quiet candles and metrics excluded), target <= 40 us.

`python -m benchmarks.stepped` prints both with the CPU time beside the wall time: the machine
is shared, and CPU time is what the run would take alone.
"""

from __future__ import annotations

import asyncio
import statistics
import sys

import numpy as np

from benchmarks.backtest import Run, backtest, gate, year_config
from benchmarks.result import Result
from traderagent.backtest.inputs import backtest_config
from traderagent.config import AppConfig, parse_config
from traderagent.marketdata import CandleSeries
from traderagent.marketdata.year import YEAR_MINUTES, year_of_candles

REPEATS = 3
STEPPED_TARGET = 250_000
PER_FILL_TARGET_US = 40.0
DENSE_CONFIG = """\
replay: {data: bundled, speed: max}
paper: {balances: {USDT: "1000000"}}
bots:
  - name: grid-btc
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "2600", upper: "25100", levels: 451, amount_per_level: "200"}
"""
SYNTH_START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z, as synth_candles.py starts


def dense_year(n: int = YEAR_MINUTES, seed: int = 7, start: float = 25000.0) -> CandleSeries:
    """synth_candles.py's year (the same generator, draws and rounding), as a CandleSeries."""
    rng = np.random.default_rng(seed)
    regime_len = 20_000
    drift = np.repeat(rng.choice([0.0, 2e-5, -2e-5], size=n // regime_len + 1), regime_len)[:n]
    vol = np.repeat(rng.choice([4e-4, 8e-4, 1.6e-3], size=n // regime_len + 1), regime_len)[:n]
    r = drift + vol * rng.standard_normal(n)
    close = start * np.exp(np.cumsum(r))
    open_ = np.r_[start, close[:-1]]
    wick = np.abs(rng.standard_normal((2, n))) * vol * close * 0.6
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    volume = rng.gamma(2.0, 5.0, n).round(4)
    ts = SYNTH_START_MS + np.arange(n, dtype=np.int64) * 60_000
    return CandleSeries(
        "BTCUSDT", 60_000, ts, open_.round(2), high.round(2), low.round(2), close.round(2), volume
    )


def dense_config() -> AppConfig:
    return backtest_config(parse_config(DENSE_CONFIG, "benchmark", {}), bot=None)


def stepped_year(repeats: int = REPEATS) -> Run:
    """The median (by wall time) of `repeats` runs stepping every candle of the year (gated:
    the quiet steps make the reference's fills, orders and equity on the bundled sample)."""
    config, year = year_config(), year_of_candles()
    gate(config)
    asyncio.run(backtest(config, year.head(20_000), fast=False))  # warm-up
    runs = sorted(
        (asyncio.run(backtest(config, year, fast=False)) for _ in range(repeats)),
        key=lambda run: run.elapsed_s,
    )
    return runs[len(runs) // 2]


def dense_per_fill(repeats: int = REPEATS) -> tuple[float, float, Run]:
    """Median engine stepping time per fill on the dense year (us), the same in CPU time
    (the whole run's CPU over its fills: an upper bound), and the median run."""
    config, candles = dense_config(), dense_year()
    runs = [asyncio.run(backtest(config, candles, fast=True)) for _ in range(repeats)]
    runs.sort(key=lambda run: run.step_s)
    middle = runs[len(runs) // 2]
    fills = max(middle.metrics.fills, 1)
    cpu = statistics.median(run.cpu_s / max(run.metrics.fills, 1) for run in runs)
    return middle.step_s / fills * 1e6, cpu * 1e6, middle


def describe_stepped(run: Run) -> str:
    return (
        f"B1s: {run.candles:,} candles stepped in {run.elapsed_s:.2f} s = "
        f"{run.candles / run.elapsed_s:,.0f} candles/s (CPU {run.cpu_s:.2f} s = "
        f"{run.candles / run.cpu_s:,.0f} candles/s); {run.metrics.fills:,} fills"
    )


def describe_dense(per_fill_us: float, cpu_us: float, run: Run) -> str:
    return (
        f"B1s dense: {run.metrics.fills:,} fills, {run.stepped:,} candles stepped in "
        f"{run.step_s:.2f} s = {per_fill_us:.1f} us per fill; whole run {run.elapsed_s:.2f} s, "
        f"CPU {run.cpu_s:.2f} s = {cpu_us:.1f} us per fill (scan {run.scan_s:.2f} s, "
        f"metrics {run.metrics_s:.2f} s)"
    )


def results() -> list[Result]:
    run = stepped_year()
    print(describe_stepped(run), file=sys.stderr)
    per_fill, cpu, dense = dense_per_fill()
    print(describe_dense(per_fill, cpu, dense), file=sys.stderr)
    return [
        Result(
            "B1s",
            "engine backtest, grid, year of 1m, every candle stepped",
            run.candles / run.elapsed_s,
            "candles/s",
            STEPPED_TARGET,
            True,
        ),
        Result(
            "B1s",
            "engine stepping time per fill, dense year (451 levels)",
            per_fill,
            "us/fill",
            PER_FILL_TARGET_US,
            False,
        ),
    ]


if __name__ == "__main__":
    for result in results():
        print(f"{result.id} {result.name}: {result.figure:,.1f} {result.unit}")
