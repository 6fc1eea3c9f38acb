"""Each strategy on 1m candles and on the same period resampled to 5m: what is stated in time
(the DCA cooldown in minutes, the bar intervals the trend, the SMC filter and an ATR grid decide
on) means the same time whatever the data's candle interval; and a DCA base order never spends
more than `base_order`."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from kit.factories import DCA_STRATEGY

from traderagent.backtest.runner import BacktestResult, run_backtest
from traderagent.config import parse_config
from traderagent.domain import MINUTE_MS, Fill, Side
from traderagent.marketdata import CandleSeries, load_bundled
from traderagent.marketdata.resample import resample

DAY_MS = 86_400_000
FIVE_MS = 5 * MINUTE_MS
TREND = {
    "kind": "trend",
    "interval": "15m",
    "fallback_equity": "10000",
    "max_notional": "5000",
}
SMC = {"interval": "15m", "max_distance_pct": "1.0", "min_confidence": "0.2"}
ATR_GRID = {
    "kind": "grid",
    "bounds": {"atr_multiple": "4", "atr_period": 14, "interval": "1h"},
    "levels": 21,
    "amount_per_level": "200",
}


def period(days: int, first: int = 0) -> tuple[CandleSeries, CandleSeries]:
    """`days` of the bundled 1m candles from day `first`, and the same period as 5m candles."""
    series = load_bundled()
    start = series.first_ts + first * DAY_MS
    one = series.between(start, start + days * DAY_MS)
    five = resample(one, FIVE_MS)
    assert five.interval_ms == FIVE_MS and five.first_ts == one.first_ts
    return one, five


async def backtest(
    strategy: dict[str, object], candles: CandleSeries, smc: dict[str, object] | None = None
) -> BacktestResult:
    bot: dict[str, object] = {"name": "bot", "strategy": strategy}
    if smc is not None:
        bot["smc"] = smc
    raw = {"replay": {"data": "bundled", "speed": "max"}, "bots": [bot]}
    return await run_backtest(parse_config(yaml.safe_dump(raw), "case.yaml", {}), candles=candles)


def cooldowns(fills: tuple[Fill, ...]) -> list[int]:
    """Milliseconds from each cycle's end (take profit or stop sale) to the next base fill."""
    gaps, ended = [], None
    for f in fills:
        if f.tag.startswith(("tp", "sl")):
            ended = f.ts
        elif f.tag.startswith("base") and ended is not None:
            gaps.append(f.ts - ended)
            ended = None
    return gaps


@pytest.mark.parametrize("interval", [MINUTE_MS, FIVE_MS], ids=["1m", "5m"])
async def test_the_dca_cooldown_is_the_same_minutes_on_1m_and_5m_data(interval: int) -> None:
    one, five = period(7)
    strategy = {**DCA_STRATEGY, "cooldown_candles": 30}
    result = await backtest(strategy, one if interval == MINUTE_MS else five)
    gaps = cooldowns(result.fills)
    assert len(gaps) >= 3, "the case must end several cycles"
    # a cycle ends inside a candle; the next opens on the first candle closing 30 minutes after
    # that candle's close: 30 minutes at least, and less than one candle more
    assert all(30 * MINUTE_MS <= gap <= 30 * MINUTE_MS + interval for gap in gaps), gaps


@pytest.mark.parametrize("interval", [MINUTE_MS, FIVE_MS], ids=["1m", "5m"])
async def test_every_dca_base_order_spends_at_most_the_base_amount(interval: int) -> None:
    one, five = period(21)
    base_order = Decimal(300)
    strategy = {**DCA_STRATEGY, "base_order": "300", "cooldown_candles": 0}
    result = await backtest(strategy, one if interval == MINUTE_MS else five)
    bases = [f for f in result.fills if f.tag.startswith("base")]
    assert len(bases) >= 10
    lot = Decimal("0.000001")  # BTCUSDT on the paper venue
    for f in bases:
        assert f.side is Side.BUY
        spent = f.price * f.qty
        assert spent <= base_order, f"{f.tag} spent {spent} for a base order of {base_order}"
        assert base_order - spent < f.price * lot, f"{f.tag} spent only {spent}"


async def test_the_trend_decides_on_the_same_15m_bars_from_1m_and_5m_data() -> None:
    one, five = period(7)
    entries = []
    for candles in (one, five):
        fills = (await backtest(TREND, candles)).fills
        buys = [f for f in fills if f.tag.startswith("entry")]
        assert buys, "the case must enter"
        assert all(f.ts % (15 * MINUTE_MS) == 0 for f in buys)  # at a 15m bar's close
        entries.append(buys[0])
    first_1m, first_5m = entries
    # the same 15m bars give the same first signal, at the same close, the same size
    assert (first_1m.ts, first_1m.price, first_1m.qty) == (
        first_5m.ts,
        first_5m.price,
        first_5m.qty,
    )


async def test_the_smc_filter_reads_the_same_15m_bars_from_1m_and_5m_data() -> None:
    one, five = period(7)
    firsts = []
    for candles in (one, five):
        fills = (await backtest(TREND, candles, SMC)).fills
        buys = [f for f in fills if f.tag.startswith("entry")]
        assert buys, "the case must enter"
        assert all(f.ts % (15 * MINUTE_MS) == 0 for f in buys)
        firsts.append((buys[0].ts, buys[0].price, buys[0].qty))
    assert firsts[0] == firsts[1]


async def test_an_atr_grid_opens_at_the_same_hour_with_the_same_levels_on_1m_and_5m() -> None:
    one, five = period(3)
    runs = [await backtest(ATR_GRID, candles) for candles in (one, five)]
    seeds = [(r.fills[0].ts, r.fills[0].price, r.fills[0].qty) for r in runs]
    assert seeds[0] == seeds[1]
    assert seeds[0][0] % (60 * MINUTE_MS) == 0  # opened at a 1h bar's close
    assert runs[0].grid_levels == runs[1].grid_levels
