"""The paper venue a backtest trades on: the given candles, a ReplayClock at full speed.

The same parts as `traderagent.wiring.venues.paper_venue` (the paper exchange, spot or linear, with
the config's balances, fees and fill model), but fed a window of candles already in memory, so
a sweep loads its data once for every run.
"""

from __future__ import annotations

from traderagent.backtest.inputs import BacktestError, ReplayWindow
from traderagent.clock import ReplayClock
from traderagent.config import AppConfig, ConfigError
from traderagent.domain import TradingMode
from traderagent.wiring.venues import (
    Venue,
    first_close,
    paper_exchange,
    paper_fee_reserve,
    paper_instruments,
)


def backtest_venue(config: AppConfig, window: ReplayWindow) -> Venue:
    """A paper exchange on `window`, its clock starting at the first traded candle. A symbol
    without known or configured rules gets them derived from the first traded close."""
    try:
        listed, instruments = paper_instruments(config, first_close(window.candles))
    except ConfigError as err:
        raise BacktestError(str(err)) from None
    candles = window.candles
    clock = ReplayClock(start_ms=candles.first_ts, speed=None)
    try:
        exchange = paper_exchange(config, listed, clock.now_ms)
    except ConfigError as err:
        raise BacktestError(str(err)) from None
    return Venue(
        exchange=exchange,
        clock=clock,
        feed=candles,
        mode=TradingMode.PAPER,
        label=window.label,
        instruments=instruments,
        warmup=window.history,
        feed_length=len(candles),
        fee_reserve=paper_fee_reserve(config),
    )
