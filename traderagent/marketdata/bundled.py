"""The real BTC/USDT candles shipped inside the package (the offline demo and test data)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.loader import load_candles
from traderagent.marketdata.series import CandleSeries

BUNDLED_SAMPLE = "BTCUSDT-1m-2023-03-01_21-binanceus.csv.gz"
BUNDLED_SYMBOL = "BTCUSDT"
BUNDLED_FUNDING = "BTCUSDT-funding-2023-03-01_21-fixed.csv"
"""NOT real data: 0.01 % (Bybit's base rate) at every 8-hour mark of the bundled weeks."""


def bundled_path(name: str = BUNDLED_SAMPLE) -> Path:
    """File-system path of a bundled data file; MarketDataError names what is available."""
    data = files("traderagent.marketdata").joinpath("data")
    resource = data.joinpath(name)
    if Path(name).name != name or not resource.is_file():
        available = sorted(item.name for item in data.iterdir() if item.name.endswith(".gz"))
        raise MarketDataError(
            f"no bundled data file {name!r}; available: {', '.join(available) or 'none'}"
        )
    # a zip-imported package has no real path: the data is only ever installed unpacked
    if not isinstance(resource, Path):
        raise MarketDataError(f"bundled data {name!r} is not on the file system ({resource})")
    return resource


def load_bundled() -> CandleSeries:
    """The bundled Binance.US BTC/USDT 1-minute candles, 2023-03-01 to 2023-03-21 (30,240)."""
    return load_candles(bundled_path(), symbol=BUNDLED_SYMBOL)
