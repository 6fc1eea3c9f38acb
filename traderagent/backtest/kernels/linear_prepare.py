"""From a linear config to the kernels' linear constants (`linear.LC_*`) and funding schedule.

The venue settles funding at every 8-hour mark after the first candle's open; the rate of a
mark comes from the config (`paper.linear.funding_rate`, or a funding file: the latest rate at
or before the mark). Here each mark of a run gets its factor, tick x lot x rate x 1e8 as a
double-double (the fee in 1e-8 of quote per tick x lot of a long), NaN where the data has no
rate (the venue skips such a mark, logs and counts it, and so does the kernel).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt

from traderagent.backtest.kernels.exact import dd
from traderagent.backtest.kernels.linear import (
    LC_CROSS,
    LC_ILEV_HI,
    LC_ILEV_LO,
    LC_LEV_DEN,
    LC_LEV_NUM,
    LC_LOCK,
    LC_LONG_ONLY,
    LC_MAKER_HI,
    LC_MAKER_LO,
    LC_MMR,
    LC_N,
    LC_TAKER_HI,
    LC_TAKER_LO,
    LC_UNIT_HI,
    LC_UNIT_LO,
)
from traderagent.config.linear import LinearConfig
from traderagent.domain import Instrument
from traderagent.exchanges.fee_rules import FeeRules
from traderagent.exchanges.paper.linear import FundingRates, funding_times


def linear_constants(linear: LinearConfig, inst: Instrument) -> npt.NDArray[np.float64]:
    """The `LC_*` constants of `inst` on a paper venue configured by `linear`."""
    symbol = inst.symbol
    leverage = linear.leverage_of([symbol])[symbol]
    mmr = linear.mmr_of([symbol])[symbol]
    fees = FeeRules(linear.maker_fee, linear.taker_fee, "linear")
    unit = inst.tick_size * inst.lot_size
    lc = np.zeros(LC_N, np.float64)
    lc[LC_UNIT_HI], lc[LC_UNIT_LO] = dd(unit)
    lc[LC_ILEV_HI], lc[LC_ILEV_LO] = dd(1 / Decimal(leverage))
    lc[LC_MMR] = float(mmr)
    lc[LC_MAKER_HI], lc[LC_MAKER_LO] = dd(unit * fees.maker)
    lc[LC_TAKER_HI], lc[LC_TAKER_LO] = dd(unit * fees.taker)
    lc[LC_CROSS] = 1.0 if linear.margin_mode == "cross" else 0.0
    lc[LC_LOCK] = float(fees.lock_rate)
    lc[LC_LONG_ONLY] = 1.0 if linear.long_only else 0.0
    num, den = Decimal(leverage).as_integer_ratio()
    lc[LC_LEV_NUM], lc[LC_LEV_DEN] = float(num), float(den)
    return lc


def funding_schedule(
    rates: FundingRates | None, inst: Instrument, first_ts: int, last_close_ms: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The funding marks of a run (after the first candle's open, up to the last candle's
    close) and each one's factor (`funding_fee`'s), rows of (hi, lo); NaN where `rates` has
    no rate for the mark. No marks at all without rates (funding off)."""
    if rates is None:
        return np.zeros(0, np.int64), np.zeros((0, 2), np.float64)
    marks = funding_times(first_ts, last_close_ms)
    unit = inst.tick_size * inst.lot_size
    factors = np.full((len(marks), 2), np.nan, np.float64)
    for n, mark in enumerate(marks):
        rate = rates.rate(inst.symbol, mark)
        if rate is not None:
            factors[n, 0], factors[n, 1] = dd(unit * Decimal(rate) * 10**8)
    return np.array(marks, np.int64), factors
