"""`run_fast` on linear perpetuals: the grid kernel's arguments with the run's funding schedule,
and the refusal of a run the kernel stopped because it could not go on exactly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from strategies.dca import DcaConfig
from strategies.grid import GridConfig
from traderagent.backtest.kernels.layout import PI_INTERVAL
from traderagent.backtest.kernels.linear_prepare import funding_schedule
from traderagent.backtest.kernels.linear_venue import FAIL_REASONS
from traderagent.backtest.kernels.params import UnsupportedFast, VenueArrays
from traderagent.backtest.kernels.prepare import dca_arrays, grid_arrays
from traderagent.config import AppConfig
from traderagent.wiring.linear_data import funding_rates

RUN_WITHOUT_FAST = "run without --fast (the engine backtest models it)"


def linear_call(
    config: AppConfig,
    venue: VenueArrays,
    strategy: GridConfig | DcaConfig,
    market: tuple[npt.NDArray[np.generic], ...],
    curve: npt.NDArray[np.float64],
) -> tuple[Any, Callable[[int], tuple[object, ...]], npt.NDArray[np.int64]]:
    """The linear kernel of the strategy (`grid_linear_run` or `dca_linear_run`), its
    arguments for a fill record of a given capacity, and the run's funding marks."""
    from traderagent.backtest.kernels.run_dca_linear import dca_linear_run
    from traderagent.backtest.kernels.run_grid_linear import grid_linear_run

    ts = market[0]
    if len(ts):
        last_close = int(ts[-1]) + int(venue.pi[PI_INTERVAL])
        fts, ffac = funding_schedule(
            funding_rates(config), venue.instrument, int(ts[0]), last_close
        )
    else:
        fts, ffac = funding_schedule(None, venue.instrument, 0, 0)
    kernel: Any
    plan: tuple[Any, ...]
    if isinstance(strategy, DcaConfig):
        dca = dca_arrays(strategy, venue.instrument)
        orders = 2 * (strategy.max_safety_orders + strategy.active_safety_orders) + 16
        kernel, plan = dca_linear_run, (dca.dq, dca.dp, dca.factors)
    else:
        grid = grid_arrays(strategy, venue.instrument, linear=True)
        orders = 4 * grid.quantities.shape[0] + 16
        kernel, plan = grid_linear_run, (grid.levels, grid.quantities, grid.gp)
    head = (*market, venue.pi, venue.pf, *plan, fts, ffac)

    def arguments(capacity: int) -> tuple[object, ...]:
        paid = np.full(fts.shape[0], np.nan)  # each run its own record of the charges
        return (*head, paid, orders, capacity, curve)

    return kernel, arguments, fts


def linear_outcome(
    bot: str, extra: list[npt.NDArray[np.float64]], marks: npt.NDArray[np.int64]
) -> tuple[float, int, npt.NDArray[np.float64]]:
    """(funding paid, funding charges, rows of (mark time, fee) charged) of a linear run, or
    UnsupportedFast when the kernel stopped it where it would no longer be the engine's
    (`linear_venue.FAIL_REASONS`)."""
    figures, paid = extra
    fail = int(figures[2])
    if fail:
        reason = FAIL_REASONS.get(fail, f"reason {fail}")
        raise UnsupportedFast(
            f"bot {bot} on linear perpetuals: {reason}, which the fast kernel does not "
            f"model; {RUN_WITHOUT_FAST}"
        )
    charged = ~np.isnan(paid)
    rows = np.column_stack((marks[charged].astype(np.float64), paid[charged]))
    return float(figures[0]), int(figures[1]), rows
