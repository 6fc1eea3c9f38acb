"""`/metrics` parses with prometheus-client's own parser and agrees with the engine."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

from api_kit import SHORT, api_client, paper_engine
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from traderagent.api.latency import ExchangeLatency


def samples(text: str) -> dict[str, list[Sample]]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def value(found: dict[str, list[Sample]], family: str, sample: str = "", **labels: str) -> float:
    name = sample or family
    matching = [s.value for s in found[family] if s.name == name and s.labels == labels]
    assert len(matching) == 1, (family, name, labels, found.get(family))
    return matching[0]


async def test_metrics_parse_and_agree_with_the_engine(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path, SHORT)
    latency = ExchangeLatency()
    latency.instrument(engine.exchange)
    latency.instrument(engine.exchange)  # once per exchange, however often asked
    async with api_client(engine, latency=latency) as (_, client):
        await engine.run()
        bot = engine.bots["grid-btc"]
        for _ in range(200):  # the API's own subscriber catches up in its task
            response = await client.get("/metrics")
            found = samples(response.text)
            seen = [
                s for s in found["traderagent_bus_events"] if s.labels == {"type": "OrderFilled"}
            ]
            if seen and seen[0].value == bot.fills:
                break
            await asyncio.sleep(0.01)
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert (
        value(found, "traderagent_bus_events", "traderagent_bus_events_total", type="OrderFilled")
        == bot.fills
    )
    assert (
        value(found, "traderagent_trades", "traderagent_trades_total", bot="grid-btc")
        == bot.fills
        > 0
    )
    assert (
        value(found, "traderagent_orders_placed", "traderagent_orders_placed_total", bot="grid-btc")
        == bot.orders_placed
    )
    assert value(found, "traderagent_bot_state", bot="grid-btc", state="FINISHED") == 1.0
    assert value(found, "traderagent_bot_state", bot="grid-btc", state="RUNNING") == 0.0
    assert value(found, "traderagent_bot_state", bot="grid-btc", state="PAUSED") == 0.0
    assert value(found, "traderagent_open_orders", bot="grid-btc") == len(bot.orders) > 0
    assert value(found, "traderagent_unknown_orders", bot="grid-btc") == len(bot.unsure) == 0
    assert value(found, "traderagent_venue_degraded") == 0.0
    assert value(found, "traderagent_equity") == float(engine.equity)
    usdt, btc = engine.balances["USDT"], engine.balances["BTC"]
    assert value(found, "traderagent_balance", asset="USDT", part="free") == float(usdt.free)
    assert value(found, "traderagent_balance", asset="USDT", part="locked") == float(usdt.locked)
    held = [value(found, "traderagent_balance", asset="BTC", part=p) for p in ("free", "locked")]
    assert held == [float(btc.free), float(btc.locked)] and sum(held) > 0
    snapshot = engine.snapshot()
    assert snapshot.drawdown_pct is not None and snapshot.day_pnl is not None
    assert value(found, "traderagent_drawdown_pct") == float(snapshot.drawdown_pct)
    assert value(found, "traderagent_daily_pnl") == float(snapshot.day_pnl)
    placed = value(
        found,
        "traderagent_exchange_latency_seconds",
        "traderagent_exchange_latency_seconds_count",
        method="place_order",
    )
    assert placed == bot.orders_placed  # every order request was timed, once
    took = value(
        found,
        "traderagent_exchange_latency_seconds",
        "traderagent_exchange_latency_seconds_sum",
        method="place_order",
    )
    assert 0 < took < 60
    lag = value(found, "traderagent_bus_lag_seconds")
    assert 0 <= lag < 60 and not math.isnan(lag)
    assert (
        value(found, "traderagent_bus_events_dropped", "traderagent_bus_events_dropped_total") == 0
    )
    await engine.close()


async def test_metrics_need_the_token(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path)
    async with api_client(engine, token=None) as (_, client):
        assert (await client.get("/metrics")).status_code == 401
    await engine.close()


async def test_metrics_count_bot_crashes_and_name_stale_symbols(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path, SHORT)
    async with api_client(engine) as (_, client):
        await engine.run()
        bot = engine.bots["grid-btc"]
        await engine.health.crashed(bot, RuntimeError("boom"))  # the health monitor's count
        now = engine.clock.now_ms()
        engine.health.saw_candle("BTCUSDT", now - 3 * 60_000, 60_000, engine.bots.values())
        assert engine.health.check_data(engine.bots.values()) == ["BTCUSDT"]
        found = samples((await client.get("/metrics")).text)
    crashes = "traderagent_bot_task_crashes"
    assert value(found, crashes, crashes + "_total", bot="grid-btc") == 1
    assert value(found, "traderagent_market_data_stale", symbol="BTCUSDT") == 1.0
    await engine.close()
