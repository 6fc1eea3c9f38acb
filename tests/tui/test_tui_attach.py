"""The console attached to an in-process daemon: real engine, real API on a loopback port,
`RemoteEngine` in between. Keys act on the daemon's bots; quitting only detaches."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from kit.factories import SMALL_CONFIG
from textual.pilot import Pilot
from textual.widgets import Button, Label
from tui_waits import settle

from traderagent.api import remote_feed
from traderagent.api.app import create_app
from traderagent.api.client import RemoteEngine
from traderagent.api.marker import live_daemon, marker_path, read_marker, write_marker
from traderagent.api.server import ApiServer
from traderagent.config import parse_config
from traderagent.domain import BotState
from traderagent.engine.orchestrator import Engine
from traderagent.wiring.runtime import build_engine
from tui import attached as attached_module
from tui.attached import AttachedApp, run_attached
from tui.main import main
from tui.screens.backtest import BacktestScreen
from tui.screens.quit_confirm import QuitConfirmScreen
from tui.widgets.bots_table import BotsTable

TOKEN = "attach-test-token-0123456789"
PACED = SMALL_CONFIG.replace("speed: max", "speed: 7200").replace(
    'end: "2023-03-02', 'end: "2023-03-08'
)


@asynccontextmanager
async def daemon(tmp_path: Path) -> AsyncIterator[tuple[Engine, AttachedApp, ApiServer]]:
    """A daemon (engine + API) running in this event loop, and a console attached to it."""
    built = await build_engine(parse_config(PACED, "attach.yaml", {}), tmp_path / "d.db")
    engine = built.engine
    server = ApiServer(create_app(engine, TOKEN), "127.0.0.1", 0)
    url = await server.start()
    running = asyncio.create_task(engine.run())
    remote = RemoteEngine(url, TOKEN)
    await remote.connect()
    try:
        yield engine, AttachedApp(remote), server
    finally:
        await remote.close()
        await engine.shutdown()
        await running
        await server.stop()
        await engine.close()


async def running_with_orders(pilot: Pilot[None], engine: Engine) -> None:
    bot = engine.bots["grid-btc"]
    app = pilot.app
    assert isinstance(app, AttachedApp)

    def ready() -> bool:
        shown = app.dashboard.selected_bot
        return (
            bot.state is BotState.RUNNING
            and len(bot.orders) > 3
            and shown is not None
            and (shown.state is BotState.RUNNING)
        )

    await settle(pilot, ready, timeout_s=20)


async def test_p_pauses_and_bang_then_y_halts_the_bot_in_the_daemon(tmp_path: Path) -> None:
    async with daemon(tmp_path) as (engine, app, _):
        bot = engine.bots["grid-btc"]
        async with app.run_test(size=(100, 30)) as pilot:
            await running_with_orders(pilot, engine)
            await pilot.press("p")
            await settle(pilot, lambda: bot.state is BotState.PAUSED)
            table = app.dashboard.query_one(BotsTable)
            await settle(pilot, lambda: table.get_cell("grid-btc", "state").plain == "⏸ PAUSED")
            await pilot.press("exclamation_mark")
            assert bot.state is BotState.PAUSED  # nothing happens before the confirmation
            await pilot.press("y")
            await settle(pilot, lambda: bot.state is BotState.EMERGENCY)
            assert bot.orders == {}
            assert await engine.exchange.open_orders() == []
            log = app.dashboard.log_pane
            await settle(pilot, lambda: any("HALT grid-btc" in ln.plain for ln in log.history))
            assert any(
                "attached to the daemon at http://127.0.0.1:" in ln.plain for ln in log.history
            )
            await pilot.press("q", "d")
        assert engine.running  # detaching never stops the daemon


async def test_quitting_attached_only_detaches_and_offers_no_cancel(tmp_path: Path) -> None:
    async with daemon(tmp_path) as (engine, app, _):
        bot = engine.bots["grid-btc"]
        async with app.run_test(size=(100, 30)) as pilot:
            await running_with_orders(pilot, engine)
            await pilot.press("b")  # the backtest screen says where it runs
            assert isinstance(app.screen, BacktestScreen)
            title = str(app.screen.query_one("#bt-title", Label).content)
            assert title.startswith("Backtest on this machine (the daemon trades on)")
            await pilot.press("escape")
            await pilot.press("q")
            await settle(pilot, lambda: isinstance(app.screen, QuitConfirmScreen))
            dialog = app.screen
            question = str(dialog.query_one("#quit-question", Label).content)
            assert question.startswith(f"Detach from the daemon at {app.remote.url}?")
            assert "nothing is cancelled" in question
            assert [b.id for b in dialog.query(Button)] == ["leave", "stay"]
            await pilot.press("c")  # the embedded console's "cancel orders" key does nothing here
            assert app.screen is dialog
            await pilot.press("d")
        assert app.remote.end_reason == "detached from the daemon"
        assert engine.running and bot.state is BotState.RUNNING
        assert bot.orders  # the daemon's orders rest where they were


async def test_a_daemon_that_stops_answering_is_said_so_and_ends_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote_feed, "GONE_AFTER_S", 1.0)
    async with daemon(tmp_path) as (engine, app, server), app.run_test(size=(100, 30)) as pilot:
        await running_with_orders(pilot, engine)
        await server.stop()
        log = app.dashboard.log_pane

        def said(text: str) -> bool:
            return any(text in line.plain for line in log.history)

        await settle(pilot, lambda: said("daemon not answering"), timeout_s=10)
        await app.wait_for_engine()
        await settle(pilot, lambda: said("the daemon stopped answering"), timeout_s=10)
        assert app.is_running  # the console stays up, showing the last state it had


# -- `traderagent-tui` without --connect, when a daemon already runs on the database ----------


@pytest.fixture
def live_daemon_marker(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A marker next to `tmp_path/d.db` naming a live process (a stand-in for the daemon)."""
    stand_in = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    db = tmp_path / "d.db"
    url = "http://127.0.0.1:18080"
    path = marker_path(db, str(db))
    write_marker(path, url, str(db))
    path.write_text(path.read_text().replace(str(os.getpid()), str(stand_in.pid)))
    try:
        yield db, url
    finally:
        stand_in.kill()
        stand_in.wait()


