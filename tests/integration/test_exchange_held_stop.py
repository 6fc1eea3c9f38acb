"""A trend position's stop is held on the exchange: on Bybit's linear perpetuals (here the
emulator, through the real Bybit client in a `run --headless` child) it rests as a reduce-only
conditional order, so a bot that was SIGKILLed still has its stop. The test holds a long,
kills the bot and restarts it (the stop is adopted, not placed twice), kills it again, moves
the market through the stop with no bot running (the exchange closes the position at the
stop), and restarts it: the bot records the exchange's fill once, knows it is flat, and
leaves nothing resting."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import numpy as np
from crash_harness import CrashStore, child_env, headless, read_journal
from kit.factories import write_config

from traderagent.exchanges.emulator import Emulator, OrderRecord, running_emulator
from traderagent.marketdata import CandleSeries

BOT = "trend-emu"
WARM = 40
"""Rising candles the emulator serves as history (the strategy warms up on them)."""
HOLD = 30
"""Flat candles after the entry: the long is held, its stop rests."""
CONFIG = """\
mode: live
exchange:
  venue: bybit
  env: custom
  url: ${TRADERAGENT_EMULATOR_URL}
  category: linear
  credentials: emulator
  timeout_s: 5
bots:
  - name: trend-emu
    symbol: BTCUSDT
    strategy: {kind: trend, interval: 1m, fast_ema: 3, slow_ema: 6, breakout_bars: 3,
               atr_period: 3, trailing_atr: null, max_notional: "2000"}
"""
TOKEN = "held-stop-metrics-token"  # noqa: S105 - the children's API token, a test's
WITHIN_S = 180.0
"""Bound for each wait: a loaded machine is slow to start a child."""


def market(
    start: float = 20000.0, step: float = 10.0, then: float = 19000.0, hold: int = HOLD
) -> CandleSeries:
    """A rise (the warm-up, then a breakout the trend buys), a flat stretch (the long is held)
    and a fall to 19 000 (through any stop the long can have); with a negative `step` and a
    `then` above, the mirror a short trades."""
    closes = [start + step * i for i in range(WARM + 2)]
    closes += [closes[-1]] * hold + [then] * 10
    c = np.array(closes)
    o = np.concatenate([[c[0]], c[:-1]])
    ts = np.arange(len(c), dtype=np.int64) * 60_000 + 1_677_628_800_000
    return CandleSeries(
        "BTCUSDT", 60_000, ts, o, np.maximum(o, c) + 5, np.minimum(o, c) - 5, c, np.ones(len(c))
    )


def stops(emu: Emulator) -> list[OrderRecord]:
    return [o for o in emu.orders() if o.order_link_id.startswith(BOT) and o.trigger_price]


def resting(emu: Emulator) -> list[OrderRecord]:
    return [o for o in emu.orders() if o.order_link_id.startswith(BOT) and o.is_open]


def position_size(emu: Emulator) -> Decimal:
    return emu.core.ledger.linear.position("BTCUSDT").size


async def until(condition: Callable[[], object], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WITHIN_S
    while not condition():
        assert loop.time() < deadline, f"{what} did not happen within {WITHIN_S} s"
        await asyncio.sleep(0.1)


class Session:
    """One `run --headless` child: started, its API found, then killed or stopped."""

    def __init__(self, child: asyncio.subprocess.Process, url: str, seen: list[str]) -> None:
        self.child, self.url, self.seen = child, url, seen

    @classmethod
    async def start(cls, command: list[str], env: dict[str, str]) -> Session:
        child = await asyncio.create_subprocess_exec(
            *command,
            env={**env, "TRADERAGENT_API_TOKEN": TOKEN},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert child.stdout is not None
        seen: list[str] = []
        while not (found := re.search(r"API listening on (\S+)", "".join(seen))):
            line = await asyncio.wait_for(child.stdout.readline(), WITHIN_S)
            assert line, "".join(seen)  # it ended before its API was up
            seen.append(line.decode())
        return cls(child, found[1], seen)

    async def metric(self, name: str) -> float | None:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(
                f"{self.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
            )
        answer.raise_for_status()
        for line in answer.text.splitlines():
            if line.startswith(name) and f'bot="{BOT}"' in line:
                return float(line.rsplit(" ", 1)[1])
        return None

    async def running(self, emu: Emulator) -> None:
        """Step the market (a candle at a time) until the bot runs its strategy."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WITHIN_S
        while await self.metric('traderagent_bot_state{bot="trend-emu",state="RUNNING"}') != 1:
            assert loop.time() < deadline, "".join(self.seen)
            await emu.step(1)
            await asyncio.sleep(0.5)

    async def kill(self) -> str:
        self.child.send_signal(signal.SIGKILL)
        return await self._ended(-signal.SIGKILL)

    async def stop(self) -> str:
        self.child.send_signal(signal.SIGTERM)
        return await self._ended(0)

    async def _ended(self, code: int) -> str:
        out, _ = await asyncio.wait_for(self.child.communicate(), 60)
        text = "".join(self.seen) + out.decode()
        assert self.child.returncode == code, text
        assert "Traceback" not in text, text
        return text


