"""Persistence: SQLAlchemy 2 async models and repositories (SQLite default, PostgreSQL).

Imports only `traderagent.domain` from the project; the engine reaches it via TradeJournal.
"""

from storage.database import Database, sqlite_url
from storage.errors import StorageError
from storage.journal import SqlJournal
from storage.records import BotRecord, EquityPoint, PositionRecord
from storage.repositories import (
    BotRepository,
    EquityRepository,
    FillRepository,
    OrderRepository,
    PositionRepository,
)

__all__ = [
    "BotRecord",
    "BotRepository",
    "Database",
    "EquityPoint",
    "EquityRepository",
    "FillRepository",
    "OrderRepository",
    "PositionRecord",
    "PositionRepository",
    "SqlJournal",
    "StorageError",
    "sqlite_url",
]
