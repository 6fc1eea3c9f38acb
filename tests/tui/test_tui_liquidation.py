"""The positions tab shows each perpetual position's liquidation price and the mark's distance
from it; the row turns warning within `risk.liquidation_warning_pct` and danger within half."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from fake_engine import FakeEngine
from textual.pilot import Pilot
from textual.widgets import TabbedContent
from tui_waits import settle

from tui.app import TraderAgentApp
from tui.widgets.book_tables import PositionsTable

D = Decimal


def styles(table: PositionsTable, key: str) -> set[str]:
    return {str(span.style) for cell in table.get_row(key) for span in cell.spans}


def liq_cell(table: PositionsTable, key: str) -> str:
    return str(table.get_row(key)[-1])


async def test_a_position_near_its_liquidation_turns_warning_then_danger() -> None:
    engine = FakeEngine()
    grid = engine.bots["grid-btc"]
    engine.bots["grid-btc"] = replace(
        grid, liquidation_price=D("20100.00"), liquidation_distance_pct=D("9.26")
    )
    app = TraderAgentApp(engine)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.wait_for_engine()
        app.dashboard.query_one(TabbedContent).active = "tab-positions"
        table = app.dashboard.query_one(PositionsTable)
        await settle(pilot, lambda: "grid-btc" in table.row_keys, 30.0)
        assert liq_cell(table, "grid-btc") == "20,100.00 (9.3%)"
        assert liq_cell(table, "dca-eth") == "—"  # spot: no liquidation
        assert not any("yellow" in s or "on red" in s for s in styles(table, "grid-btc"))

        await show(pilot, app, engine, D("4.80"), "warning")
        await settle(pilot, lambda: "(4.8%)" in liq_cell(table, "grid-btc"), 30.0)
        assert "bold yellow" in styles(table, "grid-btc")
        assert "bold yellow" not in styles(table, "dca-eth")

        await show(pilot, app, engine, D("2.10"), "danger")
        await settle(pilot, lambda: "(2.1%)" in liq_cell(table, "grid-btc"), 30.0)
        assert "bold white on red" in styles(table, "grid-btc")
        await pilot.press("q")


async def show(
    pilot: Pilot[None], app: TraderAgentApp, engine: FakeEngine, distance: Decimal, level: str
) -> None:
    bot = engine.bots["grid-btc"]
    engine.bots["grid-btc"] = replace(
        bot, liquidation_distance_pct=distance, liquidation_level=level
    )
    app.dashboard.refresh_snapshot(force=True)
    await pilot.pause()
