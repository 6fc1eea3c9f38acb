"""Fast kernels: numba-compiled grid and DCA backtests that reproduce the engine fill for fill.

`run_fast(config, bot, candles)` runs one bot on its strategy's kernel and returns a
`FastResult`; `sweep_grid(candles, params, sweep_venue(config, bot))` runs many grid configurations
over one candle series and returns their reduced metrics. Importing this package loads numba.
"""

from traderagent.backtest.kernels.cache import check_cache, load_without_registries

check_cache()  # before any kernel loads from the cache
load_without_registries()

from traderagent.backtest.kernels.api import run_fast  # noqa: E402
from traderagent.backtest.kernels.layout import METRIC_NAMES  # noqa: E402
from traderagent.backtest.kernels.params import SUPPORTED, UnsupportedFast  # noqa: E402
from traderagent.backtest.kernels.result import FastResult  # noqa: E402
from traderagent.backtest.kernels.sweep import SWEEP_COLUMNS, sweep_grid, sweep_venue  # noqa: E402

__all__ = [
    "METRIC_NAMES",
    "SUPPORTED",
    "SWEEP_COLUMNS",
    "FastResult",
    "UnsupportedFast",
    "run_fast",
    "sweep_grid",
    "sweep_venue",
]
