"""Linear (USDT) perpetuals on the simulated venues: one settlement model shared by the paper
venue and the Bybit emulator: positions, margin, funding and liquidation."""

from traderagent.exchanges.paper.linear.funding import (
    FUNDING_INTERVAL_MS,
    ConstantRate,
    FundingRates,
    RateSeries,
    funding_fee,
    funding_times,
    read_funding_file,
)
from traderagent.exchanges.paper.linear.position import (
    DEFAULT_LEVERAGE,
    DEFAULT_MMR,
    LinearPosition,
)
from traderagent.exchanges.paper.linear.records import (
    INSUFFICIENT_AB,
    MARGIN_MODES,
    REDUCE_ONLY,
    FundingCharge,
    LinearFill,
    LinearRefusal,
    MarginMode,
)
from traderagent.exchanges.paper.linear.venue import LinearBook

__all__ = [
    "DEFAULT_LEVERAGE",
    "DEFAULT_MMR",
    "FUNDING_INTERVAL_MS",
    "INSUFFICIENT_AB",
    "MARGIN_MODES",
    "REDUCE_ONLY",
    "ConstantRate",
    "FundingCharge",
    "FundingRates",
    "LinearBook",
    "LinearFill",
    "LinearPosition",
    "LinearRefusal",
    "MarginMode",
    "RateSeries",
    "funding_fee",
    "funding_times",
    "read_funding_file",
]
