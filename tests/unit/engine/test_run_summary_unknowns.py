"""A run summary never dates a run from the epoch nor values an unpriced holding at zero: a
restart into a replay that had already ended takes no candle, and an asset with no price yet
makes the equity unknown, not smaller (the warm-up's last close is that price)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from traderagent.bus import EventBus
from traderagent.clock import ReplayClock
from traderagent.config.risk import RiskConfig
from traderagent.domain import Balance, Candle, TradingMode
from traderagent.engine.orchestrator import Engine
from traderagent.engine.risk.equity_watch import EquityWatch
from traderagent.engine.snapshots import run_summary
from traderagent.facade import RunSummary
from traderagent.summary import render_summary

ENDED = 1_679_443_200_000  # 2023-03-22 00:00 UTC


def ended_replay(**changes: object) -> RunSummary:
    base = RunSummary(
        (), 0, 0, D(0), D(0), D(10000), D("9431.95"), 0, 0, ENDED, "end of replay data"
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_run_that_took_no_candle_says_so_instead_of_1970() -> None:
    text = render_summary(ended_replay())
    assert "  period         no candle in this run (clock at 2023-03-22 00:00 UTC)\n" in text
    assert "1970" not in text


def test_an_unpriced_holding_makes_the_equity_not_known() -> None:
    text = render_summary(ended_replay(unpriced=("BTC",)))
    assert "  equity         10,000.00 -> not known (BTC held and no price seen yet)\n" in text
    assert "9,431.95" not in text


class QuietVenue:
    name = "paper"
    status_line = ""

    def set_listener(self, listener: object) -> None:
        self.listener = listener


def engine_holding_btc() -> Engine:
    engine = Engine(
        mode=TradingMode.PAPER,
        clock=ReplayClock(ENDED),
        exchange=QuietVenue(),  # type: ignore[arg-type]
        journal=None,  # type: ignore[arg-type]
        bus=EventBus(),
        bots=[],
        feed=[],
    )
    engine.balances = {
        "USDT": Balance("USDT", D("9000"), D(0)),
        "BTC": Balance("BTC", D("0.05"), D(0)),
    }
    return engine


def test_the_warm_ups_last_close_values_the_account_before_any_candle() -> None:
    engine = engine_holding_btc()
    engine.equity_watch = EquityWatch(RiskConfig(max_drawdown_pct=D(15)), "USDT")
    engine.equity_watch.observe(ENDED - 180_000, D("10000"))  # a day seen, its peak 10,000
    before = run_summary(engine)
    assert before.unpriced == ("BTC",)  # no price: not known, not 9,000
    assert before.drawdown_pct is None  # nor a 10 % drawdown measured from 9,000
    engine.warm_up(
        [
            Candle("BTCUSDT", ENDED - 120_000, 27000.0, 27010.0, 26990.0, 27000.0, 1.0),
            Candle("BTCUSDT", ENDED - 60_000, 27000.0, 27100.0, 26950.0, 27050.5, 1.0),
        ]
    )
    after = run_summary(engine)
    assert after.unpriced == ()
    assert after.drawdown_pct is not None  # valued now: measured
    assert after.final_equity == D("9000") + D("0.05") * D("27050.5")
