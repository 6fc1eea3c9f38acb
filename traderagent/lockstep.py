"""Lockstep: the real engine on the Bybit emulator over the wire, with a backtest's fills.

A backtest steps a candle, and its paper venue walks the candle's path point by point (open,
extreme, extreme, close: `paper.matching`), pausing after each fill: the engine routes that fill
to its bot there, and a cancel the bot decides (a trend's take profit once its stop filled, a
DCA's take profit once a safety order filled) applies from that point of the path on; an order
the bot adds rests only after the candle. The emulator's linear category is the same
`LinearBook` on the same `CandleMatcher` (one rule everywhere), so what is left to line up is
time: on a live venue the candle closes at the exchange while the engine is elsewhere, and a
fill reaches the bot over the private stream later, after the rest of the candle has filled.

`run_in_lockstep` closes that gap. It serves the config's replay window from an emulator that
stands still (`speed=None`), connects `BybitLinearExchange` to it (REST and WS, as `run` does),
assembles the engine on it as the backtest assembles its own (same bots, same warm-up history,
a memory journal) and feeds the engine the candles itself. Before handing the engine a candle it

1. moves the engine's clock to the candle's close (what a backtest's bots see when they react
   to the candle's fills),
2. waits until the engine is quiescent (`settle`): every push the emulator made has reached the
   client (a ping round trip on the private stream, `BybitExchange.catch_up`), no update is
   waiting to be routed, and the engine's lock is free (no bot acting, hence no create or
   cancel in flight: the bots send orders only under it). Reactions make pushes, so it repeats
   until a round brings no new push (`PrivateFeed.published`);
3. closes the candle at the emulator with `Emulator.walk_step`, which waits for quiescence after
   each fill, so the bot's cancels reach the book before the path goes on, as in a backtest;
4. waits for quiescence once more and yields the candle: the engine's step lets the bots decide
   on it, their orders going to the emulator over REST.

The first candle of the window is the emulator's warm-up step (closed before it serves): the
backtest walks it with an empty book too. The engine reads balances inline after every batch of
updates (as on a simulated venue), so each decision sees the balances a backtest's would. Every
wait is bounded (`bound_s`, generous: the machine may be busy); a stall raises LockstepStalled.

Reduce-only orders go over the wire with `reduceOnly`, and both venues apply the shared linear
book's rule to them: capped at the position on entry, cancelled when they would no longer
reduce at their fill (Bybit cancels them as the position closes: no fill differs). Without the
pauses (`mid_candle=False`, a live venue's timing) that rule is what keeps a trend's take
profit from opening a position once its stop closed the short within one candle; a safety
order a DCA cancels at its take profit is not reduce-only, and fills (the lockstep test).

What the emulator cannot mirror fails closed (LockstepError): instruments whose tick or lot
differ from the backtest's, cross margin, another maintenance margin rate, mark price files,
a long-only venue. The venue's spread is zero, as on the paper venue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

from traderagent.backtest.inputs import backtest_config, load_series, replay_window
from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.clock import ReplayClock
from traderagent.config import AppConfig
from traderagent.domain import Candle, Fill, FundingFee, TradingMode
from traderagent.engine.orchestrator import Engine
from traderagent.exchanges.bybit import ApiCredentials, BybitConfig, BybitLinearExchange
from traderagent.exchanges.emulator import Emulator, running_emulator
from traderagent.exchanges.emulator.records import ExecutionRecord, OrderRecord
from traderagent.exchanges.paper.linear import DEFAULT_MMR
from traderagent.facade import RunSummary
from traderagent.marketdata import CandleSeries
from traderagent.wiring.linear_data import funding_rates
from traderagent.wiring.runtime import assemble_engine
from traderagent.wiring.venues import Venue, first_close, paper_fee_reserve, paper_instruments

BOUND_S = 60.0
"""How long one wait for the engine may take before the run is called stalled."""


class LockstepError(Exception):
    """The config asks for something the emulator cannot mirror, or the two clocks parted."""


class LockstepStalled(LockstepError):
    """The engine did not become quiescent within the bound."""


@dataclass(frozen=True, slots=True)
class LockstepResult:
    summary: RunSummary
    fills: list[Fill]
    """The fills the engine journalled, in the order it heard them."""
    funding: list[FundingFee]
    """The funding shares the engine booked to its bots."""
    executions: list[ExecutionRecord]
    """The emulator's own executions (trades and funding), oldest first."""
    orders: list[OrderRecord]
    """Every order the emulator accepted, in its final state."""


