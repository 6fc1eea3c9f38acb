"""Smart money concepts as an entry filter: structure, order blocks, fair value gaps."""

from strategies.smc.config import SmcConfig
from strategies.smc.filter import SmcFilter
from strategies.smc.structure import MarketStructure, StructureBreak
from strategies.smc.wrapper import Filtered
from strategies.smc.zones import Zone, ZoneBook

__all__ = [
    "Filtered",
    "MarketStructure",
    "SmcConfig",
    "SmcFilter",
    "StructureBreak",
    "Zone",
    "ZoneBook",
]
