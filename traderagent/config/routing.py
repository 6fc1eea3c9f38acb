"""A routed bot's settings and the default routing table of DESIGN.md.

| regime | routed to |
|---|---|
| TIGHT_RANGE | grid, arithmetic |
| WIDE_RANGE | grid, geometric |
| QUIET_TRANSITION | grid, cautious (range x 0.7) |
| VOLATILE_TRANSITION | DCA, cautious |
| BULL_TREND | trend follower, long |
| BEAR_TREND | DCA, accumulation (or, with `bear_trend: short_trend`, trend follower, short) |

The default routes are sized from one figure, `capital`: what the bot may commit at most. Grids
take their range from the ATR around the price when they open, so they follow the market from
one switch to the next.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from strategies.dca.config import DcaConfig
from strategies.grid.config import AtrBounds, GridConfig
from strategies.trend.config import TrendConfig
from traderagent.config.strategies import StrategyConfig
from traderagent.domain import Regime

ROUTE_LABELS: dict[Regime, str] = {
    Regime.TIGHT_RANGE: "grid, arithmetic",
    Regime.WIDE_RANGE: "grid, geometric",
    Regime.QUIET_TRANSITION: "grid, cautious",
    Regime.VOLATILE_TRANSITION: "DCA, cautious",
    Regime.BULL_TREND: "trend follower, long",
    Regime.BEAR_TREND: "DCA, accumulation",
}


class RouterConfig(BaseModel):
    """A routed bot: the market regime chooses its strategy, switching gracefully."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    capital: Decimal = Field(default=Decimal(2000), gt=0)
    """Quote capital (e.g. USDT) the default routes are sized for."""
    lock_minutes: int = Field(default=120, ge=0)
    """After a switch, no further switch for this long (stops thrashing)."""
    handover: Literal["keep", "close"] = "keep"
    """At a switch, `keep` hands the position to the incoming strategy; `close` sells it at
    market first, so the incoming strategy starts flat."""
    bear_trend: Literal["accumulate", "short_trend"] = "accumulate"
    """The default BEAR_TREND route: `accumulate` (DCA accumulation, long) or `short_trend`
    (the trend follower with `sides: short`: needs linear perpetuals, `paper.category:
    linear` with `paper.linear.long_only: false`). A `routes: {BEAR_TREND: ...}` entry
    overrides either."""
    routes: dict[Regime, StrategyConfig] = Field(default_factory=dict)
    """Per-regime overrides of the default table (a full strategy config each)."""

    def table(self) -> dict[Regime, StrategyConfig]:
        """The routing table: the defaults for `capital`, with `routes` laid over them."""
        defaults = default_routes(self.capital)
        if self.bear_trend == "short_trend":
            defaults[Regime.BEAR_TREND] = short_trend(self.capital)
        return {**defaults, **self.routes}

    def shorts(self) -> bool:
        """Whether any route of the table may open a short (a trend with `sides` other than
        long)."""
        return any(getattr(c, "sides", "long") != "long" for c in self.table().values())

    def label(self, regime: Regime, config: StrategyConfig, overridden: bool) -> str:
        if not overridden:
            if regime is Regime.BEAR_TREND and self.bear_trend == "short_trend":
                return SHORT_TREND_LABEL
            return ROUTE_LABELS[regime]
        settings = getattr(config, "settings", None)  # kind: custom names its plugin's kind
        kind = getattr(settings(), "kind", config.kind) if callable(settings) else config.kind
        return f"{kind} (custom)"


SHORT_TREND_LABEL = "trend follower, short"


def short_trend(capital: Decimal) -> TrendConfig:
    """The BEAR_TREND route of `bear_trend: short_trend`: the BULL_TREND route's trend
    follower, short side only."""
    return TrendConfig(sides="short", risk_per_trade=Decimal("0.01"), max_notional=capital)


def default_routes(capital: Decimal) -> dict[Regime, StrategyConfig]:
    per_level = (capital / 20).quantize(Decimal("0.01"))
    tenth = (capital / 10).quantize(Decimal("0.01"))

    def atr_bounds(multiple: int) -> AtrBounds:
        return AtrBounds(atr_multiple=Decimal(multiple), atr_period=14, interval="15m")

    return {
        Regime.TIGHT_RANGE: GridConfig(
            bounds=atr_bounds(6),
            levels=21,
            spacing="arithmetic",
            amount_per_level=per_level,
        ),
        Regime.WIDE_RANGE: GridConfig(
            bounds=atr_bounds(8),
            levels=21,
            spacing="geometric",
            amount_per_level=per_level,
        ),
        Regime.QUIET_TRANSITION: GridConfig(
            bounds=atr_bounds(6),
            levels=15,
            spacing="arithmetic",
            amount_per_level=per_level,
            range_factor=Decimal("0.7"),
        ),
        Regime.VOLATILE_TRANSITION: DcaConfig(
            base_order=tenth,
            safety_order=tenth,
            max_safety_orders=4,
            price_deviation=Decimal("1.5"),
            step_scale=Decimal("1.3"),
            volume_scale=Decimal("1.3"),
            take_profit=Decimal("1.2"),
        ),
        Regime.BULL_TREND: TrendConfig(
            risk_per_trade=Decimal("0.01"),
            max_notional=capital,
        ),
        # accumulation's steps and take profit are the mode's defaults (see DcaConfig)
        Regime.BEAR_TREND: DcaConfig.model_validate(
            {
                "mode": "accumulate",
                "base_order": tenth,
                "safety_order": tenth,
                "max_safety_orders": 5,
                "volume_scale": Decimal("1.2"),
            }
        ),
    }
