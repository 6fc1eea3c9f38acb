"""What the regime classifier saw at one evaluation: the confirmed regime and its inputs."""

from __future__ import annotations

from dataclasses import dataclass

from traderagent.domain.enums import Regime
from traderagent.domain.values import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class RegimeReading:
    symbol: str
    ts: int
    """Close time (epoch ms) of the classifier bar this reading was taken on."""
    regime: Regime | None
    """The confirmed regime; None while the indicators warm up."""
    candidate: Regime | None
    """What the latest bar alone says (None inside a hysteresis gap)."""
    since_ms: int
    """When the confirmed regime began (epoch ms)."""
    adx: float
    plus_di: float
    minus_di: float
    atr_pct: float
    """ATR as a percentage of the close."""
    ema_fast: float
    ema_slow: float
