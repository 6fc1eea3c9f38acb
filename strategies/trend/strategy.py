"""The trend follower: long on pullback or breakout signals in an EMA uptrend (and, with
`sides: short|both` on a perpetual venue, short on their mirror images in a downtrend: the
stop a buy-stop above, the take profit a limit buy below, both reduce-only).

Entries are market orders. Once long, the stop rests on the venue as a stop order (it fills
where it triggers) and the take profit as a limit sell (it fills at its price); whichever fills,
the other is cancelled. After each closed candle the trailing stop follows its high and the
stop order is re-placed when its level rises. Should the venue hold no stop (refused: the
close was already through it), the candle decides as a fallback (low at or below the stop, or
high at or above the take profit: sell at market). Size comes from risk:
qty = equity * risk_per_trade / (entry - stop), capped by the budget (with room left for
the buy's fee) and max_notional.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum

from strategies.base import StrategyContext, Wake, at_or_above, at_or_below, by_intent
from strategies.trend.adoption import adopt_exits
from strategies.trend.config import TrendConfig
from strategies.trend.position import LongPosition, TrailingStop
from strategies.trend.signals import SHORT_SIGNALS, EntrySignal, TrendSignals
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

_TAG = re.compile(r"^(?:entry|exit|stop|tp)(\d+)")


class Phase(StrEnum):
    FLAT = "flat"
    ENTERING = "entering"
    LONG = "long"
    EXITING = "exiting"
    WOUND_DOWN = "wound down"


class TrendStrategy:
    kind = "trend"

    def __init__(self, config: TrendConfig, instrument: Instrument) -> None:
        self.config = config
        self.instrument = instrument
        self.signals = TrendSignals(config)
        self.phase = Phase.FLAT
        self.position: LongPosition | None = None
        self.trades = 0
        self.seq = 0  # numbers the entry/exit tags
        self.stop_version = 0  # numbers the stop orders of one position (`stop3.2`)
        self.tp_version = 0
        self.resting_stop: Decimal | None = None  # the level of the stop order sent last
        self.resting_tp: Decimal | None = None
        self.short = False  # the position held or being entered is a short
        self.note = ""

    # -- decisions ---------------------------------------------------------------------------

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        """An inherited position is adopted (stop and take profit set around its average, and
        rested). After a restart, the position's stop still resting on the exchange (and its
        take profit) is kept as it is: its level becomes the stop (see `adopt_exits`).
        Whatever else still rests is cancelled, and the tag numbers continue after it."""
        self.phase, self.position = Phase.FLAT, None
        self.resting_stop = self.resting_tp = None
        numbers = (m.group(1) for m in map(_TAG.match, ctx.live_tags) if m is not None)
        self.seq = max([self.seq, *(int(n) for n in numbers)])
        held = self.instrument.floor_qty(abs(ctx.position_qty))
        if held > 0 and self.instrument.check_order(ctx.price, held) is None:
            self.short = ctx.position_qty < 0  # a perpetual's short is adopted as one
            entry = ctx.position_avg_price or ctx.price
            mine = [o for o in ctx.resting if o.tag in ctx.live_tags]  # not an outgoing one's
            adopted = adopt_exits(mine, held, self.short, entry)
            kept = adopted.tags if adopted is not None else frozenset()
            if adopted is not None:  # the exchange holds its stop: keep it, place none
                self.seq, self.stop_version = adopted.seq, adopted.stop_version
                self.tp_version = adopted.tp_version
                self.resting_stop, self.resting_tp = adopted.stop_level, adopted.take_profit
                self.position, self.note = adopted.position, adopted.note
            else:
                self.seq += 1  # fresh tags: the cancelled orders' may still be live a moment
                self._open_position(entry)  # inherited: adopt it
                self.note = "adopted an inherited position"
            self.phase = Phase.LONG
            cancels = [CancelOrder(t) for t in sorted(ctx.live_tags) if t not in kept]
            return [*cancels, *self._protect(ctx)]
        return [CancelOrder(t) for t in sorted(ctx.live_tags)]

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        signal = self.signals.update(candle)
        if self.phase is Phase.ENTERING and self._tag("entry") not in ctx.live_tags:
            if abs(ctx.position_qty) >= self.instrument.min_qty and self.position is not None:
                self.phase = Phase.LONG  # part-filled, then ended: manage what we got
            else:
                self.phase, self.position = Phase.FLAT, None  # dropped or rejected
        if self.phase is Phase.EXITING and self._tag("exit") not in ctx.live_tags:
            if abs(ctx.position_qty) < self.instrument.min_qty:
                self._closed()
            else:
                return self._exit(ctx, Purpose.STOP, "exit resent")
        if self.phase is Phase.LONG and self.position is not None:
            return self._manage(self.position, candle, ctx)
        if self.phase is Phase.FLAT and signal is not None:
            return self._enter(signal, ctx)
        return []

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        done = order.status is OrderStatus.FILLED or abs(ctx.position_qty) < self.instrument.min_qty
        if order.tag == self._tag("entry"):
            self._open_position(order.avg_fill_price or fill.price)
            if self.phase is not Phase.WOUND_DOWN:
                self.phase = Phase.LONG if order.status is OrderStatus.FILLED else Phase.ENTERING
                if self.phase is Phase.LONG:
                    return self._protect(ctx)
        elif order.tag == self._tag("exit") and done:
            self._closed()
        elif self._exit_of_position(order.tag) and done:
            # also a stop or take profit replaced meanwhile (it filled while its cancel flew)
            stopped = order.tag.startswith("stop")
            others = [t for t in sorted(ctx.live_tags) if self._exit_of_position(t)]
            self.note = f"stopped at {fill.price}" if stopped else f"took profit at {fill.price}"
            self._closed()
            return [CancelOrder(t) for t in others if t != order.tag]
        return []

    def on_refused(self, order: Order, ctx: StrategyContext) -> list[Intent]:
        """The venue refused the position's triggered stop (the take profit locks its base):
        sell at market now, the take profit cancelled first."""
        if order.tag != self._stop_tag() or self.phase is not Phase.LONG:
            return []
        self.resting_stop = None
        level = self.position.stop.level if self.position is not None else order.price
        why = f"stopped at {ctx.price} (stop {level} refused: {order.reject_reason})"
        return self._exit(ctx, Purpose.STOP, why)

    def _exit_of_position(self, tag: str) -> bool:
        """A stop order or take profit of the position held now, of any version."""
        return tag.startswith((f"stop{self.seq}.", f"tp{self.seq}."))

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        if self.phase is Phase.WOUND_DOWN:
            return []
        if self.phase is Phase.LONG and abs(ctx.position_qty) < self.instrument.min_qty:
            # closed outside the strategy (a perpetual venue's liquidation): flat again
            self.note = f"position closed outside the strategy at ~{ctx.price}"
            self._closed()
            return [CancelOrder(t) for t in sorted(ctx.live_tags)]
        ours = {self._tag("entry"), self._tag("exit"), self._stop_tag(), self._tp_tag()}
        return [CancelOrder(t) for t in sorted(ctx.live_tags - ours)]

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        """Stop opening; cancel anything resting. The position is handed over, not sold."""
        self.phase = Phase.WOUND_DOWN
        return [CancelAll("trend wound down")]

    def prime(self, history: Sequence[Candle]) -> None:
        for candle in history:
            self.signals.update(candle)

    def wake(self) -> Wake | None:
        """Flat: the signal bar closes. Long: those, and a candle reaching the stop, the take
        profit or (trailing) a new high. Entering or exiting: every candle."""
        bar_ms = self.signals.bars.interval_ms
        if self.phase is Phase.FLAT:
            return Wake(bar_ms=bar_ms, candles=True)
        if self.phase is Phase.WOUND_DOWN:
            return Wake(candles=True)
        position = self.position
        if self.phase is not Phase.LONG or position is None:
            return None
        if self.signals.atr_value is not None and not position.atr_stop_set:
            return None  # the next candle sets the ATR stop
        if position.short:  # the stop above; the take profit and a new low (trailing) below
            low = -math.inf if position.take_profit is None else at_or_below(position.take_profit)
            if self.config.trailing_atr is not None:
                low = max(low, at_or_below(position.highest))
            return Wake(low, at_or_above(position.stop.level), bar_ms, candles=True)
        high = math.inf if position.take_profit is None else at_or_above(position.take_profit)
        if self.config.trailing_atr is not None:
            high = min(high, at_or_above(position.highest))
        return Wake(at_or_below(position.stop.level), high, bar_ms, candles=True)

    def absorb(self, candle: Candle) -> None:
        self.signals.update(candle)

    def describe(self) -> str:
        head = f"trend {self.config.interval}"
        if not self.signals.ready:
            state = self.signals.warmup_note()
        elif self.phase in (Phase.LONG, Phase.ENTERING) and self.position is not None:
            p = self.position
            state = f"{'short' if p.short else 'long'} from {p.entry} · stop {p.stop.level}"
            state += f" · TP {p.take_profit}" if p.take_profit is not None else ""
        else:
            fast, slow = self.signals.fast.value, self.signals.slow.value
            trend = "uptrend" if fast > slow else "no uptrend"
            state = (
                f"{self.phase.value} · {trend} (EMA{self.config.fast_ema} {fast:.2f} vs "
                f"EMA{self.config.slow_ema} {slow:.2f})"
            )
        note = f" · {self.note}" if self.note else ""
        return f"{head}: {state} · trades {self.trades}{note}"

    # -- internals ---------------------------------------------------------------------------

    def _tag(self, kind: str) -> str:
        return f"{kind}{self.seq}"

    def _stop_tag(self) -> str:
        return f"stop{self.seq}.{self.stop_version}"

    def _tp_tag(self) -> str:
        return f"tp{self.seq}.{self.tp_version}"

    def _protect(self, ctx: StrategyContext) -> list[Intent]:
        """Rest the position's stop order and take-profit limit (or re-place the ones whose
        level moved). A stop at or above the price cannot rest: sell at market instead."""
        position = self.position
        qty = self.instrument.floor_qty(abs(ctx.position_qty))
        if position is None or qty < self.instrument.min_qty:
            return []
        intents: list[Intent] = []
        level = position.stop.level
        short = position.short
        if level <= ctx.price if short else level >= ctx.price:
            return self._exit(ctx, Purpose.STOP, f"stopped at {ctx.price} (stop {level})")
        # closes the position, reduce-only on either side: held on the exchange (a perpetual's
        # conditional order), a stop or take profit that outlives its position (the bot down
        # when the other filled) must never open the other side; spot venues ignore the flag
        side = Side.BUY if short else Side.SELL
        if level != self.resting_stop or self._stop_tag() not in ctx.live_tags:
            if self._stop_tag() in ctx.live_tags:
                intents.append(CancelOrder(self._stop_tag()))
            self.stop_version += 1
            self.resting_stop = level
            intents.append(
                PlaceOrder(
                    self._stop_tag(), side, qty, level, OrderType.STOP_MARKET, Purpose.STOP, True
                )
            )
        tp = position.take_profit
        if tp is not None and tp != self.resting_tp:
            if self._tp_tag() in ctx.live_tags:
                intents.append(CancelOrder(self._tp_tag()))
            self.tp_version += 1
            self.resting_tp = tp
            take_profit = PlaceOrder(
                self._tp_tag(), side, qty, tp, purpose=Purpose.TAKE_PROFIT, reduce_only=True
            )
            intents.append(by_intent(take_profit, ctx.price))  # through the price: at market
        return intents

    def _enter(self, signal: EntrySignal, ctx: StrategyContext) -> list[Intent]:
        atr = self.signals.atr_value
        if atr is None:
            return []
        entry = ctx.price
        risk_per_unit = self.config.stop_atr * atr
        equity = ctx.equity if ctx.equity > 0 else self.config.fallback_equity
        if equity is None:
            self.note = f"{signal} skipped: no equity to size from (set fallback_equity)"
            return []
        qty = equity * self.config.risk_per_trade / risk_per_unit
        if ctx.budget is not None:  # the buy's fee must fit the budget too (the venue locks it)
            qty = min(qty, ctx.budget / (entry * (1 + ctx.fee_reserve)))
        if self.config.max_notional is not None:
            qty = min(qty, self.config.max_notional / entry)
        qty = self.instrument.floor_qty(qty)
        problem = self.instrument.check_order(self.instrument.round_price(entry), qty)
        if problem:
            self.note = f"{signal} skipped: {problem}"
            return []
        self.seq += 1
        self.phase = Phase.ENTERING
        self.short = signal in SHORT_SIGNALS
        self.note = f"{signal} entry {qty} @ ~{entry}"
        side = Side.SELL if self.short else Side.BUY
        return [PlaceOrder(self._tag("entry"), side, qty, type=OrderType.MARKET)]

    def _open_position(self, entry: Decimal) -> None:
        """Stop and take profit around the (average) entry; a later partial fill redoes them."""
        atr = self.signals.atr_value
        short = self.short
        if atr is None:  # inherited while warming up: a percentage stop until the ATR is known
            pct = self.config.warmup_stop_pct / 100
            stop = self._tick(entry * (1 + pct) if short else entry * (1 - pct))
            self.position = LongPosition(
                entry, TrailingStop(stop, short), None, entry, False, short
            )
            return
        if short:
            stop = self._tick(entry + self.config.stop_atr * atr)
            tp = self.config.take_profit_atr
            take_profit = None if tp is None else self._tick(entry - tp * atr)
            self.position = LongPosition(
                entry, TrailingStop(stop, True), take_profit, entry, True, True
            )
            return
        stop = self._tick(entry - self.config.stop_atr * atr)
        tp = self.config.take_profit_atr
        take_profit = None if tp is None else self._tick(entry + tp * atr)
        self.position = LongPosition(entry, TrailingStop(stop), take_profit, entry)

    def _manage(self, position: LongPosition, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        low, high = (
            self.instrument.market_price(candle.low),
            self.instrument.market_price(candle.high),
        )
        on_venue = self._stop_tag() in ctx.live_tags and (
            position.take_profit is None or self._tp_tag() in ctx.live_tags
        )
        reason = None if on_venue else position.exit_on(low, high)
        if reason == "stop":
            return self._exit(ctx, Purpose.STOP, f"stopped at {position.stop.level}")
        if reason == "take_profit":
            return self._exit(ctx, Purpose.TAKE_PROFIT, f"took profit at {position.take_profit}")
        atr = self.signals.atr_value
        if atr is not None and not position.atr_stop_set:  # the ATR is known now
            way = -1 if position.short else 1  # a short's stop is above, its target below
            position.stop.tighten(self._tick(position.entry - way * self.config.stop_atr * atr))
            tp = self.config.take_profit_atr
            target = None if tp is None else self._tick(position.entry + way * tp * atr)
            position.take_profit = target
            position.atr_stop_set = True
        if atr is not None and self.config.trailing_atr is not None:
            position.trail(high, self._tick(self.config.trailing_atr * atr), low)
        return self._protect(ctx)

    def _exit(self, ctx: StrategyContext, purpose: Purpose, why: str) -> list[Intent]:
        qty = self.instrument.floor_qty(abs(ctx.position_qty))
        if qty < self.instrument.min_qty:
            self._closed()
            return []
        intents: list[Intent] = [
            CancelOrder(t)
            for t in (self._tag("entry"), self._stop_tag(), self._tp_tag())
            if t in ctx.live_tags
        ]
        self.phase, self.note = Phase.EXITING, why
        short = ctx.position_qty < 0
        side = Side.BUY if short else Side.SELL
        intents.append(
            PlaceOrder(self._tag("exit"), side, qty, None, OrderType.MARKET, purpose, short)
        )
        return intents

    def _closed(self) -> None:
        if self.phase is not Phase.WOUND_DOWN:
            self.phase = Phase.FLAT
        if self.position is not None:
            self.trades += 1
        self.position = None
        self.resting_stop = self.resting_tp = None

    def _tick(self, price: Decimal) -> Decimal:
        return self.instrument.round_price(max(price, ZERO))
