"""What a backtest returns (`BacktestResult`), apart from the engine that runs one: a fast-kernel
backtest builds it without importing the engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.halts import Halt
from traderagent.backtest.metrics import Metrics
from traderagent.config import AppConfig
from traderagent.domain import Fill
from traderagent.marketdata import CandleSeries

if TYPE_CHECKING:
    from traderagent.backtest.regime_log import RegimeLog
    from traderagent.facade import RunSummary


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class BacktestResult:
    """One backtest run: what the engine did and what it achieved."""

    config: AppConfig
    """The config as run: the chosen bots, the range, speed max, the fill model."""
    candles: CandleSeries
    """The candles replayed (up to where a cancelled run stopped)."""
    fills: Sequence[Fill]
    """Every fill, oldest first (a fast-kernel run builds them when first read)."""
    equity: EquityCurve
    metrics: Metrics
    summary: RunSummary | None
    """The engine's own summary of the run (None for a fast-kernel run)."""
    grid_levels: dict[str, tuple[Decimal, ...]]
    """Each grid bot's price levels at the end of the run (empty for other strategies)."""
    data_label: str
    quote_asset: str
    """The asset equity and money metrics are counted in."""
    cancelled: bool = False
    compile_s: float = 0.0
    """A fast-kernel run's one-off compile (or cache load) before it ran, not in `elapsed_s`."""
    compiled: bool = False
    """Whether that was a compile (True) or a load from numba's on-disk cache."""
    regime_log: RegimeLog | None = None
    """The regime and routed strategies as the engine lived them (None: a fast-kernel run)."""

    @property
    def halted(self) -> Halt | None:
        """The account's emergency halt during the run, if the risk limits fired."""
        return self.metrics.halted
