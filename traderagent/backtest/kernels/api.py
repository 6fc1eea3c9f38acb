"""`run_fast`: one bot of a config on a fast kernel, dispatched by its strategy kind."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from strategies.dca import DcaConfig
from strategies.grid import GridConfig
from strategies.registry import kernel_of
from traderagent.backtest.kernels.api_linear import linear_call, linear_outcome
from traderagent.backtest.kernels.layout import (
    BUY,
    F_BFEE,
    F_SIDE,
    M_FILLS,
    M_VALID,
    PF_BSCALE,
    PF_LIN,
)
from traderagent.backtest.kernels.params import (
    SUPPORTED,
    UnsupportedFast,
    VenueArrays,
    bot_config,
    venue_arrays,
)
from traderagent.backtest.kernels.prepare import dca_arrays, grid_arrays
from traderagent.backtest.kernels.result import FastResult, metrics_dict
from traderagent.backtest.kernels.warmup import warm_up
from traderagent.config import AppConfig
from traderagent.marketdata import CandleSeries

FILL_CAPACITY = 1 << 16
"""Fill rows a run records before it must run again with more room. Generous: the record is
zeroed lazily (pages untouched stay unmapped), and a rerun costs a whole kernel run (the dense
year's ~20,800 fills ran twice with 16,384)."""
FloatArray = npt.NDArray[np.float64]
NO_BLOCKS = np.zeros((0, 4), np.float64)
"""`grid_run` and `dca_run` compute the candle blocks themselves."""
NO_FUNDING = np.zeros((0, 2), np.float64)
Market = tuple[npt.NDArray[np.generic], ...]
"""A series' ts, open, high, low and close columns."""
KernelOutput = tuple[FloatArray, npt.NDArray[np.int64], FloatArray]
"""A kernel's (metrics, fill rows, fill fees)."""
Kernel = Callable[..., KernelOutput]
Call = tuple[Kernel, Callable[[int], tuple[object, ...]]]
"""A strategy's kernel and its arguments for a fill record of a given capacity."""


def market_arrays(candles: CandleSeries) -> Market:
    """The candle columns as read-only views (one compiled signature whatever the caller has)."""
    views = []
    for column in (candles.ts, candles.open, candles.high, candles.low, candles.close):
        view = np.ascontiguousarray(column).view()
        view.flags.writeable = False
        views.append(view)
    return tuple(views)


def run_fast(
    config: AppConfig,
    bot: str,
    candles: CandleSeries,
    *,
    equity_curve: bool = True,
    on_compile: Callable[[], None] | None = None,
) -> FastResult:
    """Backtest `bot` of `config` on the fast kernel of its strategy over `candles` (every
    candle is traded: slice the series to the period wanted; `replay.start`/`end` are not
    applied here). The bot trades alone on the paper account, within its `budget_pct`, as the
    engine runs a config holding only that bot.

    The fills, the equity after each candle and the metrics are the engine's for the same
    config and candles (fees as float64). `equity_curve=False` skips the per-candle curve.
    The kernel is compiled or loaded from numba's cache first (`on_compile` is called before
    a compile), timed apart from the run: `elapsed_s` is the run's own.
    Raises `UnsupportedFast` (naming what is supported) for what the kernels do not cover,
    and the strategy's own error for a grid that cannot trade, as the engine would.
    """
    settings = bot_config(config, bot)
    first = float(candles.close[0]) if len(candles) else None  # derives unknown symbols' rules
    venue = venue_arrays(config, settings, candles.interval_ms, first)
    strategy = settings.strategy
    market = market_arrays(candles)
    n = len(candles)
    curve = np.empty(n if equity_curve else 0, np.float64)
    runner = RUNNERS.get(kernel_of(strategy.kind) or "") if strategy is not None else None
    if runner is None:
        raise UnsupportedFast(f"bot {bot} has no fast kernel; the fast kernels support {SUPPORTED}")
    linear = venue.pf[PF_LIN] == 1.0
    if linear:
        assert isinstance(strategy, GridConfig | DcaConfig)  # noqa: S101 - checked
        kernel, arguments, marks = linear_call(config, venue, strategy, market, curve)
    else:
        kernel, arguments = runner(venue, strategy, market, curve)
        marks = np.zeros(0, np.int64)
    capacity = FILL_CAPACITY
    ready = warm_up(kernel, arguments(capacity), on_compile)
    started = time.perf_counter()
    while True:
        m, rows, fees, *extra = kernel(*arguments(capacity))
        if m[M_FILLS] <= capacity:
            break
        capacity = int(m[M_FILLS]) + 1  # more fills than the record holds: run again with room
    if m[M_VALID] != 1:
        raise RuntimeError(f"the fast kernel ran out of order slots for bot {bot}")
    funding = linear_outcome(bot, extra, marks) if linear else (0.0, 0, NO_FUNDING)
    count = int(m[M_FILLS])
    return FastResult(
        bot=bot,
        kind=settings.kind,
        instrument=venue.instrument,
        metrics=metrics_dict(m),
        rows=rows[:count].copy(),
        fees=fees[:count].copy()
        if linear
        else fees_in_their_coins(rows[:count], fees[:count], venue),
        equity=curve,
        candles=n,
        elapsed_s=time.perf_counter() - started,
        compile_s=ready.seconds,
        compiled=ready.compiled,
        base_scale=int(venue.pf[PF_BSCALE]),
        linear=linear,
        funding=funding[0],
        funding_charges=funding[1],
        funding_rows=funding[2],
    )


def fees_in_their_coins(
    rows: npt.NDArray[np.int64], fees: npt.NDArray[np.float64], venue: VenueArrays
) -> npt.NDArray[np.float64]:
    """Each fill's fee in its own coin: a sell's in quote (`fees`), a buy's in base."""
    base = rows[:, F_BFEE] * (float(venue.instrument.lot_size) / venue.pf[PF_BSCALE])
    return np.where(rows[:, F_SIDE] == BUY, base, fees)


def _grid(venue: VenueArrays, config: GridConfig, market: Market, curve: FloatArray) -> Call:
    from traderagent.backtest.kernels.run_grid import grid_run

    grid = grid_arrays(config, venue.instrument)
    orders = 4 * grid.quantities.shape[0] + 16
    head = (*market, venue.pi, venue.pf, grid.levels, grid.quantities, grid.gp, orders)
    return cast(Kernel, grid_run), lambda capacity: (*head, capacity, curve, NO_BLOCKS)


def _dca(venue: VenueArrays, config: DcaConfig, market: Market, curve: FloatArray) -> Call:
    from traderagent.backtest.kernels.run_dca import dca_run

    dca = dca_arrays(config, venue.instrument)
    orders = 2 * (config.max_safety_orders + config.active_safety_orders) + 16
    head = (*market, venue.pi, venue.pf, dca.dq, dca.dp, dca.factors, orders)
    return cast(Kernel, dca_run), lambda capacity: (*head, capacity, curve, NO_BLOCKS)


RUNNERS: dict[str, Callable[[VenueArrays, Any, Market, FloatArray], Call]] = {
    "grid": _grid,
    "dca": _dca,
}
"""Each fast kernel (the registry's `StrategyKind.kernel`) and how its arguments are built."""
