"""The TUI on the real embedded engine: paper venue, replayed bundled candles, SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kit.factories import SMALL_CONFIG
from rich.text import Text
from textual.pilot import Pilot

from traderagent.config import parse_config
from traderagent.domain import BotState
from traderagent.engine.orchestrator import Engine
from traderagent.wiring.runtime import build_engine
from tui.app import TraderAgentApp
from tui.event_lines import event_line
from tui.log_filter import LogFilter
from tui.widgets.event_log import MAX_LINES
from tui.widgets.orders_table import OrdersTable

PACED = SMALL_CONFIG.replace("speed: max", "speed: 7200").replace(
    'end: "2023-03-02', 'end: "2023-03-08'
)


async def wait_for(pilot: Pilot[None], condition: object, what: str, steps: int = 200) -> None:
    for _ in range(steps):
        if condition():  # type: ignore[operator]
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def real_app(tmp_path: Path) -> tuple[TraderAgentApp, Engine, Path]:
    db = tmp_path / "tui.db"
    built = await build_engine(parse_config(PACED, "tui.yaml", {}), db)
    return TraderAgentApp(built.engine), built.engine, db


async def test_p_pauses_the_running_bot_and_p_resumes_it(tmp_path: Path) -> None:
    app, engine, _ = await real_app(tmp_path)
    bot = engine.bots["grid-btc"]
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot, lambda: bot.state is BotState.RUNNING and bot.orders, "resting orders"
        )
        await pilot.press("p")
        assert bot.state is BotState.PAUSED
        placed = bot.orders_placed
        clock = engine.clock.now_ms()
        await wait_for(pilot, lambda: engine.clock.now_ms() > clock + 3 * 3_600_000, "replay")
        assert bot.orders_placed == placed  # paused: nothing new placed while the replay goes on
        await pilot.press("p")
        assert bot.state is BotState.RUNNING
        await pilot.press("q", "l")  # quit, leaving orders: the engine shuts down first
    await engine.close()


async def test_halt_key_with_confirmation_halts_and_cancels_every_order(tmp_path: Path) -> None:
    app, engine, db = await real_app(tmp_path)
    bot = engine.bots["grid-btc"]
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: len(bot.orders) > 5, "resting orders")
        await pilot.press("exclamation_mark")
        assert bot.state is BotState.RUNNING  # nothing happens before the operator confirms
        await pilot.press("y")
        await wait_for(pilot, lambda: bot.state is BotState.EMERGENCY, "the halt")
        assert bot.orders == {}
        assert await engine.exchange.open_orders() == []
        table = app.dashboard.query_one(OrdersTable)
        await wait_for(pilot, lambda: table.row_count == 0, "the orders pane to empty")
        await pilot.press("q", "l")  # quit, leaving orders: the engine shuts down first
    await engine.close()
    with sqlite3.connect(db) as conn:
        open_rows = conn.execute("select count(*) from orders where status='New'").fetchone()[0]
        cancelled = conn.execute("select count(*) from orders where status='Cancelled'").fetchone()
    assert open_rows == 0
    assert cancelled[0] > 5


async def test_the_engine_worker_shows_fills_in_the_log(tmp_path: Path) -> None:
    app, engine, _ = await real_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: engine.snapshot().recent_fills, "a fill")
        pane = app.dashboard.log_pane
        await wait_for(pilot, lambda: any("BUY" in ln.plain for ln in pane.history), "its line")
        text = "\n".join(line.plain for line in app.dashboard.log_pane.history)
        assert "BUY" in text and "BTCUSDT @ 23,142.31" in text  # the seed buy at the first close
        await pilot.press("q", "l")  # quit, leaving orders: the engine shuts down first
    await engine.close()


async def test_a_buy_the_allocator_refuses_shows_in_the_log_with_its_reason(
    tmp_path: Path,
) -> None:
    # the seed's batch meets a short account: the allocator, counting what each buy of the
    # batch locks, refuses the buys the cash cannot cover (the venue used to refuse them)
    short = PACED.replace("mode: paper\n", 'mode: paper\npaper:\n  balances: {USDT: "1000"}\n')
    built = await build_engine(parse_config(short, "tui.yaml", {}), tmp_path / "tui.db")
    app, engine = TraderAgentApp(built.engine), built.engine
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.dashboard.log_pane

        def refused() -> list[str]:
            # the pane's ring holds every entry (a burst renders only a screenful of them)
            entries = pane.ring.matching(LogFilter(), MAX_LINES)
            lines = (event_line(e.source) for e in entries if not isinstance(e.source, Text))
            return [ln.plain for ln in lines if ln is not None and "no capital left" in ln.plain]

        await wait_for(pilot, lambda: len(refused()) >= 2, "the refusal's lines", steps=1200)
        lines, bot = refused(), engine.snapshot().bots[0]
        await pilot.press("q", "l")
    await engine.close()
    assert any("✗ rejected grid-btc b" in ln for ln in lines)  # the IntentRejected event
    assert any("WARN order b" in ln and "[grid-btc]" in ln for ln in lines)  # the log record
    assert bot.allocator_refused > 0 and bot.orders_rejected == 0  # counted as the allocator's