def mirrorable(config: AppConfig) -> None:
    """LockstepError naming what of `config`'s paper venue the emulator cannot reproduce."""
    paper = config.paper
    linear = paper.linear
    problems = []
    if paper.category != "linear":
        problems.append("paper.category must be linear")
    if linear.margin_mode != "isolated":
        problems.append("the emulator's margin is isolated")
    rates = {linear.maintenance_margin_rate, *linear.mmr_by_symbol.values()}
    if rates != {DEFAULT_MMR}:
        problems.append(f"the emulator's maintenance margin rate is {DEFAULT_MMR}")
    if linear.mark:
        problems.append("the emulator has no mark price files (paper.linear.mark)")
    if linear.long_only:
        problems.append("a long-only paper venue makes every sell reduce-only: Bybit does not")
    if problems:
        raise LockstepError("cannot run in lockstep: " + "; ".join(problems))


class Lockstep:
    """Feeds the engine candles in step with the emulator's replay (see the module)."""

    def __init__(
        self, emu: Emulator, exchange: BybitLinearExchange, candles: CandleSeries, bound_s: float
    ) -> None:
        self.mid_candle = True
        """Wait for the engine after each fill (False: only between candles, as a live venue
        gives no pause: the whole candle fills before the engine hears of it)."""
        self.emu = emu
        self.exchange = exchange
        self.candles = candles
        self.bound_s = bound_s
        self.engine: Engine | None = None
        self.settles = 0
        """Quiescence waits done (one per candle at least, one more per fill)."""
        self.heard = -1
        """The emulator's push count when the client last caught up with it."""

    async def feed(self) -> AsyncIterator[Candle]:
        """The window's candles, each closed at the emulator (fills reacted to) first."""
        engine = self.engine
        if engine is None:
            raise LockstepError("the engine is not attached")
        for index in range(len(self.candles)):
            candle = self.candles.candle(index)
            if index:  # the first is the emulator's warm-up step, closed already
                await engine.clock.advance_to(candle.close_time)
                await self.settle()
                paused = self.settle if self.mid_candle else _no_pause
                if not await self.emu.walk_step(paused):
                    raise LockstepError(f"the emulator's replay ended before {candle.ts}")
            if self.emu.now_ms() != candle.close_time:
                raise LockstepError(
                    f"the emulator is at {self.emu.now_ms()}, the candle closes at "
                    f"{candle.close_time}"
                )
            await self.settle()
            yield candle
        await self.settle()

    async def settle(self) -> None:
        """Return once the engine has heard every push and acted on it (see the module);
        LockstepStalled if that takes longer than `bound_s`."""
        engine = self.engine
        assert engine is not None  # noqa: S101 - `feed` checked it
        self.settles += 1
        try:
            async with asyncio.timeout(self.bound_s):
                await self._quiesce(engine)
        except TimeoutError:
            raise LockstepStalled(
                f"the engine was not quiescent after {self.bound_s} s (market time "
                f"{self.emu.now_ms()})"
            ) from None

    async def _quiesce(self, engine: Engine) -> None:
        feed = self.emu.core.feed
        while True:
            if feed.published != self.heard:  # else nothing can be on its way to the client
                self.heard = feed.published
                await self.exchange.catch_up(self.bound_s)
            while True:  # the pump routes what was heard; a bot acts under the lock
                async with engine.lock:
                    if not engine.has_pending_updates:
                        break
                await asyncio.sleep(0)  # the pump's turn: it wakes, then waits for the lock
            if feed.published == self.heard:  # the reactions pushed nothing more
                return


