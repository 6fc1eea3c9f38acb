"""`configs/bybit-emulator.yaml` as a user runs it: the headless engine, through the real Bybit
client, against a replaying emulator; orders and fills show on both sides."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import load_bundled

ROOT = Path(__file__).resolve().parents[2]


async def test_headless_run_trades_on_the_emulator(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    async with running_emulator(load_bundled().head(2_000), speed=600, warmup=60) as emu:
        env = {
            **os.environ,
            "TRADERAGENT_EMULATOR_URL": emu.rest_url,
            "TRADERAGENT_EMULATOR_API_KEY": emu.api_key,
            "TRADERAGENT_EMULATOR_API_SECRET": emu.api_secret,
            "TRADERAGENT_DATA_DIR": str(tmp_path),
        }
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "traderagent",
            "run",
            "--headless",
            "--no-api",
            "--config",
            str(ROOT / "configs" / "bybit-emulator.yaml"),
            "--db",
            str(db),
            "--duration",
            "8",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(child.communicate(), 60)
        venue_orders = emu.orders()
        venue_fills = emu.executions()
    text = out.decode()
    assert child.returncode == 0, err.decode()
    assert "DEMO on bybit custom spot" in text
    assert "grid-emu" in text
    with sqlite3.connect(db) as conn:
        ours = {row[0] for row in conn.execute("select client_order_id from orders")}
        our_fills = {row[0] for row in conn.execute("select fill_id from fills")}
        (last_ms,) = conn.execute("select max(ts) from state_snapshots").fetchone()
    assert len(venue_orders) > 20  # the grid's orders reached the venue
    assert {order.order_link_id for order in venue_orders} <= ours
    # the emulator goes on replaying after the bot has stopped, and its resting orders may fill
    # then: every fill up to the bot's last snapshot (written as it stopped) is journalled
    assert our_fills and our_fills <= {fill.exec_id for fill in venue_fills}
    assert {fill.exec_id for fill in venue_fills if fill.exec_time <= last_ms} <= our_fills
    assert "emulator-secret" not in text + err.decode()  # the secret is never printed