async def test_a_killed_bots_stop_is_held_and_filled_by_the_exchange(tmp_path: Path) -> None:
    config = write_config(tmp_path, CONFIG)
    store = CrashStore("sqlite", str(tmp_path / "held.db"))
    async with running_emulator(market(), warmup=WARM) as emu:
        env = child_env(
            tmp_path,
            TRADERAGENT_EMULATOR_URL=emu.rest_url,
            TRADERAGENT_EMULATOR_API_KEY=emu.api_key,
            TRADERAGENT_EMULATOR_API_SECRET=emu.api_secret,
        )
        command = headless(config, store)
        # 1. the bot buys the breakout and rests its stop on the exchange: then it is killed
        first = await Session.start(command, env)
        await first.running(emu)
        while not (position_size(emu) and [s for s in stops(emu) if s.is_open]):
            assert await emu.step(1), "the market ended before the bot held a long"
            await asyncio.sleep(0.5)
        (stop,) = [s for s in stops(emu) if s.is_open]
        assert stop.status == "Untriggered" and stop.reduce_only and stop.side.value == "Sell"
        held = position_size(emu)
        await first.kill()
        # 2. restarted with the long still open: it adopts the exchange's stop, places none
        second = await Session.start(command, env)
        await second.running(emu)
        for _ in range(3):  # a few candles with the bot back: still that one stop
            await emu.step(1)
            await asyncio.sleep(0.5)
        assert [s.order_link_id for s in stops(emu) if s.is_open] == [stop.order_link_id]
        assert len(stops(emu)) == len({s.order_link_id for s in stops(emu)})
        await second.kill()
        # 3. no bot running: the market falls through the stop; the exchange closes the long
        before = len(emu.orders())
        while position_size(emu):
            assert await emu.step(1), "the market ended with the long still open"
        filled = next(o for o in emu.orders() if o.order_link_id == stop.order_link_id)
        assert filled.status == "Filled" and filled.cum_exec_qty == held
        (execution,) = [e for e in emu.executions() if e.order_link_id == stop.order_link_id]
        assert execution.exec_price == stop.trigger_price  # at the stop, not at the low
        assert len(emu.orders()) == before  # nothing of the bot's did it
        # 4. restarted: it records the exchange's fill once, is flat, leaves nothing resting
        third = await Session.start(command, env)
        await third.running(emu)
        await until(lambda: not resting(emu), "the leftover take profit cancelled")
        await third.stop()
        placed = [o.order_link_id for o in emu.orders()[before:]]
    assert placed == []  # the third session placed nothing: no second stop, no re-entry
    journal = await read_journal(store, BOT)
    assert journal.position == 0
    assert journal.fill_ids.count(execution.exec_id) == 1  # the exchange's fill, once
    assert journal.filled[stop.order_link_id] == held
    print(
        f"long {held} BTCUSDT; stop {stop.order_link_id} held on the exchange at "
        f"{stop.trigger_price}, adopted after a SIGKILL; filled by the exchange at "
        f"{execution.exec_price} with no bot running; journalled once after the restart"
    )
