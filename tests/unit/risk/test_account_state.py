"""The account's risk state as stored data, and how the engine's keeper records halts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.bus import EventBus
from traderagent.domain import BotState
from traderagent.domain.events import BotStateChanged
from traderagent.engine.account_risk import AccountRisk
from traderagent.engine.risk.account_state import AccountRiskState, HaltRecord, RiskStateError
from traderagent.facade import RunSummary
from traderagent.summary import render_summary

D = Decimal
STATE = AccountRiskState(
    starting_equity=D("10000.00"),
    since_ms=1_677_628_800_000,
    peak=D("10454.450"),
    day=19425,
    day_start=D("10428.750"),
    halts=(
        HaltRecord("dca-eth", "operator", 5_000, acknowledged_ms=9_000),
        HaltRecord("grid-btc", "drawdown 1.02% from the peak", 7_000),
    ),
)


def stored(state: AccountRiskState) -> dict[str, object]:
    """What comes back from the database: Decimals as their exact text."""
    return {
        key: [dict(h) for h in value] if key == "halts" else (str(value) if value else value)
        for key, value in state.payload().items()
    }


def test_the_state_comes_back_exactly_as_it_was_stored() -> None:
    text = stored(STATE)
    assert text["peak"] == "10454.450"
    assert AccountRiskState.from_payload(text) == STATE
    assert [h.active for h in STATE.halts] == [False, True]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("peak", "lots", "peak is not a number"),
        ("day_start", "NaN", "day_start is not a finite number"),
        ("peak", None, "peak is not a number"),
    ],
)
def test_a_malformed_state_is_refused_naming_the_field(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(RiskStateError, match=message):
        AccountRiskState.from_payload({**stored(STATE), field: value})


def test_a_state_missing_a_field_is_refused() -> None:
    text = stored(STATE)
    del text["day_start"]
    with pytest.raises(RiskStateError, match="day_start"):
        AccountRiskState.from_payload(text)


class Store(MemoryJournal):
    """A journal that keeps the risk state, as the database one does."""

    def __init__(self) -> None:
        super().__init__(clock_ms=lambda: 0)
        self.saved: list[tuple[str, dict[str, object], int]] = []

    async def save_risk_state(self, account: str, payload: dict[str, object], ts: int) -> None:
        self.saved.append((account, payload, ts))

    async def load_risk_state(self, account: str) -> tuple[dict[str, object], int] | None:
        return None


def test_a_halt_is_recorded_once_with_its_first_reason_and_then_its_acknowledgement() -> None:
    bus = EventBus()
    keeper = AccountRisk(Store(), bus)
    S = BotState
    bus.publish(BotStateChanged(1_000, "grid-btc", S.RUNNING, S.EMERGENCY, "daily loss 512.30"))
    bus.publish(BotStateChanged(2_000, "grid-btc", S.STARTING, S.EMERGENCY, "restored"))
    assert keeper.held() == {"grid-btc": "daily loss 512.30"}
    bus.publish(BotStateChanged(3_000, "grid-btc", S.EMERGENCY, S.STOPPING, "acknowledged"))
    assert keeper.held() == {}
    assert keeper.halts["grid-btc"] == HaltRecord("grid-btc", "daily loss 512.30", 1_000, 3_000)
    bus.publish(BotStateChanged(4_000, "grid-btc", S.RUNNING, S.EMERGENCY, "operator"))
    assert keeper.held() == {"grid-btc": "operator"}  # a new halt after the acknowledged one


def test_a_backtest_journal_keeps_no_risk_state_and_records_nothing() -> None:
    bus = EventBus()
    keeper = AccountRisk(MemoryJournal(clock_ms=lambda: 0), bus)
    assert keeper.store is None
    bus.publish(BotStateChanged(1_000, "grid-btc", BotState.RUNNING, BotState.EMERGENCY, "x"))
    assert keeper.halts == {}


def summary(since_ms: int, drawdown: Decimal | None) -> RunSummary:
    return RunSummary(
        (),
        0,
        0,
        D(0),
        D(0),
        D(10000),
        D("10084.86"),
        269,
        1_677_700_200_000,
        1_677_716_340_000,
        "duration of 5s reached",
        since_ms=since_ms,
        drawdown_pct=drawdown,
    )


def test_the_run_summary_says_since_when_the_pnl_counts_and_the_drawdown() -> None:
    text = render_summary(summary(1_677_628_800_000, D("0.1123")))
    assert "  equity         10,000.00 -> 10,084.86 (+84.86) since 2023-03-01 00:00 UTC\n" in text
    assert "  drawdown       0.11 % from the equity peak\n" in text
    fresh = render_summary(summary(1_677_700_200_000, None))  # this run's own start
    assert "(+84.86)\n" in fresh and "drawdown" not in fresh
