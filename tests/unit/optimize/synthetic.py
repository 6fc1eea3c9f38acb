"""Synthetic objectives for the search tests: a known optimum, no backtest needed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from traderagent.backtest.metrics import Metrics
from traderagent.optimize.space import Point
from traderagent.optimize.trials import Outcome


def metrics(return_pct: float, max_drawdown_pct: float = 0.0, trades: int = 1) -> Metrics:
    """Metrics with the figures the tests optimise; the rest neutral."""
    return Metrics(
        candles=1,
        orders=trades,
        fills=trades,
        trades=trades,
        fees=Decimal(0),
        net_pnl=Decimal(repr(return_pct)),
        return_pct=return_pct,
        max_drawdown_pct=max_drawdown_pct,
        sharpe=None,
        sortino=None,
        win_rate=None,
        profit_factor=None,
        final_equity=Decimal(10_000),
        grid_cycles=None,
        elapsed_s=0.0,
    )


class SyntheticEvaluator:
    """A BatchEvaluator scoring each point with `figures(point)` -> (return %, drawdown %);
    it remembers every point it was asked, in order."""

    def __init__(
        self, figures: Callable[[Point], tuple[float, float]], batch_size: int = 1
    ) -> None:
        self.figures = figures
        self.batch_size = batch_size
        self.asked: list[Point] = []

    def __call__(self, points: Sequence[Point]) -> list[Outcome]:
        self.asked.extend(points)
        return [Outcome(p, metrics(*self.figures(p)), evaluator="synthetic") for p in points]


def bowl(point: Point) -> tuple[float, float]:
    """Return peaks at x = 37, y = 0.62, choice b; drawdown grows with x."""
    x, y = float(point["x"]), float(point["y"])  # type: ignore[arg-type]
    penalty = 0.0 if point.get("c", "b") == "b" else 5.0
    return -((x - 37) ** 2) - 1000 * (y - 0.62) ** 2 - penalty, x / 2
