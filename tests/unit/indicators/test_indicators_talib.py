"""The vectorised indicators against TA-Lib (the C reference), when its wheel is installed.

TA-Lib is not a project dependency: without it this module is skipped, never silently passed.
"""

from __future__ import annotations

import numpy as np
import pytest

from traderagent.indicators import adx, atr, bollinger, ema, rsi, sma
from traderagent.marketdata import CandleSeries

talib = pytest.importorskip("talib")

RTOL = 1e-9


@pytest.mark.parametrize("period", [2, 14, 50])
def test_moving_averages_atr_and_rsi_match_talib(btc: CandleSeries, period: int) -> None:
    h, lo, c = btc.high, btc.low, btc.close
    np.testing.assert_allclose(ema(c, period), talib.EMA(c, period), rtol=RTOL)
    np.testing.assert_allclose(sma(c, period), talib.SMA(c, period), rtol=RTOL)
    np.testing.assert_allclose(atr(h, lo, c, period), talib.ATR(h, lo, c, period), rtol=RTOL)
    np.testing.assert_allclose(rsi(c, period), talib.RSI(c, period), rtol=RTOL)


@pytest.mark.parametrize("period", [2, 14, 56])
def test_adx_and_di_match_talib(btc: CandleSeries, period: int) -> None:
    h, lo, c = btc.high, btc.low, btc.close
    lines = adx(h, lo, c, period)
    np.testing.assert_allclose(lines.adx, talib.ADX(h, lo, c, period), rtol=RTOL)
    np.testing.assert_allclose(lines.plus_di, talib.PLUS_DI(h, lo, c, period), rtol=RTOL)
    np.testing.assert_allclose(lines.minus_di, talib.MINUS_DI(h, lo, c, period), rtol=RTOL)


def test_bollinger_matches_talib(btc: CandleSeries) -> None:
    upper, middle, lower = talib.BBANDS(btc.close, 20, 2.0, 2.0, 0)  # matype 0 = SMA
    bands = bollinger(btc.close, 20, 2.0)
    np.testing.assert_allclose(bands.middle, middle, rtol=RTOL)
    # TA-Lib's sum-of-squares variance loses ~1e-6 on $25,000 prices: compare to 1e-5 dollars
    np.testing.assert_allclose(bands.upper, upper, rtol=0, atol=1e-5)
    np.testing.assert_allclose(bands.lower, lower, rtol=0, atol=1e-5)
