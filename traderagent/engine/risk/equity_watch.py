"""The account's daily loss and drawdown, fed its equity once per candle.

The day is the UTC day of the candle's open time; its loss is measured from the equity seen
at its first candle, so it counts realised and unrealised PnL alike. The peak is the highest
equity the account has shown; a restart puts peak, day and day start back as they were
(`engine.account_risk`). Pure: the caller passes every time and value in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from traderagent.config.risk import RiskConfig
from traderagent.engine.risk.breach import Breach

DAY_MS = 86_400_000
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
INFINITY = Decimal("Infinity")
SAFE_SHARE = 1 - Decimal("1e-15")
"""How much of the allowed fall the per-candle pre-check lets through without the exact
division: far more than the division's rounding (28 digits) could ever make up."""


class EquityWatch:
    def __init__(self, config: RiskConfig, quote: str) -> None:
        self.config = config
        self.quote = quote
        self.day: int | None = None
        """The UTC day (days since the epoch) being measured."""
        self.day_start = Decimal(0)
        """Equity at the day's first candle."""
        self.peak = Decimal(0)
        self._floor: tuple[Decimal, Decimal, Decimal] | None = None
        """(peak, limit, equity above which the drawdown is surely within the limit)."""

    def observe(self, ts_ms: int, equity: Decimal) -> Breach | None:
        """Take the equity after the candle that opened at `ts_ms`; the breach, if any (the
        daily loss first when both are crossed)."""
        day = ts_ms // DAY_MS
        if day != self.day:
            self.day, self.day_start = day, equity
        if equity > self.peak:  # `max`, without the call: once per stepped candle
            self.peak = equity
        return self._daily_loss(ts_ms, equity) or self._drawdown(equity)

    def restore(self, peak: Decimal, day: int | None, day_start: Decimal) -> None:
        """Measure on from a stored state (a restart): the peak, the day and its start."""
        self.peak, self.day, self.day_start = peak, day, day_start

    def observe_quiet(self, day: int, day_start: Callable[[], Decimal], peak: Decimal) -> None:
        """`observe` over a quiet span that none of its candles breaches (`skip`): the span ends
        on `day` (whose opening equity `day_start()` gives, asked only for a new day) and its
        highest equity is `peak`."""
        if day != self.day:
            self.day, self.day_start = day, day_start()
        self.peak = max(self.peak, peak)

    def daily_loss(self, equity: Decimal) -> Decimal:
        """Loss since the day's first candle (negative when the day is up)."""
        return self.day_start - equity

    def drawdown_pct(self, equity: Decimal) -> Decimal:
        """Fall from the peak, in percent of the peak."""
        if self.peak <= 0:
            return Decimal(0)
        return (self.peak - equity) / self.peak * HUNDRED

    def _daily_loss(self, ts_ms: int, equity: Decimal) -> Breach | None:
        limit = self.config.max_daily_loss
        if limit is None:
            return None
        loss = self.daily_loss(equity)
        if loss <= limit:
            return None
        day = datetime.fromtimestamp(ts_ms / 1000, UTC).date().isoformat()
        return Breach(
            "portfolio",
            "max_daily_loss",
            loss,
            limit,
            f"daily loss {loss.quantize(CENT)} {self.quote} exceeds the limit {limit}"
            f" {self.quote} ({day}; max_daily_loss)",
        )

    def _drawdown(self, equity: Decimal) -> Breach | None:
        limit = self.config.max_drawdown_pct
        if limit is None:
            return None
        if equity >= self._safe_floor(limit):  # most candles: no division to tell
            return None
        drawdown = self.drawdown_pct(equity)
        if drawdown <= limit:
            return None
        return Breach(
            "portfolio",
            "max_drawdown_pct",
            drawdown,
            limit,
            f"drawdown {drawdown.quantize(CENT)}% from the peak {self.peak.quantize(CENT)}"
            f" {self.quote} exceeds the limit {limit}% (max_drawdown_pct)",
        )

    def _safe_floor(self, limit: Decimal) -> Decimal:
        """An equity at or above which the fall from the peak is surely within `limit`
        (a hair inside the exact bound, so the rounded percent agrees); valued again only when
        the peak or the limit changed."""
        peak, floor = self.peak, self._floor
        if floor is None or floor[0] is not peak or floor[1] is not limit:
            # a peak not above 0: no floor, `drawdown_pct` decides (0) on the exact path
            value = INFINITY if peak <= 0 else peak - peak * limit / HUNDRED * SAFE_SHARE
            floor = self._floor = (peak, limit, value)
        return floor[2]
