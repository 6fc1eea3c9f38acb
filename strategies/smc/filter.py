"""The SMC entry filter: is there a fresh zone to buy (or sell) from, with the structure?"""

from __future__ import annotations

from datetime import UTC, datetime

from strategies.base import StrategyContext
from strategies.intervals import interval_ms
from strategies.smc.config import SmcConfig
from strategies.smc.structure import MarketStructure
from strategies.smc.zones import Zone, ZoneBook, ZoneSide
from traderagent.domain import Candle, Intent, OrderType, PlaceOrder, Side
from traderagent.indicators import CandleAggregator


class SmcFilter:
    """Feed it every candle (1m, 5m, ...); ask `check(intent, ctx)` before an entry leaves."""

    def __init__(self, config: SmcConfig) -> None:
        self.config = config
        self.bars = CandleAggregator(interval_ms(config.interval))
        self.structure = MarketStructure(config.swing_left, config.swing_right)
        self.zones = ZoneBook(config.zone_half_life, config.max_touches, config.max_zones)
        self.last_verdict = ""

    def update(self, candle: Candle) -> None:
        bar = self.bars.update(candle)
        if bar is None:
            return
        # touches on the filter's own bars: the same count from 1m or 5m data
        self.zones.touch(bar.low, bar.high)
        self.zones.close_bar(bar)
        broke = self.structure.update(bar)
        if broke is not None:
            block = self.structure.order_block(broke.direction)
            if block is not None:
                side: ZoneSide = "demand" if broke.direction == "bullish" else "supply"
                self.zones.add(Zone(side, block.low, block.high, self.zones.bar, {"order block"}))
        self.zones.fair_value_gap(list(self.structure.bars)[-3:], float(self.config.min_gap_pct))

    def check(self, intent: Intent, ctx: StrategyContext) -> str | None:
        """Why this entry is blocked, or None when it may go (non-entries always may)."""
        if not isinstance(intent, PlaceOrder) or not intent.purpose.is_entry:
            return None
        limit = intent.type is OrderType.LIMIT and intent.price is not None
        price = float(intent.price if limit and intent.price is not None else ctx.price)
        buying = intent.side is Side.BUY
        reason = self._against_structure(buying) or self._no_zone(buying, price)
        verdict = f"blocked: {reason}" if reason else "passed"
        self.last_verdict = f"last entry {intent.tag} {verdict}"
        return reason

    def allows(self, intent: Intent, ctx: StrategyContext) -> bool:
        return self.check(intent, ctx) is None

    def describe(self) -> str:
        parts = [f"smc {self.config.interval}"]
        last = self.structure.last_break
        if last is not None:
            when = datetime.fromtimestamp(last.ts / 1000, UTC).strftime("%m-%d %H:%M")
            parts.append(f"{last.direction} {last.kind} {when}")
        else:
            parts.append("no structure break yet")
        parts.append(f"{len(self.zones.zones)} zones")
        if self.last_verdict:
            parts.append(self.last_verdict)
        return ", ".join(parts)

    def _against_structure(self, buying: bool) -> str | None:
        bias = self.structure.bias
        if not self.config.respect_structure or bias is None:
            return None
        if bias == ("bearish" if buying else "bullish"):
            last = self.structure.last_break
            kind = last.kind if last else "break"
            return f"structure is {bias} (last {kind})"
        return None

    def _no_zone(self, buying: bool, price: float) -> str | None:
        reach = float(self.config.max_distance_pct) / 100
        side: ZoneSide = "demand" if buying else "supply"
        for zone in self.zones.active(side, float(self.config.min_confidence)):
            if buying and zone.bottom <= price <= zone.top * (1 + reach):
                return None
            if not buying and zone.bottom * (1 - reach) <= price <= zone.top:
                return None
        return f"no {side} zone within {self.config.max_distance_pct}% of {price:.2f}"
