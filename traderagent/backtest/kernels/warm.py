"""Compile every kernel into numba's on-disk cache: `python -m traderagent.backtest.kernels.warm`.

`make` runs it once after installing (and again whenever the kernels' sources change, since
`cache.check_cache` then drops the stale cache), so no user command waits for numba to compile:
`run_fast`, `backtest --fast`'s metrics (`kernels.figures`), the sweep and the optimiser's
batches all load their compiled code from the cache (well under a second). It runs each kernel
once on a day of the bundled candles, with the very argument types the real callers pass.
Prints what it did and how long it took.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import cast

import numpy as np
import numpy.typing as npt

GRID = """\
bots:
  - name: grid
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 21, amount_per_level: "200"}
"""
DCA = """\
bots:
  - name: dca
    symbol: BTCUSDT
    strategy: {kind: dca, base_order: "200", safety_order: "200", max_safety_orders: 3,
               active_safety_orders: 2, price_deviation: "1", step_scale: "1.2",
               volume_scale: "1.5", take_profit: "1", stop_loss: "10"}
"""
PERP_PAPER = """\
paper: {balances: {USDT: "10000"}, category: linear, linear: {leverage: 3, long_only: false,
        funding_rate: "0.0001"}}
"""
GRID_PERP = (
    PERP_PAPER
    + """\
bots:
  - name: grid
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 21, amount_per_level: "200",
               direction: neutral}
"""
)


def warm() -> list[tuple[str, float]]:
    """Run every kernel once; (what, seconds) for each."""
    from traderagent.backtest.fast import kernel_run
    from traderagent.backtest.kernels import run_fast, sweep_grid, sweep_venue
    from traderagent.backtest.kernels.api import market_arrays
    from traderagent.backtest.kernels.batch import dca_batch, grid_batch
    from traderagent.backtest.kernels.params import bot_config
    from traderagent.backtest.kernels.prepare import dca_arrays, grid_arrays
    from traderagent.config import parse_config
    from traderagent.marketdata import load_bundled

    day = load_bundled().head(1440)
    grid, dca = parse_config(GRID, "warm-up", {}), parse_config(DCA, "warm-up", {})
    done: list[tuple[str, float]] = []

    def timed(what: str, step: Callable[[], object]) -> None:
        began = time.perf_counter()
        step()
        done.append((what, time.perf_counter() - began))

    timed("grid kernel", lambda: run_fast(grid, "grid", day))
    # `backtest --fast`'s curve and metrics (`fast_metrics.quick_run`): their own numba code,
    # compiled after the kernel's run and not announced by its compile notice (~13 s CPU)
    timed("fast metrics", lambda: kernel_run(grid, run_fast(grid, "grid", day), day))
    timed("dca kernel", lambda: run_fast(dca, "dca", day))
    perp = parse_config(GRID_PERP, "warm-up", {})
    timed("linear grid kernel", lambda: run_fast(perp, "grid", day))
    perp_dca = parse_config(DCA.replace("bots:", PERP_PAPER + "bots:"), "warm-up", {})
    timed("linear dca kernel", lambda: run_fast(perp_dca, "dca", day))
    rows = np.array([[21000.0, 25000.0, 21, 0, 200.0, np.nan]])
    timed("grid sweep", lambda: sweep_grid(day, rows, sweep_venue(grid, "grid")))
    market = market_arrays(day)
    capacity, stats = np.int64(64), np.int64(1)
    venue = sweep_venue(grid, "grid")
    g = grid_arrays(bot_config(grid, "grid").strategy, venue.instrument)  # type: ignore[arg-type]
    at = np.array([0, g.levels.shape[0]], np.int64)
    qat = np.array([0, g.quantities.shape[0]], np.int64)
    run_grid = cast(Callable[..., npt.NDArray[np.float64]], grid_batch)
    gps = g.gp[None, :].copy()
    args = (g.levels, at, g.quantities, qat, gps, capacity, stats)
    timed("grid batch", lambda: run_grid(*market, venue.pi, venue.pf, *args))
    venue = sweep_venue(dca, "dca")
    d = dca_arrays(bot_config(dca, "dca").strategy, venue.instrument)  # type: ignore[arg-type]
    fat = np.array([0, d.factors.shape[0]], np.int64)
    run_dca = cast(Callable[..., npt.NDArray[np.float64]], dca_batch)
    dargs = (d.dq[None, :].copy(), d.dp[None, :].copy(), d.factors, fat, capacity, stats)
    timed("dca batch", lambda: run_dca(*market, venue.pi, venue.pf, *dargs))
    return done


def main() -> int:
    began = time.perf_counter()
    try:
        done = warm()
    except ImportError as err:  # no numba here: --fast says so when asked for
        print(f"fast kernels not warmed: {err}", file=sys.stderr)
        return 0
    parts = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in done)
    print(f"fast kernels compiled into numba's cache in {time.perf_counter() - began:.1f} s")
    print(f"  ({parts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
