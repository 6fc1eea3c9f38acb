"""SVG snapshots of the console: on FakeEngine, and on the real engine replaying real candles.

Both show only fixed data and the engine clock, never the wall clock.

Regenerate after an intended change with `pytest tests/tui --snapshot-update`, then look at
the SVGs (tests/tui/__snapshots__/) before committing them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_engine import FakeEngine
from kit.factories import write_config
from textual.pilot import Pilot

from traderagent.config import load_config
from traderagent.runtime import build_engine
from tui.app import TraderAgentApp
from tui.screens.dashboard import DashboardScreen

SnapCompare = Callable[..., bool]


async def engine_done(pilot: Pilot[None]) -> None:
    """Let FakeEngine's run finish and its events reach the log before the picture."""
    app = pilot.app
    assert isinstance(app, TraderAgentApp)
    await app.wait_for_engine()
    await pilot.pause()
    # draw the final snapshot now, not at the next 10 Hz tick, then let layout settle
    # (a pane changing height re-flows the tables below it)
    screen = app.screen
    if isinstance(screen, DashboardScreen):
        screen.refresh_snapshot()
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_main_screen(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = TraderAgentApp(FakeEngine())
    assert snap_compare(app, terminal_size=size, run_before=engine_done)


def test_halt_dialog(snap_compare: SnapCompare) -> None:
    app = TraderAgentApp(FakeEngine())
    assert snap_compare(
        app, press=["exclamation_mark"], terminal_size=(80, 24), run_before=engine_done
    )


def test_emergency_banner_after_halt(snap_compare: SnapCompare) -> None:
    app = TraderAgentApp(FakeEngine())
    assert snap_compare(
        app, press=["exclamation_mark", "y"], terminal_size=(80, 24), run_before=engine_done
    )


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_main_screen_on_the_real_engine(
    snap_compare: SnapCompare, size: tuple[int, int], tmp_path: Path
) -> None:
    """The production wiring from a config file: one day of real candles, replayed to the end."""
    config = load_config(write_config(tmp_path))
    built = asyncio.run(build_engine(config, tmp_path / "snap.db"))
    app = TraderAgentApp(built.engine)
    try:
        assert snap_compare(app, terminal_size=size, run_before=engine_done)
    finally:
        asyncio.run(built.engine.close())
