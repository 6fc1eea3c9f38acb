"""Value types shared by every layer. Imports nothing else from the project."""

from traderagent.domain.enums import (
    BotState,
    Liquidity,
    OrderStatus,
    OrderType,
    Purpose,
    Regime,
    Side,
    TradingMode,
)
from traderagent.domain.intents import CancelAll, CancelOrder, Intent, PlaceOrder
from traderagent.domain.market import MINUTE_MS, Candle, Instrument
from traderagent.domain.orders import ZERO, Fill, FundingFee, Order, OrderRequest
from traderagent.domain.positions import Balance, Position
from traderagent.domain.regime import RegimeReading

__all__ = [
    "MINUTE_MS",
    "ZERO",
    "Balance",
    "BotState",
    "Candle",
    "CancelAll",
    "CancelOrder",
    "Fill",
    "FundingFee",
    "Instrument",
    "Intent",
    "Liquidity",
    "Order",
    "OrderRequest",
    "OrderStatus",
    "OrderType",
    "PlaceOrder",
    "Position",
    "Purpose",
    "Regime",
    "RegimeReading",
    "Side",
    "TradingMode",
]
