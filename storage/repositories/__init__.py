"""One repository per table; each converts between ORM rows and domain values."""

from storage.repositories.audit import AuditRepository
from storage.repositories.bots import BotRepository
from storage.repositories.equity import EquityRepository
from storage.repositories.fills import FillRepository
from storage.repositories.funding import FundingRepository
from storage.repositories.orders import OrderRepository
from storage.repositories.positions import PositionRepository
from storage.repositories.risk_state import RiskStateRepository
from storage.repositories.snapshots import SnapshotRepository
from storage.repositories.strategies import StrategyRepository

__all__ = [
    "AuditRepository",
    "BotRepository",
    "EquityRepository",
    "FillRepository",
    "FundingRepository",
    "OrderRepository",
    "PositionRepository",
    "RiskStateRepository",
    "SnapshotRepository",
    "StrategyRepository",
]
