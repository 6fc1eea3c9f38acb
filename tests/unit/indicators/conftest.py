import pytest

from traderagent.marketdata import CandleSeries, load_bundled


@pytest.fixture(scope="session")
def btc() -> CandleSeries:
    """The bundled real BTC/USDT 1m candles (30,240)."""
    return load_bundled()
