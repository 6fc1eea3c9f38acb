"""Pilot tests: the operator keys, the engine worker and the live refresh, against FakeEngine."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from fake_engine import CLOCK_MS, FakeEngine
from textual.pilot import Pilot
from textual.widgets import Button, Label, Static, TabbedContent
from tui_waits import settle

from traderagent.domain import BotState
from traderagent.domain.events import LogRecord
from traderagent.facade import CommandError
from tui.app import HALT_REASON, TraderAgentApp
from tui.log_filter import BUFFER_ENTRIES
from tui.screens.dashboard import DashboardScreen
from tui.screens.halt_confirm import HaltConfirmScreen
from tui.screens.quit_confirm import QuitConfirmScreen
from tui.widgets import bot_pane
from tui.widgets.bots_table import BotsTable
from tui.widgets.emergency_banner import EmergencyBanner
from tui.widgets.engine_header import EngineHeader
from tui.widgets.event_log import MAX_LINES, EventLog
from tui.widgets.orders_table import OrdersTable

SIZE = (80, 24)


def make_app(engine: FakeEngine, run_engine: bool = False) -> TraderAgentApp:
    return TraderAgentApp(engine, run_engine=run_engine)


def record_notifications(app: TraderAgentApp) -> list[tuple[str, str]]:
    """Wrap app.notify so a test can read (severity, message) of every toast."""
    seen: list[tuple[str, str]] = []
    original = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        seen.append((kwargs.get("severity", "information"), message))
        original(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return seen


def log_lines(app: TraderAgentApp) -> list[str]:
    return [line.plain for line in app.dashboard.query_one(EventLog).history]


def last_log_line(app: TraderAgentApp) -> str:
    lines = log_lines(app)
    return lines[-1] if lines else ""


def banner(app: TraderAgentApp) -> EmergencyBanner:
    return app.dashboard.query_one(EmergencyBanner)


async def show_tab(pilot: Pilot[None], tab: str) -> None:
    """Open a tab of the dashboard (hidden panes are not drawn) and let it draw."""
    app = pilot.app
    assert isinstance(app, TraderAgentApp)
    app.dashboard.query_one(TabbedContent).active = tab
    await pilot.pause(0.15)


async def halt_all(pilot: Pilot[None]) -> None:
    await pilot.press("exclamation_mark")
    await pilot.press("y")
    await pilot.pause()


# -- pause / resume -----------------------------------------------------------------------


async def test_p_pauses_the_selected_bot_and_p_again_resumes() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        assert app.dashboard.selected_bot is not None
        assert app.dashboard.selected_bot.name == "grid-btc"
        await pilot.press("p")
        assert engine.paused == ["grid-btc"]
        assert engine.bots["grid-btc"].state is BotState.PAUSED
        table = app.dashboard.query_one(BotsTable)
        assert table.get_cell("grid-btc", "state").plain == "⏸ PAUSED"
        await pilot.press("p")
        assert engine.resumed == ["grid-btc"]
        assert table.get_cell("grid-btc", "state").plain == "▶ RUNNING"


async def test_the_bot_pane_shows_a_new_state_at_once_while_figures_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bot_pane, "DETAIL_SECONDS", 60.0)  # "moments later", however loaded
    engine = FakeEngine()
    engine.running = True  # a live engine: the pane throttles its figures
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        detail = app.dashboard.query_one("#bot-detail-text", Static)
        app.dashboard.refresh_snapshot()
        bot = engine.bots["grid-btc"]
        engine.bots["grid-btc"] = replace(bot, fills=bot.fills + 1)
        app.dashboard.refresh_snapshot()  # moments later: the new figure waits its turn
        assert f"Fills {bot.fills}" in str(detail.render())
        await pilot.press("p")
        app.dashboard.refresh_snapshot()
        assert "PAUSED" in str(detail.render())
        assert f"Fills {bot.fills + 1}" in str(detail.render())


async def test_the_bot_pane_and_the_bots_table_show_the_same_position(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fill moments after the last redraw: both panes show the new position at once, with
    the same figure (the pane's PnL may wait its turn, the position may not)."""
    monkeypatch.setattr(bot_pane, "DETAIL_SECONDS", 60.0)  # "moments later", however loaded
    engine = FakeEngine()
    engine.running = True
    app = make_app(engine)
    async with app.run_test(size=SIZE):
        detail = app.dashboard.query_one("#bot-detail-text", Static)
        table = app.dashboard.query_one(BotsTable)
        app.dashboard.refresh_snapshot()
        bot = engine.bots["grid-btc"]
        engine.bots["grid-btc"] = replace(bot, position_qty=Decimal("0.012345"))
        app.dashboard.refresh_snapshot()
        assert table.get_cell("grid-btc", "position").plain == "0.012345"
        assert "Position 0.012345 @" in str(detail.render())


