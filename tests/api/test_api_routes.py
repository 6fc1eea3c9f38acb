"""Every REST route on a real paper engine: the answer, and the 404/409/422 refusals."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from api_kit import SHORT, InstantBacktests, api_client, config_of, paper_engine, replayed_engine
from kit.factories import SMALL_CONFIG

from traderagent.domain import BotState


async def test_bots_list_detail_and_chart_match_the_engine(tmp_path: Path) -> None:
    engine = await replayed_engine(tmp_path)
    bot = engine.bots["grid-btc"]
    async with api_client(engine) as (_, client):
        listed = (await client.get("/api/v1/bots")).json()
        assert [b["name"] for b in listed] == ["grid-btc"]
        assert listed[0]["state"] == "RUNNING"
        assert listed[0]["fills"] == bot.fills > 0
        assert Decimal(listed[0]["position_qty"]) == bot.position.qty  # exact, as a string
        detail = (await client.get("/api/v1/bots/grid-btc")).json()
        assert detail["bot"]["name"] == "grid-btc"
        assert {o["client_order_id"] for o in detail["orders"]} == set(bot.orders)
        assert all(f["bot"] == "grid-btc" for f in detail["fills"]) and detail["fills"]
        chart = (await client.get("/api/v1/bots/grid-btc/chart", params={"minutes": 30})).json()
        assert len(chart["closes"]) == 30
        assert chart["closes"][-1] == bot.history[-1].close
        assert len(chart["levels"]) >= len(bot.orders)
    await engine.close()


async def test_unknown_bots_are_404_and_bad_parameters_422(tmp_path: Path) -> None:
    engine = await replayed_engine(tmp_path)
    async with api_client(engine) as (_, client):
        for method, path in [
            ("GET", "/api/v1/bots/nobody"),
            ("GET", "/api/v1/bots/nobody/chart"),
            ("POST", "/api/v1/bots/nobody/pause"),
            ("POST", "/api/v1/bots/nobody/start"),
            ("GET", "/api/v1/orders?bot=nobody"),
            ("GET", "/api/v1/fills?bot=nobody"),
        ]:
            response = await client.request(method, path)
            assert response.status_code == 404
            assert response.json()["detail"] == "no bot named 'nobody' (bots: grid-btc)"
        long_name = await client.get("/api/v1/bots/" + "x" * 5_000)
        assert long_name.status_code == 404
        assert long_name.json()["detail"] == f"no bot named '{'x' * 40}…' (bots: grid-btc)"
        for path, params in [
            ("/api/v1/bots/grid-btc/chart", {"minutes": "0"}),
            ("/api/v1/bots/grid-btc/chart", {"minutes": "many"}),
            ("/api/v1/fills", {"limit": "100000"}),
        ]:
            response = await client.get(path, params=params)
            assert response.status_code == 422
            assert response.json()["detail"][0]["msg"]
        halt = await client.post("/api/v1/halt", json={"bot": "nobody"})
        assert halt.status_code == 404
        for body in ({"reason": ""}, {"bot": "no spaces allowed"}, {"surprise": 1}, [1, 2]):
            assert (await client.post("/api/v1/halt", json=body)).status_code == 422
        text = await client.post(
            "/api/v1/halt", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert text.status_code == 422
    await engine.close()


async def test_lifecycle_commands_change_the_bot_and_illegal_ones_are_409(tmp_path: Path) -> None:
    engine = await replayed_engine(tmp_path)
    bot = engine.bots["grid-btc"]
    async with api_client(engine) as (_, client):
        paused = await client.post("/api/v1/bots/grid-btc/pause")
        assert paused.status_code == 200 and paused.json()["state"] == "PAUSED"
        assert bot.state is BotState.PAUSED
        again = await client.post("/api/v1/bots/grid-btc/pause")
        assert again.status_code == 409
        assert "PAUSED" in again.json()["detail"]
        assert (await client.post("/api/v1/bots/grid-btc/start")).status_code == 409
        resumed = await client.post("/api/v1/bots/grid-btc/resume")
        assert resumed.json()["state"] == "RUNNING"
        stopped = await client.post("/api/v1/bots/grid-btc/stop")
        assert stopped.json()["state"] == "STOPPED" and stopped.json()["open_orders"] == 0
        assert bot.orders == {}
        started = await client.post("/api/v1/bots/grid-btc/start")
        assert started.json()["state"] in ("STARTING", "RUNNING")
    await engine.close()


async def test_halt_cancels_every_order_and_ack_stops_the_bot(tmp_path: Path) -> None:
    engine = await replayed_engine(tmp_path)
    bot = engine.bots["grid-btc"]
    assert bot.orders
    async with api_client(engine) as (_, client):
        nothing = await client.post("/api/v1/halt/ack")
        assert nothing.status_code == 409
        assert nothing.json()["detail"] == "no bot is in EMERGENCY: nothing to acknowledge"
        halted = await client.post("/api/v1/halt", json={"reason": "api test"})
        assert halted.status_code == 200
        assert [(b["state"], b["state_reason"]) for b in halted.json()] == [
            ("EMERGENCY", "api test")
        ]
        assert bot.orders == {} and await engine.exchange.open_orders() == []
        assert (await client.get("/api/v1/orders")).json() == []
        assert (await client.post("/api/v1/bots/grid-btc/resume")).status_code == 409
        acked = await client.post("/api/v1/halt/ack", json={"bot": "grid-btc"})
        assert acked.status_code == 200 and acked.json()[0]["state"] == "STOPPED"
        assert (await client.post("/api/v1/halt/ack", json={"bot": "grid-btc"})).status_code == 409
    await engine.close()


async def test_account_views(tmp_path: Path) -> None:
    engine = await replayed_engine(tmp_path)
    snapshot = engine.snapshot()
    async with api_client(engine) as (_, client):
        orders = (await client.get("/api/v1/orders")).json()
        assert [o["client_order_id"] for o in orders] == [
            o.client_order_id for o in snapshot.open_orders
        ]
        assert (await client.get("/api/v1/orders", params={"bot": "other"})).status_code == 404
        sells = (await client.get("/api/v1/orders", params={"symbol": "BTCUSDT"})).json()
        assert len(sells) == len(orders)
        fills = (await client.get("/api/v1/fills", params={"limit": 3})).json()
        assert [f["fill_id"] for f in fills] == [f.fill_id for f in snapshot.recent_fills[-3:]]
        positions = (await client.get("/api/v1/positions")).json()
        assert Decimal(positions[0]["qty"]) == engine.bots["grid-btc"].position.qty
        regime = (await client.get("/api/v1/regime")).json()
        assert [r["reading"]["symbol"] for r in regime] == ["BTCUSDT"]
        risk = (await client.get("/api/v1/risk")).json()
        assert Decimal(risk["drawdown_limit_pct"]) == Decimal(15)  # the default limit
        assert {v["limit"] for v in risk["limits"]} >= {"max_drawdown_pct"}
        equity = (await client.get("/api/v1/equity")).json()
        assert Decimal(equity["equity"]) == snapshot.equity
        assert Decimal(equity["pnl"]) == snapshot.equity - snapshot.starting_equity
        whole = (await client.get("/api/v1/snapshot")).json()
        assert whole["mode"] == "PAPER" and whole["finished"] is True
        assert openapi_paths_are_documented((await client.get("/openapi.json")).json())
    await engine.close()


def openapi_paths_are_documented(document: dict[str, object]) -> bool:
    paths = document["paths"]
    assert isinstance(paths, dict)
    wanted = ["health", "bots", "bots/{name}", "bots/{name}/start", "bots/{name}/stop",
              "bots/{name}/pause", "bots/{name}/resume", "halt", "halt/ack", "orders", "fills",
              "positions", "regime", "risk", "equity", "config/reload", "backtests",
              "backtests/{job_id}", "backtests/{job_id}/result"]  # fmt: skip
    missing = [p for p in wanted if f"/api/v1/{p}" not in paths]
    assert not missing, missing
    return True


async def test_equity_points_arrive_from_the_bus_while_the_engine_runs(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path, SMALL_CONFIG + "equity_interval_minutes: 60\n")
    async with api_client(engine) as (_, client):
        await engine.run()
        for _ in range(100):
            points = (await client.get("/api/v1/equity")).json()["points"]
            if len(points) >= 24:
                break
            await asyncio.sleep(0.02)
        assert len(points) >= 24  # one an hour over the day, and the final one
        assert Decimal(points[-1]["equity"]) == engine.equity
    await engine.close()


async def test_config_reload_with_a_body_from_the_file_and_refused(tmp_path: Path) -> None:
    engine = await replayed_engine(tmp_path)
    tighter = SHORT + 'risk: {max_daily_loss: "250"}\n'
    async with api_client(engine, config_source=lambda: config_of(tighter)) as (_, client):
        from_file = await client.post("/api/v1/config/reload")
        assert from_file.json() == {"applied": ["account risk limits updated"], "refused": []}
        assert engine.equity_watch is not None
        assert engine.equity_watch.config.max_daily_loss == Decimal(250)
        body = config_of(SHORT.replace("levels: 21", "levels: 11")).model_dump(mode="json")
        sent = await client.post("/api/v1/config/reload", json={"config": body})
        assert sent.status_code == 200
        assert sent.json()["refused"] == [
            "grid-btc is RUNNING: stop it first (s) to change its strategy"
        ]
        body["bots"][0]["strategy"]["levels"] = 1
        bad = await client.post("/api/v1/config/reload", json={"config": body})
        assert bad.status_code == 422
        message = bad.json()["detail"][0]["msg"]
        assert "bots[0].strategy.levels: Input should be greater than or equal to 2" in message
    await engine.close()


async def test_reload_without_a_config_file_is_409(tmp_path: Path) -> None:
    engine = await replayed_engine(tmp_path)
    async with api_client(engine) as (_, client):
        response = await client.post("/api/v1/config/reload", json={})
        assert response.status_code == 409
        assert "send `config`" in response.json()["detail"]
    await engine.close()


async def test_backtest_jobs_submit_status_result_and_refusals(tmp_path: Path) -> None:
    engine = await replayed_engine(tmp_path)
    runner = InstantBacktests()
    source = lambda: config_of()  # noqa: E731
    async with api_client(engine, config_source=source, backtests=runner) as (_, client):
        submitted = await client.post(
            "/api/v1/backtests", json={"start": "2023-03-02", "end": "2023-03-03T00:00:00Z"}
        )
        assert submitted.status_code == 202
        job = submitted.json()
        assert job["status"] == "running" and job["id"] == "bt-1"
        for _ in range(100):
            status = (await client.get("/api/v1/backtests/bt-1")).json()
            if status["status"] != "running":
                break
            await asyncio.sleep(0.01)
        assert status["status"] == "done" and status["progress"] == 1.0
        result = (await client.get("/api/v1/backtests/bt-1/result")).json()
        assert result["period"] == "nothing" and result["id"] == "bt-1"
        assert [j["id"] for j in (await client.get("/api/v1/backtests")).json()] == ["bt-1"]
        assert (await client.get("/api/v1/backtests/bt-9")).status_code == 404
        assert (await client.get("/api/v1/backtests/bt-9/result")).status_code == 404
        assert (await client.delete("/api/v1/backtests/bt-1")).status_code == 409  # finished
        backwards = await client.post(
            "/api/v1/backtests", json={"start": "2023-03-05", "end": "2023-03-02"}
        )
        assert backwards.status_code == 422
        assert "must come after the start" in backwards.json()["detail"][0]["msg"]
        live = SMALL_CONFIG.replace(
            "mode: paper", "mode: live\nexchange: {venue: bybit, env: demo}"
        )
        refused = await client.post(
            "/api/v1/backtests", json={"config": config_of(live).model_dump(mode="json")}
        )
        assert refused.status_code == 422 and "paper" in refused.json()["detail"][0]["msg"]
        assert (await client.post("/api/v1/backtests", json={"start": "soon"})).status_code == 422
        outside = await client.post(
            "/api/v1/backtests", json={"start": "1970-01-02", "end": "1970-01-03"}
        )
        assert outside.status_code == 422  # refused now, not a job that fails later
        assert "no candles in the chosen range" in outside.json()["detail"][0]["msg"]
        missing = config_of(SMALL_CONFIG.replace("data: bundled", "data: /nonexistent/c.csv"))
        gone = await client.post(
            "/api/v1/backtests", json={"config": missing.model_dump(mode="json")}
        )
        assert gone.status_code == 422 and "/nonexistent/c.csv" in gone.json()["detail"][0]["msg"]
    assert runner.runs == [(datetime(2023, 3, 2, tzinfo=UTC), datetime(2023, 3, 3, tzinfo=UTC))]
    await engine.close()


async def test_a_real_backtest_replays_its_range_apart_from_the_live_engine(tmp_path: Path) -> None:
    engine = await replayed_engine(tmp_path)
    live_fills = engine.bots["grid-btc"].fills
    async with api_client(engine, config_source=lambda: config_of()) as (_, client):
        body = {"start": "2023-03-01T00:00:00Z", "end": "2023-03-01T06:00:00Z"}
        assert (await client.post("/api/v1/backtests", json=body)).status_code == 202
        busy = await client.post("/api/v1/backtests", json=body)
        assert busy.status_code == 409 and "still running" in busy.json()["detail"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 180  # generous: a loaded machine runs the backtest slowly
        while (status := (await client.get("/api/v1/backtests/bt-1")).json())["status"] == (
            "running"
        ):
            assert loop.time() < deadline, "the backtest did not end within 180 s"
            await asyncio.sleep(0.05)
        assert status["status"] == "done", status
        result = (await client.get("/api/v1/backtests/bt-1/result")).json()
        assert result["summary"]["candles"] == 360  # six hours of 1m candles
        assert result["summary"]["fills"] > 0
        assert result["equity"]
        metrics = result["metrics"]
        assert metrics["candles"] == 360 and metrics["fills"] == result["summary"]["fills"]
        final = Decimal(metrics["final_equity"])
        assert Decimal(metrics["net_pnl"]) == final - Decimal(result["summary"]["starting_equity"])
    assert engine.bots["grid-btc"].fills == live_fills  # the live engine was not touched
    await engine.close()


async def test_the_positions_view_shows_a_perpetuals_liquidation(tmp_path: Path) -> None:
    """On linear perps at 10x the grid's long has a liquidation price below its entry, the
    venue's own, and the band the TUI shows (a 50 % warning band: every position is in it)."""
    linear = SHORT.replace(
        "mode: paper\n",
        "mode: paper\npaper: {category: linear, linear: {leverage: 10}}\n"
        "risk: {liquidation_warning_pct: '50'}\n",
    )
    engine = await paper_engine(tmp_path, linear)
    await engine.run()
    bot = engine.bots["grid-btc"]
    assert bot.position.qty > 0
    async with api_client(engine) as (_, client):
        (view,) = (await client.get("/api/v1/positions")).json()
    liq = Decimal(view["liquidation_price"])
    assert liq == engine.exchange.liquidation_price("BTCUSDT")  # type: ignore[attr-defined]
    assert liq < bot.position.avg_price
    last = Decimal(view["last_price"])
    assert Decimal(view["liquidation_distance_pct"]) == (last - liq) / last * 100
    assert view["liquidation_level"] in ("warning", "danger")
    await engine.close()
