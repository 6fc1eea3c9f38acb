"""Smart money concepts as an entry filter: structure, order blocks, fair value gaps."""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from strategies.smc.config import SmcConfig
    from strategies.smc.filter import SmcFilter
    from strategies.smc.structure import MarketStructure, StructureBreak
    from strategies.smc.wrapper import Filtered
    from strategies.smc.zones import Zone, ZoneBook

_HOMES = {
    "Filtered": "wrapper",
    "MarketStructure": "structure",
    "SmcConfig": "config",
    "SmcFilter": "filter",
    "StructureBreak": "structure",
    "Zone": "zones",
    "ZoneBook": "zones",
}
"""Each name's module, imported on first use: a config reads `SmcConfig` without loading the
filter and its numba indicators."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)


__all__ = [
    "Filtered",
    "MarketStructure",
    "SmcConfig",
    "SmcFilter",
    "StructureBreak",
    "Zone",
    "ZoneBook",
]
