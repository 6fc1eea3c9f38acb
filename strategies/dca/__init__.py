"""DCA: a base order, scaled safety orders below it, a take profit that follows the average."""

from strategies.dca.config import MODE_DEFAULTS, DcaConfig
from strategies.dca.cycle import DcaCycle
from strategies.dca.plan import SafetyOrder, SafetyOrderPlan, deviation_pct, volume
from strategies.dca.strategy import DcaStrategy
from strategies.kinds import StrategyKind

KIND = StrategyKind(
    "dca",
    DcaConfig,
    DcaStrategy,
    "a base order, scaled safety orders below it, a take profit that follows the average",
    kernel="dca",
    quiet=True,
)
"""The dca kind, as `strategies.registry` registers it."""

__all__ = [
    "KIND",
    "MODE_DEFAULTS",
    "DcaConfig",
    "DcaCycle",
    "DcaStrategy",
    "SafetyOrder",
    "SafetyOrderPlan",
    "deviation_pct",
    "volume",
]
