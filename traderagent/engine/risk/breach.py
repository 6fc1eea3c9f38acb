"""A limit crossed: which one, by how much, and the sentence the operator reads."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Scope = Literal["trade", "pair", "portfolio"]


@dataclass(frozen=True, slots=True)
class Breach:
    scope: Scope
    limit: str
    """The config field crossed (`max_daily_loss`, `stop_loss_pct`, ...)."""
    value: Decimal
    """The figure that crossed it (a loss in quote, a drawdown or a fall in percent)."""
    threshold: Decimal
    """The configured limit."""
    reason: str
    """One line naming the limit and the figures, e.g. `daily loss 512.30 USDT exceeds the
    limit 500 USDT (2023-03-10)`."""
