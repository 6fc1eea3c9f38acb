"""The engine shorts on Bybit's linear perpetuals (the emulator, through the real Bybit client
in a `run --headless` child): the trend follower with `sides: short` sells the breakdown
(an opening sell, not reduce-only), the venue holds a short at the configured leverage, the
bot's own position is the venue's to the last digit and signed (its liquidation price the
venue's), its stop rests above as a
reduce-only buy stop held on the exchange, and when the market rallies through it the
exchange buys the short back: the bot is flat and the closed trade is a short."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import httpx
from crash_harness import CrashStore, child_env, headless, read_journal
from kit.factories import write_config
from test_exchange_held_stop import (
    BOT,
    TOKEN,
    WARM,
    Session,
    market,
    position_size,
    resting,
    stops,
    until,
)
from test_exchange_held_stop import CONFIG as HELD_CONFIG

from traderagent.commands.trades import read_ledger
from traderagent.exchanges.emulator import Emulator, running_emulator

TICK = Decimal("0.1")  # BTCUSDT linear tick: Bybit quotes liqPrice on it
CONFIG = HELD_CONFIG.replace("timeout_s: 5\n", "timeout_s: 5\n  leverage: 3\n").replace(
    "{kind: trend,", "{kind: trend, sides: short,"
)


async def bot_holds(session: Session, qty: Decimal) -> Decimal | None:
    """Wait (bounded) until the bot's position, as its API shows it, is `qty` (and, when not
    flat, has a liquidation price): that liquidation price."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            answer = await client.get(
                f"{session.url}/api/v1/positions", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            answer.raise_for_status()
            seen = [p for p in answer.json() if p["bot"] == BOT]
            if [Decimal(str(p["qty"])) for p in seen] == [qty] and (
                not qty or seen[0]["liquidation_price"] is not None
            ):
                liquidation = seen[0]["liquidation_price"]
                return None if liquidation is None else Decimal(str(liquidation))
            assert loop.time() < deadline, (seen, qty)
            await asyncio.sleep(0.2)


def side_of(emu: Emulator) -> str:
    side = emu.core.ledger.linear.position("BTCUSDT").side
    return side.value if side is not None else ""


async def test_the_engine_holds_a_short_on_bybit_linear_and_the_exchange_stops_it(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, CONFIG)
    store = CrashStore("sqlite", str(tmp_path / "short.db"))
    # a fall (the warm-up, then a breakdown the trend sells), a flat stretch (the short is
    # held) and a rally to 23 000 (through any stop the short can have)
    series = market(start=22000.0, step=-10.0, then=23000.0, hold=20)
    async with running_emulator(series, warmup=WARM) as emu:
        env = child_env(
            tmp_path,
            TRADERAGENT_EMULATOR_URL=emu.rest_url,
            TRADERAGENT_EMULATOR_API_KEY=emu.api_key,
            TRADERAGENT_EMULATOR_API_SECRET=emu.api_secret,
        )
        session = await Session.start(headless(config, store), env)
        await session.running(emu)
        while not (position_size(emu) and [s for s in stops(emu) if s.is_open]):
            assert await emu.step(1), "the market ended before the bot held a short"
            await asyncio.sleep(0.5)
        assert side_of(emu) == "Sell"
        assert emu.core.ledger.linear.position("BTCUSDT").leverage == Decimal(3)
        (stop,) = [s for s in stops(emu) if s.is_open]
        assert stop.side.value == "Buy" and stop.reduce_only and stop.status == "Untriggered"
        entry = next(o for o in emu.orders() if o.order_link_id.startswith(BOT))
        assert entry.side.value == "Sell" and not entry.reduce_only  # it opened the short
        held = position_size(emu)
        venue_liq = emu.core.ledger.linear.liquidation_price("BTCUSDT")
        shown = await bot_holds(session, -held)  # signed, to the last digit
        # the liquidation price is the venue's (`liqPrice`, on the tick), above the stop
        assert venue_liq is not None and shown is not None and abs(shown - venue_liq) < TICK
        assert shown > stop.trigger_price
        # the rally: the exchange buys the short back at the stop
        while position_size(emu):
            assert await emu.step(1), "the market ended with the short still open"
            await asyncio.sleep(0.2)
        await until(lambda: not resting(emu), "the leftover take profit cancelled")
        assert await bot_holds(session, Decimal(0)) is None
        await session.stop()
    journal = await read_journal(store, BOT)
    assert journal.position == 0
    assert journal.filled[stop.order_link_id] == held
    ledger = await read_ledger(store.target, BOT)  # what `traderagent trades` reads
    (trade,) = ledger.trades
    assert trade.side == "short" and trade.qty == held and trade.exit == stop.trigger_price
    assert trade.pnl < 0 and not ledger.open_qty and not ledger.unmatched_qty
    print(f"short {held} BTCUSDT at 3x; stop held at {stop.trigger_price}; trade {trade}")
