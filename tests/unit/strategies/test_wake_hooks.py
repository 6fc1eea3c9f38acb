"""A strategy's `wake` is a promise: a candle it lets pass would have decided nothing and
changed nothing but what `absorb` changes. Checked on real candles for every strategy kind,
driving each through its phases (market orders fill at the close, limits only rest)."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from decimal import Decimal

import pytest
from kit.factories import BTCUSDT
from strategy_samples import ctx

from strategies.base import (
    QUIET,
    Strategy,
    StrategyContext,
    Wake,
    at_or_above,
    at_or_below,
    wake_of,
)
from strategies.catalog import StrategySettings, build_strategy
from strategies.dca import DcaConfig
from strategies.grid import GridConfig
from strategies.smc import SmcConfig
from strategies.trend import TrendConfig
from traderagent.domain import (
    CancelAll,
    CancelOrder,
    Candle,
    Fill,
    Intent,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    PlaceOrder,
    Side,
)
from traderagent.engine.router import AwaitingRegime
from traderagent.marketdata import load_bundled

D = Decimal
DAY = 1440


def wakes(wake: Wake, candle: Candle, before: Candle | None) -> bool:
    """The engine's test (`traderagent.backtest.fastforward.first_wake`) for one candle."""
    if candle.low < wake.low_below or candle.high > wake.high_above:
        return True
    bar = wake.bar_ms
    if not bar:
        return False
    if candle.ts % bar + candle.interval_ms >= bar:
        return True
    return before is not None and (
        before.ts // bar != candle.ts // bar and before.ts % bar + before.interval_ms < bar
    )


class Account:
    """Just enough of a venue for two copies of one strategy: `stepped` sees every candle,
    `fast` only those its wake lets through (the others go to `absorb`). Market orders fill at
    once at the close, for both alike; limits only rest."""

    def __init__(self, stepped: Strategy, fast: Strategy) -> None:
        self.stepped, self.fast = stepped, fast
        self.position = D(0)
        self.cost = D(0)
        self.live: dict[str, PlaceOrder] = {}
        self.seq = 0
        self.quiet = 0
        self.woken = 0

    def context(self, price: Decimal, ts: int) -> StrategyContext:
        avg = self.cost / self.position if self.position > 0 else None
        return ctx(price, set(self.live), self.position, avg, "10000", None, ts)

    def both(self, decide: Callable[[Strategy], list[Intent]], price: Decimal, ts: int) -> None:
        intents = decide(self.stepped)
        assert decide(self.fast) == intents
        self.apply(intents, price, ts)

    def apply(self, intents: list[Intent], price: Decimal, ts: int) -> None:
        for intent in intents:
            if isinstance(intent, CancelAll):
                self.live.clear()
            elif isinstance(intent, CancelOrder):
                self.live.pop(intent.tag, None)
            elif intent.type is OrderType.MARKET:
                self.fill(intent, price, ts)
            else:
                self.live[intent.tag] = intent

    def fill(self, order: PlaceOrder, price: Decimal, ts: int) -> None:
        self.seq += 1
        qty = order.qty if order.side is Side.BUY else min(order.qty, self.position)
        if qty <= 0:
            return
        if order.side is Side.BUY:
            self.cost += qty * price
            self.position += qty
        else:
            self.cost -= self.cost * qty / self.position
            self.position -= qty
        f = Fill(f"f{self.seq}", f"c{self.seq}", "BTCUSDT", order.side, price, qty, D(0), "USDT",
                 Liquidity.TAKER, ts, tag=order.tag)  # fmt: skip
        state = Order(f"c{self.seq}", "BTCUSDT", order.side, order.type, order.qty, None,
                      OrderStatus.FILLED, ts, ts, qty, price, tag=order.tag)  # fmt: skip
        self.both(lambda s: s.on_fill(f, state, self.context(price, ts)), price, ts)

    def run(self, candles: list[Candle]) -> None:
        first = candles[0]
        price, ts = D(repr(first.close)), first.close_time
        self.both(lambda s: s.on_start(self.context(price, ts)), price, ts)
        before = first
        for n, candle in enumerate(candles[1:]):
            price, ts = D(repr(candle.close)), candle.close_time
            wake = wake_of(self.fast)
            if wake is not None and not wakes(wake, candle, before):
                assert self.stepped.on_candle(candle, self.context(price, ts)) == []
                if wake.candles:
                    self.fast.absorb(candle)  # type: ignore[attr-defined]
                self.quiet += 1
            else:
                self.both(lambda s, c=candle, p=price, t=ts: s.on_candle(c, self.context(p, t)),
                          price, ts)  # fmt: skip
                self.woken += 1
            if n % 97 == 0:
                self.assert_same(candle)
            before = candle
        self.assert_same(before)

    def assert_same(self, candle: Candle) -> None:
        same = pickle.dumps(self.stepped) == pickle.dumps(self.fast)
        assert same, f"the strategy that skipped quiet candles differs after {candle}"


def strategy_for(settings: StrategySettings, smc: SmcConfig | None = None) -> Strategy:
    return build_strategy(settings, BTCUSDT, smc)


CASES: dict[str, tuple[StrategySettings, SmcConfig | None]] = {
    "grid-stop-outside": (
        GridConfig(
            lower=D(22600),
            upper=D(23600),
            levels=11,
            amount_per_level=D(100),
            stop_outside_pct=D("0.3"),
        ),
        None,
    ),
    "grid-atr-bounds": (
        GridConfig.model_validate(
            {
                "bounds": {"atr_multiple": "3", "interval": "1h"},
                "levels": 11,
                "amount_per_level": "100",
            }
        ),
        None,
    ),
    "dca-stop-loss": (
        DcaConfig(base_order=D(200), safety_order=D(200), stop_loss=D("1.5"), cooldown_candles=5),
        None,
    ),
    "trend": (TrendConfig(fallback_equity=D(10000), max_notional=D(5000)), None),
    "trend-smc": (TrendConfig(fallback_equity=D(10000)), SmcConfig()),
}


@pytest.fixture(scope="module")
def candles() -> list[Candle]:
    return list(load_bundled().head(3 * DAY))


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_candle_the_strategy_lets_pass_changes_nothing(case: str, candles: list[Candle]) -> None:
    settings, smc = CASES[case]
    account = Account(strategy_for(settings, smc), strategy_for(settings, smc))
    account.run(candles)
    assert account.quiet > len(candles) // 2, "the wake should let most candles pass"
    assert account.woken > 0


def test_the_trend_follower_trades_while_its_wake_is_honoured(candles: list[Candle]) -> None:
    settings = TrendConfig(fallback_equity=D(10000))
    account = Account(strategy_for(settings), strategy_for(settings))
    account.run(candles)
    assert account.seq >= 2, "an entry and an exit were driven through the quiet spans"


def test_wake_levels_are_a_hair_wide_of_the_decimal_levels() -> None:
    level = D("22000.01")
    assert 22000.01 < at_or_below(level) < 22000.02
    assert 22000.00 < at_or_above(level) < 22000.01
    assert wake_of(AwaitingRegime("warming up")) is QUIET
    assert wake_of(object()) is None  # a strategy that cannot tell sees every candle
