"""What a trader acts on beyond the whole-period figures: the run by regime, by route and by
period, and how robust it is (Monte Carlo over its trades). Pure functions of a result; the
CLI, the JSON and the TUI all read the one `Analysis` built here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from traderagent.backtest.montecarlo import DEFAULT_RUNS, DEFAULT_SEED, MonteCarlo, monte_carlo
from traderagent.backtest.periods import PeriodRow, breakdown
from traderagent.backtest.regime_log import Change, regime_changes
from traderagent.backtest.stress import LabelStats, costliest, exposure, held_base, label_stats
from traderagent.backtest.trade_ledger import closed_trades
from traderagent.domain import ZERO

if TYPE_CHECKING:
    from traderagent.backtest.perturb import Perturbation
    from traderagent.backtest.runner import BacktestResult


REPORT_KEYS = frozenset({"closed_trades", "regimes", "monte_carlo", "perturbation", "breakdown"})
"""The keys `Analysis.as_json` adds to a backtest's JSON beside its metrics."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """One run's breakdowns and robustness."""

    trades: int
    """Closed trades (`trade_ledger`): what the breakdowns and the Monte Carlo count."""
    regimes: tuple[LabelStats, ...]
    costliest_regime: str
    routes: dict[str, tuple[LabelStats, ...]]
    """Per routed bot, the stats per strategy it ran (empty without a routed bot)."""
    monte_carlo: MonteCarlo | None
    periods: tuple[PeriodRow, ...] | None = None
    period: str | None = None
    perturbation: Perturbation | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "closed_trades": self.trades,
            "regimes": {
                "by_regime": [s.as_json() for s in self.regimes],
                "costliest": self.costliest_regime,
                "routes": {bot: [s.as_json() for s in stats] for bot, stats in self.routes.items()},
            },
            "monte_carlo": None if self.monte_carlo is None else self.monte_carlo.as_json(),
            "perturbation": None if self.perturbation is None else self.perturbation.as_json(),
            "breakdown": (
                None
                if self.periods is None
                else {"period": self.period, "rows": [p.as_json() for p in self.periods]}
            ),
        }


def _base_asset(result: BacktestResult) -> str:
    symbol, quote = result.candles.symbol, result.quote_asset
    return symbol[: -len(quote)] if symbol.endswith(quote) else symbol


def regime_timeline(result: BacktestResult) -> list[Change]:
    """The regime changes over the run: as the engine lived them, or rebuilt (fast kernel)."""
    if result.regime_log is not None:
        return list(result.regime_log.regimes)
    return regime_changes(result.candles, result.config.regime)


def analyse(
    result: BacktestResult,
    *,
    period: str | None = None,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    perturbation: Perturbation | None = None,
) -> Analysis:
    """Regimes, routes and the Monte Carlo always; periods when `period` is given."""
    trades = closed_trades(result)
    curve, candles = result.equity, result.candles
    start_held = result.config.paper.balances.get(_base_asset(result), ZERO)
    held = held_base(curve, result.fills, start_held, len(curve))
    share = exposure(curve, held, candles.close[: len(curve)])
    interval = candles.interval_ms
    regimes = label_stats(curve, regime_timeline(result), trades, share, interval)
    routes = {}
    if result.regime_log is not None:
        for bot, changes in result.regime_log.routes.items():
            mine = [t for t in trades if t.bot == bot]
            routes[bot] = tuple(label_stats(curve, changes, mine, share, interval))
    halt = result.config.risk.max_drawdown_pct
    pnl: list[Decimal] = [t.pnl for t in trades]
    return Analysis(
        trades=len(trades),
        regimes=tuple(regimes),
        costliest_regime=costliest(regimes),
        routes=routes,
        monte_carlo=monte_carlo(pnl, curve.starting, runs=runs, seed=seed, halt_pct=halt),
        periods=None if period is None else tuple(breakdown(curve, trades, period)),
        period=period,
        perturbation=perturbation,
    )
