"""Pilot tests: the Trades and Profit tabs, and the keys that halt one bot, resume every bot,
close a position and stop selling it."""

from __future__ import annotations

from fake_engine import FakeEngine
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent
from tui_waits import settle

from traderagent.domain import BotState
from tui.app import HALT_REASON, TraderAgentApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.halt_confirm import HaltConfirmScreen
from tui.widgets.trade_tables import ProfitTable, TradesTable

SIZE = (100, 30)


async def open_tab(pilot: Pilot[None], tab: str) -> None:
    app = pilot.app
    assert isinstance(app, TraderAgentApp)
    app.dashboard.query_one(TabbedContent).active = tab
    await pilot.pause()


async def test_the_trades_tab_lists_closed_trades_newest_first_with_their_pnl() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "tab-trades")
        table = app.dashboard.query_one(TradesTable)
        await settle(pilot, lambda: table.row_count == 5)
        first = [table.get_row_at(0)[n].plain for n in (1, 4, 5, 8)]
        assert first == ["grid-btc", "22,150.00", "22,300.00", "s4"]
        # the DCA trade: two entries averaged, one exit
        dca = next(
            table.get_row_at(n)
            for n in range(table.row_count)
            if table.get_row_at(n)[1].plain == "dca-eth"
        )
        assert [dca[n].plain for n in (3, 4, 5, 8)] == [
            "0.1250",
            "1,576.00",
            "1,598.50",
            "take-profit",
        ]
        summary = str(app.dashboard.query_one("#trades-summary", Static).render())
        assert summary.startswith("5 closed trades · 4 won · PnL +")


async def test_the_profit_tab_sums_the_trades_by_day_week_and_month() -> None:
    app = TraderAgentApp(FakeEngine(), run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "tab-profit")
        days = app.dashboard.query_one("#profit-day", ProfitTable)
        await settle(pilot, lambda: days.row_count > 0)
        assert [days.get_row_at(n)[0].plain for n in range(days.row_count)] == [
            "2023-03-01",
            "2023-02-28",
            "2023-02-26",
            "2023-02-25",
        ]
        months = app.dashboard.query_one("#profit-month", ProfitTable)
        rows = [[c.plain for c in months.get_row_at(n)][:4] for n in range(months.row_count)]
        assert [[r[0], *r[2:]] for r in rows] == [["2023-03", "1", "1"], ["2023-02", "4", "3"]]


async def test_h_halts_only_the_selected_bot_after_a_confirmation() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        assert isinstance(app.screen, HaltConfirmScreen)
        await pilot.press("n")
        assert engine.halted == []
        await pilot.press("h", "y")
        await pilot.pause()
        assert engine.halted == [("grid-btc", HALT_REASON)]
        assert engine.bots["dca-eth"].state is BotState.PAUSED


async def test_capital_r_resumes_every_bot_after_capital_p() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        assert engine.bots["grid-btc"].state is BotState.PAUSED
        await pilot.press("R")
        await pilot.pause()
        assert sorted(engine.resumed) == ["dca-eth", "grid-btc"]
        assert all(b.state is BotState.RUNNING for b in engine.bots.values())


async def test_c_closes_the_position_and_x_stops_selling_it_each_after_a_confirmation() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert isinstance(app.screen, HaltConfirmScreen)
        assert "Sell grid-btc's position" in app.screen.question
        await pilot.press("escape")
        assert engine.closed == []
        await pilot.press("c", "y")
        await pilot.pause()
        assert engine.closed == [("grid-btc", False)]
        assert engine.bots["grid-btc"].state is BotState.PAUSED
        await pilot.press("x", "y")
        await pilot.pause()
        assert engine.closed[-1] == ("grid-btc", True)
        assert engine.bots["grid-btc"].state is BotState.STOPPED
        assert isinstance(app.screen, DashboardScreen)
