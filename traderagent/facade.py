"""EngineAPI: the one surface that the TUI, the CLI (and later the REST API and Telegram) call.

Panes and summaries render from the immutable snapshots defined here, never from engine
internals, so a remote engine can serve the same snapshots over the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from traderagent.bus import EventStream
from traderagent.domain import (
    ZERO,
    Balance,
    BotState,
    Fill,
    Order,
    RegimeReading,
    Side,
    TradingMode,
)
from traderagent.domain.events import Event
from traderagent.ledger import TradeLedger

if TYPE_CHECKING:
    from traderagent.config import AppConfig


@dataclass(frozen=True, slots=True)
class BotSnapshot:
    name: str
    symbol: str
    strategy: str
    state: BotState
    position_qty: Decimal = ZERO
    avg_price: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    unrealised_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    """Funding a perpetual's position received (negative: paid); part of `realised_pnl`."""
    orders_placed: int = 0
    fills: int = 0
    open_orders: int = 0
    orders_rejected: int = 0
    """Orders the venue (or execution's pre-check) refused; each reason is in the log."""
    allocator_refused: int = 0
    """Buys the capital allocator refused (no capital left for them): never sent."""
    unknown_orders: int = 0
    """Orders whose create answer was lost and that the exchange has not answered for yet:
    neither open nor rejected; counted as resting (their level stays taken) until it does."""
    last_price: Decimal | None = None
    detail: str = ""
    state_reason: str = ""
    """Why the bot is in its state: a halt's reason names the limit and the figures."""
    parameters: tuple[tuple[str, str], ...] = ()
    """The bot's configured strategy (or router) parameters as (name, value), for display."""
    stop_price: Decimal | None = None
    """Where the bot's stop loss (`stop_loss_pct`) would sell its position, if it has one."""
    quote: str = ""
    """The quote asset of its symbol (`USDT`): what its budget and PnL are counted in."""
    budget: Decimal | None = None
    """The quote capital the capital allocator lets it commit now (its share of the equity);
    None when no allocator sizes its buys."""
    committed: Decimal = ZERO
    """What it has committed of its budget: its position at cost plus its resting buys."""
    crashes: int = 0
    """Times its handling crashed since the engine started (the health monitor)."""
    data_hold: str = ""
    """Why it opens nothing now: its market data is stale ('' when it may open)."""
    liquidation_price: Decimal | None = None
    """Where the venue liquidates its perpetual position (None: spot, or flat)."""
    liquidation_distance_pct: Decimal | None = None
    """How far the mark is from it, in percent of the mark (0 when reached)."""
    liquidation_level: str = ""
    """'warning' within `risk.liquidation_warning_pct` of it, 'danger' within half; ''."""


@dataclass(frozen=True, slots=True)
class RiskLimitView:
    """One risk limit as a bar: how much of it is used, and whether it is crossed."""

    owner: str
    """The bot the limit belongs to; '' for the account's limits."""
    limit: str
    """The config field (`max_daily_loss`, `max_drawdown_pct`, `stop_loss_pct`, ...)."""
    label: str
    """What the operator reads (`daily loss`, `drawdown`, `position value`)."""
    used: Decimal
    allowed: Decimal
    unit: str
    """`USDT`, `%`, `orders` or the base asset."""
    breached: bool = False

    @property
    def ratio(self) -> float:
        """Share of the limit used, 0 when nothing is used (never negative)."""
        return max(float(self.used / self.allowed), 0.0) if self.allowed > 0 else 0.0


@dataclass(frozen=True, slots=True)
class ChartLevel:
    """A price line on a bot's chart: a resting order, the average entry or a stop."""

    price: Decimal
    kind: str
    """`buy`, `sell`, `entry` or `stop`."""
    tag: str = ""


@dataclass(frozen=True, slots=True)
class ChartFill:
    ts: int
    price: Decimal
    side: Side


