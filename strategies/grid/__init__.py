"""Grid trading: levels between bounds, a counter-order at the neighbouring level on each fill."""

from strategies.grid.config import GridConfig
from strategies.grid.levels import GridError, grid_levels, slot_quantities
from strategies.grid.strategy import GridStrategy

__all__ = ["GridConfig", "GridError", "GridStrategy", "grid_levels", "slot_quantities"]
