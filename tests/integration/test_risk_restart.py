"""The account's protections survive a restart, on SQLite and PostgreSQL: a session stopped
and started again (the replay continuing), a SIGKILLed or SIGTERMed daemon, keeps the equity
peak its drawdown is measured from, the UTC day's starting equity, the PnL baseline, and
every halt (with its reason) until the operator acknowledges it.

The account holds BTC besides USDT, so its equity moves with the market even while the bot
trades nothing: a run cut in two must then end with exactly the figures of the same run in
one piece."""

from __future__ import annotations

import asyncio
import signal
from decimal import Decimal
from pathlib import Path

import pytest
from crash_harness import CrashStore, child_env, crash_store, headless, rows
from kit.factories import write_config
from sqlalchemy import func, select

from storage import SqlJournal
from storage.jsontext import load_payload
from storage.models import EquityPointRow, RiskStateRow
from traderagent.config import parse_config
from traderagent.domain import BotState
from traderagent.domain.events import OrderUpdated
from traderagent.engine.orchestrator import Engine
from traderagent.marketdata import load_bundled
from traderagent.summary import money
from traderagent.wiring.runtime import StartupError, build_engine

__all__ = ["crash_store"]  # fixture

BOT = "grid-btc"
START = "2023-03-09T00:00:00Z"
START_MS = 1_678_320_000_000
EVENING = "2023-03-09T19:00:00Z"  # the day's peak was at 14:19, equity is 1.9 % below it
LATE = "2023-03-09T23:00:00Z"  # the same UTC day, 3.5 % below the peak
HOUR_MS = 3_600_000
ACCOUNT = """\
mode: paper
replay:
  data: bundled
  speed: {speed}
  start: "{start}"
  end: "{end}"
paper:
  balances: {{USDT: "5000", BTC: "0.25"}}
equity_interval_minutes: 60
risk:
  max_drawdown_pct: "{drawdown}"
  max_daily_loss: "100000"
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


def account(end: str, *, speed: str = "max", drawdown: str = "50", autostart: bool = False) -> str:
    return ACCOUNT.format(
        speed=speed, start=START, end=end, drawdown=drawdown, autostart=str(autostart).lower()
    )


async def session(store: CrashStore, text: str, *, run: bool = True) -> Engine:
    """One session of the program on the store's database: built (the last session's state
    restored), run to the end of its data, left open for the test to read and command."""
    config = parse_config(store.config(text), "c.yaml", {})
    built = await build_engine(config, store.target if store.backend == "sqlite" else None)
    if run:
        await built.engine.run()
    return built.engine


def risk_figures(engine: Engine) -> tuple[object, ...]:
    watch = engine.equity_watch
    assert watch is not None
    snap = engine.snapshot()
    return (
        engine.starting_equity,
        watch.peak,
        watch.day,
        watch.day_start,
        snap.pnl,
        snap.day_pnl,
        snap.drawdown_pct,
    )


async def stored_risk(store: CrashStore) -> dict[str, object]:
    [found] = await rows(store, select(RiskStateRow.payload).where(RiskStateRow.account == "paper"))
    assert len(found) == 1, "no risk state was stored"
    return load_payload(found[0][0])


async def stored_halt(store: CrashStore) -> dict[str, object]:
    """The one halt the stored risk state records."""
    halts = (await stored_risk(store))["halts"]
    assert isinstance(halts, list) and len(halts) == 1
    halt = halts[0]
    assert isinstance(halt, dict)
    return halt


async def test_a_restart_keeps_the_peak_the_day_start_and_the_pnl_baseline(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    whole = await session(CrashStore("sqlite", str(tmp_path / "whole.db")), account(LATE))
    expected = risk_figures(whole)
    await whole.close()

    first = await session(crash_store, account(EVENING))
    before = risk_figures(first)
    first_peak, first_day_start = before[1], before[3]
    assert first_peak == expected[1]  # the peak of the whole run falls before the restart
    assert isinstance(before[6], Decimal) and before[6] > 1  # and it is well off its peak
    await first.close()

    second = await session(crash_store, account(LATE), run=False)
    watch = second.equity_watch
    assert watch is not None
    restored = (second.starting_equity, watch.peak, watch.day_start)  # before the first candle
    summary = await second.run()
    after = risk_figures(second)
    await second.close()

    assert second.candles == 4 * 60  # it continued from 19:00, it did not start over
    assert after == expected  # PnL, the day's PnL and the drawdown as if never restarted
    drawdown = after[6]
    assert isinstance(drawdown, Decimal) and drawdown > 3  # measured from the first session's peak
    assert summary.starting_equity == expected[0] and summary.drawdown_pct == drawdown
    assert summary.since_ms < summary.started_ms  # the PnL counts from the first session
    assert restored == (before[0], first_peak, first_day_start)


async def test_the_consoles_header_continues_the_pnl_across_a_restart(
    crash_store: CrashStore,
) -> None:
    """The header reads the restored baseline: after a restart its PnL goes on from the first
    session's start, and before the first candle it says the equity is not known yet (never
    PnL -100 % from an unread balance, nor a drawdown from an asset not yet priced)."""
    from tui.render import header_text, signed_money

    first = await session(crash_store, account(EVENING))
    start, first_pnl = first.starting_equity, first.snapshot().pnl
    assert first_pnl != 0
    await first.close()

    second = await session(crash_store, account(LATE), run=False)
    waiting = second.snapshot()
    shown = header_text(waiting, "T", 160).plain
    assert not waiting.equity_valued
    assert "waiting for prices" in shown and "PnL -" not in shown and "DD" not in shown
    await second.run()
    snap = second.snapshot()
    await second.close()
    assert snap.equity_valued and snap.starting_equity == start
    shown = header_text(snap, "T", 160).plain
    assert f"PnL {signed_money(snap.equity - start).plain}" in shown
    assert snap.pnl != 0  # counted from the first session, not restarted at 0


async def test_a_drawdown_halt_outlives_a_restart_with_its_reason(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    first = await session(
        crash_store, account("2023-03-09T20:00:00Z", drawdown="1", autostart=True)
    )
    bot = first.bots[BOT]
    assert bot.state is BotState.EMERGENCY
    reason = bot.state_reason
    assert "(max_drawdown_pct)" in reason
    await first.close()

    second = await session(
        crash_store, account("2023-03-10T00:00:00Z", drawdown="1", autostart=True)
    )
    bot = second.bots[BOT]
    assert bot.state is BotState.EMERGENCY
    assert bot.state_reason == reason  # the same halt, not a new one
    assert bot.orders_placed == 0 and bot.orders == {}
    summary = second.snapshot()
    assert summary.drawdown_pct is not None and summary.drawdown_pct > 1
    await second.close()
    halt = await stored_halt(crash_store)
    assert (halt["bot"], halt["reason"], halt["acknowledged_ms"]) == (BOT, reason, None)


async def test_a_halt_holds_its_bot_across_restarts_until_it_is_acknowledged(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    first = await session(crash_store, account("2023-03-09T06:00:00Z"), run=False)
    await first.start_bot(BOT)  # a bot the operator started by hand (autostart off)
    reason = "operator: the exchange announced maintenance"
    halts: list[asyncio.Task[None]] = []

    def halt_once_trading(event: OrderUpdated) -> None:  # while the replay runs: after its
        if not halts:  # end the bots are FINISHED, and a finished bot is not halted
            halts.append(asyncio.get_running_loop().create_task(first.halt(BOT, reason)))

    first.bus.subscribe(OrderUpdated, halt_once_trading)
    await first.run()
    await halts[0]  # it ran between two candles (it waits for the engine's lock)
    assert first.bots[BOT].orders_placed > 0
    assert first.bots[BOT].state is BotState.EMERGENCY  # a halted bot stays halted at the end
    await first.close()

    second = await session(crash_store, account("2023-03-09T12:00:00Z"))
    bot = second.bots[BOT]
    assert (bot.state, bot.state_reason) == (BotState.EMERGENCY, reason)
    assert bot.orders_placed == 0
    await second.acknowledge(BOT)
    ack_ms = second.clock.now_ms()
    await second.close()

    third = await session(crash_store, account("2023-03-09T18:00:00Z"))
    assert third.bots[BOT].state is BotState.STOPPED  # acknowledged: no longer held
    await third.close()
    halt = await stored_halt(crash_store)
    assert (halt["reason"], halt["acknowledged_ms"]) == (reason, ack_ms)


def equities(hours: int) -> list[Decimal]:
    """The account's value at each close of the replay's first `hours` (it trades nothing)."""
    series = load_bundled()
    start = int(series.ts.searchsorted(START_MS))
    assert int(series.ts[start]) == START_MS
    closes = series.close[start : start + hours * 60]
    return [Decimal(5000) + Decimal("0.25") * Decimal(repr(float(c))) for c in closes]


def first_equity() -> Decimal:
    """The account's value at the close of the replay's first candle (its PnL baseline)."""
    return equities(1)[0]


async def equity_hours(store: CrashStore) -> int:
    """How many hours of the replay the daemon has stored equity points for."""
    [found] = await rows(store, select(func.max(EquityPointRow.ts)))
    latest = found[0][0]
    return 0 if latest is None else (latest - START_MS) // HOUR_MS


async def stop_midway(store: CrashStore, config: Path, env: dict[str, str], how: int) -> None:
    """A daemon on the replay, sent `how` once it is 16 hours in (past the day's peak)."""
    child = await asyncio.create_subprocess_exec(
        *headless(config, store),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        banner = await asyncio.wait_for(child.stdout.readline(), 60)
        assert b"TraderAgent PAPER" in banner  # the schema is there: its tables can be read
        async with asyncio.timeout(120):  # generous: the machine is shared
            hours = 0
            while hours < 16:
                await asyncio.sleep(0.1)  # polling another process's database
                hours = await equity_hours(store)
    finally:
        child.send_signal(how)
        _, err = await child.communicate()
    assert child.returncode in (0, -signal.SIGKILL), err.decode()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
async def test_a_killed_or_stopped_daemon_carries_on_with_the_same_baseline_and_peak(
    tmp_path: Path, crash_store: CrashStore, how: int
) -> None:
    env = child_env(tmp_path)
    paced = write_config(tmp_path, crash_store.config(account(LATE, speed="20000")), "a.yaml")
    await stop_midway(crash_store, paced, env, how)
    [kept] = await rows(crash_store, select(RiskStateRow.payload))  # read before it changes

    config = write_config(tmp_path, crash_store.config(account(LATE)), "b.yaml")
    child = await asyncio.create_subprocess_exec(
        *headless(config, crash_store),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == 0, (out + err).decode()
    text = out.decode()
    equity = next(line for line in text.splitlines() if line.strip().startswith("equity "))
    assert equity.split()[1] == money(first_equity())  # the PnL counts from the first start
    assert equity.endswith("since 2023-03-09 00:00 UTC")
    drawdown = next(line for line in text.splitlines() if line.strip().startswith("drawdown "))
    path = equities(23)
    measured = (max(path) - path[-1]) / max(path) * 100
    assert drawdown.split()[1] == f"{measured:.2f}"  # 3.51 %, not measured from 16:00 on

    assert len(kept) == 1  # what the stopped daemon had stored: the day's peak, at 14:19
    stored = load_payload(kept[0][0])
    assert Decimal(str(stored["peak"])) == max(path)
    assert Decimal(str(stored["starting_equity"])) == first_equity()
    after = await stored_risk(crash_store)
    assert after["peak"] == stored["peak"] and after["since_ms"] == START_MS


async def test_an_unreadable_risk_state_stops_the_start_instead_of_lifting_the_limits(
    tmp_path: Path,
) -> None:
    db = tmp_path / "bad.db"
    journal = await SqlJournal.open(db)
    await journal.save_risk_state("paper", {"peak": "lots", "day_start": "0"}, 0)
    await journal.close()
    config = parse_config(account(LATE), "c.yaml", {})
    with pytest.raises(StartupError) as raised:
        await build_engine(config, db)
    assert str(raised.value) == (
        "database: the stored risk state of account 'paper': peak is not a number: 'lots'"
        " (delete its row in account_risk_state to start the account's limits afresh)"
    )
