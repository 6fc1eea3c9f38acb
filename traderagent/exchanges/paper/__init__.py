"""The paper exchange: an in-process spot venue matched against the live or replayed candles."""

from traderagent.exchanges.paper.exchange import PaperExchange
from traderagent.exchanges.paper.fees import DEFAULT_MAKER_FEE, DEFAULT_TAKER_FEE, FeeSchedule
from traderagent.exchanges.paper.instruments import DEFAULT_INSTRUMENTS
from traderagent.exchanges.paper.matcher import CandleMatcher
from traderagent.exchanges.paper.matching import FILL_MODELS, FillModel, candle_path

__all__ = [
    "CandleMatcher",
    "DEFAULT_INSTRUMENTS",
    "DEFAULT_MAKER_FEE",
    "DEFAULT_TAKER_FEE",
    "FILL_MODELS",
    "FeeSchedule",
    "FillModel",
    "PaperExchange",
    "candle_path",
]
