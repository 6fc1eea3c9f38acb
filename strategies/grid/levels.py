"""Grid price levels: arithmetic or geometric between two bounds, on the instrument's ticks."""

from __future__ import annotations

from decimal import Decimal, localcontext

from strategies.grid.config import GridConfig
from traderagent.domain import Instrument


class GridError(ValueError):
    """A grid that cannot be traded as configured (levels collapse, orders below minimums)."""


def grid_levels(config: GridConfig, instrument: Instrument) -> tuple[Decimal, ...]:
    """Ascending, distinct level prices quantised to the tick (nearest tick, half-even)."""
    n = config.levels
    lower, upper = config.lower, config.upper
    with localcontext() as ctx:
        ctx.prec = 34
        if config.spacing == "arithmetic":
            step = (upper - lower) / (n - 1)
            raw = [lower + step * i for i in range(n)]
        else:
            ratio = (upper / lower) ** (Decimal(1) / (n - 1))
            raw = [lower * ratio**i for i in range(n)]
        raw[-1] = upper
    levels = tuple(instrument.round_price(p) for p in raw)
    if len(set(levels)) != len(levels):
        raise GridError(
            f"{n} levels between {lower} and {upper} are closer than one tick "
            f"({instrument.tick_size}); use fewer levels or a wider range"
        )
    return levels


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
