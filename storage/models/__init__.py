"""The schema as SQLAlchemy 2 models; the Alembic migrations in `storage/migrations` build it."""

from storage.models.base import Base
from storage.models.decisions import RiskStateRow, SnapshotRow, StrategyRow
from storage.models.fleet import FleetLeaseRow
from storage.models.funding import FundingRow
from storage.models.operations import AuditRow, CredentialRow
from storage.models.paper import PaperAccountRow, PaperFillRow, PaperOrderRow, PaperPositionRow
from storage.models.trading import BotRow, EquityPointRow, FillRow, OrderRow, PositionRow

__all__ = [
    "AuditRow",
    "Base",
    "BotRow",
    "CredentialRow",
    "EquityPointRow",
    "FillRow",
    "FleetLeaseRow",
    "FundingRow",
    "OrderRow",
    "PaperAccountRow",
    "PaperFillRow",
    "PaperOrderRow",
    "PaperPositionRow",
    "PositionRow",
    "RiskStateRow",
    "SnapshotRow",
    "StrategyRow",
]
