"""Funding on a linear (USDT perpetual) config, end to end on the emulator: a DCA bot holds a
long over the 08:00 funding mark; the settlement is booked to it (realised PnL, shown apart as
`funding`), journaled once, in the run summary, and after a restart it is neither lost nor
booked again when the client hears it a second time."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from kit.factories import DCA_STRATEGY
from kit.waits import wait_until

from traderagent.config import parse_config
from traderagent.domain import Position
from traderagent.exchanges.bybit import BybitExchange
from traderagent.exchanges.emulator import Emulator, running_emulator
from traderagent.marketdata import load_bundled
from traderagent.summary import render_summary
from traderagent.wiring.runtime import build_engine

RATE = Decimal("0.0001")
WARMUP = 470  # 07:50 on 2023-03-01: the 08:00 mark comes 10 candles in

CONFIG = """\
mode: live
exchange: {{venue: bybit, env: custom, url: "{url}", category: linear, credentials: emulator}}
bots:
  - name: dca
    symbol: BTCUSDT
    strategy: {strategy}
"""


async def session(emu: Emulator, db: Path, candles: int) -> tuple[Position, str, int]:
    """One engine run of `candles` closed candles: the bot's position, the summary text and
    how many funding settlements the client heard."""
    strategy = {k: v for k, v in DCA_STRATEGY.items() if k != "stop_loss"}
    strategy["take_profit"] = "50"  # hold the long over the funding mark
    text = CONFIG.format(url=emu.rest_url, strategy=json.dumps(strategy))
    config = parse_config(text, "f.yaml", {})
    built = await build_engine(config, db)
    engine = built.engine
    run = asyncio.create_task(engine.run())
    for _ in range(candles):
        seen = engine.candles
        await emu.step(1)
        await wait_until(lambda seen=seen: engine.candles > seen, 30, "the engine keeping up")
    exchange = engine.exchange
    assert isinstance(exchange, BybitExchange)
    await exchange.catch_up(10)
    await wait_until(lambda: not engine.has_pending_updates, 10, "the updates drained")
    await engine.shutdown()
    summary = await run
    position = engine.bots["dca"].position
    heard = len(exchange.account.funding)
    await engine.close()
    return position, render_summary(summary), heard


async def test_funding_is_booked_once_shown_apart_and_survives_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = load_bundled().head(WARMUP + 40)
    db = tmp_path / "funding.db"
    async with running_emulator(series, warmup=WARMUP, funding_rate=RATE) as emu:
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_KEY", emu.api_key)
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_SECRET", emu.api_secret)
        position, text, heard = await session(emu, db, 15)
        assert heard == 1
        (settled,) = [e for e in emu.executions() if e.exec_type == "Funding"]
        assert position.qty > 0 and settled.exec_qty == position.qty  # the bot's long paid
        assert position.funding == -settled.exec_fee < 0
        assert f"funding        {-settled.exec_fee:,.4f}" in text
        trades_pnl = position.realised_pnl - position.funding
        with sqlite3.connect(db) as conn:
            rows = conn.execute("select bot, funding_id, amount from funding_fees").fetchall()
        assert [(bot, fid, Decimal(amount)) for bot, fid, amount in rows] == [
            ("dca", settled.exec_id, settled.exec_fee)
        ]
        again, _, heard = await session(emu, db, 2)
        assert heard == 1  # a restart: the client's catch-up hears the settlement again
        assert again.funding == position.funding  # restored from the journal, not re-booked
        assert again.realised_pnl - again.funding == trades_pnl
        with sqlite3.connect(db) as conn:
            assert conn.execute("select count(*) from funding_fees").fetchone() == (1,)
