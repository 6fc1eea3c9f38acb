"""The engine's one `EngineAPI` command side: the lock every change of state takes, the
operator's commands on bots, halts, shutdown, a lost lease, and config reloads (audited).

A command takes the same lock as a candle step (`EngineLoop`), so a halt never races an order
in flight; after it, the updates it caused are routed and a checkpoint is written if due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from traderagent.domain import BotState
from traderagent.domain.events import LogRecord
from traderagent.engine.account_risk import HALTABLE
from traderagent.engine.adoption import SHUTDOWN_STOP
from traderagent.engine.bot import BotRuntime
from traderagent.engine.fleet import let_go
from traderagent.engine.lease_guard import LeaseLost, check_lease, stop_trading
from traderagent.engine.lifecycle import IllegalTransition
from traderagent.engine.state import CommandHost
from traderagent.facade import CommandError

if TYPE_CHECKING:
    from traderagent.config import AppConfig
    from traderagent.facade import BotChart, ReloadReport
    from traderagent.ledger import TradeLedger

PAPER_RESET_HINT = "to start again, reset the paper account (`traderagent paper reset`)"


class EngineCommands:
    """Operator commands, halts, shutdown and reloads for one engine (`host`), under `lock`."""

    def __init__(self, host: CommandHost) -> None:
        self.host = host
        self.lock = asyncio.Lock()
        """Held while the engine's state changes (a candle step, a command)."""

    async def start_bot(self, name: str) -> None:
        if self.host.replay_ended:
            raise CommandError(f"the replay has ended: {PAPER_RESET_HINT}")
        self.host.health.forget(name)
        await self.command(name, BotRuntime.start)

    async def stop_bot(self, name: str) -> None:
        self.host.health.forget(name)
        await self.command(name, BotRuntime.stop)

    async def closed_trades(self, bot: str | None = None) -> TradeLedger:
        from traderagent.engine.trade_history import ledger_of

        bots = [self.bot(bot)] if bot else self.host.bots.values()
        return await ledger_of(self.host.journal, bots)

    async def halt(self, name: str | None = None, reason: str = "operator") -> None:
        host = self.host
        targets = [self.bot(name)] if name is not None else list(host.bots.values())
        async with self.lock:
            try:
                for bot in targets:
                    if bot.state in HALTABLE:
                        await bot.halt(reason)
                await host.loop.drain()
            except LeaseLost as lost:
                await self.lose_lease(lost)
            await host.loop.checkpoint()

    async def shutdown(self, cancel_orders: bool = False) -> None:
        host = self.host
        if not host.finish_reason:
            host.finish_reason = "shutdown requested"
        host.stop_signal.set()
        async with self.lock:
            try:  # a lease the keep-alive saw lost: cancel nothing another process may own
                check_lease(host.guard)
            except LeaseLost as lost:
                await self.lose_lease(lost)
            # the state as it stands goes to disk first: a shutdown cut short loses nothing
            await host.loop.checkpoint(force=True)
            for bot in host.bots.values():
                if cancel_orders and bot.state in (BotState.RUNNING, BotState.PAUSED):
                    await bot.stop(cancel_orders=True, reason=SHUTDOWN_STOP)
            await host.loop.drain()

    async def close(self) -> None:
        await self.host.exchange.close()
        await self.host.journal.close()

    async def command(self, name: str, action: Callable[[BotRuntime], Awaitable[None]]) -> None:
        """`action` on bot `name` under the lock; its updates routed, then a checkpoint."""
        bot = self.bot(name)
        async with self.lock:
            try:
                await action(bot)
                await self.host.loop.drain()
            except IllegalTransition as err:
                raise CommandError(str(err)) from None
            except LeaseLost as lost:
                await self.lose_lease(lost)
                raise CommandError(str(lost)) from None
            await self.host.loop.checkpoint()

    def bot(self, name: str) -> BotRuntime:
        bots = self.host.bots
        try:
            return bots[name]
        except KeyError:
            known = ", ".join(bots) or "none"
            raise CommandError(f"no bot named {name!r} (bots: {known})") from None

    async def lose_lease(self, lost: LeaseLost) -> None:
        """A lease is lost: a fleet daemon lets that bot go, any other engine stops trading."""
        if lost.bot:  # a fleet daemon: that bot runs elsewhere now, the others trade on
            await let_go(self.host, lost.bot, str(lost))
            return
        self.host.stop_signal.set()  # no further candle: another process may run these bots
        await stop_trading(self.host, str(lost))

    # -- the console's queries and config reload ---------------------------------------------

    def bot_chart(self, name: str, minutes: int = 240) -> BotChart:
        from traderagent.engine.snapshots import bot_chart

        return bot_chart(self.host.recent_fills, self.bot(name), minutes)

    async def reload_config(self, config: AppConfig) -> ReloadReport:
        from traderagent.engine.reload import apply_reload

        host = self.host
        async with self.lock:
            report = await apply_reload(host, config, host.bot_factory)
        for line in report.applied:
            self._log("info", f"config reload: {line}")
        for line in report.refused:
            self._log("warning", f"config reload refused: {line}")
        audit = getattr(host.journal, "record_audit", None)
        if audit is not None:
            outcome = "; ".join([*report.applied, *(f"refused: {r}" for r in report.refused)])
            await audit(
                ts=host.clock.now_ms(),
                actor="operator",
                source="console",
                command="reload_config",
                target="config",
                outcome=outcome or "no change",
            )
        return report

    def _log(self, level: str, message: str) -> None:
        self.host.bus.publish(LogRecord(self.host.clock.now_ms(), level, message))
