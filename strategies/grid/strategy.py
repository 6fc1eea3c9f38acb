"""The grid strategy, as a desired-state machine over slots.

Slot k lies between level k and level k+1. An EMPTY slot wants a buy at level k; a HOLDING
slot owns base and wants a sell at level k+1. A filled buy turns its slot HOLDING (counter sell
one level up); a filled sell turns it EMPTY again (counter buy one level down) and completes one
grid cycle. At start, slots at or above the price are HOLDING, and their base is bought with one
market order (the seed) before their sells are placed; the level nearest the price stays free.
"""

from __future__ import annotations

from decimal import Decimal

from strategies.base import StrategyContext
from strategies.grid.config import GridConfig
from strategies.grid.levels import grid_levels, slot_quantities
from traderagent.domain import (
    CancelOrder,
    Candle,
    Fill,
    Instrument,
    Intent,
    Order,
    OrderStatus,
    OrderType,
    PlaceOrder,
    Side,
)

SEED_TAG = "seed"


class GridStrategy:
    kind = "grid"

    def __init__(self, config: GridConfig, instrument: Instrument) -> None:
        self.config = config
        self.levels = grid_levels(config, instrument)
        self.quantities = slot_quantities(self.levels, config.amount_per_level, instrument)
        self.holding: list[bool] = [False] * len(self.quantities)
        self.held_qty: list[Decimal] = list(self.quantities)
        self.seeded = False
        self.started = False
        self.cycles = 0

    # -- decisions ---------------------------------------------------------------------------

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        self.started = True
        self.holding = [level >= ctx.price for level in self.levels[:-1]]
        seed_qty = sum(
            (q for q, h in zip(self.quantities, self.holding, strict=True) if h), Decimal(0)
        )
        self.seeded = seed_qty == 0
        intents: list[Intent] = []
        if not self.seeded:
            intents.append(PlaceOrder(SEED_TAG, Side.BUY, seed_qty, type=OrderType.MARKET))
        intents.extend(self._missing(ctx.live_tags))
        return intents

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        if order.status is not OrderStatus.FILLED:
            return []  # counter-orders are placed for the whole order once it is complete
        tag = order.tag
        if tag == SEED_TAG:
            self.seeded = True
            return self._missing(ctx.live_tags)
        slot = _slot_of(tag)
        if slot is None or not 0 <= slot < len(self.quantities):
            return []
        if tag[0] == "b":
            self.holding[slot] = True
            self.held_qty[slot] = order.filled_qty
            return [self._sell(slot)]
        self.holding[slot] = False
        self.cycles += 1
        return [self._buy(slot)]

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        if not self.started:
            return []
        keep = self.desired().keys() | {SEED_TAG}  # a seed in flight completes on its own
        intents: list[Intent] = [CancelOrder(t) for t in sorted(ctx.live_tags - keep)]
        intents.extend(self._missing(ctx.live_tags))
        return intents

    def describe(self) -> str:
        held = sum(self.holding)
        return (
            f"grid {self.config.spacing} {self.levels[0]}-{self.levels[-1]} x{len(self.levels)}"
            f" · holding {held}/{len(self.holding)} · cycles {self.cycles}"
        )

    # -- desired state -----------------------------------------------------------------------

    def desired(self) -> dict[str, PlaceOrder]:
        wanted: dict[str, PlaceOrder] = {}
        for slot, holding in enumerate(self.holding):
            if holding and self.seeded:
                order = self._sell(slot)
            elif holding:
                continue  # its base is still being bought by the seed order
            else:
                order = self._buy(slot)
            wanted[order.tag] = order
        return wanted

    def _missing(self, live_tags: frozenset[str]) -> list[Intent]:
        return [o for tag, o in self.desired().items() if tag not in live_tags]

    def _buy(self, slot: int) -> PlaceOrder:
        return PlaceOrder(f"b{slot}", Side.BUY, self.quantities[slot], self.levels[slot])

    def _sell(self, slot: int) -> PlaceOrder:
        return PlaceOrder(f"s{slot}", Side.SELL, self.held_qty[slot], self.levels[slot + 1])


def _slot_of(tag: str) -> int | None:
    if len(tag) < 2 or tag[0] not in "bs" or not tag[1:].isdigit():
        return None
    return int(tag[1:])
