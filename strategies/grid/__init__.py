"""Grid trading: levels between bounds, a counter-order at the neighbouring level on each fill."""

from strategies.grid.config import AtrBounds, GridConfig
from strategies.grid.levels import (
    GridError,
    grid_levels,
    level_prices,
    profit_per_grid,
    shrink_range,
    slot_quantities,
)
from strategies.grid.slots import SlotBook
from strategies.grid.strategy import GridStrategy
from strategies.kinds import StrategyKind

KIND = StrategyKind(
    "grid",
    GridConfig,
    GridStrategy,
    "levels between bounds, a counter-order at the neighbouring level on each fill",
    kernel="grid",
    quiet=True,
)
"""The grid kind, as `strategies.registry` registers it."""

__all__ = [
    "KIND",
    "AtrBounds",
    "GridConfig",
    "GridError",
    "GridStrategy",
    "SlotBook",
    "grid_levels",
    "level_prices",
    "profit_per_grid",
    "shrink_range",
    "slot_quantities",
]
