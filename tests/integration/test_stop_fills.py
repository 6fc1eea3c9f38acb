"""Stops sell where they trigger, in the engine on real candles: a trend or DCA stop is a
venue stop order; beside the take profit that locks the same base the venue refuses it when it
triggers (as Bybit's spot does), and the bot sells at market right there, as taker, at the
stop's trigger (at most the candle's open, at least its low), never at a candle's close. A trend
take profit is a resting limit that fills as maker at its price."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from kit.factories import DCA_STRATEGY as DCA

from traderagent.backtest.runner import BacktestResult, run_backtest
from traderagent.config import parse_config
from traderagent.domain import Candle, Fill, Liquidity, Side
from traderagent.marketdata import CandleSeries, load_bundled

DAY_MS = 86_400_000
TREND: dict[str, object] = {
    "kind": "trend",
    "interval": "15m",
    "stop_atr": "2",
    "take_profit_atr": "4",
    "trailing_atr": "2.5",
    "risk_per_trade": "0.01",
    "fallback_equity": "10000",
    "max_notional": "5000",
}
TIGHT_DCA = {**DCA, "stop_loss": "0.7", "take_profit": "0.4", "cooldown_candles": 0}


async def run(
    strategy: dict[str, object], first_day: int, days: int
) -> tuple[CandleSeries, BacktestResult]:
    raw = {
        "replay": {"data": "bundled", "speed": "max"},
        "bots": [{"name": "bot", "strategy": strategy}],
    }
    config = parse_config(yaml.safe_dump(raw), "case.yaml", {})
    series = load_bundled()
    start = series.first_ts + first_day * DAY_MS
    candles = series.between(start, start + days * DAY_MS)
    return candles, await run_backtest(config, candles=candles)


def stop_sales(result: BacktestResult, stop_prefix: str, sale_prefix: str) -> list[Fill]:
    """The market sales that answered a refused stop: each at the moment the stop triggered,
    at its trigger (or below it, at the open of a candle that gapped through it)."""
    refused = [
        o for o in result.metrics.rejected_orders.orders or () if o.tag.startswith(stop_prefix)
    ]
    assert refused, "no stop triggered"
    assert len(refused) == result.metrics.rejected_orders.count  # nothing else was refused
    sales = [f for f in result.fills if f.tag.startswith(sale_prefix) and "." not in f.tag]
    assert len(sales) == len(refused)
    for stop, sale in zip(refused, sales, strict=True):
        assert stop.price is not None and sale.ts == stop.ts and sale.price <= stop.price, (
            stop,
            sale,
        )
    return sales


def candles_of(candles: CandleSeries, fill: Fill) -> list[Candle]:
    """The candles whose path may hold the fill's time (a path point: open .. close; a time
    on a boundary is the close of one candle and the open of the next)."""
    k = int((fill.ts - candles.first_ts) // 60_000)
    return [candles.candle(j) for j in (k - 1, k) if 0 <= j < len(candles)]


def assert_stop_fills(candles: CandleSeries, stops: list[Fill]) -> None:
    assert stops, "no stop order filled"
    not_at_close = 0
    for fill in stops:
        assert fill.side is Side.SELL and fill.liquidity is Liquidity.TAKER
        bars = [b for b in candles_of(candles, fill) if D(b.low) <= fill.price <= D(b.open)]
        assert bars, fill  # at most the open (a gap fills there), at least the low
        not_at_close += all(fill.price != D(b.close) for b in bars)
    assert not_at_close > 0  # they fill where they trigger, not at the candle's close


def D(price: float) -> Decimal:  # noqa: N802 - reads as the Decimal it builds
    return Decimal(repr(price))


@pytest.mark.parametrize("first_day", [0, 7])
async def test_trend_stops_fill_at_their_trigger_and_take_profits_at_their_limit(
    first_day: int,
) -> None:
    candles, result = await run(TREND, first_day, 7)
    assert_stop_fills(candles, stop_sales(result, "stop", "exit"))
    take_profits = [f for f in result.fills if f.tag.startswith("tp")]
    for fill in take_profits:
        assert fill.liquidity is Liquidity.MAKER
        assert any(D(b.low) <= fill.price < D(b.high) for b in candles_of(candles, fill)), fill


async def test_dca_stop_loss_fills_at_its_trigger_as_taker() -> None:
    candles, result = await run(TIGHT_DCA, 4, 5)
    assert_stop_fills(candles, stop_sales(result, "sl", "sl"))
