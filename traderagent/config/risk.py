"""Risk limits, from one trade to the whole account (DESIGN.md, "Risk, from small to large").

`PairRiskConfig` sits under a bot (`bots[i].risk`): limits on its orders and its position.
`RiskConfig` sits at the top (`risk`): limits on the account every bot shares. Every limit is
optional except the drawdown halt, which is on by default at 15 %.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Limits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class PairRiskConfig(_Limits):
    """A bot's trade and pair limits. They act on entries and on buys that add to the position;
    exits, stops, take-profits and counter-sells always pass."""

    max_order_notional: Decimal | None = Field(default=None, gt=0)
    """Largest order, in the quote asset (qty x price); a bigger entry is cut to it."""
    max_position_qty: Decimal | None = Field(default=None, gt=0)
    """Largest position in the base asset, counting resting buys as if they had filled."""
    max_position_notional: Decimal | None = Field(default=None, gt=0)
    """Largest position value in the quote asset at the market price, counting resting buys
    (each at the higher of its price and the market)."""
    stop_loss_pct: Decimal | None = Field(default=None, gt=0, lt=100)
    """Close the position at market (purpose STOP) when the price falls this many percent below
    its average entry, whatever the strategy does; the bot then pauses until resumed."""
    max_open_orders: int | None = Field(default=None, ge=1)
    """Most orders the bot may have resting; a new entry beyond it is refused."""
    max_position_margin: Decimal | None = Field(default=None, gt=0)
    """Largest margin, in the quote asset, the bot's position and its resting orders that
    open may hold (position value / leverage on a linear perpetual venue; on spot the value
    itself); an entry beyond it is cut or refused."""


class RiskConfig(_Limits):
    """Limits on the whole account. A breach of the daily loss or the drawdown halts every bot
    (EMERGENCY) until the operator acknowledges it."""

    max_daily_loss: Decimal | None = Field(default=None, gt=0)
    """Largest loss in one UTC day, in the quote asset, from the equity at the day's first
    candle (realised and unrealised)."""
    max_drawdown_pct: Decimal | None = Field(default=Decimal(15), gt=0, le=100)
    """Largest fall of the equity from its peak, in percent; null switches the halt off."""
    max_gross_exposure_pct: Decimal | None = Field(default=None, gt=0)
    """Largest sum of every bot's position value (and resting buys) as a percent of equity;
    an entry beyond it is cut or refused."""
    max_gross_notional: Decimal | None = Field(default=None, gt=0)
    """Largest sum of every bot's position value (and resting orders that open), in the
    quote asset; an entry beyond it is cut or refused."""
    max_margin_pct: Decimal | None = Field(default=None, gt=0, le=100)
    """Largest sum of every bot's margin (position value and opening orders over the
    symbol's leverage) as a percent of equity: what liquidations could take at once; an
    entry beyond it is cut or refused."""

    liquidation_warning_pct: Decimal = Field(default=Decimal(5), gt=0, lt=100)
    """A perpetual position is shown as a warning (TUI positions row, API positions view)
    when the mark is within this many percent of its liquidation price, and as danger
    within half of it."""

    @property
    def limits_entries(self) -> bool:
        """Whether an account limit acts on each entry (every bot then needs a risk gate)."""
        return (
            self.max_gross_exposure_pct is not None
            or self.max_gross_notional is not None
            or self.max_margin_pct is not None
        )