async def _no_pause() -> None:
    return None


async def run_in_lockstep(
    config: AppConfig, *, bound_s: float = BOUND_S, mid_candle: bool = True
) -> LockstepResult:
    """Run `config`'s bots (a paper config, as `traderagent backtest` takes it) with the real
    engine on the emulator over the wire, in lockstep (see the module); `mid_candle=False`
    waits for the engine only between candles (what a live venue's timing gives)."""
    mirrorable(config)
    run_config = backtest_config(config)
    series, label = load_series(run_config.replay.data, run_config.replay.symbol)
    window = replay_window(run_config, series, label)
    candles = window.candles
    paper, linear = run_config.paper, run_config.paper.linear
    rates = funding_rates(run_config)
    async with running_emulator(
        candles,
        balances=paper.balances,
        warmup=1,
        spread_bps=0.0,
        fill_model=paper.fill_model,
        linear_maker_fee=linear.maker_fee,
        linear_taker_fee=linear.taker_fee,
        funding_rate=Decimal(0),
        funding_rates=rates,
    ) as emu:
        settings = BybitConfig(
            env="custom", url=emu.rest_url, category="linear", credentials="lockstep"
        )
        exchange = BybitLinearExchange(settings, ApiCredentials(emu.api_key, emu.api_secret))
        await exchange.connect()
        try:
            venue, stepper = await _venue(run_config, emu, exchange, window.history, candles)
            stepper.bound_s, stepper.mid_candle = bound_s, mid_candle
            journal = MemoryJournal(clock_ms=venue.clock.now_ms)
            engine = await assemble_engine(run_config, venue, journal, "memory")
            engine.use_config(run_config)
            engine.balance_sync.inline = True  # every decision on the balances of its moment
            stepper.engine = engine
            summary = await engine.run()
        finally:
            await exchange.close()
        return LockstepResult(
            summary, list(journal.fills), list(journal.funding), emu.executions(), emu.orders()
        )


async def _venue(
    config: AppConfig,
    emu: Emulator,
    exchange: BybitLinearExchange,
    history: CandleSeries,
    candles: CandleSeries,
) -> tuple[Venue, Lockstep]:
    """The engine's venue: the exchange with its instruments (checked against the backtest's)
    and leverage set, the lockstep feed, a replay clock."""
    symbols = list(dict.fromkeys(bot.symbol for bot in config.bots))
    _, expected = paper_instruments(config, first_close(candles))
    instruments = {}
    for symbol in symbols:
        listed = await exchange.instrument(symbol)
        want = expected[symbol]
        rules = ("tick_size", "lot_size", "min_qty", "min_notional")
        if any(getattr(listed, rule) != getattr(want, rule) for rule in rules):
            raise LockstepError(f"{symbol}: the emulator lists {listed}, the backtest {want}")
        instruments[symbol] = listed
    for symbol, leverage in config.paper.linear.leverage_of(symbols).items():
        await exchange.use_leverage([symbol], leverage)
    stepper = Lockstep(emu, exchange, candles, BOUND_S)
    venue = Venue(
        exchange=exchange,
        clock=ReplayClock(start_ms=candles.first_ts, speed=None),
        feed=stepper.feed(),
        mode=TradingMode.DEMO,
        label=f"lockstep emulator ({emu.rest_url})",
        instruments=instruments,
        warmup=history,
        feed_length=len(candles),
        fee_reserve=paper_fee_reserve(config),  # the emulator charges the config's fees
    )
    return venue, stepper


__all__ = ["LockstepError", "LockstepResult", "LockstepStalled", "mirrorable", "run_in_lockstep"]
