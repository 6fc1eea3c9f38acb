"""The bot tab's live equity chart: the points it keeps and what it draws."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from fake_engine import CLOCK_MS, MINUTE, FakeEngine
from tui_waits import settle

from tui.app import TraderAgentApp
from tui.equity_history import EquityHistory
from tui.render_chart import equity_sparkline
from tui.widgets.equity_chart import EquityChart


def test_one_point_per_engine_minute_and_none_before_the_first_price() -> None:
    snap = FakeEngine().snapshot()
    history = EquityHistory()
    history.record(replace(snap, equity=Decimal(0), equity_valued=False))
    assert history.points == ()  # not a fall to zero
    history.record(replace(snap, clock_ms=CLOCK_MS, equity=Decimal("100")))
    history.record(replace(snap, clock_ms=CLOCK_MS + 30_000, equity=Decimal("101")))
    history.record(replace(snap, clock_ms=CLOCK_MS + MINUTE, equity=Decimal("102")))
    history.record(replace(snap, clock_ms=CLOCK_MS - MINUTE, equity=Decimal("1")))  # stale
    assert history.points == ((CLOCK_MS, Decimal("101")), (CLOCK_MS + MINUTE, Decimal("102")))


def test_the_sparkline_rises_with_the_equity_and_says_by_how_much() -> None:
    points = [(CLOCK_MS + i * MINUTE, Decimal(100 + i)) for i in range(8)]
    text = equity_sparkline(points, 60).plain
    assert text.startswith("Equity ▁") and "█ 107.00 +7.00 %" in text


async def test_the_bot_tab_draws_the_equity_as_the_engine_goes() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.dashboard.query_one(EquityChart)
        engine.clock_ms += MINUTE
        engine.equity += 30
        app.dashboard.refresh_snapshot(force=True)
        await settle(pilot, lambda: "10,042.35" in str(chart.render()))
        assert str(chart.render()).startswith("Equity ▁█ 10,042.35 +0.30 %")
