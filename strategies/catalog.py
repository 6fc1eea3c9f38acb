"""Build the strategy a config names: grid, DCA or trend, optionally behind the SMC filter."""

from __future__ import annotations

from strategies.base import Strategy
from strategies.dca import DcaConfig, DcaStrategy
from strategies.grid import GridConfig, GridStrategy
from strategies.smc import Filtered, SmcConfig, SmcFilter
from strategies.trend import TrendConfig, TrendStrategy
from traderagent.domain import Instrument

StrategySettings = GridConfig | DcaConfig | TrendConfig
"""The settings of any strategy kind (the config's StrategyConfig union)."""


def build_strategy(
    config: StrategySettings, instrument: Instrument, smc: SmcConfig | None = None
) -> Strategy:
    """The strategy for `config` on `instrument`, behind the SMC filter when `smc` is given.

    Raises StrategyError (with the reason) when it cannot trade as configured.
    """
    strategy: Strategy
    if isinstance(config, GridConfig):
        strategy = GridStrategy(config, instrument)
    elif isinstance(config, DcaConfig):
        strategy = DcaStrategy(config, instrument)
    else:
        strategy = TrendStrategy(config, instrument)
    return strategy if smc is None else Filtered(strategy, SmcFilter(smc))
