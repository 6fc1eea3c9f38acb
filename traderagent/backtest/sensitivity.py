"""How much a backtest's result owes to the fill model: its net PnL under all three.

A candle's path inside the bar is unknown; the fill models are three guesses at it. The run's
own model (pessimistic by default, meant as the worst) is compared with the other two, and a
spread over a tenth of the result is called out: the result then depends on the guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from traderagent.exchanges.paper import FILL_MODELS, FillModel

SPREAD_WARNING = Decimal("0.10")
"""A spread (best minus worst net PnL) over this share of the run's |net PnL| is warned of."""


@dataclass(frozen=True, slots=True)
class FillModelSensitivity:
    """The net PnL of the same backtest under each fill model; `model` is the run's own."""

    model: FillModel
    net_pnl: Mapping[FillModel, Decimal]

    @property
    def spread(self) -> Decimal:
        return max(self.net_pnl.values()) - min(self.net_pnl.values())

    @property
    def wide(self) -> bool:
        """Whether the spread exceeds a tenth of the run's own result."""
        return self.spread > SPREAD_WARNING * abs(self.net_pnl[self.model])

    def line(self) -> str:
        """The other two models' net PnL: `ohlc +12.30 · olhc +10.10`."""
        others = (m for m in FILL_MODELS if m != self.model)
        return " · ".join(f"{m} {self.net_pnl[m]:+,.2f}" for m in others)

    def warning(self) -> str | None:
        if not self.wide:
            return None
        own = self.net_pnl[self.model]
        return (
            f"the fill model moves the net PnL by {self.spread:,.2f}, over 10 % of the "
            f"result {own:+,.2f} ({self.model}; {self.line()}): the intrabar path decides it"
        )

    def short_warning(self) -> str:
        return f"spread {self.spread:,.2f}: over 10 % of the result, the intrabar path decides it"

    def as_json(self) -> dict[str, str]:
        return {m: str(self.net_pnl[m]) for m in FILL_MODELS}


def measure(
    model: FillModel, net_pnl: Decimal, rerun: Callable[[FillModel], Decimal]
) -> FillModelSensitivity:
    """The run's `net_pnl` under `model`, and `rerun`'s net PnL under each other model."""
    results = {m: net_pnl if m == model else rerun(m) for m in FILL_MODELS}
    return FillModelSensitivity(model, results)
