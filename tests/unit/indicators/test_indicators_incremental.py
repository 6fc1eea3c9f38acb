"""The incremental classes agree with the vectorised functions, warm up for the documented
number of values, and reject bad parameters with a message naming them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from traderagent.indicators import (
    Adx,
    Atr,
    Bollinger,
    Ema,
    Rsi,
    Sma,
    Swing,
    SwingDetector,
    adx,
    atr,
    bollinger,
    ema,
    rsi,
    sma,
    swings,
)
from traderagent.marketdata import CandleSeries

TOL = 1e-9


def feed(indicator: object, *columns: np.ndarray) -> np.ndarray:
    update = indicator.update  # type: ignore[attr-defined]
    return np.array([update(*row) for row in zip(*(c.tolist() for c in columns), strict=True)])


@pytest.mark.parametrize("period", [1, 14, 50])
def test_single_input_indicators_agree_with_the_vectorised_form(
    btc: CandleSeries, period: int
) -> None:
    c = btc.close
    for incremental, vectorised in (
        (Ema(period), ema(c, period)),
        (Sma(period), sma(c, period)),
        (Rsi(period), rsi(c, period)),
    ):
        np.testing.assert_allclose(feed(incremental, c), vectorised, rtol=0, atol=TOL)


@pytest.mark.parametrize("period", [1, 14, 56])
def test_bar_indicators_agree_with_the_vectorised_form(btc: CandleSeries, period: int) -> None:
    h, lo, c = btc.high, btc.low, btc.close
    np.testing.assert_allclose(feed(Atr(period), h, lo, c), atr(h, lo, c, period), atol=TOL)
    incremental = Adx(period)
    rows = [
        (incremental.update(*bar), incremental.plus_di, incremental.minus_di)
        for bar in zip(h.tolist(), lo.tolist(), c.tolist(), strict=True)
    ]
    lines = adx(h, lo, c, period)
    np.testing.assert_allclose(np.array(rows), np.column_stack(lines), rtol=0, atol=TOL)


@pytest.mark.parametrize(("period", "k"), [(2, 1.0), (20, 2.0), (96, 2.5)])
def test_bollinger_agrees_with_the_vectorised_form(
    btc: CandleSeries, period: int, k: float
) -> None:
    bands = feed(Bollinger(period, k), btc.close)
    np.testing.assert_allclose(bands, np.column_stack(bollinger(btc.close, period, k)), atol=TOL)


def test_swing_detector_reports_each_pivot_right_bars_later(btc: CandleSeries) -> None:
    left, right = 3, 2
    detector = SwingDetector(left, right)
    marks = swings(btc.high, btc.low, left, right)
    seen: dict[str, list[int]] = {"high": [], "low": []}
    for n, (h, lo) in enumerate(zip(btc.high.tolist(), btc.low.tolist(), strict=True)):
        for swing in detector.update(h, lo):
            assert swing.index == n - right  # confirmed exactly `right` bars after the pivot
            price = btc.high[swing.index] if swing.kind == "high" else btc.low[swing.index]
            assert swing.price == price
            seen[swing.kind].append(swing.index)
    assert seen["high"] == np.flatnonzero(marks.highs).tolist()
    assert seen["low"] == np.flatnonzero(marks.lows).tolist()


def test_an_outside_bar_is_both_a_swing_high_and_low_and_ties_are_neither() -> None:
    detector = SwingDetector(1, 1)
    bars = [(10.0, 9.0), (12.0, 7.0), (11.0, 8.0), (11.0, 8.5), (10.0, 8.0)]
    found = [detector.update(h, lo) for h, lo in bars]
    assert found[:2] == [[], []]
    assert found[2] == [Swing(1, 12.0, "high"), Swing(1, 7.0, "low")]
    assert found[3] == []  # bar 2 sits inside bar 1's range
    assert found[4] == []  # bar 3's high 11 only ties bar 2's; its low 8.5 is above bar 4's


@pytest.mark.parametrize(
    ("make", "vector", "warmup"),
    [
        (lambda p: Ema(p), lambda c, p: ema(c, p), lambda p: p - 1),
        (lambda p: Sma(p), lambda c, p: sma(c, p), lambda p: p - 1),
        (lambda p: Rsi(p), lambda c, p: rsi(c, p), lambda p: p),
        (lambda p: Bollinger(p, 2.0), lambda c, p: bollinger(c, p, 2.0).upper, lambda p: p - 1),
    ],
)
@pytest.mark.parametrize("period", [1, 7, 20])
def test_warm_up_lengths_of_single_input_indicators(
    btc: CandleSeries, make: object, vector: object, warmup: object, period: int
) -> None:
    c = btc.close[:100]
    n = warmup(period)  # type: ignore[operator]
    values = vector(c, period)  # type: ignore[operator]
    assert np.isnan(values[:n]).all() and not np.isnan(values[n:]).any()
    indicator = make(period)  # type: ignore[operator]
    for i, x in enumerate(c.tolist()):
        indicator.update(x)
        assert indicator.ready == (i >= n)
    last = indicator.value.upper if isinstance(indicator, Bollinger) else indicator.value
    assert last == values[-1]


@pytest.mark.parametrize("period", [1, 5, 14])
def test_warm_up_lengths_of_bar_indicators(btc: CandleSeries, period: int) -> None:
    h, lo, c = btc.high[:100], btc.low[:100], btc.close[:100]
    lines = adx(h, lo, c, period)
    for values, n in ((atr(h, lo, c, period), period), (lines.plus_di, period)):
        assert np.isnan(values[:n]).all() and not np.isnan(values[n:]).any()
    assert np.isnan(lines.adx[: 2 * period - 1]).all()
    assert not np.isnan(lines.adx[2 * period - 1 :]).any()
    average, directional = Atr(period), Adx(period)
    for i, bar in enumerate(zip(h.tolist(), lo.tolist(), c.tolist(), strict=True)):
        average.update(*bar)
        directional.update(*bar)
        assert average.ready == (i >= period)
        assert directional.ready == (i >= 2 * period - 1)
        assert math.isnan(directional.value) != directional.ready


def test_too_short_or_empty_input_is_all_warm_up() -> None:
    short = np.array([1.0, 2.0, 3.0])
    assert np.isnan(ema(short, 5)).all() and np.isnan(rsi(short, 3)).all()
    assert np.isnan(adx(short, short, short, 2).adx).all()
    assert ema(np.array([]), 3).shape == (0,)
    assert not swings(short, short, 2, 2).highs.any()


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "14", None])
@pytest.mark.parametrize(
    "build",
    [
        lambda p: Ema(p),
        lambda p: Sma(p),
        lambda p: Rsi(p),
        lambda p: Atr(p),
        lambda p: Adx(p),
        lambda p: Bollinger(p, 2.0),
        lambda p: ema(np.ones(5), p),
        lambda p: sma(np.ones(5), p),
        lambda p: rsi(np.ones(5), p),
        lambda p: atr(np.ones(5), np.ones(5), np.ones(5), p),
        lambda p: adx(np.ones(5), np.ones(5), np.ones(5), p),
        lambda p: bollinger(np.ones(5), p, 2.0),
    ],
)
def test_bad_periods_raise_a_clear_value_error(build: object, bad: object) -> None:
    with pytest.raises(ValueError, match=r"period must be a whole number >= 1, got"):
        build(bad)  # type: ignore[operator]


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_bad_band_width_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="k must be a finite number >= 0"):
        Bollinger(20, bad)
    with pytest.raises(ValueError, match="k must be a finite number >= 0"):
        bollinger(np.ones(30), 20, bad)


def test_swing_windows_and_input_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="left must be a whole number >= 1, got 0"):
        SwingDetector(0, 2)
    with pytest.raises(ValueError, match="right must be a whole number >= 1, got -1"):
        swings(np.ones(9), np.ones(9), 2, -1)
    with pytest.raises(ValueError, match="must have one length, got 5, 4, 5"):
        atr(np.ones(5), np.ones(4), np.ones(5), 2)
    with pytest.raises(ValueError, match="must be one-dimensional"):
        ema(np.ones((3, 3)), 2)
