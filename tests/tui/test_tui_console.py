"""Pilot tests for the console's other keys: pause all, start/stop, reload, backtest, log
filter, help, remapped keys and the command palette, against FakeEngine."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fake_engine import CLOCK_MS, FakeEngine
from kit.factories import SMALL_CONFIG, write_config
from rich.console import Console
from textual.widgets import RadioSet, TabbedContent, Tabs
from tui_waits import settle

from traderagent.domain import BotState
from traderagent.domain.events import LogRecord
from traderagent.facade import ReloadReport
from tui.app import TraderAgentApp
from tui.keys import ACTIONS
from tui.log_filter import BUFFER_ENTRIES, LogFilter
from tui.screens.backtest import BacktestScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HelpScreen, help_table
from tui.screens.log_filter import LogFilterScreen
from tui.widgets.event_log import MAX_LINES, EventLog
from tui.widgets.marked_radio import MarkedRadioButton

SIZE = (80, 24)


def record_notifications(app: TraderAgentApp) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    original = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        seen.append((kwargs.get("severity", "information"), message))
        original(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return seen


def log_lines(app: TraderAgentApp) -> list[str]:
    return [line.plain for line in app.dashboard.query_one(EventLog).history]


async def test_shift_p_pauses_every_running_bot() -> None:
    engine = FakeEngine()
    engine.bots["dca-eth"] = replace(engine.bots["dca-eth"], state=BotState.RUNNING)
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        assert engine.paused == ["grid-btc", "dca-eth"]
        assert {b.state for b in engine.bots.values()} == {BotState.PAUSED}


async def test_s_stops_a_running_bot_and_starts_a_stopped_one() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert engine.stopped == ["grid-btc"]
        assert engine.bots["grid-btc"].state is BotState.STOPPED
        assert all(o.bot != "grid-btc" for o in engine.open_orders)
        await pilot.press("s")
        assert engine.started == ["grid-btc"]
        assert engine.bots["grid-btc"].state is BotState.RUNNING


async def test_r_reloads_the_config_file_and_reports_what_changed(tmp_path: Path) -> None:
    engine = FakeEngine()
    engine.reload_report = ReloadReport(
        ("account risk limits updated",), ("grid-btc is RUNNING: stop it first (s)",)
    )
    app = TraderAgentApp(engine, run_engine=False, config_path=write_config(tmp_path))
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert len(engine.reloads) == 1
        assert engine.reloads[0].bots[0].name == "grid-btc"
        assert ("information", "account risk limits updated") in seen
        assert ("warning", "grid-btc is RUNNING: stop it first (s)") in seen


async def test_r_with_a_broken_file_says_why_and_changes_nothing(tmp_path: Path) -> None:
    path = write_config(tmp_path, SMALL_CONFIG.replace("levels: 21", "levels: ten"))
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False, config_path=path)
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert engine.reloads == []
        severity, message = seen[-1]
        assert severity == "error"
        assert "bots[0].strategy.levels" in message


async def test_reload_applies_remapped_keys(tmp_path: Path) -> None:
    path = write_config(tmp_path, SMALL_CONFIG + "tui:\n  keys: {pause_resume: x}\n")
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False, config_path=path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "x")
        assert engine.paused == ["grid-btc"]
        assert app.keymap["pause_resume"] == "x"


async def test_remapped_keys_replace_the_defaults() -> None:
    engine = FakeEngine()
    keymap = {"pause_resume": "x", "halt_all": "ctrl+h"}
    app = TraderAgentApp(engine, run_engine=False, keymap=keymap)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert engine.paused == []  # p is no longer bound
        await pilot.press("x")
        assert engine.paused == ["grid-btc"]
        await pilot.press("ctrl+h", "y")
        await pilot.pause()
        assert engine.halted == [(None, "operator halt from TUI")]


async def test_an_unknown_binding_id_is_reported_not_fatal() -> None:
    app = TraderAgentApp(FakeEngine(), run_engine=False, keymap={"pause_everything": "x"})
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert seen and seen[0][0] == "warning"
        assert "no action named pause_everything" in seen[0][1]
        assert app.is_running


async def test_question_mark_shows_every_key_as_bound_now() -> None:
    app = TraderAgentApp(FakeEngine(), run_engine=False, keymap={"reload": "f5"})
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=100, record=True, color_system=None)
        console.print(help_table(app.keymap))
        text = console.export_text()
        assert "f5 " in text and "Re-read the config file" in text
        for action in ACTIONS:
            assert action.help.split(":")[0][:30] in text.replace("\n", " ").replace("  ", " ")
        assert "\n r " not in text  # r is no longer bound to reload
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_b_opens_the_backtest_screen_and_escape_comes_back() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        assert isinstance(app.screen, BacktestScreen)
        await pilot.press("p")  # typed into the form, never a command to the engine
        assert engine.calls == []
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_f_filters_the_log_by_level() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        engine.bus.publish(LogRecord(CLOCK_MS, "INFO", "routine"))
        engine.bus.publish(LogRecord(CLOCK_MS, "WARNING", "spread wide", bot="dca-eth"))
        await settle(pilot, lambda: any("spread wide" in line for line in log_lines(app)))
        await pilot.press("f")
        assert isinstance(app.screen, LogFilterScreen)
        assert isinstance(app.focused, RadioSet)
        await pilot.press("down", "down", "enter")  # DEBUG -> INFO -> WARNING
        marks = [str(b.render()).split()[0] for b in app.screen.query(MarkedRadioButton)]
        assert marks[:4] == ["▐○▌", "▐○▌", "▐●▌", "▐○▌"]  # the choice reads without colour
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        log = app.dashboard.log_pane
        assert log.log_filter == LogFilter("WARNING", None)
        assert log_lines(app) == ["── 2023-03-01 ──", "06:00 WARN spread wide [dca-eth]"]
        assert log.border_title == "Fills & log [WARNING+]"
        log.set_filter(LogFilter("DEBUG", "grid-btc"))
        assert "06:00 INFO routine" in log_lines(app)  # lines of no bot always show
        assert not any("dca-eth" in line for line in log_lines(app))


async def test_log_memory_is_bounded_with_a_filter_too() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        log = app.dashboard.log_pane
        log.set_filter(LogFilter("WARNING"))
        for n in range(BUFFER_ENTRIES + 500):
            level = "WARNING" if n % 2 else "INFO"
            engine.bus.publish(LogRecord(CLOCK_MS, level, f"tick {n}"))
        await settle(pilot, lambda: len(log.ring) == BUFFER_ENTRIES)
        assert len(log.ring) == BUFFER_ENTRIES
        assert len(log.history) <= MAX_LINES
        assert len(log.lines) <= MAX_LINES
        log.set_filter(LogFilter())
        assert len(log.history) == MAX_LINES
        assert log.history[-1].plain == f"06:00 WARN tick {BUFFER_ENTRIES + 499}"


async def test_tab_reaches_the_tab_bar_and_arrows_switch_tabs() -> None:
    app = TraderAgentApp(FakeEngine(), run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        tabs = app.dashboard.query_one(TabbedContent)
        assert tabs.active == "tab-bot"
        for _ in range(4):
            if isinstance(app.focused, Tabs):
                break
            await pilot.press("tab")
        assert isinstance(app.focused, Tabs)
        await pilot.press("right")
        assert tabs.active == "tab-orders"


async def test_the_command_palette_lists_every_action() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        assert app.ENABLE_COMMAND_PALETTE
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {a.footer for a in ACTIONS} <= set(commands)
        await commands["Pause"].callback()
        await pilot.pause()
        assert engine.paused == ["grid-btc"]


@pytest.mark.parametrize("key", ["p", "s", "a", "P", "r", "b", "f", "question_mark"])
async def test_dashboard_keys_do_nothing_behind_a_dialog(key: str) -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark", key)
        assert engine.calls == []
        assert len(app.screen_stack) == 2


@pytest.mark.parametrize(
    ("query", "title"), [("halt", "Halt"), ("pause", "Pause"), ("backtest", "Backtest")]
)
async def test_ctrl_p_finds_the_apps_actions(query: str, title: str) -> None:
    """The palette as the operator opens it: ctrl+p, type, read the list it offers."""
    from textual.command import CommandList, CommandPalette

    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await settle(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*query)
        palette = app.screen

        def offered() -> list[str]:
            options = palette.query_one(CommandList).options
            return [str(option.prompt).split("\n")[0] for option in options]

        await settle(pilot, lambda: any(line.startswith(title) for line in offered()))
        assert any(line.startswith(title) for line in offered())