async def test_p_acts_on_the_bot_under_the_cursor() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "p")
        assert engine.resumed == ["dca-eth"]
        assert engine.paused == []
        assert engine.bots["dca-eth"].state is BotState.RUNNING


async def test_p_acts_on_the_state_now_not_the_last_redraw() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The engine paused the bot on its own; the 10 Hz redraw has not shown it yet.
        engine.bots["grid-btc"] = replace(engine.bots["grid-btc"], state=BotState.PAUSED)
        await pilot.press("p")
        assert engine.resumed == ["grid-btc"]
        assert engine.paused == []


async def test_refused_command_becomes_a_warning_not_a_crash() -> None:
    engine = FakeEngine()
    engine.fail_next = CommandError("venue unreachable: try again")
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        seen = record_notifications(app)
        await pilot.press("p")
        assert ("warning", "venue unreachable: try again") in seen
        assert engine.bots["grid-btc"].state is BotState.RUNNING
        assert app.is_running


async def test_unexpected_command_failure_is_logged_not_fatal() -> None:
    engine = FakeEngine()
    engine.fail_next = ConnectionError("engine at 127.0.0.1:8080 unreachable")
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        seen = record_notifications(app)
        await pilot.press("p")
        message = "command failed: ConnectionError: engine at 127.0.0.1:8080 unreachable"
        assert seen == [("error", message)]
        assert log_lines(app)[-1] == f"06:00 {message}"
        assert app.is_running


async def test_p_on_a_stopped_bot_explains_instead_of_calling_the_engine() -> None:
    engine = FakeEngine()
    engine.bots["grid-btc"] = replace(engine.bots["grid-btc"], state=BotState.STOPPED)
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        seen = record_notifications(app)
        await pilot.press("p")
        assert [call[0] for call in engine.calls] == []
        assert seen and seen[0][0] == "warning"
        assert "grid-btc is STOPPED" in seen[0][1]


# -- emergency halt -----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["n", "escape"])
async def test_halt_dialog_can_be_cancelled(key: str) -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")
        assert isinstance(app.screen, HaltConfirmScreen)
        question = str(app.screen.query_one("#halt-question").render())
        assert question == "Emergency halt ALL bots? This cancels every open order."
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert engine.halted == []
        assert len(engine.open_orders) == 4
        assert not banner(app).display


async def test_enter_on_the_default_focus_does_not_halt() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")
        assert app.focused is not None and app.focused.id == "cancel"
        await pilot.press("enter")
        await pilot.pause()
        assert engine.halted == []
        assert isinstance(app.screen, DashboardScreen)


async def test_bang_then_y_halts_everything() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await show_tab(pilot, "tab-orders")
        await halt_all(pilot)
        assert engine.halted == [(None, HALT_REASON)]
        assert isinstance(app.screen, DashboardScreen)
        assert banner(app).display
        assert banner(app).bots == ("grid-btc", "dca-eth")
        assert "EMERGENCY HALT: grid-btc, dca-eth" in str(banner(app).render())
        orders = app.dashboard.query_one(OrdersTable)
        assert orders.row_count == 0
        assert orders.border_title == "Open orders (0)"
        table = app.dashboard.query_one(BotsTable)
        assert table.get_cell("dca-eth", "state").plain == "⚠ EMERGENCY"
        await settle(pilot, lambda: any("HALT grid-btc" in line for line in log_lines(app)))
        assert any("HALT grid-btc: operator halt from TUI" in line for line in log_lines(app))


