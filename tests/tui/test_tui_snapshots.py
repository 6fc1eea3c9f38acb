"""SVG snapshots of the console: on FakeEngine, and on the real engine replaying real candles.

Both show only fixed data and the engine clock, never the wall clock.

Regenerate after an intended change with `pytest tests/tui --snapshot-update`, then look at
the SVGs (tests/tui/__snapshots__/) before committing them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_engine import FakeEngine
from kit.factories import SMALL_CONFIG, write_config
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import DataTable

from traderagent.api.fleet_view import FleetView
from traderagent.config import load_config
from traderagent.wiring.runtime import build_engine
from tui.app import TraderAgentApp
from tui.screens.backtest import BacktestScreen

SnapCompare = Callable[..., bool]
FIRST_HOURS = SMALL_CONFIG.replace('end: "2023-03-02T00:00:00Z"', 'end: "2023-03-01T06:00:00Z"')


async def engine_done(pilot: Pilot[None]) -> None:
    """Let FakeEngine's run finish and its events reach the log before the picture."""
    app = pilot.app
    assert isinstance(app, TraderAgentApp)
    await app.wait_for_engine()
    await pilot.pause()
    # draw the final snapshot now, not at the next 10 Hz tick, then let layout settle
    # (a pane changing height re-flows the tables below it)
    app.dashboard.refresh_snapshot(force=True)
    await settled(pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_main_screen(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = TraderAgentApp(FakeEngine())
    assert snap_compare(app, terminal_size=size, run_before=engine_done)


SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


@SIZES
def test_halt_dialog(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = TraderAgentApp(FakeEngine())
    assert snap_compare(app, press=["exclamation_mark"], terminal_size=size, run_before=engine_done)


@SIZES
def test_emergency_banner_after_halt(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def halted(pilot: Pilot[None]) -> None:
        await engine_done(pilot)
        await pilot.press("exclamation_mark", "y")
        await pilot.pause()
        assert isinstance(pilot.app, TraderAgentApp)
        pilot.app.dashboard.refresh_snapshot(force=True)
        await pilot.pause()

    app = TraderAgentApp(FakeEngine())
    assert snap_compare(app, terminal_size=size, run_before=halted)


@SIZES
def test_help_screen(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = TraderAgentApp(FakeEngine())
    assert snap_compare(app, press=["question_mark"], terminal_size=size, run_before=engine_done)


@SIZES
def test_backtest_screen_after_a_run(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The built-in default config over one day of the bundled candles, run to the end: the
    metrics (without the wall-clock timing), the other tabs one key away."""
    app = TraderAgentApp(FakeEngine())
    assert snap_compare(app, terminal_size=size, run_before=backtested())


@SIZES
@pytest.mark.parametrize(
    "key", ["c", "p", "g", "r"], ids=["charts", "periods", "regimes", "robust"]
)
def test_backtest_screen_tabs(snap_compare: SnapCompare, size: tuple[int, int], key: str) -> None:
    """A week of the bundled candles, then one key: the price, equity and drawdown charts as
    tall as the output, the days (table and bar chart), the regimes, the Monte Carlo."""
    app = TraderAgentApp(FakeEngine())
    assert snap_compare(app, terminal_size=size, run_before=backtested("2023-03-08", key))


@SIZES
@pytest.mark.parametrize(
    ("key", "typed"),
    [("t", "3"), ("s", "configs/dca.yaml")],
    ids=["perturbed", "side-by-side"],
)
def test_backtest_screen_asking_tabs(
    snap_compare: SnapCompare, size: tuple[int, int], key: str, typed: str
) -> None:
    """Two days of the bundled candles, then `t` and 3 runs on perturbed candle paths (seeded),
    or `s` and the DCA config run side by side with the default one (table and chart)."""
    app = TraderAgentApp(FakeEngine())
    before = backtested("2023-03-03", key, typed)
    assert snap_compare(app, terminal_size=size, run_before=before)


@SIZES
def test_backtest_screen_regimes_of_a_routed_bot(
    snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    """configs/router.yaml over a week, then `g`: the regimes, then the routes the router ran."""
    app = TraderAgentApp(FakeEngine())
    before = backtested("2023-03-08", "g", config=Path("configs/router.yaml"))
    assert snap_compare(app, terminal_size=size, run_before=before)


def backtested(
    end: str = "2023-03-02", key: str = "", typed: str = "", config: Path | None = None
) -> Callable[[Pilot[None]], Any]:
    async def run(pilot: Pilot[None]) -> None:
        await engine_done(pilot)
        screen = BacktestScreen(config, "2023-03-01", end, show_elapsed=False)
        await pilot.app.push_screen(screen)
        await pilot.pause()
        screen.action_run()
        await screen.finished.wait()
        assert screen.result is not None
        await pilot.pause(0.2)  # the progress timer shows 100 %
        if key:
            await pilot.press(key)
        if typed:
            await pilot.press(*typed, "enter")
            await asyncio.wait_for(screen.extra_finished.wait(), 600)
        await pilot.pause()

    return run


@SIZES
def test_main_screen_on_a_finished_replay(
    snap_compare: SnapCompare, size: tuple[int, int], tmp_path: Path
) -> None:
    """Started again on a replay that has ended: the bots say FINISHED (not STARTING) and the
    banner says how to start again."""
    config = load_config(write_config(tmp_path, FIRST_HOURS))
    db = tmp_path / "done.db"

    async def replay_to_the_end() -> None:
        first = await build_engine(config, db)
        try:
            await first.engine.run()
        finally:
            await first.engine.close()

    asyncio.run(replay_to_the_end())
    built = asyncio.run(build_engine(config, db))
    built.engine.use_config(config)
    app = TraderAgentApp(built.engine, paper_reset=True)
    try:
        assert snap_compare(app, terminal_size=size, run_before=engine_done)
    finally:
        asyncio.run(built.engine.close())


@SIZES
def test_paper_reset_dialog(
    snap_compare: SnapCompare, size: tuple[int, int], tmp_path: Path
) -> None:
    app = TraderAgentApp(FakeEngine(), paper_reset=True)
    assert snap_compare(app, press=["N"], terminal_size=size, run_before=engine_done)


async def _on_tab(pilot: Pilot[None], tab: str) -> None:
    from textual.widgets import TabbedContent

    from tui.widgets.snapshot_table import SnapshotTable

    await engine_done(pilot)
    app = pilot.app
    assert isinstance(app, TraderAgentApp)
    app.dashboard.query_one(TabbedContent).active = tab
    pane = app.dashboard.query_one(f"#{tab.removeprefix('tab-')}")
    waited = 0.0
    while not all(t.row_count for t in pane.query(SnapshotTable)):
        assert waited < 30.0, "the closed trades did not arrive in 30 s"
        await pilot.pause(0.05)
        waited += 0.05
    await settled(pilot)


def tables_sized(app: Any) -> bool:
    """Every table on the screen has sized its columns to the rows it holds: a table does so
    at its next idle, which a loaded machine reaches later (a picture taken before shows
    header-wide columns: "2023-0  +0."), and a screen that did not change for a moment is no
    proof that it has."""
    for table in app.screen.query(DataTable):
        for key, column in table.columns.items():
            if not column.auto_width:
                continue
            widest = max((cell_len(str(cell)) for cell in table.get_column(key)), default=0)
            if column.content_width < widest:
                return False
    return True


async def settled(pilot: Pilot[None], bound_s: float = 30.0) -> None:
    """Wait (bounded) until every table has sized its columns and the screen stops changing."""
    app = pilot.app
    before, waited = app.export_screenshot(), 0.0
    while True:
        await pilot.pause(0.1)
        waited += 0.1
        now = app.export_screenshot()
        if now == before and tables_sized(app):
            return
        assert waited < bound_s, f"the screen was still changing after {bound_s:.0f} s"
        before = now


@SIZES
def test_trades_tab(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def trades(pilot: Pilot[None]) -> None:
        await _on_tab(pilot, "tab-trades")

    assert snap_compare(TraderAgentApp(FakeEngine()), terminal_size=size, run_before=trades)


@SIZES
def test_profit_tab(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def profit(pilot: Pilot[None]) -> None:
        await _on_tab(pilot, "tab-profit")

    assert snap_compare(TraderAgentApp(FakeEngine()), terminal_size=size, run_before=profit)


@SIZES
def test_fills_tab(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def fills(pilot: Pilot[None]) -> None:
        await _on_tab(pilot, "tab-fills")

    assert snap_compare(TraderAgentApp(FakeEngine()), terminal_size=size, run_before=fills)


@SIZES
def test_risk_tab(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Balances free and locked, the limits, each bot's budget (the tab at 80 columns; beside
    the log from 130)."""

    async def risk(pilot: Pilot[None]) -> None:
        from textual.widgets import TabbedContent

        await engine_done(pilot)
        app = pilot.app
        assert isinstance(app, TraderAgentApp)
        app.dashboard.query_one(TabbedContent).active = "tab-risk"
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(TraderAgentApp(FakeEngine()), terminal_size=size, run_before=risk)


@SIZES
def test_bot_tab_with_the_equity_chart(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Two hours of equity: a sparkline at 24 rows, a chart from 40."""
    from decimal import Decimal

    from fake_engine import CLOCK_MS, MINUTE

    engine = FakeEngine()

    async def equity(pilot: Pilot[None]) -> None:
        await engine_done(pilot)
        app = pilot.app
        assert isinstance(app, TraderAgentApp)
        history = app.dashboard.equity_history
        history.clear()
        for minute in range(120, -1, -1):
            engine.clock_ms = CLOCK_MS - minute * MINUTE
            engine.equity = Decimal(10_000) + Decimal(120 - minute - minute % 7 * 3) / 4
            history.record(engine.snapshot())
        app.dashboard.refresh_snapshot(force=True)
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(TraderAgentApp(engine), terminal_size=size, run_before=equity)


FLEET = [
    FleetView(
        bot=bot,
        holder=holder,
        host=holder.split(":")[0],
        pid=int(holder.split(":")[1]),
        address=f"http://{holder.split(':')[0]}:8080",
        generation=generation,
        expires_in_ms=expires,
        live=expires > 0,
        here=holder == "traderagent-1:7:ab12",
        state=state,
    )
    for bot, holder, generation, expires, state in [
        ("dca-eth", "traderagent-1:7:ab12", 1, 8_500, "RUNNING"),
        ("grid-btc", "traderagent-1:7:ab12", 2, 9_700, "RUNNING"),
        ("grid-sol", "traderagent-2:7:cd34", 1, 7_200, "PAUSED"),
        ("trend-btc", "traderagent-3:7:ef56", 3, -1_400, "RUNNING"),
    ]
] + [FleetView(bot="dca-sol", holder="", state="unclaimed")]
"""Three daemons as Docker compose's replicas name them, one of them gone (its lease expired)."""


@SIZES
def test_fleet_tab(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Attached to a fleet daemon: every bot of the fleet, which daemon runs it (this one
    marked), its state and what is left of its lease."""

    async def fleet(pilot: Pilot[None]) -> None:
        await _on_tab(pilot, "tab-fleet")

    app = TraderAgentApp(FakeEngine(), fleet=lambda: FLEET)
    assert snap_compare(app, terminal_size=size, run_before=fleet)
