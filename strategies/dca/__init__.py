"""DCA: a base order, scaled safety orders below it, a take profit that follows the average."""

from strategies.dca.config import MODE_DEFAULTS, DcaConfig
from strategies.dca.cycle import DcaCycle
from strategies.dca.plan import SafetyOrder, SafetyOrderPlan, deviation_pct, volume
from strategies.dca.strategy import DcaStrategy

__all__ = [
    "MODE_DEFAULTS",
    "DcaConfig",
    "DcaCycle",
    "DcaStrategy",
    "SafetyOrder",
    "SafetyOrderPlan",
    "deviation_pct",
    "volume",
]
