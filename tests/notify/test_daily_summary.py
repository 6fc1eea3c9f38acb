"""The daily summary: one UTC day of engine time, told when the clock enters the next day."""

from __future__ import annotations

from decimal import Decimal

from stub_engine import CLOCK_MS, StubEngine, fill, reading

from traderagent.domain import Regime
from traderagent.domain.events import EquityUpdated, OrderFilled, RegimeUpdated
from traderagent.notify.daily import DailyLedger

HOUR = 3_600_000
DAY = 24 * HOUR
MIDNIGHT = CLOCK_MS - CLOCK_MS % DAY
"""2023-03-01 00:00 UTC."""


def equity(ts: int, value: str) -> EquityUpdated:
    return EquityUpdated(ts, Decimal(value), Decimal(value) - 10_000)


def test_a_full_day_is_summarised_at_the_next_midnight() -> None:
    ledger = DailyLedger(StubEngine().snapshot)
    assert ledger.observe(equity(MIDNIGHT, "10000.00")) is None
    assert ledger.observe(OrderFilled(MIDNIGHT + HOUR, fill(1))) is None
    assert ledger.observe(OrderFilled(MIDNIGHT + 2 * HOUR, fill(2, bot="dca-eth"))) is None
    assert ledger.observe(OrderFilled(MIDNIGHT + 3 * HOUR, fill(3))) is None
    assert ledger.observe(equity(MIDNIGHT + 23 * HOUR, "10030.00")) is None
    summary = ledger.observe(equity(MIDNIGHT + DAY, "10038.66"))
    assert summary == (
        "📅 Daily summary 2023-03-01 (UTC)\n"
        "equity 10,000.00 → 10,038.66 (+38.66, +0.39%)\n"
        "3 fills, fees 0.0570 USDT\n"
        "grid-btc ▶ RUNNING · 2 fills today · realised +12.35 in all\n"
        "dca-eth ⏸ PAUSED · 1 fill today · realised -1.05 in all"
    )


def test_the_next_day_starts_from_the_closing_equity_and_counts_afresh() -> None:
    ledger = DailyLedger(StubEngine().snapshot)
    ledger.observe(equity(MIDNIGHT + 5 * HOUR, "10000.00"))
    ledger.observe(OrderFilled(MIDNIGHT + 6 * HOUR, fill(1)))
    first = ledger.observe(OrderFilled(MIDNIGHT + DAY + HOUR, fill(2)))  # a fill crosses midnight
    assert first is not None
    assert first.startswith("📅 Daily summary 2023-03-01 (UTC), from 05:00\n")
    assert "equity 10,000.00 → 10,000.00 (+0.00, +0.00%)" in first
    assert "\n1 fill, fees 0.0190 USDT\n" in first
    second = ledger.observe(equity(MIDNIGHT + 2 * DAY, "9950.00"))
    assert second is not None
    assert second.startswith("📅 Daily summary 2023-03-02 (UTC)\n")  # a whole day
    assert "equity 10,000.00 → 9,950.00 (-50.00, -0.50%)" in second
    assert "\n1 fill, fees 0.0190 USDT\n" in second


def test_other_events_and_earlier_days_change_nothing() -> None:
    ledger = DailyLedger(StubEngine().snapshot)
    ledger.observe(equity(MIDNIGHT + HOUR, "10000.00"))
    assert ledger.observe(RegimeUpdated(MIDNIGHT + DAY, reading(Regime.BULL_TREND))) is None
    assert ledger.observe(OrderFilled(MIDNIGHT - HOUR, fill(1))) is None  # late, earlier day
    assert ledger.day is not None and ledger.day.isoformat() == "2023-03-01"
