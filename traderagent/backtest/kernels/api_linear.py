"""`run_fast` on linear perpetuals: the grid kernel's arguments with the run's funding schedule,
and the refusal of a run the kernel stopped because it could not go on exactly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from strategies.grid import GridConfig
from traderagent.backtest.kernels.layout import PI_INTERVAL
from traderagent.backtest.kernels.linear_prepare import funding_schedule
from traderagent.backtest.kernels.linear_venue import FAIL_REASONS
from traderagent.backtest.kernels.params import UnsupportedFast, VenueArrays
from traderagent.backtest.kernels.prepare import grid_arrays
from traderagent.config import AppConfig
from traderagent.wiring.linear_data import funding_rates

RUN_WITHOUT_FAST = "run without --fast (the engine backtest models it)"


def grid_linear(
    config: AppConfig,
    venue: VenueArrays,
    strategy: GridConfig,
    market: tuple[npt.NDArray[np.generic], ...],
    curve: npt.NDArray[np.float64],
) -> tuple[Any, Callable[[int], tuple[object, ...]]]:
    """`grid_linear_run` and its arguments for a fill record of a given capacity."""
    from traderagent.backtest.kernels.run_grid_linear import grid_linear_run

    grid = grid_arrays(strategy, venue.instrument, linear=True)
    ts = market[0]
    if len(ts):
        last_close = int(ts[-1]) + int(venue.pi[PI_INTERVAL])
        fts, ffac = funding_schedule(
            funding_rates(config), venue.instrument, int(ts[0]), last_close
        )
    else:
        fts, ffac = funding_schedule(None, venue.instrument, 0, 0)
    orders = 4 * grid.quantities.shape[0] + 16
    head = (*market, venue.pi, venue.pf, grid.levels, grid.quantities, grid.gp, fts, ffac)
    return grid_linear_run, lambda capacity: (*head, orders, capacity, curve)


def refuse_diverged(bot: str, extra: npt.NDArray[np.float64]) -> tuple[float, int]:
    """(funding paid, funding charges) of a linear run, or UnsupportedFast when the kernel
    stopped it where it would no longer be the engine's (`linear_venue.FAIL_REASONS`)."""
    fail = int(extra[2])
    if fail:
        reason = FAIL_REASONS.get(fail, f"reason {fail}")
        raise UnsupportedFast(
            f"bot {bot} on linear perpetuals: {reason}, which the fast kernel does not "
            f"model; {RUN_WITHOUT_FAST}"
        )
    return float(extra[0]), int(extra[1])
