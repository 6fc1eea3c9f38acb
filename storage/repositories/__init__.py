"""One repository per table; each converts between ORM rows and domain values."""

from storage.repositories.bots import BotRepository
from storage.repositories.equity import EquityRepository
from storage.repositories.fills import FillRepository
from storage.repositories.orders import OrderRepository
from storage.repositories.positions import PositionRepository

__all__ = [
    "BotRepository",
    "EquityRepository",
    "FillRepository",
    "OrderRepository",
    "PositionRepository",
]
