"""Candle data: loading (CSV, CSV.gz, Parquet), the bundled sample, and resampling.

Imports pandas only inside the loaders, so importing this package stays cheap.
"""

from traderagent.marketdata.bundled import BUNDLED_SAMPLE, bundled_path, load_bundled
from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.loader import load_candles
from traderagent.marketdata.resample import parse_interval, resample
from traderagent.marketdata.series import CandleSeries

__all__ = [
    "BUNDLED_SAMPLE",
    "CandleSeries",
    "MarketDataError",
    "bundled_path",
    "load_bundled",
    "load_candles",
    "parse_interval",
    "resample",
]
