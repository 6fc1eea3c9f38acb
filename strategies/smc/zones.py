"""Demand and supply zones: order blocks and fair value gaps, merged where they overlap.

A zone's confidence starts at 0.6 (one source) or 1.0 (an order block and a gap overlapping:
a confluence zone) and halves every `half_life` bars. A bar reaching into a zone after one that
did not is one touch (counted on the filter's bars, so alike on 1m and 5m data); a zone is used
up after `max_touches`, and gone once a bar closes through it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from traderagent.domain import Candle

ZoneSide = Literal["demand", "supply"]
Source = Literal["order block", "fair value gap"]


@dataclass(slots=True)
class Zone:
    side: ZoneSide
    bottom: float
    top: float
    born: int
    """Bar number the zone appeared on."""
    sources: set[Source] = field(default_factory=set)
    touches: int = 0
    inside: bool = False

    def confidence(self, bar: int, half_life: int) -> float:
        base = 1.0 if len(self.sources) > 1 else 0.6
        age = max(0, bar - self.born) / half_life
        return base * math.pow(0.5, age)

    def overlaps(self, other: Zone) -> bool:
        return self.side == other.side and self.bottom <= other.top and other.bottom <= self.top

    def label(self) -> str:
        kinds = " + ".join(sorted(self.sources))
        return f"{self.side} {kinds} {self.bottom:.2f}-{self.top:.2f}"


class ZoneBook:
    def __init__(self, half_life: int, max_touches: int, max_zones: int) -> None:
        self.half_life = half_life
        self.max_touches = max_touches
        self.max_zones = max_zones
        self.zones: list[Zone] = []
        self.bar = 0  # closed bars so far

    def add(self, zone: Zone) -> Zone:
        """Add a zone; overlapping one of another source, they merge into a confluence zone."""
        for old in self.zones:
            if old.overlaps(zone) and not (old.sources & zone.sources):
                old.bottom, old.top = max(old.bottom, zone.bottom), min(old.top, zone.top)
                old.sources |= zone.sources
                old.born, old.touches = zone.born, 0
                return old
        self.zones.append(zone)
        del self.zones[: -self.max_zones]
        return zone

    def fair_value_gap(self, bars: list[Candle], min_gap_pct: float) -> Zone | None:
        """The three-bar imbalance the last bar completes: bar 1's high below bar 3's low."""
        if len(bars) < 3:
            return None
        first, third = bars[-3], bars[-1]
        if first.high < third.low and (third.low - first.high) / third.close * 100 >= min_gap_pct:
            return self.add(Zone("demand", first.high, third.low, self.bar, {"fair value gap"}))
        if first.low > third.high and (first.low - third.high) / third.close * 100 >= min_gap_pct:
            return self.add(Zone("supply", third.high, first.low, self.bar, {"fair value gap"}))
        return None

    def close_bar(self, bar: Candle) -> None:
        """A closed bar: zones it closed through are gone."""
        self.bar += 1
        self.zones = [
            z
            for z in self.zones
            if not (z.side == "demand" and bar.close < z.bottom)
            and not (z.side == "supply" and bar.close > z.top)
        ]

    def touch(self, low: float, high: float) -> None:
        """A closed bar: count entries into zones from outside; drop used-up zones."""
        for zone in self.zones:
            inside = low <= zone.top and high >= zone.bottom
            if inside and not zone.inside:
                zone.touches += 1
            zone.inside = inside
        self.zones = [z for z in self.zones if z.touches <= self.max_touches]

    def active(self, side: ZoneSide, min_confidence: float) -> list[Zone]:
        return [
            z
            for z in self.zones
            if z.side == side and z.confidence(self.bar, self.half_life) >= min_confidence
        ]
