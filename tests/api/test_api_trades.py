"""Closed trades, profit and closing a position: the API, `traderagent trades|profit` reading
the database, and `traderagent ctl` against the daemon on a loopback port."""

from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from api_kit import TOKEN, api_client, replayed_engine, served

from traderagent.cli import main
from traderagent.domain import BotState


async def test_trades_and_profit_match_what_the_cli_reads_from_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = await replayed_engine(tmp_path)
    async with api_client(engine) as (_, client):
        ledger = (await client.get("/api/v1/trades")).json()
        trades = ledger["trades"]
        assert trades, "eight hours of a grid close some cycles"
        for trade in trades:
            assert trade["bot"] == "grid-btc" and trade["reason"].startswith("s")
            assert Decimal(trade["exit"]) > Decimal(trade["entry"])  # a grid sells a step up
            assert Decimal(trade["fees"]) > 0
            gross = (Decimal(trade["exit"]) - Decimal(trade["entry"])) * Decimal(trade["qty"])
            assert Decimal(trade["pnl"]) == gross - Decimal(trade["fees"])
        total = sum(Decimal(t["pnl"]) for t in trades)
        for period in ("day", "week", "month"):
            rows = (await client.get("/api/v1/profit", params={"period": period})).json()
            assert sum(Decimal(r["pnl"]) for r in rows) == total
            assert sum(r["trades"] for r in rows) == len(trades)
        (perf,) = (await client.get("/api/v1/performance")).json()
        assert (perf["bot"], perf["trades"], Decimal(perf["pnl"])) == (
            "grid-btc",
            len(trades),
            total,
        )
        assert (await client.get("/api/v1/trades", params={"limit": 1})).json()["trades"] == (
            trades[-1:]
        )
        assert (await client.get("/api/v1/trades", params={"bot": "nobody"})).status_code == 404
        assert (await client.get("/api/v1/profit", params={"period": "year"})).status_code == 422
    await engine.close()

    database = str(tmp_path / "api.db")
    assert (
        await asyncio.to_thread(main, ["trades", "--db", database, "--json", "--limit", "10000"])
        == 0
    )
    read = json.loads(capsys.readouterr().out)
    assert [(t["closed_ms"], t["pnl"]) for t in read["trades"]] == [
        (t["closed_ms"], t["pnl"]) for t in trades
    ]
    assert await asyncio.to_thread(main, ["profit", "--db", database, "--period", "week"]) == 0
    table = capsys.readouterr().out
    assert f"{total.quantize(Decimal('0.01')):+,}" in table
    assert await asyncio.to_thread(main, ["trades", "--db", str(tmp_path / "missing.db")]) == 2
    assert "no database at" in capsys.readouterr().err


async def test_close_sells_the_position_and_pauses_or_stops_the_bot(tmp_path: Path) -> None:
    engine = await replayed_engine(tmp_path)
    bot = engine.bots["grid-btc"]
    assert bot.position.qty > 0 and bot.orders
    async with api_client(engine) as (_, client):
        answer = await client.post("/api/v1/bots/grid-btc/close")
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == "PAUSED"
        assert all(o.tag == "close" for o in bot.orders.values())  # the grid's are cancelled
        stopped = await client.post("/api/v1/bots/grid-btc/close", params={"stop": "true"})
        assert stopped.json()["state"] == "STOPPED"
        refused = await client.post("/api/v1/bots/grid-btc/close")
        assert refused.status_code == 200  # stopped with its price known: nothing left to do
        assert (await client.post("/api/v1/bots/nobody/close")).status_code == 404
    assert bot.state is BotState.STOPPED
    await engine.close()


async def test_ctl_commands_a_daemon_with_the_token_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = await replayed_engine(tmp_path)
    monkeypatch.setenv("TRADERAGENT_API_TOKEN", TOKEN)
    async with served(engine) as url:

        def ctl(*words: str) -> int:
            return main(["ctl", "--url", url, *words])

        assert await asyncio.to_thread(ctl, "status") == 0
        status = capsys.readouterr().out
        assert "grid-btc" in status
        # money to the cent for a reader (the JSON keeps every digit)
        equity = engine.snapshot().equity
        assert f"equity {equity:,.2f} (start " in status
        assert re.search(r"realised [+-][\d,]+\.\d\d unrealised [+-][\d,]+\.\d\d\n", status)
        assert await asyncio.to_thread(ctl, "pause", "--all") == 0
        assert "grid-btc: PAUSED" in capsys.readouterr().out
        assert await asyncio.to_thread(ctl, "resume", "--all") == 0
        assert "grid-btc: RUNNING" in capsys.readouterr().out
        assert await asyncio.to_thread(ctl, "--json", "trades") == 0
        assert json.loads(capsys.readouterr().out)["trades"]
        assert await asyncio.to_thread(ctl, "profit", "--period", "month") == 0
        assert "2023-03" in capsys.readouterr().out
        assert await asyncio.to_thread(ctl, "pause", "nobody") == 2
        assert "no bot named 'nobody'" in capsys.readouterr().err
        assert await asyncio.to_thread(ctl, "close", "grid-btc") == 1  # no terminal: not done
        assert engine.bots["grid-btc"].state is BotState.RUNNING
        assert await asyncio.to_thread(ctl, "close", "grid-btc", "--yes") == 0
        assert engine.bots["grid-btc"].state is BotState.PAUSED
        assert await asyncio.to_thread(ctl, "halt", "grid-btc") == 0
        assert engine.bots["grid-btc"].state is BotState.EMERGENCY
        assert await asyncio.to_thread(ctl, "ack") == 0
        assert engine.bots["grid-btc"].state is BotState.STOPPED
        capsys.readouterr()
        monkeypatch.setenv("TRADERAGENT_API_TOKEN", "wrong-token-0123456789")
        assert await asyncio.to_thread(ctl, "status") == 2
        assert "refused the token" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["ctl", "--url", "http://127.0.0.1:9", "status"]) == 1
    assert "cannot reach" in capsys.readouterr().err
    await engine.close()