def test_without_a_terminal_it_says_so_and_exits_1(
    live_daemon_marker: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, url = live_daemon_marker
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["--db", str(db)]) == 1
    out, err = capsys.readouterr()
    assert f"already runs on {db}, at {url}" in out
    assert f"attach with `traderagent-tui --connect {url}`" in err


@pytest.mark.parametrize(("answer", "attached"), [("", True), ("a", True), ("q", False)])
def test_on_a_terminal_it_offers_to_attach(
    live_daemon_marker: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    attached: bool,
) -> None:
    db, url = live_daemon_marker
    calls: list[tuple[str, str | None, float | None]] = []

    async def fake_attach(url: str, token: str | None, duration: float | None) -> int:
        calls.append((url, token, duration))
        return 0

    monkeypatch.setattr(attached_module, "run_attached", fake_attach)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    prompts: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or answer)
    assert main(["--db", str(db)]) == 0
    assert prompts == ["[A]ttach / [q]uit: "]
    assert calls == ([(url, None, None)] if attached else [])


def test_a_stale_marker_is_ignored(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    db = tmp_path / "d.db"
    path = marker_path(db, str(db))
    write_marker(path, "http://127.0.0.1:1", str(db))
    path.write_text(path.read_text().replace(str(os.getpid()), str(gone.pid)))
    assert read_marker(path) is not None
    assert live_daemon(path) is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--connect", "127.0.0.1:8080", "--config", "x.yaml"],
        ["--connect", "ftp://somewhere"],
        ["--token", "abc"],
    ],
)
def test_connect_arguments_are_checked(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "traderagent-tui: error:" in capsys.readouterr().err


async def test_attaching_without_a_token_or_a_daemon_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRADERAGENT_CONFIG_DIR", str(tmp_path / "empty"))
    monkeypatch.delenv("TRADERAGENT_API_TOKEN", raising=False)
    assert await run_attached("http://127.0.0.1:9", None) == 1
    assert "error: no API token: set TRADERAGENT_API_TOKEN" in capsys.readouterr().err
    assert await run_attached("http://127.0.0.1:9", "some-token-0123456789") == 1
    assert (
        "error: cannot reach a TraderAgent daemon at http://127.0.0.1:9" in capsys.readouterr().err
    )


async def test_attached_to_a_fleet_daemon_the_fleet_tab_says_where_each_bot_runs(
    tmp_path: Path,
) -> None:
    from textual.widgets import TabbedContent

    from traderagent.daemon import fleet_source
    from traderagent.wiring.runtime import FleetOptions
    from tui.widgets.fleet_table import FleetTable

    fleet = FleetOptions("host-1:42:ab12", ttl_s=30)
    built = await build_engine(parse_config(PACED, "attach.yaml", {}), tmp_path / "f.db", fleet)
    server = ApiServer(
        create_app(built.engine, TOKEN, fleet=fleet_source(built, fleet)), "127.0.0.1", 0
    )
    url = await server.start()
    running = asyncio.create_task(built.engine.run())
    remote = RemoteEngine(url, TOKEN)
    await remote.connect()
    try:
        assert remote.in_fleet
        app = AttachedApp(remote)
        async with app.run_test(size=(120, 40)) as pilot:
            app.dashboard.query_one(TabbedContent).active = "tab-fleet"
            table = app.dashboard.query_one(FleetTable)

            def shown() -> str:
                if table.row_count != 1:
                    return ""
                return " ".join(cell.plain for cell in table.get_row("grid-btc"))

            await settle(pilot, lambda: "RUNNING" in shown(), timeout_s=30)
            assert "host-1 pid 42 (this daemon)" in shown()
    finally:
        await remote.close()
        await built.engine.shutdown()
        await running
        await server.stop()
        await built.engine.close()
