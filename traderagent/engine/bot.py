"""One bot at run time: lifecycle, its strategy, its orders and position, and the halt stages."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from decimal import Decimal

from strategies.base import Strategy, StrategyContext, on_refused
from traderagent.bus import EventBus
from traderagent.clock import Clock
from traderagent.domain import (
    ZERO,
    BotState,
    Candle,
    Fill,
    Instrument,
    Intent,
    Order,
    OrderStatus,
    PlaceOrder,
    Position,
    Purpose,
    RegimeReading,
    Side,
)
from traderagent.domain.events import (
    BotStateChanged,
    HaltTriggered,
    LogRecord,
    OrderFilled,
    OrderUpdated,
)
from traderagent.engine.adoption import OPERATOR_ACKNOWLEDGED, OPERATOR_STOP, recover
from traderagent.engine.allocator import CapitalAllocator, Funds, margin_committed
from traderagent.engine.execution import Execution
from traderagent.engine.handover import follow_regime
from traderagent.engine.history import CandleHistory
from traderagent.engine.intents import Decision, IntentPipeline
from traderagent.engine.journal import TradeJournal
from traderagent.engine.late_fills import ClosedOrders
from traderagent.engine.lifecycle import REPLAY_FINISHED, Lifecycle
from traderagent.engine.order_book import OrderBook
from traderagent.engine.order_state import cut_to, with_fill
from traderagent.engine.quiet_span import QuietSpan
from traderagent.engine.recovery import RETRY_DELAYS_S
from traderagent.engine.refusals import report_rejected
from traderagent.engine.risk import BotBook, RiskGate, bot_book
from traderagent.engine.router import RouterBinding
from traderagent.engine.stop_out import (
    LIQUIDATION_TAG,
    RISK_STOP_TAG,
    closing_order,
    liquidated,
    stop_out,
)
from traderagent.engine.unsure import UnsureOrders, settle_unsure
from traderagent.exchanges.ports import CandleMatched, Exchange, Perpetual
from traderagent.facade import CommandError

HISTORY_CANDLES = 3 * 1440
"""Closed 1m candles a bot remembers, to prime a strategy that takes over (3 days)."""
CLOSED_UNFILLED = (
    OrderStatus.CANCELLED,
    OrderStatus.PARTIALLY_FILLED_CANCELLED,
    OrderStatus.REJECTED,
)
"""The venue closed these without filling the rest: the bot stops tracking them (fills stay)."""


class BotRuntime:
    def __init__(
        self,
        name: str,
        strategy: Strategy,
        instrument: Instrument,
        exchange: Exchange,
        journal: TradeJournal,
        bus: EventBus,
        clock: Clock,
        *,
        close_positions_on_halt: bool = False,
        recovery_delays: Sequence[float] = RETRY_DELAYS_S,
        allocator: CapitalAllocator | None = None,
        funds: Funds | None = None,
        router: RouterBinding | None = None,
        risk: RiskGate | None = None,
    ) -> None:
        self.name = name
        self.symbol = instrument.symbol
        self.strategy = strategy
        self.instrument = instrument
        self.exchange = exchange
        self._venue_price = exchange.last_price if isinstance(exchange, CandleMatched) else None
        self.perpetual = exchange if isinstance(exchange, Perpetual) else None
        """The venue, when it is a one-way perpetual one: the position is signed (a short is
        negative), closes are reduce-only and an opening order is budgeted by its margin."""
        self.liquidations = 0  # the venue liquidated the position (logged each)
        self.journal = journal
        self.bus = bus
        self.clock = clock
        self.close_positions_on_halt = close_positions_on_halt
        self.recovery_delays = recovery_delays
        """Waits between reconcile attempts at start (then one attempt per candle)."""
        self.recovered = False
        """Reconciled with the exchange since the last start: until then it trades nothing."""
        self.recovered_fills: set[str] = set()  # applied by recovery: not again from the venue
        self.pause_after_start = ""  # paused before a restart: pause again once started
        self.lifecycle = Lifecycle(name)
        self.execution = Execution(name, instrument, exchange, journal)
        self.position = Position(instrument.symbol)
        self.book = OrderBook()
        """Its open orders, the closed ones whose fills may still come, their generations."""
        self.unsure = UnsureOrders()  # sent, answer lost: resting until the exchange says
        self.allocator = allocator
        self.router = router
        self.funds = funds
        self.risk = risk
        self.state_reason = ""
        """Why the bot is in its current state (a halt's or a stop loss's reason)."""
        self.pipeline = IntentPipeline(self)
        """Risk -> allocator -> execution for what the strategy asks."""
        self.last_price: Decimal | None = None
        self.history = CandleHistory(HISTORY_CANDLES)
        self.orders_placed = 0
        self.orders_rejected = 0  # refused by the pre-check or the venue (`refusals`)
        self.allocator_refusals = 0  # buys the allocator refused: never sent (`refusals`)
        self.fills = 0
        self.strategy_started = False
        self.data_hold = ""
        """Why the bot opens nothing now ('' when it may): its market data went stale."""
        self.orders_held = 0  # opening orders not placed while data was stale (logged each)
        self.resync_due = False

    @property
    def state(self) -> BotState:
        return self.lifecycle.state

    # -- the order book (`OrderBook`), as the rest of the engine reads it --------------------

    @property
    def orders(self) -> dict[str, Order]:
        """Open orders by client order id, in the order placed."""
        return self.book.orders

    @orders.setter
    def orders(self, orders: dict[str, Order]) -> None:
        self.book.orders = orders

    @property
    def closed_orders(self) -> ClosedOrders:
        return self.book.closed

    @property
    def order_generation(self) -> dict[str, int]:
        """Which strategy generation placed each open order."""
        return self.book.generation_of

    @property
    def order_set_changes(self) -> int:
        """Counts every order that joins or leaves `orders` (a snapshot is due on a change)."""
        return self.book.changes

    @property
    def generation(self) -> int:
        """Which strategy is current: it goes up by one at every hand-over."""
        return self.book.generation

    @generation.setter
    def generation(self, value: int) -> None:
        self.book.begin_generation(value)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """STARTING, then reconcile with the exchange (retrying with backoff); the strategy
        starts on the first candle after a reconcile succeeded."""
        await self.move(BotState.STARTING, "start requested")
        self.execution.seq = max(self.execution.seq, await self.journal.last_sequence(self.name))
        self.recovered = False
        await recover(self, self.recovery_delays)

    async def pause(self) -> None:
        await self.move(BotState.PAUSED, "paused by operator")

    async def resume(self) -> None:
        await self.move(BotState.RUNNING, "resumed by operator")
        if self.last_price is not None:
            await self.apply(self.strategy.on_resume(self.context()))

    async def resync(self) -> None:
        """After an exchange outage: settle the orders of unknown fate, then let the strategy
        re-place what is missing, as after a pause (the private stream's reconnect has
        brought the fills and order changes it missed)."""
        await settle_unsure(self)
        if self.last_price is not None and self.lifecycle.accepts_new_orders:
            await self.apply(self.strategy.on_resume(self.context()))

    async def stop(self, cancel_orders: bool = True, reason: str = OPERATOR_STOP) -> None:
        """STOPPING, its orders cancelled (`cancel_orders`), STOPPED for `reason`: the
        operator's by default, which a restart keeps (`operator_stop`)."""
        await self.move(BotState.STOPPING, "stop requested")
        if cancel_orders:
            await self.cancel_all()
        await self.move(BotState.STOPPED, reason)

    async def halt(self, reason: str, *, keep_orders: bool = False) -> None:
        """Emergency halt: (1) freeze, (2) cancel and optionally close (not with
        `keep_orders`: a lost lease leaves them to whoever runs the bot now), (3) notify."""
        await self.move(BotState.EMERGENCY, reason)
        cancelled = 0 if keep_orders else await self.cancel_all()
        if self.close_positions_on_halt and not keep_orders:
            await self._close_position()
        self.bus.publish(HaltTriggered(self.clock.now_ms(), self.name, reason, cancelled))
        self.log("critical", f"EMERGENCY HALT: {reason}; {cancelled} orders cancelled")

    async def set_aside(self, reason: str) -> None:
        """Its handling crashed: STOPPED with `reason`, its orders left resting (the health
        monitor starts it again, and the start reconciles them)."""
        await self.move(BotState.STOPPING, reason)
        await self.move(BotState.STOPPED, reason)

    async def finish(self) -> None:
        """The replay has ended: FINISHED (its resting orders stay in the book as they are)."""
        await self.move(BotState.FINISHED, REPLAY_FINISHED)

    async def close_out(self, stop: bool = False) -> None:
        """Operator: cancel the orders, sell the position at market (tag `close`), then pause
        a running bot so its strategy does not buy straight back in, or stop it (`stop`)."""
        if self.state in (BotState.STARTING, BotState.STOPPING):
            raise CommandError(
                f"bot {self.name} is {self.state}: close its position once it is not"
            )
        if self.last_price is None:
            raise CommandError(f"bot {self.name} has no price yet: nothing can be sold at market")
        await self.cancel_all()
        held = self.instrument.floor_qty(abs(self.position.qty))
        if held > 0:
            await self._close_position()
        else:
            self.log("info", f"close requested: no position to sell ({self.position.qty})")
        if stop and self.state in (BotState.RUNNING, BotState.PAUSED, BotState.EMERGENCY):
            await self.move(BotState.STOPPING, "stop requested, position closed at market")
            await self.move(BotState.STOPPED, OPERATOR_STOP)
        elif self.state is BotState.RUNNING:
            await self.move(BotState.PAUSED, "position closed at market by operator")

    async def acknowledge(self) -> None:
        await self.move(BotState.STOPPING, "emergency acknowledged by operator")
        await self.move(BotState.STOPPED, OPERATOR_ACKNOWLEDGED)

    # -- market and exchange events ----------------------------------------------------------

    async def on_candle(self, candle: Candle, price: Decimal) -> None:
        """A closed candle; `price` is its close as an exact Decimal (parsed once, upstream)."""
        self.last_price = self.instrument.round_price(price)  # `see_price`, inlined
        self.history.append(candle)
        if self.unsure.since:
            await settle_unsure(self)
        state = self.lifecycle.state  # read once: nothing above moves it
        if self.risk is not None and (state is BotState.RUNNING or state is BotState.PAUSED):
            breach = None if self.stopping_out() else self.risk.stop_loss(self.risk_book())
            if breach is not None:
                await stop_out(self, breach)
                return
        if state is BotState.STARTING:
            if not self.recovered and not await recover(self, ()):
                return  # the exchange has not answered: trade nothing on a guess
            await self.move(BotState.RUNNING, "first price received")
            first = not self.strategy_started
            self.strategy_started = True
            if first:
                self.strategy.prime(self.history)
                await self.apply(self.strategy.on_start(self.context()))
            else:
                await self.apply(self.strategy.on_resume(self.context()))
            if self.pause_after_start and self.lifecycle.accepts_new_orders:
                await self.move(BotState.PAUSED, self.pause_after_start)
            self.pause_after_start = ""
        elif state is BotState.RUNNING:
            if self.resync_due and not self.data_hold:  # held orders while data was stale
                self.resync_due = False
                await self.apply(self.strategy.on_resume(self.context()))
            intents = self.strategy.on_candle(candle, self.context())
            if intents:  # most candles decide nothing
                await self.apply(intents)

    def see_price(self, close: Decimal) -> None:
        """The last price the bot (its strategy, risk and sizing) decides on: the close on the
        instrument's tick, half-even, so a close 1 ulp off the tick decides as the tick does."""
        self.last_price = self.instrument.round_price(close)

    def pass_quiet(self, span: QuietSpan) -> None:
        """A quiet span of this bot's symbol passed over (`skip`): its last price and its
        candle memory as if each candle had been stepped (nothing else could change)."""
        self.see_price(span.price)
        self.history.extend_span(span.series, span.lo, span.hi)

    async def on_fill(self, fill: Fill) -> None:
        """Fill progress comes from fills only: execution and order reports may arrive in
        either order on a real venue, and a fill must reach the strategy exactly once."""
        if fill.fill_id in self.recovered_fills:
            return  # recovery journalled and applied it already
        if not fill.bot or not fill.tag:  # a venue that learnt of the order in another session
            known = self.book.orders.get(fill.client_order_id)
            fill = replace(fill, bot=self.name, tag=fill.tag or (known.tag if known else ""))
        position = self.position
        self.position = position.apply_signed(fill) if self.perpetual else position.apply(fill)
        self.fills += 1
        await self.journal.record_fill(fill)
        await self.journal.record_position(self.name, self.position, fill.ts)
        if self.bus.wants(OrderFilled):
            self.bus.publish(OrderFilled(fill.ts, fill))
        order = self.book.orders.get(fill.client_order_id)
        if order is not None:
            order = with_fill(order, fill)
            generation = self.book.generation_for(order.client_order_id)
            self.book.track(order)
        elif (late := self.closed_orders.apply(fill)) is not None:
            order, generation = late  # it crossed its cancel: still the strategy's to manage
        elif fill.tag == LIQUIDATION_TAG:
            await liquidated(self, fill)
            return
        else:
            self.log("warning", f"fill {fill.fill_id} for unknown order {fill.client_order_id}")
            return
        await self.journal.record_order(order)
        if generation != self.book.generation:
            self.log(
                "info", f"fill of {order.tag} from the outgoing strategy: position handed over"
            )
            return
        if not self.strategy_started:
            return  # an adopted order filled before the first candle: on_start sees the result
        await self.apply(
            self.strategy.on_fill(fill, order, self.context(self._now_price(fill.price)))
        )

    async def on_regime(self, reading: RegimeReading) -> None:
        """A classifier evaluation on this bot's symbol: a routed bot may switch strategy."""
        await follow_regime(self, reading)

    def use_strategy(self, strategy: Strategy, router: RouterBinding | None) -> None:
        """A stopped bot takes a new strategy (a config reload); it starts with the bot."""
        self.strategy, self.router = strategy, router
        self.strategy_started = False
        self.generation += 1

    async def switch_strategy(self, new: Strategy, reason: str, close: bool = False) -> None:
        """Hand the bot over to `new`: the outgoing strategy winds down (stops opening), every
        order it left is cancelled, the position is kept (or sold at market when `close`), and
        `new`, primed on recent candles, starts if the bot runs."""
        await self.apply(self.strategy.wind_down(self.context()))
        await self.cancel_all()
        if close:
            await self._close_position()  # the outgoing strategy's order: its fill is not news
        self.generation += 1
        self.strategy = new
        self.strategy_started = self.state is BotState.RUNNING
        self.log("info", f"strategy switched to {new.kind}: {reason}")
        if self.strategy_started:
            new.prime(self.history)
            ctx = self.context()
            if close:
                ctx = replace(ctx, position_qty=ZERO, position_avg_price=None)
            await self.apply(new.on_start(ctx))

    async def on_order(self, update: Order) -> None:
        known = self.book.orders.get(update.client_order_id)
        if (
            known is not None
            and update.qty < known.qty
            and self.perpetual is not None
            and update.status is not OrderStatus.REJECTED
        ):
            # the venue cut it (a reduce-only order to the position): its fills end it there
            known = cut_to(known, update.qty)
            self.book.track(known)
            await self.journal.record_order(known)
            self.log(
                "info", f"{known.client_order_id} ({known.tag}) cut by the venue to {known.qty}"
            )
        if known is not None and update.status in CLOSED_UNFILLED:
            self.book.close(known, update)
        if known is None or update.status is not OrderStatus.FILLED:
            await self.journal.record_order(update)
        if self.bus.wants(OrderUpdated):
            self.bus.publish(OrderUpdated(update.updated_ms, update))
        if known is not None and update.status is OrderStatus.REJECTED:
            await self._refused(replace(update, bot=self.name, tag=known.tag))

    # -- internals ---------------------------------------------------------------------------

    async def _refused(self, order: Order) -> None:
        """The venue refused an order it had accepted (a triggered stop it cannot cover): it
        is counted and logged, and the strategy reacts now, at this point of the path."""
        report_rejected(self, order.tag, order)
        generation = self.book.generation_for(order.client_order_id)
        if generation == self.book.generation and self.strategy_started:
            ctx = self.context(self._now_price(None))
            await self.apply(on_refused(self.strategy, order, ctx))

    def _now_price(self, fallback: Decimal | None) -> Decimal | None:
        """The venue's price at this moment (inside a candle's walk, the path point), on the
        tick; `fallback` where the venue has none (None: the bot's last price)."""
        last = self._venue_price(self.symbol) if self._venue_price is not None else None
        return self.instrument.market_price(last) if last is not None else fallback

    async def apply(self, intents: list[Intent]) -> None:
        await self.pipeline.apply(intents)

    async def place(self, intent: PlaceOrder) -> Decision:
        """An order outside the strategy's decisions (a close, a stop-out): risk, the
        allocator and execution, whatever the bot's state; what became of it."""
        return await self.pipeline.send(intent)

    async def cancel_all(self) -> int:
        return await self.pipeline.cancel_all()

    async def _close_position(self) -> None:
        qty = self.instrument.floor_qty(abs(self.position.qty))
        if qty <= 0 or self.last_price is None:
            return
        self.log("warning", f"closing position {self.position.qty} {self.symbol} at market")
        await self.place(
            closing_order(self.position.qty, "close", qty, Purpose.EXIT, bool(self.perpetual))
        )

    def risk_book(self) -> BotBook:
        """The bot's position and open orders as the risk gate sees them, at the last price."""
        mark = self.last_price if self.last_price is not None else ZERO
        leverage = self.perpetual.leverage_of(self.symbol) if self.perpetual else None
        return bot_book(
            self.position, self.book.orders.values(), mark, leverage is not None, leverage
        )

    def stopping_out(self) -> bool:
        """A stop-loss sell is still open: its fill has not arrived yet."""
        return any(o.tag == RISK_STOP_TAG for o in self.book.orders.values())

    def closing_qty(self, intent: PlaceOrder) -> Decimal:
        """How much of `intent` reduces the (signed) position: all of a reduce-only order."""
        held = self.position.qty
        if intent.reduce_only:
            return intent.qty
        if (intent.side is Side.BUY and held < 0) or (intent.side is Side.SELL and held > 0):
            return min(intent.qty, abs(held))
        return ZERO

    def committed_capital(self) -> Decimal:
        """Quote capital at risk: the position's cost plus resting buy orders' notional (on a
        perpetual venue: the margin of the position and of the resting orders that open)."""
        position = self.position
        if self.perpetual is not None:
            leverage = self.perpetual.leverage_of(self.symbol)
            return margin_committed(position, self.book.orders.values(), leverage)
        held = position.qty * position.avg_price if position.qty > 0 else ZERO
        return held + self.book.resting_buys

    def live_tags(self) -> AbstractSet[str]:
        """Tags of the current strategy's orders resting now (a live view: it changes as the
        orders do; `frozenset(...)` of it for a copy)."""
        return self.book.tags

    def context(self, price: Decimal | None = None) -> StrategyContext:
        # built at every stepped candle and every fill: each attribute read once, positionally
        position, funds, allocator, book = self.position, self.funds, self.allocator, self.book
        equity = funds.equity if funds is not None else ZERO
        qty = position.qty
        return StrategyContext(
            self.instrument,
            price if price is not None else (self.last_price or ZERO),
            self.clock.now_ms(),
            book.tags,
            qty,
            position.avg_price if qty else None,
            equity,
            (
                allocator.budget(self.name, equity) - self.committed_capital()
                if allocator is not None and funds is not None
                else None
            ),
            allocator.fee_reserve if allocator is not None else ZERO,
            book.orders.values(),
        )

    async def move(self, new: BotState, reason: str) -> None:
        old = self.lifecycle.move(new)
        self.state_reason = reason
        now = self.clock.now_ms()
        await self.journal.set_bot_state(self.name, new, now)
        self.bus.publish(BotStateChanged(now, self.name, old, new, reason))

    def log(self, level: str, message: str) -> None:
        self.bus.publish(LogRecord(self.clock.now_ms(), level, message, self.name))
