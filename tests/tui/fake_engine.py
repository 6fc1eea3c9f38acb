"""FakeEngine: a deterministic EngineAPI for TUI tests.

Fixed bots, orders and clock (2023-03-01 06:00 UTC), events through a real EventBus, and a
record of every command, with the state changes a real engine would make.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

from traderagent.bus import EventBus, EventStream
from traderagent.config import AppConfig
from traderagent.domain import (
    Balance,
    BotState,
    Fill,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    Regime,
    RegimeReading,
    Side,
    TradingMode,
)
from traderagent.domain.events import BotStateChanged, Event, HaltTriggered, LogRecord, OrderFilled
from traderagent.facade import (
    BotChart,
    BotSnapshot,
    ChartFill,
    ChartLevel,
    CommandError,
    EngineSnapshot,
    RegimeView,
    ReloadReport,
    RiskLimitView,
    RunSummary,
)
from traderagent.ledger import TradeLedger, closed_trades

MINUTE = 60_000
CLOCK_MS = 1_677_650_400_000
"""2023-03-01 06:00 UTC."""


def default_bots() -> list[BotSnapshot]:
    return [
        BotSnapshot(
            name="grid-btc",
            symbol="BTCUSDT",
            strategy="grid",
            state=BotState.RUNNING,
            position_qty=Decimal("0.012900"),
            avg_price=Decimal("22050.00"),
            realised_pnl=Decimal("12.35"),
            unrealised_pnl=Decimal("-3.20"),
            fees=Decimal("0.41"),
            orders_placed=10,
            fills=7,
            open_orders=3,
            last_price=Decimal("22150.00"),
            parameters=(("lower", "21000"), ("upper", "23000"), ("levels", "21")),
            stop_price=Decimal("20286.00"),
            quote="USDT",
            budget=Decimal("5006.17"),
            committed=Decimal("1386.45"),
        ),
        BotSnapshot(
            name="dca-eth",
            symbol="ETHUSDT",
            strategy="dca",
            state=BotState.PAUSED,
            position_qty=Decimal("0.5000"),
            avg_price=Decimal("1602.40"),
            realised_pnl=Decimal("-1.05"),
            unrealised_pnl=Decimal("4.80"),
            fees=Decimal("0.22"),
            orders_placed=3,
            fills=2,
            open_orders=1,
            last_price=Decimal("1612.00"),
            quote="USDT",
            budget=Decimal("5006.17"),
            committed=Decimal("2402.40"),
        ),
    ]


BALANCES = (
    Balance("BTC", Decimal("0.012900")),
    Balance("ETH", Decimal("0.5000")),
    Balance("USDT", Decimal("7631.80"), Decimal("1386.45")),
)


def _order(
    n: int, bot: str, symbol: str, side: Side, price: str, qty: str, tag: str, filled: str = "0"
) -> Order:
    return Order(
        client_order_id=f"{bot}-{n}",
        symbol=symbol,
        side=side,
        type=OrderType.LIMIT,
        qty=Decimal(qty),
        price=Decimal(price),
        status=OrderStatus.PARTIALLY_FILLED if filled != "0" else OrderStatus.NEW,
        created_ms=CLOCK_MS - 30 * MINUTE,
        updated_ms=CLOCK_MS - 5 * MINUTE,
        filled_qty=Decimal(filled),
        bot=bot,
        tag=tag,
    )


def default_orders() -> list[Order]:
    # Deliberately not in price order: the TUI sorts them.
    return [
        _order(1, "grid-btc", "BTCUSDT", Side.BUY, "22000.00", "0.004300", "buy-1"),
        _order(2, "dca-eth", "ETHUSDT", Side.BUY, "1550.00", "0.0500", "so-1"),
        _order(3, "grid-btc", "BTCUSDT", Side.SELL, "22300.00", "0.004300", "sell-1"),
        _order(4, "grid-btc", "BTCUSDT", Side.BUY, "21900.00", "0.004300", "buy-2", "0.001000"),
    ]


READING = RegimeReading(
    symbol="BTCUSDT",
    ts=CLOCK_MS,
    regime=Regime.BULL_TREND,
    candidate=Regime.BULL_TREND,
    since_ms=CLOCK_MS - 312 * MINUTE,
    adx=35.2,
    plus_di=31.0,
    minus_di=12.0,
    atr_pct=0.42,
    ema_fast=22120.0,
    ema_slow=22050.0,
)


def default_limits() -> tuple[RiskLimitView, ...]:
    return (
        RiskLimitView("", "max_daily_loss", "daily loss", Decimal("120"), Decimal("500"), "USDT"),
        RiskLimitView("", "max_drawdown_pct", "drawdown", Decimal("1.2"), Decimal("15"), "%"),
        RiskLimitView(
            "grid-btc", "max_open_orders", "open orders", Decimal("3"), Decimal("3"), "orders"
        ),
    )


def chart_closes(count: int) -> tuple[float, ...]:
    """A fixed zig-zag around 22,100: the same picture every run."""
    pattern = [0, 40, 90, 60, 120, 80, 30, -20, -60, -10, 50, 100]
    return tuple(22050.0 + pattern[i % len(pattern)] + (i // len(pattern)) for i in range(count))


FILL = Fill(
    fill_id="f-8",
    client_order_id="grid-btc-0",
    symbol="BTCUSDT",
    side=Side.BUY,
    price=Decimal("22150.00"),
    qty=Decimal("0.004300"),
    fee=Decimal("0.019"),
    fee_asset="USDT",
    liquidity=Liquidity.MAKER,
    ts=CLOCK_MS - MINUTE,
    bot="grid-btc",
    tag="buy-0",
)


def _trade_fill(
    n: int, bot: str, side: Side, price: str, qty: str, minutes: int, tag: str = ""
) -> Fill:
    symbol = "BTCUSDT" if bot == "grid-btc" else "ETHUSDT"
    return Fill(
        fill_id=f"t{n}",
        client_order_id=f"{bot}-t{n}",
        symbol=symbol,
        side=side,
        price=Decimal(price),
        qty=Decimal(qty),
        fee=(Decimal(price) * Decimal(qty) * Decimal("0.001")).quantize(Decimal("0.0001")),
        fee_asset="USDT",
        liquidity=Liquidity.MAKER,
        ts=CLOCK_MS - 4 * 1440 * MINUTE + minutes * MINUTE,
        bot=bot,
        tag=tag,
    )


def default_trade_fills() -> list[Fill]:
    b, s = Side.BUY, Side.SELL
    g, d = "grid-btc", "dca-eth"
    return [
        _trade_fill(1, g, b, "22000.00", "0.004500", 10, "b3"),
        _trade_fill(2, g, s, "22150.00", "0.004500", 95, "s3"),
        _trade_fill(3, d, b, "1600.00", "0.0500", 120, "base"),
        _trade_fill(4, g, b, "21850.00", "0.004500", 700, "b2"),
        _trade_fill(5, d, b, "1560.00", "0.0750", 900, "so1"),
        _trade_fill(6, g, s, "22000.00", "0.004500", 1500, "s2"),
        _trade_fill(7, d, s, "1598.50", "0.1250", 2000, "take-profit"),
        _trade_fill(8, g, b, "22000.00", "0.004500", 3000, "b3"),
        _trade_fill(9, g, s, "21900.00", "0.004500", 4300, "risk-stop"),
        _trade_fill(10, g, b, "22150.00", "0.004500", 4400, "b4"),
        _trade_fill(11, g, s, "22300.00", "0.004500", 5500, "s4"),
    ]


class FakeEngine:
    """Implements EngineAPI. Commands are recorded in `calls` and in one list per command."""

    def __init__(
        self, *, run_error: Exception | None = None, hold_until_shutdown: bool = False
    ) -> None:
        self.bus = EventBus()
        self.clock_ms = CLOCK_MS
        self.equity = Decimal("10012.35")
        self.starting_equity = Decimal("10000.00")
        self.bots: dict[str, BotSnapshot] = {bot.name: bot for bot in default_bots()}
        self.open_orders: list[Order] = default_orders()
        self.replay_progress: float | None = 0.42
        self.running = False
        self.finished = False
        self.run_error = run_error
        self.hold_until_shutdown = hold_until_shutdown
        self.fail_next: Exception | None = None
        """Raised (once) by the next command: a CommandError as a real engine refusing it would,
        or any other error as a broken connection to a remote engine would."""
        self.calls: list[tuple[object, ...]] = []
        self.paused: list[str] = []
        self.resumed: list[str] = []
        self.halted: list[tuple[str | None, str]] = []
        self.acknowledged: list[str] = []
        self.shutdowns: list[bool] = []
        self.regimes: tuple[RegimeView, ...] = (RegimeView(READING, ""),)
        self.risk_limits = default_limits()
        self.balances = BALANCES
        self.reloads: list[AppConfig] = []
        self.reload_report = ReloadReport(("account risk limits updated",), ())
        self.started: list[str] = []
        self.stopped: list[str] = []
        self.closed: list[tuple[str, bool]] = []
        self.trade_fills: list[Fill] = default_trade_fills()
        """What `closed_trades` matches: four grid cycles over three days, one DCA trade."""
        self._stopped = asyncio.Event()

    # -- EngineAPI ------------------------------------------------------------------------

    def snapshot(self) -> EngineSnapshot:
        return EngineSnapshot(
            mode=TradingMode.PAPER,
            venue="paper",
            clock_ms=self.clock_ms,
            equity=self.equity,
            starting_equity=self.starting_equity,
            bots=tuple(self.bots.values()),
            open_orders=tuple(self.open_orders),
            running=self.running,
            finished=self.finished,
            data_label="BTCUSDT 1m bundled",
            replay_progress=self.replay_progress,
            recent_fills=(FILL,),
            regimes=self.regimes,
            day_pnl=Decimal("12.35"),
            drawdown_pct=Decimal("1.2"),
            drawdown_limit_pct=Decimal("15"),
            risk_limits=self.risk_limits,
            balances=self.balances,
        )

    def bot_chart(self, name: str, minutes: int = 240) -> BotChart:
        bot = self._bot(name)
        count = min(minutes, 120)
        first = CLOCK_MS - count * MINUTE
        levels = tuple(
            ChartLevel(o.price, "buy" if o.side is Side.BUY else "sell", o.tag)
            for o in self.open_orders
            if o.bot == name and o.price is not None
        )
        fills = (ChartFill(FILL.ts, FILL.price, FILL.side),) if name == FILL.bot else ()
        return BotChart(name, bot.symbol, chart_closes(count), first, levels, fills)

    async def reload_config(self, config: AppConfig) -> ReloadReport:
        self._record("reload_config")
        self.reloads.append(config)
        return self.reload_report

    def events(self, kinds: tuple[type[Event], ...] = (), maxsize: int = 2_000) -> EventStream:
        return self.bus.stream(kinds, maxsize)

    async def run(self) -> RunSummary:
        self.calls.append(("run",))
        self.running = True
        self.bus.publish(LogRecord(CLOCK_MS - 2 * MINUTE, "INFO", "replay started: BTCUSDT 1m"))
        self.bus.publish(OrderFilled(FILL.ts, FILL))
        self.bus.publish(LogRecord(CLOCK_MS, "WARNING", "spread above 0.5%", bot="grid-btc"))
        if self.run_error is not None:
            self.running = False
            raise self.run_error
        if self.hold_until_shutdown:
            await self._stopped.wait()
        self.running = False
        self.finished = True
        self.replay_progress = 1.0
        return RunSummary(
            bots=tuple(self.bots.values()),
            orders_placed=13,
            fills=9,
            fees=Decimal("0.63"),
            realised_pnl=Decimal("11.30"),
            starting_equity=self.starting_equity,
            final_equity=self.equity,
            candles=360,
            started_ms=CLOCK_MS - 360 * MINUTE,
            ended_ms=CLOCK_MS,
            reason="shutdown" if self._stopped.is_set() else "data ended",
        )

    async def start_bot(self, name: str) -> None:
        self._record("start_bot", name)
        self._move(name, {BotState.STOPPED}, BotState.RUNNING)
        self.started.append(name)

    async def pause_bot(self, name: str) -> None:
        self._record("pause_bot", name)
        self._move(name, {BotState.RUNNING}, BotState.PAUSED)
        self.paused.append(name)

    async def resume_bot(self, name: str) -> None:
        self._record("resume_bot", name)
        self._move(name, {BotState.PAUSED}, BotState.RUNNING)
        self.resumed.append(name)

    async def stop_bot(self, name: str) -> None:
        self._record("stop_bot", name)
        self._move(name, {BotState.RUNNING, BotState.PAUSED}, BotState.STOPPED)
        self.open_orders = [o for o in self.open_orders if o.bot != name]
        self.stopped.append(name)

    async def halt(self, name: str | None = None, reason: str = "operator") -> None:
        self._record("halt", name, reason)
        targets = list(self.bots) if name is None else [self._bot(name).name]
        self.halted.append((name, reason))
        for bot in targets:
            if self.bots[bot].state in (BotState.RUNNING, BotState.PAUSED):
                self._move(bot, {self.bots[bot].state}, BotState.EMERGENCY, reason)
            cancelled = [o for o in self.open_orders if o.bot == bot]
            self.open_orders = [o for o in self.open_orders if o.bot != bot]
            self.bus.publish(HaltTriggered(self.clock_ms, bot, reason, len(cancelled)))

    async def close_position(self, name: str, stop: bool = False) -> None:
        self._record("close_position", name, stop)
        bot = self._bot(name)
        self.open_orders = [o for o in self.open_orders if o.bot != name]
        new = BotState.STOPPED if stop else BotState.PAUSED
        if bot.state is BotState.RUNNING or stop:
            self._move(name, {BotState.RUNNING, BotState.PAUSED}, new, "position closed")
        self.bots[name] = replace(self.bots[name], position_qty=Decimal(0))
        self.closed.append((name, stop))

    async def closed_trades(self, bot: str | None = None) -> TradeLedger:
        self._record("closed_trades", bot)
        ledger = closed_trades(self.trade_fills, {"grid-btc": "grid", "dca-eth": "dca"})
        return ledger if bot is None else ledger.of(self._bot(bot).name)

    async def acknowledge(self, name: str) -> None:
        self._record("acknowledge", name)
        self._move(name, {BotState.EMERGENCY}, BotState.STOPPED, "acknowledged")
        self.acknowledged.append(name)

    async def shutdown(self, cancel_orders: bool = False) -> None:
        self._record("shutdown", cancel_orders)
        self.shutdowns.append(cancel_orders)
        self._stopped.set()

    # -- helpers --------------------------------------------------------------------------

    def _record(self, *call: object) -> None:
        self.calls.append(call)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    def _bot(self, name: str) -> BotSnapshot:
        if name not in self.bots:
            raise CommandError(f"unknown bot {name!r}")
        return self.bots[name]

    def _move(self, name: str, allowed: set[BotState], new: BotState, reason: str = "") -> None:
        bot = self._bot(name)
        if bot.state not in allowed:
            raise CommandError(f"{name} is {bot.state.value}; cannot go to {new.value}")
        self.bots[name] = replace(bot, state=new, state_reason=reason)
        self.bus.publish(BotStateChanged(self.clock_ms, name, bot.state, new, reason))