async def test_clicking_the_halt_button_halts() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")
        assert await pilot.click("#halt")
        await pilot.pause()
        assert engine.halted == [(None, HALT_REASON)]
        assert banner(app).display


async def test_pressing_enter_on_the_halt_button_halts() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")
        app.screen.query_one("#halt", Button).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert engine.halted == [(None, HALT_REASON)]


async def test_dashboard_keys_are_inert_behind_the_halt_dialog() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark", "p", "a", "q")
        assert isinstance(app.screen, HaltConfirmScreen)
        assert engine.calls == []
        assert app.is_running


# -- acknowledge --------------------------------------------------------------------------


async def test_a_acknowledges_the_selected_bot() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await halt_all(pilot)
        await pilot.press("a")
        assert engine.acknowledged == ["grid-btc"]
        assert engine.bots["grid-btc"].state is BotState.STOPPED
        assert banner(app).bots == ("dca-eth",)
        await pilot.press("down", "a")
        assert engine.acknowledged == ["grid-btc", "dca-eth"]
        assert not banner(app).display


async def test_a_without_an_emergency_says_so() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        seen = record_notifications(app)
        await pilot.press("a")
        assert engine.acknowledged == []
        assert seen == [("warning", "grid-btc is RUNNING: no bot is in EMERGENCY.")]


# -- quit ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "cancelled"), [("l", False), ("c", True)])
async def test_q_asks_then_shuts_the_engine_down_and_exits(answer: str, cancelled: bool) -> None:
    engine = FakeEngine(hold_until_shutdown=True)
    app = make_app(engine, run_engine=True)
    async with app.run_test(size=SIZE) as pilot:
        assert engine.running
        await pilot.press("q")
        assert isinstance(app.screen, QuitConfirmScreen)
        assert engine.shutdowns == []  # nothing happens before the answer
        await pilot.press(answer)
        await pilot.pause()
        assert engine.shutdowns == [cancelled]
    assert not app.is_running
    assert app.return_code == 0


@pytest.mark.parametrize("key", ["escape", "n", "enter"])
async def test_quit_dialog_can_be_left_without_quitting(key: str) -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q", key)
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert engine.shutdowns == []
        assert app.is_running


async def test_quit_with_no_open_order_asks_nothing_about_orders() -> None:
    engine = FakeEngine()
    engine.open_orders = []
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        dialog = app.screen
        assert isinstance(dialog, QuitConfirmScreen)
        question = str(dialog.query_one("#quit-question", Label).content)
        assert question == "Quit TraderAgent? No order is open."
        assert [b.id for b in dialog.query(Button)] == ["leave", "stay"]
        await pilot.press("l")
        await pilot.pause()
    assert engine.shutdowns == [False]


# -- the engine worker --------------------------------------------------------------------


