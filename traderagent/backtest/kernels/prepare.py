"""Each strategy's constants for its kernel, computed by the strategy's own code.

The grid's levels and slot quantities come from `strategies.grid` itself (Decimal, as the engine
computes them); the DCA plan's factors from `strategies.dca.plan`. The kernels then only floor,
ceil and compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from strategies.dca import DcaConfig
from strategies.dca.plan import deviation_pct, volume
from strategies.grid import GridConfig, GridStrategy
from traderagent.backtest.kernels.dca import (
    DP_BASE_HI,
    DP_BASE_LO,
    DP_N,
    DP_SL_HI,
    DP_SL_LO,
    DP_TP_HI,
    DP_TP_LO,
    DQ_ACTIVE,
    DQ_COOLDOWN,
    DQ_HAS_SL,
    DQ_HAS_TP,
    DQ_MAX_SO,
    DQ_N,
)
from traderagent.backtest.kernels.exact import dd
from traderagent.backtest.kernels.grid import (
    DIR_LONG,
    DIR_NEUTRAL,
    DIR_SHORT,
    GP_ABOVE,
    GP_ABOVE_HI,
    GP_ABOVE_LO,
    GP_BELOW,
    GP_BELOW_HI,
    GP_BELOW_LO,
    GP_DIR,
    GP_N,
    GP_STOP,
)
from traderagent.backtest.kernels.params import UnsupportedFast
from traderagent.domain import Instrument

DIRECTIONS = {"long": DIR_LONG, "short": DIR_SHORT, "neutral": DIR_NEUTRAL}


@dataclass(frozen=True, slots=True)
class GridArrays:
    """A grid's constants for its kernel."""

    levels: npt.NDArray[np.int64]
    """Level prices in ticks, ascending."""
    quantities: npt.NDArray[np.int64]
    """Slot quantities in lots."""
    gp: npt.NDArray[np.float64]
    """The stop outside the range (see `grid.GP_*`)."""


def grid_arrays(config: GridConfig, inst: Instrument, linear: bool = False) -> GridArrays:
    """Levels and slots as `GridStrategy` builds them (a bad grid raises its StrategyError).
    A short or neutral grid trades `linear` perpetuals only."""
    if not linear:
        _long_only(config.direction)
    book = GridStrategy(config, inst).book
    assert book is not None  # noqa: S101 - fixed bounds: built in the constructor
    tick, lot = inst.tick_size, inst.lot_size
    levels = np.array([int(p / tick) for p in book.levels], np.int64)
    quantities = np.array([int(q / lot) for q in book.quantities], np.int64)
    gp = np.zeros(GP_N, np.float64)
    gp[GP_DIR] = DIRECTIONS[config.direction]
    margin = config.stop_outside_pct
    if margin is None:
        gp[GP_BELOW], gp[GP_ABOVE] = -np.inf, np.inf
    else:
        below = book.levels[0] * (1 - margin / 100)  # as GridStrategy._stop_outside has them
        above = book.levels[-1] * (1 + margin / 100)
        gp[GP_STOP] = 1
        gp[GP_BELOW_HI], gp[GP_BELOW_LO] = dd(below / tick)
        gp[GP_ABOVE_HI], gp[GP_ABOVE_LO] = dd(above / tick)
        gp[GP_BELOW], gp[GP_ABOVE] = float(below), float(above)
    return GridArrays(levels, quantities, gp)


@dataclass(frozen=True, slots=True)
class DcaArrays:
    """A DCA strategy's constants for its kernel (see `dca.DQ_*` and `dca.DP_*`)."""

    dq: npt.NDArray[np.int64]
    dp: npt.NDArray[np.float64]
    factors: npt.NDArray[np.float64]
    """Per safety order n (row n; row 0 unused): (1 - deviation/100) and its amount in units of
    tick x lot, each as a double-double (hi, lo, hi, lo)."""


def dca_arrays(config: DcaConfig, inst: Instrument) -> DcaArrays:
    """The plan's factors per safety order, as `SafetyOrderPlan` computes them."""
    _long_only(config.direction)
    unit = inst.tick_size * inst.lot_size
    count = config.max_safety_orders
    factors = np.zeros((count + 1, 4), np.float64)
    for n in range(1, count + 1):
        deviation = deviation_pct(config.price_deviation, config.step_scale, n)
        factors[n, 0], factors[n, 1] = dd(1 - deviation / 100)  # as SafetyOrderPlan has it
        amount = volume(config.safety_order, config.volume_scale, n)
        factors[n, 2], factors[n, 3] = dd(amount / unit)
    dq = np.zeros(DQ_N, np.int64)
    dq[DQ_MAX_SO], dq[DQ_ACTIVE] = count, config.active_safety_orders
    dq[DQ_COOLDOWN] = config.cooldown_ms
    dp = np.zeros(DP_N, np.float64)
    dp[DP_BASE_HI], dp[DP_BASE_LO] = dd(config.base_order / unit)
    if config.take_profit is not None:
        dq[DQ_HAS_TP] = 1
        dp[DP_TP_HI], dp[DP_TP_LO] = dd(100 + config.take_profit)
    if config.stop_loss is not None:
        dq[DQ_HAS_SL] = 1
        dp[DP_SL_HI], dp[DP_SL_LO] = dd(100 - config.stop_loss)
    return DcaArrays(dq, dp, factors)


def _long_only(direction: str) -> None:
    """The kernels trade long on spot: a short or neutral strategy (an optimiser's space may
    set its direction) is refused, never run as a long one."""
    if direction != "long":
        raise UnsupportedFast(
            f"direction: {direction} trades linear perpetuals, which no kernel settles yet; "
            "run without --fast (the engine runs it)"
        )
