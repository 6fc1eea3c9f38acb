"""Which events become alerts, and how bursts are gathered (a hand-driven clock, no waiting)."""

from __future__ import annotations

from decimal import Decimal

from stub_engine import CLOCK_MS, StubEngine, fill, reading

from traderagent.domain import BotState, Regime, Side
from traderagent.domain.events import (
    BotStateChanged,
    EquityUpdated,
    HaltTriggered,
    MarketDataStale,
    OrderFilled,
    RegimeChanged,
    RiskBreached,
)
from traderagent.notify.alerts import AlertBatcher
from traderagent.notify.daily import DailyLedger
from traderagent.notify.formatting import MAX_MESSAGE

ALL = ("fills", "halts", "risk", "regime", "daily")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breach(bot: str | None = None) -> RiskBreached:
    reason = "daily loss 512.30 USDT exceeds the limit 500 USDT (2023-03-01; max_daily_loss)"
    return RiskBreached(
        CLOCK_MS, "portfolio", "max_daily_loss", Decimal("512.3"), Decimal(500), bot, reason
    )


def test_fills_wait_for_the_batch_window_and_go_out_together() -> None:
    clock = Clock()
    batcher = AlertBatcher(ALL, batch_s=10, clock=clock)
    assert batcher.wait_s() is None
    batcher.add(OrderFilled(CLOCK_MS, fill(1)))
    clock.now += 4
    batcher.add(OrderFilled(CLOCK_MS, fill(2, Side.SELL)))
    assert batcher.wait_s() == 6.0
    assert batcher.take_due() is None
    clock.now += 6
    message = batcher.take_due()
    assert message == (
        "2 fills, fees 0.0380 USDT\n"
        "06:00 BUY 0.004300 BTCUSDT @ 22,150.00 grid-btc\n"
        "06:00 SELL 0.004300 BTCUSDT @ 22,150.00 grid-btc"
    )
    assert batcher.wait_s() is None and batcher.take_all() is None


def test_a_breach_and_its_halts_go_out_after_one_second_with_what_is_pending() -> None:
    clock = Clock()
    batcher = AlertBatcher(ALL, batch_s=10, clock=clock)
    batcher.add(OrderFilled(CLOCK_MS, fill(1)))
    clock.now += 2
    batcher.add(breach())
    reason = breach().reason
    batcher.add(HaltTriggered(CLOCK_MS, "grid-btc", reason, 3))
    batcher.add(HaltTriggered(CLOCK_MS, "dca-eth", reason, 1))
    batcher.add(HaltTriggered(CLOCK_MS, "trend-sol", "operator", 0))
    assert batcher.wait_s() == 1.0
    clock.now += 1
    parts = (batcher.take_due() or "").split("\n\n")
    assert parts[0] == f"⚠ RISK (account): {reason}"
    assert parts[1] == (
        "⛔ HALT grid-btc, dca-eth; 4 orders cancelled. The bots stay in EMERGENCY until"
        " acknowledged."
    )
    assert parts[2].startswith("⛔ HALT trend-sol: operator; 0 orders cancelled.")
    assert parts[3].startswith("1 fill, fees 0.0190 USDT")


def test_a_bot_breach_names_the_bot_and_a_regime_change_reads_its_indicators() -> None:
    clock = Clock()
    batcher = AlertBatcher(ALL, batch_s=5, clock=clock)
    batcher.add(breach("grid-btc"))
    new = reading(Regime.BEAR_TREND)
    batcher.add(RegimeChanged(CLOCK_MS, "BTCUSDT", None, Regime.BEAR_TREND, new))
    message = batcher.take_all() or ""
    assert message.startswith("⚠ RISK (bot grid-btc): daily loss 512.30 USDT")
    assert message.endswith("↻ BTCUSDT regime unknown → BEAR_TREND (ADX 35.2, ATR 0.42%)")


def test_only_the_configured_alerts_are_sent() -> None:
    batcher = AlertBatcher(("halts",), batch_s=5, clock=Clock())
    assert batcher.kinds == (HaltTriggered,)
    batcher.add(OrderFilled(CLOCK_MS, fill(1)))
    batcher.add(breach())
    batcher.add(BotStateChanged(CLOCK_MS, "grid-btc", BotState.RUNNING, BotState.PAUSED))
    assert batcher.take_all() is None
    batcher.add(HaltTriggered(CLOCK_MS, "grid-btc", "operator", 2))
    assert (batcher.take_all() or "").startswith("⛔ HALT grid-btc: operator; 2 orders")
    assert set(AlertBatcher(ALL, batch_s=5).kinds) == {
        OrderFilled,
        HaltTriggered,
        RiskBreached,
        RegimeChanged,
        EquityUpdated,
        MarketDataStale,
    }


def test_stale_market_data_is_urgent_and_so_is_its_return() -> None:
    batcher = AlertBatcher(("risk",), batch_s=60, clock=Clock())
    batcher.add(MarketDataStale(CLOCK_MS, "BTCUSDT", 180_000))
    assert batcher.wait_s() == 1.0  # urgent: sent within a second, not with the next batch
    assert batcher.take_all() == (
        "⚠ DATA: no BTCUSDT candle for 180 s: its bots open nothing until data returns"
    )
    batcher.add(MarketDataStale(CLOCK_MS, "BTCUSDT", 240_000, stale=False))
    assert batcher.take_all() == "✓ DATA: BTCUSDT candles are back"


def test_a_huge_burst_lists_fifteen_fills_and_fits_one_message() -> None:
    batcher = AlertBatcher(ALL, batch_s=5, clock=Clock())
    for n in range(10_000):
        batcher.add(OrderFilled(CLOCK_MS, fill(n, Side.SELL if n % 4 == 0 else Side.BUY)))
    for n in range(300):
        batcher.note(f"note {n} " + "x" * 40)
    message = batcher.take_all() or ""
    assert len(message) <= MAX_MESSAGE
    assert message.endswith("… (cut: too long for one message)")
    fills = AlertBatcher(ALL, batch_s=5, clock=Clock())
    for n in range(10_000):
        fills.add(OrderFilled(CLOCK_MS, fill(n, Side.SELL if n % 4 == 0 else Side.BUY)))
    block = fills.take_all() or ""
    assert block.startswith("10000 fills, fees 190.0000 USDT")
    assert block.splitlines()[-1] == "… and 9985 more (7489 BUY, 2496 SELL)"


def test_the_daily_summary_rides_with_the_batch() -> None:
    clock = Clock()
    engine = StubEngine()
    batcher = AlertBatcher(ALL, batch_s=5, ledger=DailyLedger(engine.snapshot), clock=clock)
    day = 86_400_000
    midnight = CLOCK_MS - CLOCK_MS % day
    batcher.add(EquityUpdated(midnight + day - 3_600_000, Decimal(10_000), Decimal(0)))
    assert batcher.wait_s() is None  # an equity point alone says nothing
    batcher.add(EquityUpdated(midnight + day, Decimal(10_050), Decimal(50)))
    assert batcher.wait_s() == 5.0
    clock.now += 5
    assert (batcher.take_due() or "").startswith("📅 Daily summary 2023-03-01 (UTC), from 23:00")
