"""The engine state its parts run on, as Protocols: what the loop (`EngineState`), the
command side (`CommandHost`) and the views (`EngineView`, `ViewedBot`) read and write of it.

`Engine` holds the state and satisfies each (mypy checks it where the parts are built), so no
part imports `Engine`: the engine's modules form no import cycle, not even for the type checker.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from traderagent.bus import EventBus
from traderagent.clock import Clock
from traderagent.domain import Balance, Candle, Fill, Instrument, RegimeReading, TradingMode
from traderagent.engine.account_risk import AccountRisk
from traderagent.engine.allocator import CapitalAllocator, Funds
from traderagent.engine.balance_sync import BalanceSync
from traderagent.engine.bot import BotRuntime
from traderagent.engine.checkpoints import CheckpointedBot, SnapshotSchedule
from traderagent.engine.funding import FundingBook
from traderagent.engine.health import HealthMonitor
from traderagent.engine.history import CandleHistory
from traderagent.engine.journal import TradeJournal
from traderagent.engine.lease_guard import LeaseGuard, LeaseLost
from traderagent.engine.outage import Outage
from traderagent.engine.protocols import RegimeSource
from traderagent.engine.risk import BotBook, EquityWatch, RiskGate
from traderagent.engine.unsure import UnsureOrders
from traderagent.exchanges.ports import Exchange, Perpetual
from traderagent.marketdata.intake import CandleIntake

if TYPE_CHECKING:
    from traderagent.config import AppConfig
    from traderagent.engine.reload import BotFactory


class EngineParts(Protocol):
    """What every part reads of the engine: its clock, venue, bus, health and equity."""

    @property
    def clock(self) -> Clock: ...

    @property
    def exchange(self) -> Exchange: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def health(self) -> HealthMonitor: ...

    @property
    def equity(self) -> Decimal: ...


class AccountFigures(EngineParts, Protocol):
    """The account's figures the commands and the views read besides its equity."""

    @property
    def quote_asset(self) -> str: ...

    @property
    def gross_exposure(self) -> Decimal: ...

    @property
    def gross_margin(self) -> Decimal: ...


class EngineState(EngineParts, Protocol):
    """The engine state the loop runs on (`Engine` is one)."""

    balances: dict[str, Balance]
    candles: int
    started_ms: int
    starting_equity: Decimal | None
    running: bool
    finished: bool
    finish_reason: str
    replay_ended: bool
    next_equity_ms: int
    venue_status: str

    @property
    def journal(self) -> TradeJournal: ...

    @property
    def bots(self) -> dict[str, BotRuntime]: ...

    @property
    def lock(self) -> asyncio.Lock: ...

    @property
    def stop_signal(self) -> asyncio.Event: ...

    @property
    def feed(self) -> Iterable[Candle] | AsyncIterable[Candle]: ...

    @property
    def replay(self) -> bool: ...

    @property
    def autostart(self) -> tuple[str, ...]: ...

    @property
    def intake(self) -> CandleIntake: ...

    @property
    def prices(self) -> dict[str, Decimal]: ...

    @property
    def equity_interval_ms(self) -> int: ...

    @property
    def equity_watch(self) -> EquityWatch | None: ...

    @property
    def recent_fills(self) -> deque[Fill]: ...

    @property
    def classifiers(self) -> dict[str, RegimeSource]: ...

    @property
    def regimes(self) -> dict[str, RegimeReading]: ...

    @property
    def balance_sync(self) -> BalanceSync: ...

    @property
    def snapshots(self) -> SnapshotSchedule: ...

    @property
    def account_risk(self) -> AccountRisk: ...

    @property
    def outage(self) -> Outage: ...

    @property
    def data_watch_s(self) -> float: ...

    @property
    def guard(self) -> LeaseGuard | None: ...

    @property
    def lease_lost(self) -> str: ...

    @property
    def funding(self) -> FundingBook: ...

    async def lose_lease(self, lost: LeaseLost) -> None: ...


class Routing(Protocol):
    """What a command needs of the loop: route the updates it caused, write what is due."""

    async def drain(self) -> None: ...

    async def checkpoint(self, force: bool = False) -> None: ...


class CommandHost(AccountFigures, Protocol):
    """The engine state commands act on (`Engine` is one)."""

    finish_reason: str
    lease_lost: str
    config: AppConfig | None
    equity_watch: EquityWatch | None

    @property
    def bots(self) -> dict[str, BotRuntime]: ...

    @property
    def replay_ended(self) -> bool: ...

    @property
    def journal(self) -> TradeJournal: ...

    @property
    def loop(self) -> Routing: ...

    @property
    def guard(self) -> LeaseGuard | None: ...

    @property
    def stop_signal(self) -> asyncio.Event: ...

    @property
    def bot_factory(self) -> BotFactory | None: ...

    @property
    def recent_fills(self) -> deque[Fill]: ...

    @property
    def free_quote(self) -> Decimal: ...

    def lock_quote(self, amount: Decimal) -> None: ...

    def remove_bot(self, name: str) -> bool: ...


class ViewedBot(CheckpointedBot, Protocol):
    """What the views read of a bot (`ViewedBot` is one)."""

    @property
    def perpetual(self) -> Perpetual | None: ...

    @property
    def symbol(self) -> str: ...

    @property
    def instrument(self) -> Instrument: ...

    @property
    def risk(self) -> RiskGate | None: ...

    @property
    def last_price(self) -> Decimal | None: ...

    @property
    def orders_placed(self) -> int: ...

    @property
    def fills(self) -> int: ...

    @property
    def orders_rejected(self) -> int: ...

    @property
    def allocator_refusals(self) -> int: ...

    @property
    def unsure(self) -> UnsureOrders: ...

    @property
    def allocator(self) -> CapitalAllocator | None: ...

    @property
    def funds(self) -> Funds | None: ...

    @property
    def data_hold(self) -> str: ...

    @property
    def history(self) -> CandleHistory: ...

    def committed_capital(self) -> Decimal: ...

    def risk_book(self) -> BotBook: ...


class EngineView(AccountFigures, Protocol):
    """The engine's state as the views read it (`Engine` is one): read-only."""

    @property
    def mode(self) -> TradingMode: ...

    @property
    def config(self) -> AppConfig | None: ...

    @property
    def bots(self) -> Mapping[str, ViewedBot]: ...

    @property
    def starting_equity(self) -> Decimal | None: ...

    @property
    def equity_watch(self) -> EquityWatch | None: ...

    @property
    def balances(self) -> Mapping[str, Balance]: ...

    @property
    def prices(self) -> Mapping[str, Decimal]: ...

    @property
    def account_risk(self) -> AccountRisk: ...

    @property
    def recent_fills(self) -> Iterable[Fill]: ...

    @property
    def regimes(self) -> Mapping[str, RegimeReading]: ...

    @property
    def route_labels(self) -> Mapping[str, str]: ...

    @property
    def running(self) -> bool: ...

    @property
    def finished(self) -> bool: ...

    @property
    def finish_reason(self) -> str: ...

    @property
    def candles(self) -> int: ...

    @property
    def started_ms(self) -> int: ...

    @property
    def progress(self) -> float | None: ...

    @property
    def venue_status(self) -> str: ...

    @property
    def data_label(self) -> str: ...

    @property
    def database_label(self) -> str: ...
