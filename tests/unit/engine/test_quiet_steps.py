"""The engine's stepped replay feeds its regime classifier every candle, the quiet ones as
columns between bar closes: the classifier ends where one candle at a time leaves it."""

from __future__ import annotations

import numpy as np
import pytest

from traderagent.domain import Candle
from traderagent.engine.quiet_steps import ClassifierFeed, bar_events
from traderagent.indicators import CandleAggregator
from traderagent.marketdata import CandleSeries
from traderagent.regime import RegimeClassifier
from traderagent.regime.config import RegimeConfig

MINUTE = 60_000
T0 = 1_700_000_000_000 - 1_700_000_000_000 % (15 * MINUTE)


def series_with_gaps(n: int, seed: int) -> CandleSeries:
    rng = np.random.default_rng(seed)
    steps = rng.choice([1, 1, 1, 1, 1, 1, 2, 7, 16, 31], size=n)  # gaps, some a bar long
    ts = T0 + 3 * MINUTE + np.cumsum(steps).astype(np.int64) * MINUTE
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 2e-3, n)))
    opens = np.r_[100.0, close[:-1]]
    high = np.maximum(opens, close) * (1 + rng.uniform(0, 1e-3, n))
    low = np.minimum(opens, close) * (1 - rng.uniform(0, 1e-3, n))
    volume = rng.gamma(2.0, 0.37, n)  # sums that round differently in another order
    return CandleSeries("BTCUSDT", MINUTE, ts, opens, high, low, close, volume)


def test_bar_events_hold_every_candle_that_finishes_a_bar() -> None:
    candles = series_with_gaps(3_000, 1)
    bars = CandleAggregator(15 * MINUTE)
    finishing = [i for i, c in enumerate(candles) if bars.update_all(c)]
    events = set(bar_events(candles.ts, MINUTE, 15 * MINUTE).tolist())
    assert finishing and set(finishing) <= events
    assert len(events) < len(candles) // 3  # and not every candle


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_fed_classifier_is_the_one_fed_candle_by_candle(seed: int) -> None:
    candles = series_with_gaps(4_000, seed)
    config = RegimeConfig()
    one_by_one, fed = RegimeClassifier(config, "BTCUSDT"), RegimeClassifier(config, "BTCUSDT")
    readings: list[object] = [r for c in candles if (r := one_by_one.update(c)) is not None]
    classified: list[object] = []

    def classify(candle: Candle) -> None:
        reading = fed.update(candle)
        if reading is not None:
            classified.append(reading)

    feed = ClassifierFeed(classify, fed, candles, fed.bar_ms)
    k, n = 0, len(candles)
    while k < n:  # spans of odd lengths, as the quiet ones come
        hi = min(n, k + 1 + (k * 7919) % 97)
        while k < hi:
            m = min(feed.next_event(k), hi)
            feed.absorb(k, m)
            if m < hi:
                feed.classify(m)
            k = m + 1 if m < hi else hi
    later = int(candles.ts[-1]) + 40 * MINUTE  # finishes the forming bar: it shows it
    last = Candle("BTCUSDT", later, 1.0, 1.0, 1.0, 1.0, 1.0, MINUTE)
    readings.append(one_by_one.update(last))
    classified.append(fed.update(last))
    assert repr(classified) == repr(readings)  # NaN while warming up: compared as text


def test_absorbing_is_refused_for_a_candle_that_would_finish_the_bar() -> None:
    bars = CandleAggregator(15 * MINUTE)
    bars.update_all(Candle("BTCUSDT", T0, 1.0, 2.0, 0.5, 1.5, 1.0, MINUTE))
    with pytest.raises(ValueError, match="finish"):
        bars.absorb(
            "BTCUSDT", (T0 + MINUTE, 1.5), T0 + 14 * MINUTE, MINUTE, [2.0], [1.0], 1.0, [1.0]
        )
    with pytest.raises(ValueError, match="bucket"):
        bars.absorb(
            "BTCUSDT", (T0 + 15 * MINUTE, 1.5), T0 + 16 * MINUTE, MINUTE, [2.0], [1.0], 1.0, [1.0]
        )
    assert bars.forming == Candle("BTCUSDT", T0, 1.0, 2.0, 0.5, 1.5, 1.0, 15 * MINUTE)
