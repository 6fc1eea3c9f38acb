"""Persistence: SQLAlchemy 2 async models and repositories (SQLite default, PostgreSQL).

Imports only `traderagent.domain` from the project; the engine reaches it via TradeJournal.
Paths, URLs and keys are passed in by callers.
"""

from storage.credentials import (
    ApiKeyPair,
    CredentialInfo,
    CredentialStore,
    EncryptionKey,
    load_encryption_key,
)
from storage.database import Database, sqlite_url
from storage.errors import CredentialError, LeaseError, StorageError
from storage.journal import SqlJournal
from storage.lease import BotLease, acquire_lease
from storage.maintenance import SchemaStatus, schema_status, upgrade_database
from storage.records import (
    AuditRecord,
    BotRecord,
    EquityPoint,
    PositionRecord,
    SnapshotRecord,
    StrategyRecord,
)
from storage.repositories import (
    AuditRepository,
    BotRepository,
    EquityRepository,
    FillRepository,
    OrderRepository,
    PositionRepository,
    RiskStateRepository,
    SnapshotRepository,
    StrategyRepository,
)
from storage.schema_version import HEAD_REVISION, SchemaChange

__all__ = [
    "HEAD_REVISION",
    "ApiKeyPair",
    "AuditRecord",
    "AuditRepository",
    "BotLease",
    "BotRecord",
    "BotRepository",
    "CredentialError",
    "CredentialInfo",
    "CredentialStore",
    "Database",
    "EncryptionKey",
    "EquityPoint",
    "EquityRepository",
    "FillRepository",
    "LeaseError",
    "OrderRepository",
    "PositionRecord",
    "PositionRepository",
    "RiskStateRepository",
    "SchemaChange",
    "SchemaStatus",
    "SnapshotRecord",
    "SnapshotRepository",
    "SqlJournal",
    "StorageError",
    "StrategyRecord",
    "StrategyRepository",
    "acquire_lease",
    "load_encryption_key",
    "schema_status",
    "sqlite_url",
    "upgrade_database",
]
