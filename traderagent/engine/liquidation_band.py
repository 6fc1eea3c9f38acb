"""How near a perpetual position is to its liquidation: the venue's liquidation price, the
mark's distance from it in percent, and a band: `warning` within `risk.liquidation_warning_pct`,
`danger` within half of it. Pure figures for the snapshots (TUI positions row, API view)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.exchanges.ports import LiquidationQuote

HUNDRED = Decimal(100)
ZERO = Decimal(0)
DEFAULT_WARNING_PCT = Decimal(5)


@dataclass(frozen=True, slots=True)
class LiquidationBand:
    price: Decimal | None = None
    distance_pct: Decimal | None = None
    level: str = ""


NONE = LiquidationBand()


def band(
    position_qty: Decimal, mark: Decimal | None, liquidation: Decimal | None, warning_pct: Decimal
) -> LiquidationBand:
    """The band of a position of `position_qty` (signed) at `mark` liquidated at
    `liquidation`: the distance is `(mark − liq) / mark` for a long, `(liq − mark) / mark` for
    a short, in percent, floored at 0."""
    if liquidation is None or not position_qty:
        return NONE
    if mark is None or mark <= 0:
        return LiquidationBand(liquidation)
    gap = mark - liquidation if position_qty > 0 else liquidation - mark
    distance = max(gap / mark * HUNDRED, ZERO)
    level = ""
    if distance <= warning_pct / 2:
        level = "danger"
    elif distance <= warning_pct:
        level = "warning"
    return LiquidationBand(liquidation, distance, level)


def position_band(
    venue: object, symbol: str, position_qty: Decimal, mark: Decimal | None, warning_pct: Decimal
) -> LiquidationBand:
    """The band of a bot's position on `venue` (none unless the venue quotes liquidations)."""
    if not position_qty or not isinstance(venue, LiquidationQuote):
        return NONE
    return band(position_qty, mark, venue.liquidation_price(symbol), warning_pct)