@dataclass(frozen=True, slots=True)
class BotChart:
    """What a bot's price chart draws: recent 1m closes, its order levels, entry, stop, fills."""

    name: str
    symbol: str
    closes: tuple[float, ...] = ()
    """Closes of the last 1m candles, oldest first."""
    first_ts: int = 0
    """Open time (epoch ms) of the first close's candle; one close per minute after it."""
    levels: tuple[ChartLevel, ...] = ()
    fills: tuple[ChartFill, ...] = ()
    """The bot's recent fills inside the window."""


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What a config reload changed, and what it refused (each a sentence for the operator)."""

    applied: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RegimeView:
    """The market regime of one symbol and where it routes."""

    reading: RegimeReading
    route: str = ""
    """The strategy this regime routes to (e.g. 'trend follower, long'); '' when no bot routes."""


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    mode: TradingMode
    venue: str
    clock_ms: int
    equity: Decimal
    starting_equity: Decimal
    bots: tuple[BotSnapshot, ...] = ()
    open_orders: tuple[Order, ...] = ()
    recent_fills: tuple[Fill, ...] = ()
    running: bool = False
    finished: bool = False
    data_label: str = ""
    replay_progress: float | None = None
    regimes: tuple[RegimeView, ...] = ()
    venue_status: str = ""
    """What the operator should know about the venue connection ('' when all is well): a rate
    limit being waited out, a stream reconnecting, an IP ban."""
    day_pnl: Decimal | None = None
    """Equity change since the UTC day's first candle (None before the first candle)."""
    drawdown_pct: Decimal | None = None
    """Fall of the equity from its peak, in percent."""
    drawdown_limit_pct: Decimal | None = None
    """The drawdown that halts every bot (`risk.max_drawdown_pct`); None when off."""
    risk_limits: tuple[RiskLimitView, ...] = ()
    """Every configured limit of the account and of each bot, with its use now."""
    balances: tuple[Balance, ...] = ()
    """The account's balance of each asset (free and locked in orders), by asset name."""
    equity_valued: bool = True
    """False while `equity` is not known: no balance read yet, or an asset held has no price
    yet (a restart before its first candle). The PnL, the day's PnL and the drawdown are then
    not known either (`starting_equity` is, restored from the last session)."""
    stale_symbols: tuple[str, ...] = ()
    """Symbols of a live feed without a candle for three intervals: their bots open nothing."""

    @property
    def pnl(self) -> Decimal:
        return self.equity - self.starting_equity


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What `traderagent run --headless` prints on exit."""

    bots: tuple[BotSnapshot, ...]
    orders_placed: int
    fills: int
    fees: Decimal
    realised_pnl: Decimal
    starting_equity: Decimal
    final_equity: Decimal
    candles: int
    started_ms: int
    ended_ms: int
    reason: str
    database: str = ""
    since_ms: int = 0
    """When `starting_equity` was taken: an earlier session's first candle after a restart."""
    drawdown_pct: Decimal | None = None
    """The account's fall from its equity peak, kept across restarts (None: not measured)."""
    orders_rejected: int = 0
    """Orders the venue refused (their reasons are in the log)."""
    allocator_refused: int = 0
    """Buys the capital allocator refused, never sent: no venue refusal (reasons in the log)."""
    funding: Decimal = ZERO
    """Funding the bots' perpetual positions received (negative: paid); in `realised_pnl`."""
    unpriced: tuple[str, ...] = ()
    """Assets held that had no price yet: `final_equity` leaves them out (it is not known)."""


class CommandError(Exception):
    """A command the engine refused (unknown bot, illegal state change); the text says why."""


class EngineAPI(Protocol):
    def snapshot(self) -> EngineSnapshot: ...

    def events(self, kinds: tuple[type[Event], ...] = (), maxsize: int = 2_000) -> EventStream:
        """A bounded stream of bus events for a UI or client."""
        ...

    async def run(self) -> RunSummary:
        """Drive the engine until the data ends, `shutdown` is called, or it is cancelled."""
        ...

    async def start_bot(self, name: str) -> None: ...

    async def pause_bot(self, name: str) -> None: ...

    async def resume_bot(self, name: str) -> None: ...

    async def stop_bot(self, name: str) -> None: ...

    async def halt(self, name: str | None = None, reason: str = "operator") -> None:
        """Emergency halt of one bot, or of every bot when name is None."""
        ...

    async def close_position(self, name: str, stop: bool = False) -> None:
        """Cancel the bot's orders and sell its position at market; then a running bot is
        paused (its strategy would buy straight back in), or stopped when `stop`."""
        ...

    async def closed_trades(self, bot: str | None = None) -> TradeLedger:
        """The closed trades (round trips) of one bot or of every bot, from the stored fills:
        they continue across restarts."""
        ...

    async def acknowledge(self, name: str) -> None:
        """Operator acknowledges an EMERGENCY: the bot goes STOPPING -> STOPPED."""
        ...

    async def shutdown(self, cancel_orders: bool = False) -> None: ...

    def bot_chart(self, name: str, minutes: int = 240) -> BotChart:
        """The selected bot's chart data over the last `minutes` 1m candles."""
        ...

    async def reload_config(self, config: AppConfig) -> ReloadReport:
        """Apply what can change safely from `config` (risk limits, autostart, a stopped bot's
        strategy, new bots added stopped); refuse the rest, saying why. Raises CommandError when
        nothing can be compared (the engine does not know the config it runs)."""
        ...
