"""`traderagent run --rehearse`: a Bybit config run against the local emulator, with faults.

The rehearsal starts an emulator on a free local port with throwaway keys, points the
config's Bybit section at it (`env: custom`, credentials `rehearsal`), keeps every other
setting (timeouts, retries, bots, risk) and runs the engine on a throwaway database while
the emulator replays candles and injects faults. A ccxt config with `exchange: bybit`
rehearses the same way, ccxt's own bybit driver sending every request and stream to the
emulator (`url`); no other ccxt exchange can, as the emulator speaks Bybit's wire only. At
the end the market stops, the client catches up, and the venue's orders and trades are
compared with what the bots journaled (`rehearsal_report`): that, and what was injected and
logged, is the summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from traderagent.config import AppConfig
from traderagent.domain import BotState, Fill, Order
from traderagent.engine.orchestrator import Engine
from traderagent.exchanges.bybit import BybitExchange
from traderagent.exchanges.bybit.config import BybitConfig
from traderagent.exchanges.ccxt.config import CcxtConfig
from traderagent.exchanges.emulator import Emulator, running_emulator
from traderagent.exchanges.emulator.faults import FaultSpec, parse_faults
from traderagent.marketdata import CandleSeries, MarketDataError, load_bundled, load_candles
from traderagent.rehearsal_report import (
    RehearsalReport,
    WarningTally,
    reconcile,
    unbooked_kinds,
    unknown_fate,
)
from traderagent.summary import render_summary
from traderagent.wiring.credentials import env_names
from traderagent.wiring.launch import LaunchError, open_engine

log = logging.getLogger("traderagent.rehearsal")
CREDENTIALS = "rehearsal"
DEFAULT_FAULTS = (
    "latency=5ms,http5xx=0.02,timeout=0.01,ratelimit=0.02,lost_response=0.01,ws_drop=0.005"
)
DEFAULT_SPEED = 60.0  # one 1m candle a second
DEFAULT_DURATION_S = 120.0
WARMUP_CANDLES = 120
SETTLE_S = 15.0  # how long the end of a rehearsal waits for the client to catch up


@dataclass(frozen=True, slots=True)
class RehearsalPlan:
    """What to rehearse and how hard: the venue's faults, market speed and wall duration."""

    faults: FaultSpec
    speed: float = DEFAULT_SPEED
    duration_s: float = DEFAULT_DURATION_S


def plan_for(config: AppConfig, faults: str | None, speed: float | None,
             duration_s: float | None) -> RehearsalPlan:  # fmt: skip
    """The plan for `config`; LaunchError (exit 2) for a config or fault spec it cannot take.
    A fault spec without `hold` holds lost answers 1 s past the config's client timeout."""
    venue = config.exchange
    if isinstance(venue, CcxtConfig) and venue.exchange != "bybit":
        raise LaunchError(
            f"--rehearse: the emulator speaks Bybit's V5 wire only, so a ccxt config rehearses "
            f"with exchange: bybit, not {venue.exchange!r}",
            2,
        )
    if not isinstance(venue, BybitConfig | CcxtConfig):
        raise LaunchError(
            "--rehearse needs a config with exchange.venue: bybit (or venue: ccxt with "
            "exchange: bybit)",
            2,
        )
    text = DEFAULT_FAULTS if faults is None else faults
    try:
        spec = parse_faults(text)
    except ValueError as err:
        raise LaunchError(f"--faults: {err}", 2) from None
    if "hold" not in text:
        spec = replace(spec, hold_s=venue.timeout_s + 1)
    return RehearsalPlan(spec, speed or DEFAULT_SPEED, duration_s or DEFAULT_DURATION_S)


def rehearsal_candles(config: AppConfig) -> CandleSeries:
    """The candles the emulator replays (`replay.data`); they must be the bots' symbol."""
    replay = config.replay
    try:
        series = (
            load_bundled()
            if replay.data == "bundled"
            else load_candles(replay.data, symbol=replay.symbol)
        )
    except MarketDataError as err:
        raise LaunchError(f"replay.data: {err}", 2) from None
    for index, bot in enumerate(config.bots):
        if bot.symbol != series.symbol:
            raise LaunchError(
                f"bots[{index}].symbol: the rehearsal replays {series.symbol} only "
                f"(replay.data), not {bot.symbol}",
                2,
            )
    return series


def pointed_at(config: AppConfig, emu: Emulator) -> AppConfig:
    """`config` with its venue on the emulator and the rehearsal's key pair: the Bybit
    section's hosts, or every ccxt request and stream (`url`; ccxt's rate limiter as the
    config has it, which keeps to the limits the emulator enforces as Bybit does)."""
    venue = config.exchange
    fields = venue.model_dump()
    if isinstance(venue, CcxtConfig):
        fields.update(url=emu.rest_url, sandbox=False, credentials=CREDENTIALS)
        return config.model_copy(update={"exchange": CcxtConfig.model_validate(fields)})
    assert isinstance(venue, BybitConfig)  # noqa: S101 - plan_for checked it
    fields.update(env="custom", region="global", url=emu.rest_url, ws_public_url=None,
                  ws_private_url=None, credentials=CREDENTIALS)  # fmt: skip
    return config.model_copy(update={"exchange": BybitConfig.model_validate(fields)})


