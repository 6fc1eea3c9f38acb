"""The engine end to end: replayed real candles -> grid -> paper exchange -> SQLite."""

import sqlite3
from decimal import Decimal
from pathlib import Path

from kit.factories import SMALL_CONFIG

from traderagent.config import parse_config
from traderagent.domain import BotState, OrderStatus
from traderagent.domain.events import HaltTriggered, OrderFilled, OrderUpdated
from traderagent.wiring.runtime import build_engine


async def test_replay_fills_land_in_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    built = await build_engine(parse_config(SMALL_CONFIG, "c.yaml", {}), db)
    summary = await built.engine.run()
    await built.engine.close()

    assert summary.candles == 1440  # one day of 1m candles
    assert summary.reason == "end of replay data"
    assert summary.fills > 5
    with sqlite3.connect(db) as conn:
        fills = conn.execute("select count(*), sum(fee) from fills where bot='grid-btc'").fetchone()
        statuses = dict(conn.execute("select status, count(*) from orders group by status"))
        equity_points = conn.execute("select count(*) from equity_points").fetchone()[0]
        ids = [r[0] for r in conn.execute("select client_order_id from orders")]
    assert fills[0] == summary.fills
    assert statuses["Filled"] == summary.fills  # every order fills completely on this venue
    assert statuses["New"] == summary.bots[0].open_orders
    assert equity_points >= 24
    assert len(ids) == len(set(ids)) == summary.orders_placed


async def test_accounting_is_exact_and_consistent(tmp_path: Path) -> None:
    built = await build_engine(parse_config(SMALL_CONFIG, "c.yaml", {}), tmp_path / "a.db")
    engine = built.engine
    fills = []
    engine.bus.subscribe(OrderFilled, lambda e: fills.append(e.fill))
    summary = await engine.run()
    balances = await engine.exchange.balances()
    await engine.close()

    spent = sum((f.price * f.qty for f in fills if f.side == "Buy"), Decimal(0))
    received = sum((f.price * f.qty for f in fills if f.side == "Sell"), Decimal(0))
    # Bybit spot: a buy pays its fee in BTC (it credits qty - fee), a sell in USDT
    assert all(f.fee_asset == ("BTC" if f.side == "Buy" else "USDT") for f in fills)
    fees = sum((f.fee for f in fills if f.fee_asset == "USDT"), Decimal(0))
    assert summary.fees == sum((f.fee_value for f in fills), Decimal(0))
    assert balances["USDT"].total == Decimal(10000) - spent + received - fees
    bought = sum((f.base_qty for f in fills if f.side == "Buy"), Decimal(0))
    sold = sum((f.qty for f in fills if f.side == "Sell"), Decimal(0))
    assert balances["BTC"].total == bought - sold == summary.bots[0].position_qty
    for fill in fills:
        assert fill.price == fill.price.quantize(Decimal("0.01"))
        assert fill.qty == fill.qty.quantize(Decimal("0.000001"))


async def test_pause_keeps_orders_and_resume_resyncs(tmp_path: Path) -> None:
    built = await build_engine(parse_config(SMALL_CONFIG, "c.yaml", {}), tmp_path / "p.db")
    engine = built.engine
    bot = engine.bots["grid-btc"]
    await bot.start()
    feed = iter(engine._feed)
    for _ in range(30):
        await engine._step(next(feed))
    resting = dict(bot.orders)
    assert resting
    await engine.pause_bot("grid-btc")
    assert bot.state is BotState.PAUSED
    placed = bot.orders_placed
    for _ in range(600):
        await engine._step(next(feed))
    assert bot.orders_placed == placed  # nothing new while paused
    assert set(bot.orders) <= set(resting)  # only fills may remove resting orders
    await engine.resume_bot("grid-btc")
    assert bot.state is BotState.RUNNING
    wanted = set(bot.strategy.desired())  # type: ignore[attr-defined]
    assert {o.tag for o in bot.orders.values()} == wanted
    await engine.close()


async def test_halt_cancels_every_order_and_waits_for_acknowledgement(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    built = await build_engine(parse_config(SMALL_CONFIG, "c.yaml", {}), db)
    engine = built.engine
    halts = []
    engine.bus.subscribe(HaltTriggered, halts.append)
    cancels: list[str] = []
    engine.bus.subscribe(
        OrderUpdated,
        lambda e: (
            cancels.append(e.order.client_order_id)
            if e.order.status is OrderStatus.CANCELLED
            else None
        ),
    )
    bot = engine.bots["grid-btc"]
    await bot.start()
    feed = iter(engine._feed)
    for _ in range(10):
        await engine._step(next(feed))
    open_before = len(bot.orders)
    assert open_before > 5

    await engine.halt(None, reason="test halt")
    assert bot.state is BotState.EMERGENCY
    assert bot.orders == {}
    assert await engine.exchange.open_orders() == []
    assert halts[0].cancelled_orders == open_before
    assert len(cancels) == len(set(cancels)) == open_before  # each cancel reported once
    placed = bot.orders_placed
    for _ in range(300):
        await engine._step(next(feed))
    assert bot.orders_placed == placed  # frozen: nothing new after a halt
    await engine.acknowledge("grid-btc")
    assert bot.state is BotState.STOPPED
    await engine.close()
    with sqlite3.connect(db) as conn:
        still_new = conn.execute("select count(*) from orders where status='New'").fetchone()[0]
        state = conn.execute("select state from bots where name='grid-btc'").fetchone()[0]
        cancelled = conn.execute(
            "select count(*) from orders where status=?", (OrderStatus.CANCELLED.value,)
        ).fetchone()[0]
    assert still_new == 0
    assert cancelled == open_before
    assert state == "STOPPED"


async def test_a_second_run_on_the_same_database_continues_the_paper_book(tmp_path: Path) -> None:
    db = tmp_path / "twice.db"
    summaries = []
    for _ in range(2):
        built = await build_engine(parse_config(SMALL_CONFIG, "c.yaml", {}), db)
        summaries.append(await built.engine.run())
        await built.engine.close()
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("select client_order_id from orders")]
        ours = {r[0] for r in conn.execute("select client_order_id from orders where status='New'")}
        venue = {
            r[0]
            for r in conn.execute("select client_order_id from paper_orders where status='New'")
        }
    assert len(ids) == len(set(ids))
    assert summaries[1].candles == 0  # the first run replayed the data to its end
    assert ours and ours == venue  # the resting orders survived the restart, on both sides
    assert summaries[1].bots[0].open_orders == len(ours)


async def test_no_same_candle_round_trip_on_a_grid_level(tmp_path: Path) -> None:
    built = await build_engine(parse_config(SMALL_CONFIG, "c.yaml", {}), tmp_path / "rt.db")
    fills = []
    built.engine.bus.subscribe(OrderFilled, lambda e: fills.append(e.fill))
    await built.engine.run()
    await built.engine.close()
    last_buy_candle: dict[str, int] = {}
    checked = 0
    for fill in fills:
        slot = fill.tag[1:]
        candle = fill.ts // 60_000 if fill.ts % 60_000 else fill.ts // 60_000 - 1
        if fill.tag.startswith("b"):
            last_buy_candle[slot] = candle
        elif fill.tag.startswith("s") and slot in last_buy_candle:
            assert candle > last_buy_candle[slot], f"round trip in one candle on slot {slot}"
            checked += 1
    assert checked > 0
