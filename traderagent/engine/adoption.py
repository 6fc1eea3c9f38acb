"""A bot taking over what recovery found at start: the position (rebuilt from the fills, with
the funding the journal booked), the exchange's open orders (the current strategy's from now
on), the intent sequence, and the route and state of its last snapshot: a bot halted before
a restart is halted again for the same reason, a paused one pauses again once it has started.
Fills recovery recorded are not applied again when the venue reports them.

A bot the operator stopped stays stopped: a restart (or another daemon of a fleet taking it
over) does not start it on its own, though its config says `autostart` (`operator_stop`). A
bot stopped by a shutdown, or set aside after a crash, starts again as before."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from strategies.base import Strategy
from traderagent.domain import BotState, Position
from traderagent.domain.events import OrderFilled
from traderagent.engine.checkpoints import BotCheckpoint, restore_route
from traderagent.engine.execution import Execution
from traderagent.engine.funding import with_booked_funding
from traderagent.engine.journal import TradeJournal
from traderagent.engine.order_book import OrderBook
from traderagent.engine.protocols import BotCore
from traderagent.engine.recovery import ExchangeUnavailable, Reconciled, reconcile_with_retry
from traderagent.engine.router import RouterBinding
from traderagent.exchanges.ports import Exchange, Perpetual

OPERATOR_STOP = "stopped by the operator"
OPERATOR_ACKNOWLEDGED = "stopped by the operator after the emergency"
"""The reasons of the operator's own stops (a stop, a close and stop, an acknowledged halt)."""
SHUTDOWN_STOP = "stopped at shutdown"
"""A bot stopped because its engine shut down: a restart starts it again."""


async def operator_stop(journal: TradeJournal, bot: str) -> str:
    """The reason, if the bot's last snapshot says the operator stopped it; else ''."""
    saved = await journal.load_snapshot(bot)
    snapshot = BotCheckpoint.read(saved[0]) if saved else None
    if snapshot is None or snapshot.state != BotState.STOPPED.value:
        return ""
    reason = snapshot.state_reason
    return reason if reason in (OPERATOR_STOP, OPERATOR_ACKNOWLEDGED) else ""


class AdoptingBot(BotCore, Protocol):
    """What recovering and adopting need of a bot (`BotRuntime` is one)."""

    exchange: Exchange
    journal: TradeJournal
    execution: Execution
    position: Position
    book: OrderBook
    recovered: bool
    recovered_fills: set[str]
    fills: int
    strategy: Strategy
    strategy_started: bool
    router: RouterBinding | None
    pause_after_start: str
    state_reason: str

    @property
    def perpetual(self) -> Perpetual | None: ...

    async def move(self, new: BotState, reason: str) -> None: ...

    def log(self, level: str, message: str) -> None: ...


async def recover(bot: AdoptingBot, delays: Sequence[float]) -> bool:
    """Reconcile with the exchange (retrying after each of `delays`) and adopt what it found;
    False, with the reason on the bot and in the log, while the exchange does not answer."""
    try:
        reconciled = await reconcile_with_retry(
            bot.name, bot.symbol, bot.exchange, bot.journal, bot.clock.now_ms, delays
        )
    except ExchangeUnavailable as err:
        bot.state_reason = f"not trading until the exchange answers: {err}"
        bot.log("warning", f"{bot.state_reason} (trying again on the next candle)")
        return False
    await adopt(bot, reconciled)
    return True


async def adopt(bot: AdoptingBot, reconciled: Reconciled) -> None:
    """Take over what recovery found (see the module's docstring)."""
    bot.execution.seq = max(bot.execution.seq, reconciled.seq)
    # the fills rebuild the position; the funding it was booked comes from the journal
    bot.position = await with_booked_funding(bot.name, reconciled.position, bot.journal)
    for order in reconciled.adopted:
        bot.book.add(order)
    for fill in reconciled.recorded_fills:
        bot.recovered_fills.add(fill.fill_id)
        bot.fills += 1
        bot.bus.publish(OrderFilled(fill.ts, fill))
    bot.recovered = True
    snapshot = reconciled.snapshot
    route = snapshot.route if snapshot is not None else None
    restored = None if bot.strategy_started else restore_route(bot.router, route)
    if restored is not None:
        bot.strategy, label = restored
        bot.log("info", f"route restored from the last snapshot: {label}")
    if reconciled.adopted or reconciled.recorded_fills or reconciled.position.qty:
        bot.log("info", reconciled.summary())
    venue_qty, mine = reconciled.venue_qty, reconciled.position.qty
    if abs(venue_qty) < abs(mine) if bot.perpetual else venue_qty < mine:
        bot.log(
            "warning",
            f"the exchange holds {venue_qty} {bot.symbol}, less than the bot's "
            f"position {mine}: check the account",
        )
    before = snapshot.state if snapshot is not None else ""
    reason = snapshot.state_reason if snapshot is not None else ""
    if before == BotState.EMERGENCY.value:  # the same reason: the same halt goes on
        await bot.move(BotState.EMERGENCY, reason or "halted before the restart")
        bot.log("warning", f"still halted from before the restart: {reason}")
    elif before == BotState.PAUSED.value:
        bot.pause_after_start = f"paused before the restart: {reason}"


class StartingBot(AdoptingBot, Protocol):
    async def start(self) -> None: ...


async def autostart(bot: StartingBot) -> bool:
    """Start a bot its config autostarts, unless the operator stopped it before the restart
    (then it stays STOPPED, said in the log and its state's reason): False if not started."""
    held = await operator_stop(bot.journal, bot.name)
    if held:
        bot.state_reason = f"{held} before the restart"
        bot.log(
            "warning",
            f"not started: {held} before the restart, and a restart does not override that "
            "(start it from the TUI, s, or the API)",
        )
        return False
    await bot.start()
    return True
