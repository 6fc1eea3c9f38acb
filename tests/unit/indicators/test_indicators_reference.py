"""Every vectorised indicator against an independent textbook computation with pandas
(`rolling`, `ewm`) on the real BTC/USDT sample, and RSI against a published worked example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from traderagent.indicators import adx, atr, bollinger, ema, rsi, sma, swings
from traderagent.marketdata import CandleSeries

RTOL = 1e-9


def wilder(values: pd.Series, first: int, period: int) -> pd.Series:
    """Wilder smoothing: mean of values[first - period + 1 .. first] as the seed at `first`,
    then y = y_prev + (x - y_prev) / period (an ewm with alpha = 1 / period)."""
    seed = values.iloc[first - period + 1 : first + 1].mean()
    tail = pd.concat([pd.Series([seed]), values.iloc[first + 1 :]], ignore_index=True)
    smoothed = tail.ewm(alpha=1 / period, adjust=False).mean()
    return pd.concat([pd.Series(np.nan, index=range(first)), smoothed], ignore_index=True)


def true_range(f: pd.DataFrame) -> pd.Series:
    prev = f.close.shift(1)
    return pd.concat([f.high - f.low, (f.high - prev).abs(), (f.low - prev).abs()], axis=1).max(
        axis=1, skipna=False
    )


def frame(s: CandleSeries) -> pd.DataFrame:
    return pd.DataFrame({"high": s.high, "low": s.low, "close": s.close})


@pytest.mark.parametrize("period", [1, 5, 20, 200])
def test_sma_and_ema_match_pandas(btc: CandleSeries, period: int) -> None:
    close = pd.Series(btc.close)
    np.testing.assert_allclose(sma(btc.close, period), close.rolling(period).mean(), rtol=RTOL)
    seeded = pd.concat([pd.Series([close[:period].mean()]), close[period:]], ignore_index=True)
    textbook = seeded.ewm(alpha=2 / (period + 1), adjust=False).mean()
    expected = np.concatenate([np.full(period - 1, np.nan), textbook.to_numpy()])
    np.testing.assert_allclose(ema(btc.close, period), expected, rtol=RTOL)


@pytest.mark.parametrize("period", [1, 14, 50])
def test_atr_is_wilder_smoothed_true_range(btc: CandleSeries, period: int) -> None:
    expected = wilder(true_range(frame(btc)), period, period)
    np.testing.assert_allclose(atr(btc.high, btc.low, btc.close, period), expected, rtol=RTOL)


@pytest.mark.parametrize("period", [2, 14, 30])
def test_rsi_is_wilder_smoothed_gains_over_losses(btc: CandleSeries, period: int) -> None:
    change = pd.Series(btc.close).diff()
    gain = wilder(change.clip(lower=0), period, period)
    loss = wilder((-change).clip(lower=0), period, period)
    np.testing.assert_allclose(rsi(btc.close, period), 100 * gain / (gain + loss), rtol=RTOL)


@pytest.mark.parametrize("period", [5, 14, 56])
def test_adx_and_di_match_a_pandas_textbook_version(btc: CandleSeries, period: int) -> None:
    f = frame(btc)
    up, down = f.high.diff(), -f.low.diff()
    plus_dm = up.where((up > down) & (up > 0), 0.0)
    minus_dm = down.where((down > up) & (down > 0), 0.0)

    # Wilder's running sum S = S - S/p + x, divided by p, is an ewm(alpha=1/p) seeded at
    # bar p - 1 with the sum of the first p - 1 moves over p (TA-Lib's seed)
    def smoothed(moves: pd.Series) -> pd.Series:
        seed = moves.iloc[1:period].sum() / period
        tail = pd.concat([pd.Series([seed]), moves.iloc[period:]], ignore_index=True)
        ewm = tail.ewm(alpha=1 / period, adjust=False).mean().iloc[1:]
        return pd.concat([pd.Series(np.nan, index=range(period)), ewm], ignore_index=True)

    tr = smoothed(true_range(f))
    plus_di, minus_di = 100 * smoothed(plus_dm) / tr, 100 * smoothed(minus_dm) / tr
    dx = 100 * (plus_di - minus_di).abs() / (plus_di + minus_di)
    lines = adx(btc.high, btc.low, btc.close, period)
    np.testing.assert_allclose(lines.plus_di, plus_di, rtol=RTOL)
    np.testing.assert_allclose(lines.minus_di, minus_di, rtol=RTOL)
    np.testing.assert_allclose(lines.adx, wilder(dx, 2 * period - 1, period), rtol=RTOL)


@pytest.mark.parametrize(("period", "k"), [(20, 2.0), (5, 1.5), (100, 3.0)])
def test_bollinger_uses_population_standard_deviation(
    btc: CandleSeries, period: int, k: float
) -> None:
    close = pd.Series(btc.close)
    # a two-pass standard deviation of each window: exact, where a running one drifts
    windows = sliding_window_view(btc.close, period)
    std = np.concatenate([np.full(period - 1, np.nan), windows.std(axis=1, ddof=0)])
    bands = bollinger(btc.close, period, k)
    np.testing.assert_allclose(bands.middle, close.rolling(period).mean(), rtol=RTOL)
    # the width is a few dollars on a ~$25,000 price (0 when the window is flat): compare it
    # absolutely, to a millionth of a dollar
    np.testing.assert_allclose(bands.upper - bands.middle, k * std, rtol=0, atol=1e-6)
    np.testing.assert_allclose(bands.middle - bands.lower, k * std, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("left", "right"), [(1, 1), (2, 2), (5, 3)])
def test_swings_match_a_brute_force_search(btc: CandleSeries, left: int, right: int) -> None:
    h, lo = btc.high[:3000], btc.low[:3000]
    highs = [
        left <= i < h.size - right
        and all(h[i] > h[j] for j in range(i - left, i + right + 1) if j != i)
        for i in range(h.size)
    ]
    lows = [
        left <= i < lo.size - right
        and all(lo[i] < lo[j] for j in range(i - left, i + right + 1) if j != i)
        for i in range(lo.size)
    ]
    marks = swings(h, lo, left, right)
    assert marks.highs.tolist() == highs
    assert marks.lows.tolist() == lows
    assert 50 < marks.highs.sum() < 1500  # a real series swings, but not on every bar


# StockCharts ChartSchool, "Relative Strength Index (RSI)": the 14-period worked example of
# its spreadsheet (cs-rsi.xls), closes as given there and the RSI column it shows (2 decimals).
CHARTSCHOOL_CLOSES = [
    44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826,
    45.8931, 46.0328, 45.6140, 46.2820, 46.2820, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439,
    46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548, 44.0288, 44.1783, 44.2181, 44.5672,
    43.4205, 42.6628, 43.1314,
]  # fmt: skip
CHARTSCHOOL_RSI = [
    70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99,
    41.46, 41.87, 45.46, 37.30, 33.08, 37.77,
]  # fmt: skip


def test_rsi_reproduces_the_chartschool_worked_example() -> None:
    values = rsi(np.array(CHARTSCHOOL_CLOSES), 14)
    assert np.isnan(values[:14]).all()
    np.testing.assert_allclose(values[14:], CHARTSCHOOL_RSI, rtol=0, atol=0.005)
