"""Configuration of the DCA strategy (safety orders in the 3Commas convention)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from strategies.dca.plan import deviation_pct
from traderagent.domain import MINUTE_MS

MODE_DEFAULTS: dict[str, dict[str, Any]] = {
    "normal": {
        "price_deviation": Decimal(1),
        "step_scale": Decimal("1.2"),
        "take_profit": Decimal("1.5"),
    },
    "accumulate": {
        "price_deviation": Decimal("2.5"),
        "step_scale": Decimal("1.5"),
        "take_profit": Decimal("0.8"),
    },
}
"""What `mode` fills in for the settings a config leaves out: accumulation steps wider and
takes a smaller profit (set `take_profit: null` to keep everything it buys)."""


class DcaConfig(BaseModel):
    """Dollar-cost averaging: a base order, then safety orders further and further below it,
    and one take-profit sell of the whole position at the average entry plus a margin."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    kind: Literal["dca"] = "dca"
    """Strategy kind."""
    direction: Literal["long", "short"] = "long"
    """long (the default): buys, safety orders below, take profit above the average. short
    (linear perpetuals only, `paper.linear.long_only: false`): the base order sells, safety
    orders sell into rises above it, the take profit and the stop buy back reduce-only, below
    and above the average."""
    mode: Literal["normal", "accumulate"] = "normal"
    """`accumulate` (for bear markets) defaults to wider steps and a smaller take profit."""
    base_order: Decimal = Field(gt=0)
    """Quote amount (e.g. USDT) of the market buy that opens each cycle."""
    safety_order: Decimal = Field(gt=0)
    """Quote amount of the first safety order; later ones grow by `volume_scale`."""
    max_safety_orders: int = Field(default=5, ge=0, le=50)
    """Safety orders per cycle, at most."""
    active_safety_orders: int = Field(default=2, ge=1, le=50)
    """Safety orders resting at once; the next one is placed when one fills."""
    price_deviation: Decimal = Field(gt=0, lt=100)
    """Percent below the base price of the first safety order (mode default if left out)."""
    step_scale: Decimal = Field(gt=0, le=10)
    """Each further safety order's step is this multiple of the previous step."""
    volume_scale: Decimal = Field(default=Decimal("1.5"), gt=0, le=10)
    """Each further safety order's amount is this multiple of the previous one."""
    take_profit: Decimal | None = Field(gt=0, le=1000)
    """Percent above the average entry for the take-profit sell; null: no take profit."""
    stop_loss: Decimal | None = Field(default=None, gt=0, lt=100)
    """Percent below the average entry at which the whole position is sold at market."""
    cooldown_candles: int = Field(default=0, ge=0, le=100_000)
    """Minutes (1m candles) to wait after a take profit or a stop before the next cycle opens,
    whatever the data's candle interval: the next cycle opens on the first candle that closes
    at least this many minutes after the engine time at which the cycle ended (0: at once)."""

    @property
    def cooldown_ms(self) -> int:
        """The cooldown as a duration in milliseconds."""
        return self.cooldown_candles * MINUTE_MS

    @model_validator(mode="before")
    @classmethod
    def _mode_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        mode = data.get("mode", "normal")
        defaults = MODE_DEFAULTS.get(mode) if isinstance(mode, str) else None
        return {**defaults, **data} if defaults else data

    @model_validator(mode="after")
    def _deepest_order_above_zero(self) -> DcaConfig:
        deepest = deviation_pct(self.price_deviation, self.step_scale, self.max_safety_orders)
        if deepest >= 100:
            raise ValueError(
                f"safety order {self.max_safety_orders} would sit {deepest:.2f}% below the base "
                "price; lower max_safety_orders, price_deviation or step_scale"
            )
        return self
