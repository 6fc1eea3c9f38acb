"""Grid price levels: arithmetic or geometric between two bounds, on the instrument's ticks."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Literal

from strategies.base import StrategyError
from strategies.grid.config import GridConfig
from traderagent.domain import Instrument

Spacing = Literal["arithmetic", "geometric"]


class GridError(StrategyError):
    """A grid that cannot be traded as configured (levels collapse, orders below minimums)."""


def shrink_range(lower: Decimal, upper: Decimal, factor: Decimal) -> tuple[Decimal, Decimal]:
    """Keep `factor` of the range around its arithmetic centre (factor 1: unchanged)."""
    if factor == 1:
        return lower, upper
    centre = (lower + upper) / 2
    half = (upper - lower) / 2 * factor
    return centre - half, centre + half


def level_prices(
    lower: Decimal, upper: Decimal, count: int, spacing: Spacing, instrument: Instrument
) -> tuple[Decimal, ...]:
    """Ascending, distinct level prices quantised to the tick (nearest tick, half-even)."""
    if lower <= 0 or upper <= lower:
        raise GridError(f"the range {lower}-{upper} is empty or not above zero")
    with localcontext() as ctx:
        ctx.prec = 34
        if spacing == "arithmetic":
            step = (upper - lower) / (count - 1)
            raw = [lower + step * i for i in range(count)]
        else:
            ratio = (upper / lower) ** (Decimal(1) / (count - 1))
            raw = [lower * ratio**i for i in range(count)]
        raw[-1] = upper
    levels = tuple(instrument.round_price(p) for p in raw)
    if len(set(levels)) != len(levels):
        raise GridError(
            f"{count} levels between {lower} and {upper} are closer than one tick "
            f"({instrument.tick_size}); use fewer levels or a wider range"
        )
    return levels


def grid_levels(config: GridConfig, instrument: Instrument) -> tuple[Decimal, ...]:
    """The levels of a grid with fixed bounds (`lower`/`upper`), after `range_factor`."""
    if config.lower is None or config.upper is None:
        raise GridError("this grid takes its bounds from the ATR when it opens")
    lower, upper = shrink_range(config.lower, config.upper, config.range_factor)
    return level_prices(lower, upper, config.levels, config.spacing, instrument)


def slot_quantities(
    levels: tuple[Decimal, ...], amount: Decimal, instrument: Instrument
) -> tuple[Decimal, ...]:
    """Base quantity of each slot k (buy at level k, sell at level k+1): amount / level k."""
    quantities = []
    for price in levels[:-1]:
        qty = instrument.floor_qty(amount / price)
        problem = instrument.check_order(price, qty)
        if problem:
            raise GridError(f"amount_per_level {amount} is too small at level {price}: {problem}")
        quantities.append(qty)
    return tuple(quantities)


def profit_per_grid(levels: tuple[Decimal, ...]) -> tuple[Decimal, Decimal]:
    """Smallest and largest gross profit of one cycle, as a fraction of the buy price.

    A slot buys at level k and sells at level k+1, so it earns (level k+1 / level k) - 1 before
    fees: constant on a geometric grid, largest at the bottom of an arithmetic one.
    """
    gains = [upper / lower - 1 for lower, upper in zip(levels, levels[1:], strict=False)]
    return min(gains), max(gains)
