"""The grid strategy, as a desired-state machine over slots (see `strategies.grid.slots`).

At start, slots at or above the price hold base: an inherited position counts toward them, and
one market order (the seed) buys the rest before their sells are placed; the level nearest the
price stays free. A filled buy gets a counter-sell one level up, a filled sell a counter-buy one
level down (one grid cycle). With ATR bounds the grid waits for the ATR to warm up first.

On linear perpetuals `direction: short` mirrors it (slots at or below the price hold a short,
opened by a market sell; sells rest above, each filled sell is bought back one level lower,
reduce-only) and `direction: neutral` opens nothing at start: buys below the price open longs
(sold one level up), sells above it open shorts (bought back one level down).
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from enum import StrEnum

from strategies.base import (
    QUIET,
    StrategyContext,
    Wake,
    at_or_above,
    at_or_below,
    by_intent,
)
from strategies.grid.atr_range import AtrRange
from strategies.grid.config import GridConfig
from strategies.grid.levels import (
    GridError,
    grid_levels,
    level_prices,
    profit_per_grid,
    shrink_range,
    slot_quantities,
)
from strategies.grid.slots import SlotBook, slot_of
from traderagent.domain import (
    ZERO,
    CancelAll,
    CancelOrder,
    Candle,
    Fill,
    Instrument,
    Intent,
    Order,
    OrderType,
    PlaceOrder,
    Purpose,
    Side,
)

SEED_TAG = "seed"
STOP_TAG = "stop"


class Phase(StrEnum):
    IDLE = "idle"
    WARMING = "warming up"
    RUNNING = "running"
    STOPPED = "stopped"
    WOUND_DOWN = "wound down"


class GridStrategy:
    kind = "grid"

    def __init__(self, config: GridConfig, instrument: Instrument) -> None:
        self.config = config
        self.instrument = instrument
        self.atr_range = AtrRange(config.bounds) if config.bounds is not None else None
        self.book: SlotBook | None = None
        if self.atr_range is None:  # fixed bounds: a bad grid is a config error, found now
            self.book = self._book(grid_levels(config, instrument))
        self.direction = config.direction
        self.phase = Phase.IDLE
        self.seeded = False
        self.seed_slots: frozenset[int] = frozenset()  # their sells wait for the seed's fill
        self.unmanaged = ZERO  # inherited base beyond what the slots can hold
        self.note = ""
        # levels and config, and the description's head they give (see `_head`)
        self._head_text: tuple[tuple[Decimal, ...], GridConfig, str] | None = None

    # -- views -------------------------------------------------------------------------------

    @property
    def levels(self) -> tuple[Decimal, ...]:
        return self.book.levels if self.book else ()

    @property
    def cycles(self) -> int:
        return self.book.cycles if self.book else 0

    def desired(self) -> dict[str, PlaceOrder]:
        """The orders the grid wants resting now, by tag."""
        if self.book is None or self.phase is not Phase.RUNNING:
            return {}
        return self.book.desired(skip=frozenset() if self.seeded else self.seed_slots)

    # -- decisions ---------------------------------------------------------------------------

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        if self.atr_range is not None and not self.atr_range.ready:
            self.phase = Phase.WARMING
            return []
        return self._open(ctx)

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        if self.phase is Phase.WARMING and self.atr_range is not None:
            self.atr_range.update(candle)
            return self._open(ctx) if self.atr_range.ready else []
        margin = self.config.stop_outside_pct
        if self.phase is Phase.RUNNING and margin is not None and self.book is not None:
            return self._stop_outside(self.book, margin, ctx)
        return []

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        if self.book is None:
            return []
        # an order closed before this fill came (it crossed the cancel) fills no further
        complete = not order.is_open
        if order.tag == SEED_TAG:
            self.unmanaged += self.book.allocate(fill.base_qty, self.seed_slots)
            if not complete:
                return []
            self.seeded = True
            return [*self._missing(ctx.live_tags)] if self.phase is Phase.RUNNING else []
        slot = slot_of(order.tag)
        if slot is None or not 0 <= slot < len(self.book.quantities):
            return []
        if order.side is Side.BUY:
            counter = self.book.bought(slot, fill.base_qty, complete)
        else:
            counter = self.book.sold(slot, fill.base_qty, complete)
        # the book follows every fill; only a running grid places the counter-order
        opened = (order.side is Side.SELL) == self.book.short[slot]
        if self.phase is Phase.STOPPED and opened:
            return self._close_stopped(fill, order.side, ctx)
        return [counter] if counter is not None and self.phase is Phase.RUNNING else []

    def _close_stopped(self, fill: Fill, side: Side, ctx: StrategyContext) -> list[Intent]:
        """An open (a buy, a short's sell) that filled while the grid stopped (it crossed the
        cancel): closed at market, since a stopped grid holds no position of its own."""
        held = ctx.position_qty if side is Side.BUY else -ctx.position_qty
        qty = self.instrument.floor_qty(min(fill.base_qty, held))
        if qty <= 0 or self.instrument.check_order(ctx.price, qty):
            done = "bought" if side is Side.BUY else "sold"
            self.note += f"; {fill.base_qty} {done} after the stop is below the minimum order"
            return []
        return [self._market_close(side.opposite, qty)]

    def _market_close(self, side: Side, qty: Decimal) -> PlaceOrder:
        reduce_only = self.direction != "long"
        return PlaceOrder(
            STOP_TAG,
            side,
            qty,
            type=OrderType.MARKET,
            purpose=Purpose.STOP,
            reduce_only=reduce_only,
        )

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        """After a pause, a stop or an acknowledged halt: the slots are worked out again from
        the price, the orders still resting and the position the bot holds now (as at start),
        not from the book as it stood before (the price moved; fills went unanswered)."""
        if self.phase is not Phase.RUNNING or self.book is None:
            return []
        if SEED_TAG not in ctx.live_tags:
            return self._adopt(self.book, ctx, restart=True)
        # a seed in flight is not in the position yet: the book keeps its slots for it
        keep = self.desired().keys() | {SEED_TAG}
        intents: list[Intent] = [CancelOrder(t) for t in sorted(ctx.live_tags - keep)]
        intents.extend(by_intent(o, ctx.price) for o in self._missing(ctx.live_tags))
        return intents

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        """Cancel every resting order; the inventory stays with the position being handed over."""
        self.phase = Phase.WOUND_DOWN
        return [CancelAll("grid wound down")]

    def prime(self, history: Sequence[Candle]) -> None:
        if self.atr_range is not None:
            for candle in history:
                self.atr_range.update(candle)

    def wake(self) -> Wake | None:
        """Warming up: the ATR bar closes (each candle absorbed); running with a stop outside
        the range: a candle reaching past either stop level; otherwise only its fills."""
        if self.phase is Phase.WARMING and self.atr_range is not None:
            return Wake(bar_ms=self.atr_range.bars.interval_ms, candles=True)
        margin = self.config.stop_outside_pct
        if self.phase is Phase.RUNNING and margin is not None and self.book is not None:
            below, above = _stop_levels(self.book, margin)
            return Wake(low_below=at_or_below(below), high_above=at_or_above(above))
        return QUIET

    def absorb(self, candle: Candle) -> None:
        if self.phase is Phase.WARMING and self.atr_range is not None:
            self.atr_range.update(candle)

    def describe(self) -> str:
        if self.phase is Phase.WARMING and self.atr_range is not None:
            return f"grid {self.config.spacing}: waiting for {self.atr_range.describe()}"
        if self.book is None:
            return f"grid {self.config.spacing}: {self.note or self.phase.value}"
        holding = self.book.holding
        text = f"{self._head(self.levels)} · holding {sum(holding)}/{len(holding)}"
        if self.direction != "long":
            text += f" · {self.direction}"
        text += f" · cycles {self.cycles}"
        if self.unmanaged > 0:
            text += f" · unmanaged {self.unmanaged}"
        if self.phase is not Phase.RUNNING:
            text += f" · {self.note or self.phase.value}"
        elif self.config.stop_outside_pct is not None:
            text += f" · stops {self.config.stop_outside_pct}% outside"
        return text

    # -- internals ---------------------------------------------------------------------------

    def _head(self, levels: tuple[Decimal, ...]) -> str:
        """'grid arithmetic 19000.00-29000.00 x41 · profit/grid 0.96%' (or '0.80-1.30%'):
        worked out once per set of levels (a snapshot after every fill describes the grid)."""
        cached = self._head_text
        if cached is not None and cached[0] is levels and cached[1] is self.config:
            return cached[2]
        low, high = profit_per_grid(levels)
        low_pct, high_pct = f"{low * 100:.2f}", f"{high * 100:.2f}"
        profit = f"{low_pct}%" if low_pct == high_pct else f"{low_pct}-{high_pct}%"
        head = (
            f"grid {self.config.spacing} {levels[0]}-{levels[-1]} x{len(levels)}"
            f" · profit/grid {profit}"
        )
        self._head_text = (levels, self.config, head)
        return head

    def _book(self, levels: tuple[Decimal, ...]) -> SlotBook:
        quantities = slot_quantities(levels, self.config.amount_per_level, self.instrument)
        book = SlotBook(levels, quantities, self.instrument)
        book.reduce_only = self.config.direction != "long"
        return book

    def _open(self, ctx: StrategyContext) -> list[Intent]:
        book = self.book
        if self.atr_range is not None:
            lower, upper = self.atr_range.around(ctx.price)
            lower, upper = shrink_range(lower, upper, self.config.range_factor)
            try:
                levels = level_prices(
                    lower, upper, self.config.levels, self.config.spacing, self.instrument
                )
                book = self.book = self._book(levels)
            except GridError as err:
                self.phase, self.note = Phase.STOPPED, f"cannot open: {err}"
                return []
        if book is None:
            return []
        self.phase, self.note = Phase.RUNNING, ""
        return self._adopt(book, ctx)

    def _adopt(self, book: SlotBook, ctx: StrategyContext, restart: bool = False) -> list[Intent]:
        """The slots from the price, the orders resting (`ctx.live_tags`) and the position:
        held base fills the selling slots, then the slots at or above the price, then stands
        in for the buys nearest below it; one market order (the seed) buys only what the
        slots at or above the price still lack. Nothing held is bought again, and an order
        already through the market goes as a market order, by intent (`by_intent`)."""
        book.open_at(ctx.price, keep_countered=restart, direction=self.direction)
        if self.direction == "neutral" and not restart and ctx.position_qty != 0:
            # a new process: its sides by the price now, corrected by the position it holds
            short = ctx.position_qty < 0
            book.orient_held(ctx.price, ctx.live_tags, abs(ctx.position_qty), short)
        closing = book.adopt_live(ctx.live_tags)  # a restart: resting orders stay as they are
        self.unmanaged, lacking = ZERO, frozenset[int]()
        for short in (False, True):  # a long fills the long slots, a short the short ones
            held = max(-ctx.position_qty if short else ctx.position_qty, ZERO)
            left = book.allocate(held, book.sided(closing, short))  # on the venue already
            left = book.allocate(left, book.sided(book.lacking(), short))
            lacking |= book.sided(book.lacking(), short)  # what the seed opens, not the cover
            self.unmanaged += book.cover(left, short, ctx.price)
        intents: list[Intent] = self._seed(book, ctx.price, lacking)
        unwanted = ctx.live_tags - book.desired().keys() - {SEED_TAG}
        intents[:0] = [CancelOrder(t) for t in sorted(unwanted)]
        intents.extend(by_intent(o, ctx.price) for o in self._missing(ctx.live_tags))
        return intents

    def _seed(self, book: SlotBook, price: Decimal, slots: frozenset[int]) -> list[Intent]:
        """A market buy of the base `slots` lack (a market sell of the short they lack),
        unless that is nothing (or only dust). A neutral grid restarted holding one side
        reopens the other side's lacking slots with limits instead (one position per symbol)."""
        short = book.sided(slots, True)
        if short and len(short) < len(slots):
            for slot in short:
                book.holding[slot] = False
            slots = slots - short
            short = frozenset()
        qty = self.instrument.floor_qty(book.deficit(slots))
        self.seeded = qty == 0 or self.instrument.check_order(price, qty) is not None
        self.seed_slots = frozenset() if self.seeded else slots
        if self.seeded:
            return []  # the slots close what they hold
        side = Side.SELL if short else Side.BUY
        return [PlaceOrder(SEED_TAG, side, qty, type=OrderType.MARKET)]

    def _missing(self, live_tags: AbstractSet[str]) -> list[PlaceOrder]:
        return [o for tag, o in self.desired().items() if tag not in live_tags]

    def _stop_outside(self, book: SlotBook, margin: Decimal, ctx: StrategyContext) -> list[Intent]:
        below, above = _stop_levels(book, margin)
        if below <= ctx.price <= above:
            return []
        self.phase = Phase.STOPPED
        # below the range a long is closed (sold), above it a short (bought back)
        if ctx.price > above:
            self.note = f"stopped: price {ctx.price} above {self.instrument.round_price(above)}"
            side, held = Side.BUY, -ctx.position_qty
        else:
            self.note = f"stopped: price {ctx.price} below {self.instrument.round_price(below)}"
            side, held = Side.SELL, ctx.position_qty
        intents: list[Intent] = [CancelAll(self.note)]
        qty = self.instrument.floor_qty(held)
        if qty > 0 and self.instrument.check_order(ctx.price, qty) is None:
            intents.append(self._market_close(side, qty))
        return intents


def _stop_levels(book: SlotBook, margin: Decimal) -> tuple[Decimal, Decimal]:
    """The prices `stop_outside_pct` below the lowest level and above the highest."""
    return book.levels[0] * (1 - margin / 100), book.levels[-1] * (1 + margin / 100)
