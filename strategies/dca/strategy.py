"""The DCA strategy: base order, safety orders, a take profit that follows the average entry.

A cycle opens with a market buy (the base order). Once it fills, the first safety orders rest
below it (`active_safety_orders` at a time) and a take-profit sell of the whole position rests
at the average entry + `take_profit` %; each safety fill re-prices that take profit. The stop
loss rests on the venue as a stop order at the average entry - `stop_loss` % (re-placed with
the take profit), so it fills where it triggers; a market sell stands in when the venue has no
stop resting (refused: the price was already through it). A filled take profit (or a stop
loss) ends the cycle; the next one opens `cooldown_candles` minutes later (a duration in engine
time, the same on 1m and 5m data).
An inherited position at start is adopted as the cycle's filled base order.

`direction: short` (linear perpetuals) mirrors every price and side: the base order sells at
market, safety orders sell above it, the take profit buys back below the average and the stop
above it, both reduce-only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from strategies.base import QUIET, StrategyContext, Wake, at_or_above, at_or_below, by_intent
from strategies.dca.config import DcaConfig
from strategies.dca.cycle import DcaCycle
from strategies.dca.plan import SafetyOrderPlan
from traderagent.domain import (
    ZERO,
    CancelAll,
    CancelOrder,
    Candle,
    Fill,
    Instrument,
    Intent,
    Order,
    OrderStatus,
    OrderType,
    PlaceOrder,
    Purpose,
    Side,
)

_TAG = re.compile(r"^(base|so|tp|sl)(\d+)(?:\.(\d+))?$")


class Phase(StrEnum):
    WAITING = "waiting"
    OPENING = "opening"
    IN_CYCLE = "in cycle"
    CLOSING = "closing"
    COOLDOWN = "cooling down"
    WOUND_DOWN = "wound down"


class DcaStrategy:
    kind = "dca"

    def __init__(self, config: DcaConfig, instrument: Instrument) -> None:
        self.config = config
        self.instrument = instrument
        self.short = config.direction == "short"
        self.open_side = Side.SELL if self.short else Side.BUY
        self.phase = Phase.WAITING
        self.cycle = DcaCycle(0)
        self.plan: SafetyOrderPlan | None = None
        self.next_safety = 1  # number of the next safety order to place
        self.wanted: dict[str, PlaceOrder] = {}  # limit orders that should be resting
        self.tp_tag: str | None = None
        self.tp_version = 0
        self.sl_tag: str | None = None  # the resting stop order
        self.sl_version = 0
        self.cooldown_until_ms = 0  # engine time from which the next cycle may open
        self.cycles_done = 0
        self.stops = 0
        self.note = ""

    # -- decisions ---------------------------------------------------------------------------

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        """An inherited position is adopted as the cycle's filled base order. After a restart
        this strategy's own orders may still rest (`ctx.live_tags`): the cycle continues under
        their number, live safety orders stay, the take profit is replaced for the whole
        position, and whatever else rests is cancelled."""
        self.wanted.clear()
        live = _live_tags(ctx.live_tags)
        number = max((n for _, n, _ in live), default=0)
        self.cycle = DcaCycle(max(self.cycle.number + 1, number))
        held = self.instrument.floor_qty(self._held(ctx))
        if held > 0 and self.instrument.check_order(ctx.price, held) is None:
            base_price = ctx.position_avg_price or ctx.price
            self.cycle.bought(held, base_price)  # the inherited position is the base order
            mine = [(kind, k) for kind, n, k in live if n == self.cycle.number]
            self.tp_version = max((k for kind, k in mine if kind == "tp"), default=0)
            self.sl_version = max((k for kind, k in mine if kind == "sl"), default=0)
            resting = sorted(k for kind, k in mine if kind == "so")
            intents = [
                by_intent(i, ctx.price) if isinstance(i, PlaceOrder) else i
                for i in self._arm(base_price, ctx, resting, market=ctx.price)
            ]
        else:
            intents = self._open(ctx)
        unwanted = ctx.live_tags - self.wanted.keys()
        return [*(CancelOrder(t) for t in sorted(unwanted)), *intents]

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        if self.phase is Phase.COOLDOWN:
            return self._open(ctx) if candle.close_time >= self.cooldown_until_ms else []
        if self.phase is Phase.WAITING:
            return self._open(ctx)
        if self.phase is Phase.OPENING and self._tag("base") not in ctx.live_tags:
            if self.cycle.qty > 0:  # the base order ended part-filled: trade what it got
                return self._arm(self.cycle.average_entry or ctx.price, ctx)
            return self._open(ctx)  # dropped (entry filter) or rejected: try again
        resting_stop = self.sl_tag is not None and self.sl_tag in ctx.live_tags
        if self.phase is Phase.IN_CYCLE and self.config.stop_loss is not None and not resting_stop:
            stop = self.cycle.stop_price(self.config.stop_loss, self.short)
            if stop is not None and self._reaches(candle, stop):
                self.stops += 1
                self.wanted.clear()
                return [CancelAll("dca stop loss"), *self._sell_all(ctx)]
        if self.phase is Phase.CLOSING and self._tag("sl") not in ctx.live_tags:
            return self._sell_all(ctx)  # the stop sell did not go through: send it again
        return []

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        match = _TAG.match(order.tag)
        if match is None:
            return []  # not ours
        if int(match.group(2)) != self.cycle.number:
            return self._late_fill(fill, order, ctx)
        kind, complete = match.group(1), order.status is OrderStatus.FILLED
        if complete:
            self.wanted.pop(order.tag, None)
        if kind in ("base", "so"):
            self.cycle.bought(fill.base_qty, fill.price)
        else:
            self.cycle.sold(fill.base_qty)
        if self.phase is Phase.WOUND_DOWN:
            return []
        if self.phase is Phase.CLOSING and kind != "sl":
            return []  # a buy whose cancel lost the race: the stop's sale is followed by another
        if kind == "base":
            return self._arm(order.avg_fill_price or fill.price, ctx) if complete else []
        if kind == "so":
            intents: list[Intent] = []
            if complete:
                self.cycle.safety_filled += 1
                # one sent at market on a restart: the ladder catches up with the price too
                market = ctx.price if order.type is OrderType.MARKET else None
                intents.extend(self._next_safety_orders(market=market))
            return [*self._take_profit(ctx), *self._stop_order(ctx), *intents]
        if kind == "tp" and complete:
            if self.cycle.qty >= self.instrument.min_qty:  # a safety order filled meanwhile
                return [*self._take_profit(ctx), *self._stop_order(ctx)]
            self.cycles_done += 1
            return self._end_cycle(ctx)
        if kind == "sl" and complete:
            if match.group(3) is not None:  # the resting stop order (the market sell is sl<n>)
                self.stops += 1
            return self._sell_all(ctx)  # what a late buy added is sold too; else the cycle ends
        return []

    def on_refused(self, order: Order, ctx: StrategyContext) -> list[Intent]:
        """The venue refused the cycle's triggered stop (the take profit locks its base): the
        stop loss sells at market now, everything resting cancelled first."""
        if order.tag != self.sl_tag or self.phase is not Phase.IN_CYCLE:
            return []
        self.stops += 1
        self.wanted.clear()
        return [CancelAll("dca stop loss"), *self._sell_all(ctx)]

    def _late_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        """A fill of an earlier cycle's order, whose cancel lost the race with it: the current
        cycle takes it over. A buy extends the cycle in progress (its exits follow the new
        average) or opens one with it as the filled base order; a sell shrinks the cycle."""
        if order.side is self.open_side:
            self.cycle.bought(fill.base_qty, fill.price)
        else:
            self.cycle.sold(fill.base_qty)
        if self.phase is Phase.IN_CYCLE:
            return [*self._take_profit(ctx), *self._stop_order(ctx)]
        if self.phase in (Phase.WAITING, Phase.COOLDOWN) and self.cycle.qty > 0:
            return self._arm(fill.price, ctx)  # the cycle was empty: it is this fill
        return []  # opening: the base order's fill arms the cycle; closing: sold after the stop

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        """After a pause, a stop or an acknowledged halt: the cycle follows the position the
        bot holds now (sold outside the strategy, by a halt or a stop-out: the cycle ends or
        shrinks), and the orders it wants go out again; one the price has moved through (a
        safety order above the market) goes as a market order, by intent."""
        if self.phase is Phase.WOUND_DOWN:
            return []
        if self.phase is Phase.IN_CYCLE:
            held = self.instrument.floor_qty(max(self._held(ctx), ZERO))
            if self.instrument.check_order(self.instrument.round_price(ctx.price), held):
                self.wanted.clear()  # nothing left to manage: the cycle is over
                live = [CancelOrder(t) for t in sorted(ctx.live_tags)]
                return [*live, *self._end_cycle(ctx)]
            if held < self.cycle.qty:
                self.cycle.sold(self.cycle.qty - held)
                self._take_profit(ctx)  # re-priced for what is held: placed below if missing
        unwanted = ctx.live_tags - self.wanted.keys() - {self._tag("base"), self._tag("sl")}
        intents: list[Intent] = [CancelOrder(t) for t in sorted(unwanted)]
        intents.extend(
            by_intent(o, ctx.price) for t, o in self.wanted.items() if t not in ctx.live_tags
        )
        return intents

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        """Cancel the safety orders and the take profit; the position is handed over."""
        self.phase = Phase.WOUND_DOWN
        self.wanted.clear()
        return [CancelAll("dca wound down")]

    def prime(self, history: Sequence[Candle]) -> None:
        # DCA reads no indicators: it acts on its fills and the price alone
        return

    def wake(self) -> Wake | None:
        """In a cycle: a candle reaching the stop loss (its orders rest on the venue); wound
        down: nothing; waiting, opening, closing or cooling down: every candle."""
        if self.phase is Phase.IN_CYCLE:
            stop = None
            if self.config.stop_loss is not None:
                stop = self.cycle.stop_price(self.config.stop_loss, self.short)
            if stop is None:
                return QUIET
            return (
                Wake(high_above=at_or_above(stop))
                if self.short
                else Wake(low_below=at_or_below(stop))
            )
        return QUIET if self.phase is Phase.WOUND_DOWN else None

    def absorb(self, candle: Candle) -> None:
        return  # DCA reads no indicators: a candle that decides nothing changes nothing

    def describe(self) -> str:
        head = f"dca {self.config.mode}" + (" short" if self.short else "")
        if self.phase is Phase.IN_CYCLE:
            avg = self.cycle.average_entry
            text = (
                f"{head} cycle {self.cycle.number}: {self.cycle.qty} @ avg "
                f"{self.instrument.round_price(avg) if avg else '-'}"
                f" · safety {self.cycle.safety_filled}/{self.config.max_safety_orders}"
            )
            tp = self.wanted.get(self.tp_tag or "")
            text += f" · TP {tp.price}" if tp is not None else " · no TP"
            if self.config.stop_loss is not None and avg is not None:
                stop = self.cycle.stop_price(self.config.stop_loss, self.short)
                text += f" · SL {self.instrument.round_price(stop or ZERO)}"
        elif self.phase is Phase.COOLDOWN:
            text = f"{head}: next cycle at {_utc(self.cooldown_until_ms)}"
        else:
            text = f"{head}: {self.phase.value}" + (f" ({self.note})" if self.note else "")
        return f"{text} · cycles {self.cycles_done} · stops {self.stops}"

    # -- internals ---------------------------------------------------------------------------

    def _tag(self, kind: str, n: int | None = None) -> str:
        return f"{kind}{self.cycle.number}" + (f".{n}" if n is not None else "")

    def _open(self, ctx: StrategyContext) -> list[Intent]:
        # sized at the price a market buy fills at now: it spends at most `base_order`
        price = self.instrument.round_price(ctx.price)
        qty = self.instrument.floor_qty(self.config.base_order / price) if price > 0 else ZERO
        problem = self.instrument.check_order(price, qty)
        if ctx.budget is not None and ctx.budget < self.config.base_order:
            problem = f"budget {ctx.budget} is below the base order {self.config.base_order}"
        if problem:
            self.phase, self.note = Phase.WAITING, problem
            return []
        self.phase, self.note = Phase.OPENING, ""
        return [PlaceOrder(self._tag("base"), self.open_side, qty, type=OrderType.MARKET)]

    def _arm(
        self,
        base_price: Decimal,
        ctx: StrategyContext,
        resting: Sequence[int] = (),
        market: Decimal | None = None,
    ) -> list[Intent]:
        """The base is filled: plan the safety orders from its price, rest the first ones
        (`resting`: numbers of safety orders resting already, adopted after a restart;
        `market`: see `_next_safety_orders`)."""
        self.phase = Phase.IN_CYCLE
        c = self.config
        self.plan = SafetyOrderPlan(
            base_price,
            c.safety_order,
            c.price_deviation,
            c.step_scale,
            c.volume_scale,
            c.max_safety_orders,
            self.instrument,
            self.short,
        )
        self.next_safety = resting[0] if resting else 1
        return [
            *self._take_profit(ctx),
            *self._stop_order(ctx),
            *self._next_safety_orders(frozenset(resting), market),
        ]

    def _next_safety_orders(
        self, resting_now: frozenset[int] = frozenset(), market: Decimal | None = None
    ) -> list[Intent]:
        """The next safety orders up to `active_safety_orders`. `market` (a restart only): one
        the price is already through goes as a market order, by intent, never a buy limit
        resting above the market; its fill brings the next ones."""
        if self.plan is None:
            return []
        intents: list[Intent] = []
        resting = sum(1 for tag in self.wanted if tag.startswith("so"))
        while resting < self.config.active_safety_orders and self.next_safety <= len(self.plan):
            so = self.plan.order(self.next_safety)
            self.next_safety += 1
            if self.instrument.check_order(so.price, so.qty):
                continue  # too small on this venue: skip it rather than be rejected
            order = PlaceOrder(self._tag("so", so.number), self.open_side, so.qty, so.price)
            self.wanted[order.tag] = order
            if so.number not in resting_now:
                intents.append(order if market is None else by_intent(order, market))
            resting += 1
        return intents

    def _take_profit(self, ctx: StrategyContext) -> list[Intent]:
        """Cancel the current take profit and place one for the whole position at the new avg."""
        intents: list[Intent] = []
        if self.tp_tag is not None and self.wanted.pop(self.tp_tag, None) is not None:
            intents.append(CancelOrder(self.tp_tag))
        if self.config.take_profit is None:
            return intents
        target = self.cycle.take_profit_price(self.config.take_profit, self.short)
        qty = self.instrument.floor_qty(min(self.cycle.qty, self._held(ctx)))
        if target is None:
            return intents
        close = self.open_side.opposite
        price = self.instrument.round_price(target, close)  # never closing at a worse price
        if self.instrument.check_order(price, qty) is None:
            self.tp_version += 1
            self.tp_tag = self._tag("tp", self.tp_version)
            order = PlaceOrder(
                self.tp_tag, close, qty, price, purpose=Purpose.TAKE_PROFIT, reduce_only=self.short
            )
            self.wanted[self.tp_tag] = order
            intents.append(order)
        return intents

    def _stop_order(self, ctx: StrategyContext) -> list[Intent]:
        """Cancel the resting stop; rest one for the whole position at the new average."""
        intents: list[Intent] = []
        if self.sl_tag is not None and self.wanted.pop(self.sl_tag, None) is not None:
            intents.append(CancelOrder(self.sl_tag))
        if self.config.stop_loss is None:
            return intents
        stop = self.cycle.stop_price(self.config.stop_loss, self.short)
        qty = self.instrument.floor_qty(min(self.cycle.qty, self._held(ctx)))
        if stop is None:
            return intents
        # down for a long (as `low <= stop`), up for a short (as `high >= stop`)
        trigger = self.instrument.round_price(stop, self.open_side)
        if self.instrument.check_order(trigger, qty) is None:
            self.sl_version += 1
            self.sl_tag = self._tag("sl", self.sl_version)
            order = PlaceOrder(
                self.sl_tag,
                self.open_side.opposite,
                qty,
                trigger,
                OrderType.STOP_MARKET,
                Purpose.STOP,
                self.short,
            )
            self.wanted[self.sl_tag] = order
            intents.append(order)
        return intents

    def _sell_all(self, ctx: StrategyContext) -> list[Intent]:
        """Close the cycle's position at market (a short: bought back, reduce-only)."""
        qty = self.instrument.floor_qty(min(self.cycle.qty, self._held(ctx)))
        if qty <= 0 or self.instrument.check_order(self.instrument.round_price(ctx.price), qty):
            return self._end_cycle(ctx)  # nothing sellable left: the cycle is over
        self.phase = Phase.CLOSING
        close = self.open_side.opposite
        return [
            PlaceOrder(
                self._tag("sl"),
                close,
                qty,
                type=OrderType.MARKET,
                purpose=Purpose.STOP,
                reduce_only=self.short,
            )
        ]

    def _held(self, ctx: StrategyContext) -> Decimal:
        """The bot's position on this DCA's side (a short's size, positive)."""
        return -ctx.position_qty if self.short else ctx.position_qty

    def _reaches(self, candle: Candle, stop: Decimal) -> bool:
        """The candle trades through the stop: a long's low at or below it, a short's high
        at or above it."""
        if self.short:
            return self.instrument.market_price(candle.high) >= stop
        return self.instrument.market_price(candle.low) <= stop

    def _end_cycle(self, ctx: StrategyContext) -> list[Intent]:
        intents: list[Intent] = [CancelOrder(tag) for tag in sorted(self.wanted)]
        self.wanted.clear()
        self.cycle = DcaCycle(self.cycle.number + 1)
        self.plan, self.tp_tag, self.sl_tag = None, None, None
        if self.config.cooldown_ms > 0:
            self.phase, self.cooldown_until_ms = Phase.COOLDOWN, ctx.ts + self.config.cooldown_ms
            return intents
        return [*intents, *self._open(ctx)]


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _live_tags(tags: AbstractSet[str]) -> list[tuple[str, int, int]]:
    """(kind, cycle, n) of the DCA tags among `tags` (`so3.2` -> ('so', 3, 2))."""
    found = []
    for tag in tags:
        match = _TAG.match(tag)
        if match is not None:
            found.append((match.group(1), int(match.group(2)), int(match.group(3) or 0)))
    return found
