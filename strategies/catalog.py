"""Build the strategy a config names (by its registered kind), optionally behind the SMC filter."""

from __future__ import annotations

from strategies.base import Strategy
from strategies.dca import DcaConfig
from strategies.grid import GridConfig
from strategies.registry import lookup
from strategies.smc import Filtered, SmcConfig, SmcFilter
from strategies.trend import TrendConfig
from traderagent.domain import Instrument

StrategySettings = GridConfig | DcaConfig | TrendConfig
"""The settings of the built-in strategy kinds, for type checking (the config's StrategyConfig
union is built from the registry at run time and takes registered plugins too)."""


def build_strategy(
    config: StrategySettings, instrument: Instrument, smc: SmcConfig | None = None
) -> Strategy:
    """The strategy for `config` on `instrument`, behind the SMC filter when `smc` is given.

    Raises StrategyError (with the reason) when it cannot trade as configured.
    """
    strategy = lookup(config.kind).build(config, instrument)
    return strategy if smc is None else Filtered(strategy, SmcFilter(smc))
