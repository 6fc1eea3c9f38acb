"""Drive a reference strategy over candles: each candle is walked by the venue (fills reach
the strategy at once), then its close is shown to the strategy (the first close starts it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .candles import Bar
from .dca import DcaSpec, ReferenceDca
from .grid import GridSpec, ReferenceGrid
from .rules import BTCUSDT, FeeRule, Instrument
from .venue import Fill, PaperVenue


@dataclass(frozen=True)
class Outcome:
    fills: list[Fill]
    balances: dict[str, Decimal]
    last_close: Decimal
    refusals: list[tuple[str, str]]

    @property
    def equity(self) -> Decimal:
        quote, base = self.balances.get("USDT", Decimal(0)), self.balances.get("BTC", Decimal(0))
        return quote + base * self.last_close


def simulate(
    spec: GridSpec | DcaSpec,
    bars: list[Bar],
    *,
    balances: dict[str, Decimal],
    fees: FeeRule,
    fill_model: str = "pessimistic",
    inst: Instrument = BTCUSDT,
) -> Outcome:
    venue = PaperVenue(inst, fees, dict(balances), fill_model)
    strategy = (
        ReferenceGrid(spec, venue) if isinstance(spec, GridSpec) else ReferenceDca(spec, venue)
    )
    venue.on_fill = strategy.on_fill
    if isinstance(strategy, ReferenceDca):
        venue.on_refused = strategy.on_refused
    for i, bar in enumerate(bars):
        venue.walk(bar)
        seen = venue.last or bar.close  # the price a strategy sees: the close on the tick
        if i == 0:
            strategy.start(seen)
        elif isinstance(strategy, ReferenceDca):
            strategy.on_close(seen, bar.close_ms)
    # README: "the equity valuation still take[s] the candles as given" (not on the tick)
    return Outcome(venue.fills, venue.balances, bars[-1].close, venue.refusals)
