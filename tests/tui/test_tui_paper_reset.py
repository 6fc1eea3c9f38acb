"""The paper reset key: a confirmation first; confirmed, the engine stops and the app leaves
for its launcher to reset and restart; where no account of its own runs, it says so. Records of
the program's loggers reach the log pane, secrets masked."""

from __future__ import annotations

import logging
from typing import Any

from fake_engine import FakeEngine
from tui_waits import settle

from tui.app import TraderAgentApp
from tui.screens.reset_confirm import ResetConfirmScreen
from tui.widgets.event_log import EventLog

SIZE = (80, 24)


async def test_reset_asks_first_and_a_no_keeps_everything() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False, paper_reset=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("N")
        await settle(pilot, lambda: isinstance(app.screen, ResetConfirmScreen))
        await pilot.press("n")
        await settle(pilot, lambda: app.screen is app.dashboard)
        assert not app.reset_requested and engine.shutdowns == []


async def test_a_confirmed_reset_stops_the_engine_and_leaves() -> None:
    engine = FakeEngine()
    app = TraderAgentApp(engine, run_engine=False, paper_reset=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("N")
        await settle(pilot, lambda: isinstance(app.screen, ResetConfirmScreen))
        await pilot.press("y")
        await settle(pilot, lambda: app.reset_requested and not app.is_running)
    assert engine.shutdowns == [False]  # the orders stay in the old account


async def test_without_an_account_of_its_own_the_key_says_where_to_reset() -> None:
    app = TraderAgentApp(FakeEngine(), run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        seen: list[str] = []
        original = app.notify

        def notify(message: str, **kwargs: Any) -> None:
            seen.append(message)
            original(message, **kwargs)

        app.notify = notify  # type: ignore[method-assign]
        await pilot.press("N")
        await settle(pilot, lambda: bool(seen))
        assert "traderagent paper reset" in seen[0]
        assert app.screen is app.dashboard


async def test_a_program_warning_reaches_the_log_pane_masked() -> None:
    app = TraderAgentApp(FakeEngine(), run_engine=False)
    async with app.run_test(size=SIZE) as pilot:
        logging.getLogger("traderagent.exchanges.bybit.ws").warning(
            "stream reconnecting (api_key=AbC123xyz789)"
        )
        pane = app.dashboard.query_one(EventLog)
        await settle(pilot, lambda: any("reconnecting" in t.plain for t in pane.history))
        line = next(t.plain for t in pane.history if "reconnecting" in t.plain)
        assert "exchanges.bybit.ws: stream reconnecting" in line
        assert "AbC123xyz789" not in line