@contextlib.contextmanager
def throwaway_keys(key: str, secret: str) -> Iterator[None]:
    """The rehearsal's key pair where credentials are looked up first, for the run only."""
    names = env_names(CREDENTIALS)
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(dict(zip(names, (key, secret), strict=True)))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


async def rehearse(config: AppConfig, plan: RehearsalPlan) -> RehearsalReport:
    """Run the rehearsal and return what it found (the engine's summary is printed)."""
    series = rehearsal_candles(config)
    key, secret = "rehearsal-" + secrets.token_hex(6), secrets.token_urlsafe(24)
    balances = {coin: Decimal(amount) for coin, amount in config.paper.balances.items()}
    tally = WarningTally().attached()
    try:
        async with running_emulator(
            series, speed=None, faults=plan.faults, balances=balances, api_key=key,
            api_secret=secret, warmup=min(WARMUP_CANDLES, len(series) - 1),
        ) as emu:  # fmt: skip
            via = (
                " (through ccxt's bybit driver)" if isinstance(config.exchange, CcxtConfig) else ""
            )
            print(f"Rehearsal: emulator at {emu.rest_url}{via}, faults "
                  f"{plan.faults.describe()}, {plan.speed:g}x for {plan.duration_s:g}s",
                  flush=True)  # fmt: skip
            with throwaway_keys(key, secret), tempfile.TemporaryDirectory() as tmp:
                ours, fills, states, unsure = await _run(
                    pointed_at(config, emu), emu, plan, Path(tmp)
                )
            venue_orders, executions = emu.orders(), emu.executions()
            faults = emu.core.injector.counts()
    finally:
        tally.detach()
    return RehearsalReport(
        faults=dict(faults),
        warnings=dict(tally.counts),
        venue_orders=len(venue_orders),
        venue_trades=sum(e.exec_type == "Trade" for e in executions),
        unbooked=dict(unbooked_kinds(executions)),
        findings=tuple(reconcile(venue_orders, executions, ours, fills, states, unsure)),
        unknown=unknown_fate(venue_orders, unsure),
    )


async def _run(config: AppConfig, emu: Emulator, plan: RehearsalPlan, tmp: Path
               ) -> tuple[list[Order], list[Fill], dict[str, BotState], set[str]]:  # fmt: skip
    built = await open_engine(config, tmp / "rehearsal.db")
    engine = built.engine
    run = asyncio.create_task(engine.run())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stepped = 0
    try:
        deadline = loop.time() + plan.duration_s
        pace = emu.core.replay.interval_ms / 1000 / plan.speed
        while not stop.is_set() and not run.done() and not emu.finished:
            if loop.time() >= deadline:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pace)
            stepped += await emu.step(1)
        # the market stands still now: let the client hear all that happened, then stop
        await _settle(engine, stepped)
        if not run.done():
            await _catch_up(engine, config)
        await engine.shutdown()
        summary = await run
        orders: list[Order] = []
        fills: list[Fill] = []
        for name in engine.bots:
            orders += await built.journal.orders_of(name)
            fills += await built.journal.fills_of(name)
        states = {name: bot.state for name, bot in engine.bots.items()}
        unsure = {cid for bot in engine.bots.values() for cid in bot.unsure.since}
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if not run.done():
            run.cancel()
        await engine.close()
    print(render_summary(summary), flush=True)
    return orders, fills, states, unsure


async def _catch_up(engine: Engine, config: AppConfig) -> None:
    """Wait for the private pushes sent so far (Bybit), or poll once more (ccxt); if that
    fails, say so (the comparison may then show changes still on their way)."""
    exchange = engine.exchange
    try:
        if isinstance(exchange, BybitExchange):
            await exchange.catch_up(SETTLE_S)
        elif isinstance(config.exchange, CcxtConfig):
            from traderagent.exchanges.ccxt.exchange import CcxtExchange  # noqa: PLC0415

            if isinstance(exchange, CcxtExchange):
                await asyncio.wait_for(exchange.catch_up(), SETTLE_S)
    except Exception as err:  # the comparison still runs: what differs is reported there
        log.warning("rehearsal: the client did not catch up before the comparison: %s", err)


async def _settle(engine: Engine, stepped: int) -> None:
    """Wait (bounded) until the engine has taken in the candles the market closed."""
    loop = asyncio.get_running_loop()
    until = loop.time() + SETTLE_S
    # the engine has no event for its candle count: poll it, bounded
    while engine.candles < stepped and loop.time() < until:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


def exit_code(report: RehearsalReport) -> int:
    return 0 if report.passed else 1
