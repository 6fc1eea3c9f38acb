"""A bot the operator stopped stays stopped across a restart, on SQLite and PostgreSQL: its
config says `autostart`, but the operator's decision is newer than the config, so the next
session leaves it STOPPED (saying why) and it trades nothing until the operator starts it. A
bot the operator started again autostarts as before."""

from __future__ import annotations

import asyncio

from crash_harness import CrashStore, crash_store

from traderagent.config import parse_config
from traderagent.domain import BotState
from traderagent.domain.events import LogRecord, OrderUpdated
from traderagent.engine.adoption import OPERATOR_STOP
from traderagent.engine.orchestrator import Engine
from traderagent.wiring.runtime import build_engine

__all__ = ["crash_store"]  # fixture

BOT = "grid-btc"
CONFIG = """\
mode: paper
replay:
  data: bundled
  speed: max
  start: "{start}"
  end: "{end}"
paper:
  balances: {{USDT: "5000"}}
bots:
  - name: grid-btc
    symbol: BTCUSDT
    autostart: {autostart}
    strategy:
      kind: grid
      lower: "19500"
      upper: "22500"
      levels: 31
      spacing: arithmetic
      amount_per_level: "100"
"""


def config(start: str, end: str, autostart: bool = True) -> str:
    return CONFIG.format(start=start, end=end, autostart=str(autostart).lower())


async def session(store: CrashStore, text: str) -> Engine:
    parsed = parse_config(store.config(text), "c.yaml", {})
    built = await build_engine(parsed, store.target if store.backend == "sqlite" else None)
    return built.engine


async def test_an_operator_stop_outlives_a_restart_until_the_operator_starts_the_bot(
    crash_store: CrashStore,
) -> None:
    first = await session(crash_store, config("2023-03-09T00:00:00Z", "2023-03-09T06:00:00Z"))
    stops: list[asyncio.Task[None]] = []

    def stop_once_trading(event: OrderUpdated) -> None:  # the operator stops it mid-run
        if not stops:
            stops.append(asyncio.get_running_loop().create_task(first.stop_bot(BOT)))

    first.bus.subscribe(OrderUpdated, stop_once_trading)
    await first.run()
    await stops[0]
    assert first.bots[BOT].orders_placed > 0
    assert (first.bots[BOT].state, first.bots[BOT].state_reason) == (
        BotState.STOPPED,
        OPERATOR_STOP,
    )
    await first.close()

    second = await session(crash_store, config("2023-03-09T06:00:00Z", "2023-03-09T12:00:00Z"))
    logged: list[LogRecord] = []
    second.bus.subscribe(LogRecord, logged.append)
    await second.run()
    bot = second.bots[BOT]
    assert bot.state is BotState.STOPPED  # autostart: true, and still not started
    assert bot.state_reason == f"{OPERATOR_STOP} before the restart"
    assert bot.orders_placed == 0
    assert any(
        r.bot == BOT and r.level == "warning" and "not started" in r.message for r in logged
    ), [r.message for r in logged]
    await second.close()

    # the operator starts it by hand (a session that does not autostart it): it trades, and
    # the session after that autostarts it again
    third = await session(
        crash_store, config("2023-03-09T12:00:00Z", "2023-03-09T18:00:00Z", autostart=False)
    )
    await third.start_bot(BOT)
    await third.run()
    assert third.bots[BOT].orders_placed > 0
    await third.close()

    fourth = await session(crash_store, config("2023-03-09T18:00:00Z", "2023-03-10T00:00:00Z"))
    await fourth.run()
    assert fourth.bots[BOT].state is BotState.FINISHED  # started, ran to the end of the data
    await fourth.close()


async def test_a_bot_stopped_by_a_shutdown_starts_again(crash_store: CrashStore) -> None:
    first = await session(crash_store, config("2023-03-09T00:00:00Z", "2023-03-09T06:00:00Z"))
    shutdowns: list[asyncio.Task[None]] = []

    def shut_down_once_trading(event: OrderUpdated) -> None:
        if not shutdowns:
            shutdowns.append(
                asyncio.get_running_loop().create_task(first.shutdown(cancel_orders=True))
            )

    first.bus.subscribe(OrderUpdated, shut_down_once_trading)
    await first.run()
    await shutdowns[0]
    assert first.bots[BOT].state is BotState.STOPPED
    await first.close()

    second = await session(crash_store, config("2023-03-09T06:00:00Z", "2023-03-09T12:00:00Z"))
    await second.run()
    assert second.bots[BOT].state is BotState.FINISHED
    assert second.bots[BOT].orders_placed > 0
    await second.close()
