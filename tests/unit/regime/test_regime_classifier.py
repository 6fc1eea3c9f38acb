"""RegimeClassifier and regime_timeline: the real March 2023 market, agreement of the two,
the readings' fields, and the dwell/confirmation rules on random markets."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from traderagent.domain import Candle, Regime, RegimeReading
from traderagent.marketdata import CandleSeries, load_bundled
from traderagent.regime import (
    TRENDS,
    RegimeClassifier,
    RegimeConfig,
    RegimeSegment,
    regime_timeline,
)

RANGES = {Regime.TIGHT_RANGE, Regime.WIDE_RANGE}
QUARTER = 15 * 60_000


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


@pytest.fixture(scope="module")
def btc() -> CandleSeries:
    return load_bundled()


@pytest.fixture(scope="module")
def timeline(btc: CandleSeries) -> list[RegimeSegment]:
    return regime_timeline(btc, RegimeConfig())


def regime_at(timeline: list[RegimeSegment], t: int) -> Regime | None:
    return next((s.regime for s in timeline if s.start_ms <= t < s.end_ms), None)


def regimes_over(timeline: list[RegimeSegment], start: str, end: str) -> list[Regime | None]:
    return [regime_at(timeline, t) for t in range(ms(start), ms(end), QUARTER)]


def test_early_march_is_a_range_market_without_trends(timeline: list[RegimeSegment]) -> None:
    first = timeline[0].start_ms
    assert first <= ms("2023-03-02T12:00")  # the 28 h warm-up ends on 2 March
    early = [r for r in regimes_over(timeline, "2023-03-01", "2023-03-09") if r is not None]
    assert not TRENDS & set(early)  # 1-8 March: ranges and transitions only
    assert sum(r in RANGES for r in early) > len(early) / 2
    assert regime_at(timeline, ms("2023-03-06T12:00")) in RANGES


def test_the_svb_sell_off_is_a_bear_trend(timeline: list[RegimeSegment]) -> None:
    assert set(regimes_over(timeline, "2023-03-10T00:00", "2023-03-10T18:00")) == {
        Regime.BEAR_TREND
    }
    assert regime_at(timeline, ms("2023-03-10T12:00")) is Regime.BEAR_TREND


def test_the_rally_from_13_march_is_a_bull_trend(timeline: list[RegimeSegment]) -> None:
    assert set(regimes_over(timeline, "2023-03-13T12:00", "2023-03-14T18:00")) == {
        Regime.BULL_TREND
    }
    assert Regime.BULL_TREND not in regimes_over(timeline, "2023-03-01", "2023-03-13")


def test_a_handful_of_changes_per_day_at_most(timeline: list[RegimeSegment]) -> None:
    per_day = Counter(datetime.fromtimestamp(s.start_ms / 1000, UTC).date() for s in timeline[1:])
    assert max(per_day.values()) <= 3
    assert 5 <= len(timeline) - 1 <= 30  # it does react: about one change a day


def test_segments_are_consecutive_and_end_with_the_data(
    btc: CandleSeries, timeline: list[RegimeSegment]
) -> None:
    for before, after in zip(timeline, timeline[1:], strict=False):
        assert before.end_ms == after.start_ms and before.regime != after.regime
    assert all(s.start_ms < s.end_ms for s in timeline)
    assert timeline[-1].end_ms == btc.last_ts + btc.interval_ms


def classifier_segments(series: CandleSeries, config: RegimeConfig) -> list[RegimeSegment]:
    classifier = RegimeClassifier(config, series.symbol)
    starts: list[tuple[int, Regime]] = []
    last = None
    for candle in series:
        reading = classifier.update(candle)
        if reading is None:
            continue
        last = reading
        if reading.regime is not None and (not starts or starts[-1][1] != reading.regime):
            starts.append((reading.since_ms, reading.regime))
    if not starts or last is None:
        return []
    ends = [start for start, _ in starts[1:]] + [last.ts]
    return [RegimeSegment(s, e, r) for (s, r), e in zip(starts, ends, strict=True)]


@pytest.mark.parametrize(
    "config",
    [
        RegimeConfig(),
        RegimeConfig(interval="1h", adx_period=14, atr_period=24, min_dwell="4h"),
        RegimeConfig(interval="5m", adx_period=14, confirmations=1, min_dwell="1m"),
    ],
    ids=["default", "1h", "5m-eager"],
)
def test_timeline_agrees_with_the_candle_by_candle_classifier(
    btc: CandleSeries, config: RegimeConfig
) -> None:
    assert classifier_segments(btc, config) == regime_timeline(btc, config)


def test_timeline_agrees_across_gaps(btc: CandleSeries) -> None:
    keep = np.ones(len(btc), dtype=bool)
    keep[5_000:5_037] = keep[12_003:12_100] = keep[20_000:20_001] = False  # data outages
    gappy = CandleSeries(
        btc.symbol,
        btc.interval_ms,
        btc.ts[keep],
        *(getattr(btc, f)[keep] for f in ("open", "high", "low", "close", "volume")),
    )
    config = RegimeConfig(adx_period=14, atr_period=14, min_dwell="2h")
    assert classifier_segments(gappy, config) == regime_timeline(gappy, config)


def test_readings_carry_every_field(btc: CandleSeries) -> None:
    classifier = RegimeClassifier(RegimeConfig(), "BTCUSDT")
    readings = [r for c in btc.head(3_000) if (r := classifier.update(c)) is not None]
    assert len(readings) == 3_000 // 15
    assert [r.ts for r in readings[:2]] == [btc.first_ts + QUARTER, btc.first_ts + 2 * QUARTER]
    warm = [r for r in readings if r.regime is not None]
    assert readings[0].regime is None and readings[0].since_ms == btc.first_ts
    assert warm, "the classifier warms up within 3,000 minutes"
    last = readings[-1]
    assert classifier.reading == last and classifier.regime == last.regime
    assert classifier.since_ms == last.since_ms <= last.ts
    assert 0 <= last.adx <= 100 and 0 <= last.plus_di <= 100 and 0 <= last.minus_di <= 100
    assert 0 < last.atr_pct < 5 and 15_000 < last.ema_fast < 40_000
    assert isinstance(last, RegimeReading) and last.symbol == "BTCUSDT"


def test_a_candle_of_another_symbol_is_refused() -> None:
    classifier = RegimeClassifier(RegimeConfig(), "BTCUSDT")
    with pytest.raises(ValueError, match="ETHUSDT candle fed to the BTCUSDT classifier"):
        classifier.update(Candle("ETHUSDT", 0, 1, 1, 1, 1, 1))


def random_market(seed: int, minutes: int) -> list[Candle]:
    """A geometric random walk whose drift switches sign every few hours."""
    rng = np.random.default_rng(seed)
    drift = np.repeat(rng.choice([-4e-4, 0.0, 4e-4], size=minutes // 180 + 1), 180)[:minutes]
    close = 20_000 * np.exp(np.cumsum(drift + rng.normal(0, 1e-3, minutes)))
    opens = np.concatenate([[20_000.0], close[:-1]])
    wick = np.abs(rng.normal(0, 5e-4, minutes)) * close
    high, low = np.maximum(opens, close) + wick, np.minimum(opens, close) - wick
    return [
        Candle("BTCUSDT", i * 60_000, o, h, lo, c, 1.0)
        for i, (o, h, lo, c) in enumerate(zip(opens, high, low, close, strict=True))
    ]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    confirmations=st.integers(1, 4),
    dwell_minutes=st.sampled_from([5, 30, 60, 180]),
)
def test_classifier_changes_need_n_confirmations_and_the_dwell(
    seed: int, confirmations: int, dwell_minutes: int
) -> None:
    config = RegimeConfig(
        interval="5m", adx_period=5, atr_period=5, ema_fast=3, ema_slow=8,
        confirmations=confirmations, min_dwell=f"{dwell_minutes}m",
    )  # fmt: skip
    classifier = RegimeClassifier(config, "BTCUSDT")
    readings = [r for c in random_market(seed, 2_000) if (r := classifier.update(c)) is not None]
    changes = 0
    for i in range(1, len(readings)):
        before, now = readings[i - 1], readings[i]
        if now.regime == before.regime:
            assert now.since_ms == before.since_ms
            continue
        changes += 1
        assert now.since_ms == now.ts
        assert [r.candidate for r in readings[i + 1 - confirmations : i + 1]] == [
            now.regime
        ] * confirmations
        if before.regime is not None:
            assert now.ts - before.since_ms >= dwell_minutes * 60_000
    assert changes >= 1  # the walk does move the classifier


def test_config_rejects_inconsistent_settings() -> None:
    with pytest.raises(ValidationError, match="ema_fast .50. must be shorter than ema_slow"):
        RegimeConfig(ema_fast=50, ema_slow=20)
    with pytest.raises(ValidationError, match="ADX thresholds must satisfy"):
        RegimeConfig(trend_exit_adx_below=35)
    with pytest.raises(ValidationError, match="bad interval '15x'"):
        RegimeConfig(interval="15x")
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        RegimeConfig(adx=14)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="frozen"):
        RegimeConfig().confirmations = 1  # type: ignore[misc]
    assert RegimeConfig(atr_pct_horizon="15m").atr_pct_scale == 1.0
    assert RegimeConfig().atr_pct_scale == 2.0  # sqrt(60 / 15)
