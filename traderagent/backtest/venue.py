"""The paper venue a backtest trades on: the given candles, a ReplayClock at full speed.

The same parts as `traderagent.venues.paper_venue` (the paper exchange with the config's
balances, fees and fill model), but fed a window of candles already in memory, so a sweep
loads its data once for every run.
"""

from __future__ import annotations

from traderagent.backtest.inputs import BacktestError, ReplayWindow
from traderagent.clock import ReplayClock
from traderagent.config import AppConfig
from traderagent.domain import TradingMode
from traderagent.exchanges.paper.exchange import PaperExchange
from traderagent.exchanges.paper.instruments import DEFAULT_INSTRUMENTS
from traderagent.venues import Venue


def backtest_venue(config: AppConfig, window: ReplayWindow) -> Venue:
    """A paper exchange on `window`, its clock starting at the first traded candle."""
    instruments = {}
    for index, bot in enumerate(config.bots):
        instrument = DEFAULT_INSTRUMENTS.get(bot.symbol)
        if instrument is None:
            known = ", ".join(sorted(DEFAULT_INSTRUMENTS))
            raise BacktestError(
                f"bots[{index}].symbol: the paper exchange does not list {bot.symbol} "
                f"(known: {known})"
            )
        instruments[bot.symbol] = instrument
    candles = window.candles
    clock = ReplayClock(start_ms=candles.first_ts, speed=None)
    paper = config.paper
    exchange = PaperExchange(
        DEFAULT_INSTRUMENTS,
        paper.balances,
        paper.maker_fee,
        paper.taker_fee,
        paper.fill_model,
        now_ms=clock.now_ms,
    )
    return Venue(
        exchange=exchange,
        clock=clock,
        feed=candles,
        mode=TradingMode.PAPER,
        label=window.label,
        instruments=instruments,
        warmup=window.history,
        feed_length=len(candles),
    )
