"""The account's risk at run time: its daily loss and drawdown, watched after every candle (a
breach halts every bot that trades), and its state kept across restarts: written with the
snapshots as it changes, read back before the engine runs again, halted bots held halted.

The state is written when it changed and `interval_ms` of engine time has passed, and at once
when a halt, an acknowledgement or a new UTC day changed it (or on a forced checkpoint). A
backtest's memory journal keeps nothing, so a backtest pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Protocol

from traderagent.bus import EventBus
from traderagent.clock import Clock
from traderagent.domain import BotState, Candle
from traderagent.domain.events import BotStateChanged, LogRecord, RiskBreached
from traderagent.engine.checkpoints import SNAPSHOT_INTERVAL_MS
from traderagent.engine.journal import RiskStateStore, TradeJournal
from traderagent.engine.protocols import HaltableBot
from traderagent.engine.risk import Breach, EquityWatch
from traderagent.engine.risk.account_state import AccountRiskState, HaltRecord, RiskStateError

HALTABLE = frozenset({BotState.STARTING, BotState.RUNNING, BotState.PAUSED})
"""States an emergency halt applies to."""


class StartableBot(HaltableBot, Protocol):
    async def start(self) -> None: ...


class MeasuredEngine(Protocol):
    """What capturing the account's risk state reads of the engine."""

    @property
    def starting_equity(self) -> Decimal | None: ...

    @property
    def equity_watch(self) -> EquityWatch | None: ...

    @property
    def started_ms(self) -> int: ...


class RiskedEngine(Protocol):
    """What the account's limits need of the engine (`Engine` is one)."""

    starting_equity: Decimal | None

    @property
    def equity_watch(self) -> EquityWatch | None: ...

    @property
    def equity(self) -> Decimal: ...

    @property
    def started_ms(self) -> int: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def bots(self) -> Mapping[str, StartableBot]: ...


class AccountRisk:
    def __init__(
        self,
        journal: TradeJournal,
        bus: EventBus,
        account: str = "paper",
        interval_ms: int = SNAPSHOT_INTERVAL_MS,
    ) -> None:
        self.store = journal if isinstance(journal, RiskStateStore) else None
        self.account = account
        """The venue account the state belongs to (bots sharing an account share it)."""
        self.interval_ms = interval_ms
        self.halts: dict[str, HaltRecord] = {}
        """Each bot's last halt, acknowledged or not."""
        self.since_ms: int | None = None
        """When the PnL baseline was taken, if in an earlier session (else this run's start)."""
        self.restored: AccountRiskState | None = None
        self.written = 0
        self._saved: tuple[object, ...] | None = None
        self._urgent = False
        self._next_ms = 0
        if self.store is not None:
            bus.subscribe(BotStateChanged, self._on_state)

    def _on_state(self, event: BotStateChanged) -> None:
        known = self.halts.get(event.bot)
        if event.new is BotState.EMERGENCY:
            if known is None or not known.active:  # a halt restored keeps its first reason
                self.halts[event.bot] = HaltRecord(event.bot, event.reason, event.ts)
                self._urgent = True
        elif event.old is BotState.EMERGENCY and known is not None and known.active:
            self.halts[event.bot] = replace(known, acknowledged_ms=event.ts)
            self._urgent = True

    def breach(self, engine: RiskedEngine, candle: Candle) -> Breach | None:
        """Feed the equity after `candle` to the account's limits: the breach, if any."""
        watch = engine.equity_watch
        if watch is None or engine.starting_equity is None:
            return None
        return watch.observe(candle.ts, engine.equity)

    async def halt_every_bot(self, engine: RiskedEngine, breach: Breach) -> bool:
        """Halt every bot that trades for `breach`; whether any was (the engine then routes
        the cancels)."""
        active = [b for b in engine.bots.values() if b.state in HALTABLE]
        if not active:
            return False
        now, bus = engine.clock.now_ms(), engine.bus
        bus.publish(
            RiskBreached(
                now, breach.scope, breach.limit, breach.value, breach.threshold, None, breach.reason
            )
        )
        bus.publish(
            LogRecord(now, "critical", f"risk limit breached: {breach.reason}; halting every bot")
        )
        for bot in active:
            await bot.halt(breach.reason)
        return True

    def held(self) -> dict[str, str]:
        """Bots halted and never acknowledged, with the halt's reason."""
        return {bot: h.reason for bot, h in self.halts.items() if h.active}

    def capture(self, engine: MeasuredEngine) -> AccountRiskState:
        watch = engine.equity_watch
        since = self.since_ms if self.since_ms is not None else engine.started_ms
        return AccountRiskState(
            starting_equity=engine.starting_equity,
            since_ms=since,
            peak=watch.peak if watch is not None else Decimal(0),
            day=watch.day if watch is not None else None,
            day_start=watch.day_start if watch is not None else Decimal(0),
            halts=tuple(self.halts[bot] for bot in sorted(self.halts)),
        )

    async def save_due(self, engine: RiskedEngine, now_ms: int, force: bool = False) -> bool:
        """Write the state if it changed and is due; whether it was written."""
        if self.store is None:
            return False
        watch = engine.equity_watch
        day = watch.day if watch is not None else None
        peak = watch.peak if watch is not None else None
        key = (engine.starting_equity, peak, day, self._urgent)
        if key == self._saved:
            return False
        new_day = self._saved is None or day != self._saved[2]
        if not (force or self._urgent or new_day or now_ms >= self._next_ms):
            return False
        await self.store.save_risk_state(self.account, self.capture(engine).payload(), now_ms)
        self._urgent = False
        self._saved = (engine.starting_equity, peak, day, False)
        self._next_ms = now_ms + self.interval_ms
        self.written += 1
        return True

    async def restore(self, engine: RiskedEngine) -> AccountRiskState | None:
        """Put the stored state back into `engine` (before it runs); None if none was stored.
        RiskStateError if it cannot be read: starting afresh would lift the limits."""
        if self.store is None:
            return None
        stored = await self.store.load_risk_state(self.account)
        if stored is None:
            return None
        payload, _ts = stored
        try:
            state = AccountRiskState.from_payload(payload)
        except RiskStateError as err:
            raise RiskStateError(
                f"the stored risk state of account {self.account!r}: {err} (delete its row in"
                " account_risk_state to start the account's limits afresh)"
            ) from None
        if state.starting_equity is not None:
            engine.starting_equity = state.starting_equity
            self.since_ms = state.since_ms
        watch = engine.equity_watch
        if watch is not None:
            watch.restore(state.peak, state.day, state.day_start)
        self.halts = {h.bot: h for h in state.halts}
        self.restored = state
        self._saved = (engine.starting_equity, state.peak, state.day, False)
        return state

    async def hold_halts(self, engine: RiskedEngine) -> None:
        """Every bot halted before the restart and never acknowledged is halted again, with
        the same reason (started first, so the exchange is reconciled and its orders go)."""
        for name, reason in self.held().items():
            bot = engine.bots.get(name)
            if bot is None:
                continue
            if bot.state is BotState.STOPPED:
                await bot.start()
            if bot.state in HALTABLE:
                await bot.halt(reason)