async def test_engine_events_reach_the_log_then_replay_finished() -> None:
    engine = FakeEngine()
    app = make_app(engine, run_engine=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.wait_for_engine()
        await pilot.pause()
        assert log_lines(app) == [
            "── 2023-03-01 ──",
            "05:58 INFO replay started: BTCUSDT 1m",
            "05:59 BUY 0.004300 BTCUSDT @ 22,150.00 fee 0.019 grid-btc",
            "06:00 WARN spread above 0.5% [grid-btc]",
            "06:00 replay finished (data ended): 9 fills, equity 10,012.35",
        ]
        header = str(app.dashboard.query_one(EngineHeader).render())
        assert "finished" in header
        assert app.is_running  # the UI stays up after the replay


async def test_engine_error_is_logged_and_notified_and_the_ui_survives() -> None:
    engine = FakeEngine(run_error=RuntimeError("candle feed broke"))
    app = make_app(engine, run_engine=True)
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await app.wait_for_engine()
        await pilot.pause()
        error = "engine stopped with an error: RuntimeError: candle feed broke"
        assert log_lines(app)[-1] == f"06:00 {error}"
        assert "05:59 BUY 0.004300 BTCUSDT @ 22,150.00 fee 0.019 grid-btc" in log_lines(app)
        assert seen == [("error", error)]
        assert app.is_running
        await pilot.press("p")
        assert engine.paused == ["grid-btc"]


async def test_events_published_while_running_are_logged() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        engine.bus.publish(LogRecord(CLOCK_MS, "ERROR", "order rejected by venue", bot="grid-btc"))
        await settle(pilot, lambda: "venue" in (log_lines(app) or [""])[-1])
        assert log_lines(app)[-1] == "06:00 ERR! order rejected by venue [grid-btc]"


async def test_log_is_bounded() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        log = app.dashboard.query_one(EventLog)
        total = 3 * MAX_LINES
        for n in range(total):
            engine.bus.publish(LogRecord(CLOCK_MS, "INFO", f"tick {n}"))
            if n % 10 == 9:  # written in small batches, each drawn whole
                log.catch_up(force=True)
        await settle(pilot, lambda: last_log_line(app).endswith(f"tick {total - 1}"))
        lines = log_lines(app)
        assert len(lines) == MAX_LINES
        assert lines[0] == f"06:00 INFO tick {total - MAX_LINES}"
        assert lines[-1] == f"06:00 INFO tick {total - 1}"
        assert len(log.lines) <= MAX_LINES
        assert len(log.ring) == min(total, BUFFER_ENTRIES)


async def test_a_burst_is_drawn_as_its_newest_lines_and_kept_whole_for_the_filter() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        log = app.dashboard.query_one(EventLog)
        for n in range(MAX_LINES + 100):
            engine.bus.publish(LogRecord(CLOCK_MS, "INFO", f"tick {n}"))
        await settle(pilot, lambda: last_log_line(app).endswith(f"tick {MAX_LINES + 99}"))
        drawn = log_lines(app)
        assert len(drawn) < MAX_LINES  # only what fits on screen was formatted and rendered
        assert len(log.ring) == MAX_LINES + 100  # every entry is kept for scrollback by filter


# -- live refresh -------------------------------------------------------------------------


async def test_refresh_updates_cells_in_place() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        table = app.dashboard.query_one(BotsTable)
        rebuilds: list[int] = []
        original_clear = table.clear

        def counting_clear(columns: bool = False) -> BotsTable:
            rebuilds.append(1)
            return original_clear(columns)

        table.clear = counting_clear  # type: ignore[method-assign]
        engine.bots["grid-btc"] = replace(engine.bots["grid-btc"], realised_pnl=Decimal("99.5"))
        engine.equity = Decimal("9990.00")
        await settle(pilot, lambda: table.get_cell("grid-btc", "realised").plain == "+99.50")
        assert table.get_cell("grid-btc", "realised").plain == "+99.50"
        assert rebuilds == []
        assert "PnL -10.00 (-0.10%)" in str(app.dashboard.query_one(EngineHeader).render())


async def test_cursor_stays_on_its_bot_when_rows_change() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down")
        assert app.dashboard.selected_bot is not None
        assert app.dashboard.selected_bot.name == "dca-eth"
        newcomer = replace(engine.bots["grid-btc"], name="aaa-sol", symbol="SOLUSDT")
        engine.bots = {"aaa-sol": newcomer, **engine.bots}
        table = app.dashboard.query_one(BotsTable)
        await settle(pilot, lambda: len(table.row_keys) == 3)
        assert table.row_keys == ["aaa-sol", "grid-btc", "dca-eth"]
        assert app.dashboard.selected_bot is not None
        assert app.dashboard.selected_bot.name == "dca-eth"


async def test_orders_table_follows_the_snapshot_in_price_order() -> None:
    engine = FakeEngine()
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await show_tab(pilot, "tab-orders")
        orders = app.dashboard.query_one(OrdersTable)
        assert orders.row_keys == ["grid-btc-3", "grid-btc-1", "grid-btc-4", "dca-eth-2"]
        engine.open_orders = engine.open_orders[1:]
        await settle(pilot, lambda: len(orders.row_keys) == 3)
        assert orders.row_keys == ["grid-btc-3", "grid-btc-4", "dca-eth-2"]
        assert orders.border_title == "Open orders (3)"


def test_no_two_actions_share_a_default_key() -> None:
    from tui.keys import ACTIONS

    keys = [a.key for a in ACTIONS]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
