"""CandleAggregator: epoch-aligned buckets, finished on the candle that reaches the bucket end,
gap-shortened buckets emitted when the next bucket starts, and agreement with `resample`."""

from __future__ import annotations

import numpy as np
import pytest

from traderagent.domain import Candle
from traderagent.indicators import CandleAggregator
from traderagent.marketdata import CandleSeries, resample

MIN = 60_000
T0 = 1_677_628_800_000  # 2023-03-01 00:00 UTC, a multiple of every interval used here


def minute(i: int, price: float = 100.0, volume: float = 1.0) -> Candle:
    """The 1m candle opening i minutes after T0 (high/low one above/below)."""
    return Candle("BTCUSDT", T0 + i * MIN, price, price + 1, price - 1, price + 0.5, volume)


def test_bars_are_aligned_to_the_epoch_and_finished_by_their_last_minute() -> None:
    bars = CandleAggregator(15 * MIN)
    outputs = [bars.update(minute(i, price=100.0 + i)) for i in range(7, 31)]
    finished = [bar for bar in outputs if bar is not None]
    assert [outputs.index(bar) + 7 for bar in finished] == [14, 29]  # :14 and :29 close them
    first, second = finished
    assert (first.ts, first.interval_ms, first.close_time) == (T0, 15 * MIN, T0 + 15 * MIN)
    assert (first.open, first.high, first.low, first.close) == (107.0, 115.0, 106.0, 114.5)
    assert first.volume == 8.0  # minutes 7..14: the data began mid-bucket
    assert (second.ts, second.open, second.close, second.volume) == (T0 + 15 * MIN, 115, 129.5, 15)
    forming = bars.forming
    assert forming is not None and (forming.ts, forming.volume) == (T0 + 30 * MIN, 1.0)


def test_a_bucket_cut_short_by_a_gap_is_emitted_when_the_next_bucket_starts() -> None:
    bars = CandleAggregator(15 * MIN)
    assert [bars.update(minute(i)) for i in range(0, 5)] == [None] * 5
    late = bars.update(minute(40))  # minutes 5..39 are missing
    assert late is not None and (late.ts, late.volume) == (T0, 5.0)
    assert bars.forming is not None and bars.forming.ts == T0 + 30 * MIN


def test_a_candle_can_finish_a_gap_shortened_bucket_and_its_own() -> None:
    bars = CandleAggregator(15 * MIN)
    bars.update(minute(3))
    both = bars.update_all(minute(29))  # the last minute of the next bucket
    assert [(bar.ts, bar.volume) for bar in both] == [(T0, 1.0), (T0 + 15 * MIN, 1.0)]
    assert bars.forming is None
    again = CandleAggregator(15 * MIN)
    again.update(minute(3))
    assert again.update(minute(29)) == both[-1]  # `update` gives the newest


def test_same_interval_passes_candles_through() -> None:
    bars = CandleAggregator(MIN)
    candle = minute(5)
    assert bars.update(candle) == candle


@pytest.mark.parametrize("interval", ["15m", "1h", "4h"])
def test_matches_resample_on_the_real_sample(btc: CandleSeries, interval: str) -> None:
    from traderagent.marketdata import parse_interval

    interval_ms = parse_interval(interval)
    bars = CandleAggregator(interval_ms)
    built = [bar for candle in btc for bar in bars.update_all(candle)]
    expected = resample(btc, interval_ms)
    assert [bar.ts for bar in built] == expected.ts.tolist()
    for field in ("open", "high", "low", "close"):
        assert [getattr(bar, field) for bar in built] == getattr(expected, field).tolist()
    np.testing.assert_allclose([bar.volume for bar in built], expected.volume, rtol=1e-12)


def test_out_of_order_foreign_or_misfit_candles_are_refused() -> None:
    bars = CandleAggregator(15 * MIN)
    bars.update(minute(3))
    with pytest.raises(ValueError, match="is not after the previous one"):
        bars.update(minute(3))
    with pytest.raises(ValueError, match="candle of ETHUSDT in a BTCUSDT bar"):
        bars.update(Candle("ETHUSDT", T0 + 4 * MIN, 1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match="whole multiple of the candle interval"):
        CandleAggregator(10 * MIN).update(Candle("BTCUSDT", T0, 1, 1, 1, 1, 1, 15 * MIN))
    with pytest.raises(ValueError, match="interval_ms must be a whole number >= 1"):
        CandleAggregator(0)
